"""Multi-input fusion: every input has a branch, and one merge brings the branches together.

A fusion is a merge at least two of whose operands share nothing upstream, not even an
input; a merge inside one branch does not fuse anything. Failures mark the input that is
left out, or the merge it never reaches.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from autograder.checks.interface import require_named
from autograder.checks.wording import names
from autograder.errors import CheckFailure, Marks
from autograder.graph import Call, ModelGraph, TensorSpec, as_graph


def check_multi_input_fusion(model_or_graph: Any, inputs: Sequence[str] | None = None) -> Call:
    """Every input reaches an output, and one merge fuses branches that share no ancestor.

    ``inputs`` names the inputs the task asks for (all of the model's inputs if ``None``); each
    of them must reach the fusing merge. Returns that merge.
    """
    graph = as_graph(model_or_graph)
    specs = require_named(graph, "input", inputs, "Multiple inputs")
    for spec in specs:
        require_reaches_output(graph, spec)
    fusions = [merge for merge in graph.merges() if fuses_independent_branches(graph, merge)]
    listed = names([spec.name for spec in specs])
    if not fusions:
        raise CheckFailure(
            "Branch fusion",
            f"a merge (Concatenate, Add, ...) that combines the branches of {listed}",
            "your branches are never merged: " + _where_inputs_go(graph, specs),
            "combine the branches' features with `layers.Concatenate()([a, b])` and compute "
            "the output from the merged tensor",
            Marks(calls=tuple(s.call for s in specs), note="branches never merged", graph=graph),
        )
    for merge in fusions:
        if all(spec.call in graph.ancestors(merge.id) for spec in specs):
            return merge
    best = max(fusions, key=lambda m: sum(s.call in graph.ancestors(m.id) for s in specs))
    missing = [s for s in specs if s.call not in graph.ancestors(best.id)]
    raise CheckFailure(
        "Branch fusion",
        f"one merge that every input reaches: {listed}",
        f"input {names([s.name for s in missing])} never reaches the merge "
        f"{graph.describe(best.id)}",
        "merge all the branches, in one Concatenate or step by step, before the output layers",
        Marks(
            calls=(*(s.call for s in missing), best.id),
            missing_edges=tuple((s.call, best.id) for s in missing),
            note="an input left out of the merge",
            graph=graph,
        ),
    )


def require_reaches_output(graph: ModelGraph, spec: TensorSpec) -> None:
    """An input that no output depends on is unused, however many layers it feeds."""
    if not graph.reaches_output(spec.call):
        raise CheckFailure(
            "Inputs used",
            "every input connected to an output",
            f"input `{spec.name}` is never used: nothing connects it to an output",
            f"pass `{spec.name}` through its own layers and merge the result with the other "
            "branches (for example `layers.Concatenate()([x, y])`)",
            Marks(calls=(spec.call,), note="the unused input", graph=graph),
        )


def fuses_independent_branches(graph: ModelGraph, merge: Call) -> bool:
    """At least two operands have no call in common upstream (not even an input)."""
    closures = [graph.closure(operand) for operand in merge.inputs]
    return any(not (a & b) for i, a in enumerate(closures) for b in closures[i + 1 :])


def _where_inputs_go(graph: ModelGraph, specs: list[TensorSpec]) -> str:
    parts = []
    for spec in specs:
        reached = graph.descendants(spec.call) | {spec.call}
        outs = [out.name for out in graph.outputs if out.call in reached]
        parts.append(f"`{spec.name}` reaches {names(outs, 'output')}")
    return "; ".join(parts) + ", each on its own"
