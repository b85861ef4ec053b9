"""Output heads: several outputs computed from one shared trunk, each with a head of its own.

For each output the branch point is the last call it shares with the other outputs; the head
is what only that output depends on. Failures mark the head at fault and where it leaves the
trunk.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from autograder.checks.activations import through_activations
from autograder.checks.interface import require_named
from autograder.checks.wording import count
from autograder.errors import CheckFailure, Marks
from autograder.graph import ModelGraph, Shape, as_graph, format_shape


@dataclass(frozen=True)
class OutputBranch:
    """Where one output's head leaves what it shares with the other outputs.

    ``branch_point`` is the last call (in graph order) shared with another output, ``None`` if
    the output shares nothing; ``own_calls`` are the calls only this output depends on and
    ``own_weighted`` the layers with weights that no other output uses.
    """

    output: str
    branch_point: str | None
    own_calls: tuple[str, ...]
    own_weighted: int


def output_branches(model_or_graph: Any) -> list[OutputBranch]:
    """For each output, the branch point off the shared trunk and the size of its own head."""
    graph = as_graph(model_or_graph)
    closures = {out.name: graph.closure(out.call) for out in graph.outputs}
    branches = []
    for out in graph.outputs:
        others = set().union(*(c for name, c in closures.items() if name != out.name))
        mine = closures[out.name]
        shared = mine & others
        own = graph.in_order(mine - others)
        other_layers = {graph.calls[c].layer for c in others}
        own_layers = {graph.calls[c].layer for c in own} - other_layers
        weighted = sum(graph.layers[path].params > 0 for path in own_layers)
        point = max(shared, key=graph.position) if shared else None
        branches.append(OutputBranch(out.name, point, tuple(own), weighted))
    return branches


def check_output_branches(
    model_or_graph: Any,
    outputs: Sequence[str] | None = None,
    min_own_weighted: int = 1,
    trunk_class: str | None = None,
    trunk_shape: Shape | None = None,
) -> list[OutputBranch]:
    """Each output has a head of its own that leaves a shared trunk.

    The trunk must hold at least one layer with weights (two separate towers are not a
    multi-task model); each head must own ``min_own_weighted`` layers with weights and must
    not be computed from another output. ``trunk_class`` / ``trunk_shape`` pin the tensor the
    heads branch from (an activation after it, or ``Conv2D(activation=...)``, counts the same).
    """
    graph = as_graph(model_or_graph)
    require_named(graph, "output", outputs, "Multiple outputs")
    branches = output_branches(graph)
    wanted = set(outputs) if outputs is not None else {b.output for b in branches}
    _check_heads_are_not_chained(graph, wanted)
    for branch in branches:
        if branch.output in wanted:
            _check_one_head(graph, branch, min_own_weighted, trunk_class, trunk_shape)
    return branches


def _check_heads_are_not_chained(graph: ModelGraph, names: set[str]) -> None:
    """No output is computed from another output's prediction."""
    for out in graph.outputs:
        feeder = next(
            (
                o
                for o in graph.outputs
                if o.name != out.name and o.call in graph.ancestors(out.call)
            ),
            None,
        )
        if out.name in names and feeder is not None:
            raise CheckFailure(
                "Output heads",
                f"output `{out.name}` computed from the shared trunk",
                f"output `{out.name}` is computed from output `{feeder.name}`",
                "branch each head off the trunk (the last layer the outputs have in common), "
                "not off another head's prediction",
                Marks(
                    calls=(feeder.call, out.call),
                    edges=graph.edges_among({feeder.call, *graph.between(feeder.call, out.call)}),
                    note="a head computed from another output",
                    graph=graph,
                ),
            )


def _check_one_head(
    graph: ModelGraph,
    branch: OutputBranch,
    min_own_weighted: int,
    trunk_class: str | None,
    trunk_shape: Shape | None,
) -> None:
    name = branch.output
    if branch.branch_point is None or not _trunk_has_weights(graph, branch.branch_point):
        raise CheckFailure(
            "Shared trunk",
            "outputs that share a trunk of layers with weights, then split into heads",
            f"output `{name}` shares no layer with weights with the other outputs: each output "
            "has its own tower from the input",
            "compute the shared features once (the trunk), then apply each head to them",
            Marks(calls=(_output_call(graph, name),), note="no shared trunk", graph=graph),
        )
    if branch.own_weighted < min_own_weighted:
        raise CheckFailure(
            "Output heads",
            f"output `{name}` with at least {count(min_own_weighted, 'layer')} with weights "
            "of its own",
            f"output `{name}` has {branch.own_weighted}; it leaves the trunk at "
            f"{graph.describe(branch.branch_point)}",
            f"give `{name}` its own Dense layer on top of the trunk; reusing another head's "
            "layer makes both outputs predict the same thing",
            Marks(
                calls=(branch.branch_point, _output_call(graph, name)),
                edges=graph.edges_among({branch.branch_point, *branch.own_calls}),
                note="a head without a layer of its own",
                graph=graph,
            ),
        )
    _check_branch_point(graph, branch, trunk_class, trunk_shape)


def _check_branch_point(
    graph: ModelGraph, branch: OutputBranch, trunk_class: str | None, trunk_shape: Shape | None
) -> None:
    point = branch.branch_point
    assert point is not None
    if any(
        _is_trunk(graph, c, trunk_class, trunk_shape) for c in through_activations(graph, point)
    ):
        return
    wanted = trunk_class or "layer"
    if trunk_shape is not None:
        wanted += " " + format_shape(tuple(trunk_shape))
    raise CheckFailure(
        "Branch point",
        f"the heads branch off the trunk's {wanted}",
        f"output `{branch.output}` branches off at {graph.describe(point)}",
        f"apply every head to the output of the trunk's {wanted}",
        Marks(
            calls=(point, _output_call(graph, branch.output)),
            note="the head leaves the trunk here",
            graph=graph,
        ),
    )


def _is_trunk(
    graph: ModelGraph, cid: str, trunk_class: str | None, trunk_shape: Shape | None
) -> bool:
    call = graph.calls[cid]
    return (trunk_class is None or call.class_name == trunk_class) and (
        trunk_shape is None or call.shape == tuple(trunk_shape)
    )


def _trunk_has_weights(graph: ModelGraph, point: str) -> bool:
    return any(graph.weighted(c) for c in graph.closure(point))


def _output_call(graph: ModelGraph, name: str) -> str:
    spec = graph.output_named(name)
    assert spec is not None
    return spec.call
