"""Residual blocks: a sum of what a block computed and the tensor that entered it.

A residual is an ``Add`` (layer or ``x + y``) whose two operands part at a common call, the
fork: the lighter branch from the fork is the shortcut (identity if it has no weights, a
projection otherwise), the other is the block's main branch. Operand order, ``x + y`` or
``Add()``, and blocks written as nested models all read the same.

A failure marks the merge and its shortcut, so a picture can show the misplaced skip.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from autograder.checks.activations import applies_activation, described_call, is_activation
from autograder.checks.running import BLOCK_INPUT
from autograder.checks.wording import count, described
from autograder.errors import CheckFailure, Marks
from autograder.graph import Call, ModelGraph, as_graph

# Layers that may sit between one block's sum and the next block's shortcut: they rescale the
# tensor without computing new features (a pre-activation ResNet's BN before its ReLU).
_NORMALISING = frozenset({"BatchNormalization", "LayerNormalization", "GroupNormalization"})


@dataclass(frozen=True)
class ResidualMerge:
    """A sum of a block's output and its shortcut.

    ``fork`` is the call both operands come from; ``shortcut`` and ``main`` are the calls on each
    branch after the fork, in graph order (an identity shortcut is empty).
    """

    merge: str
    kind: str  # "identity" or "projection"
    fork: str
    shortcut: tuple[str, ...]
    main: tuple[str, ...]

    def shortcut_edges(self, graph: ModelGraph) -> tuple[tuple[str, str], ...]:
        """The connections that carry the shortcut from the fork into the sum."""
        return graph.edges_among({self.fork, *self.shortcut, self.merge}) if self.shortcut else (
            (self.fork, self.merge),
        )


def residual_merges(model_or_graph: Any) -> list[ResidualMerge]:
    """Every two-operand ``Add`` (layer or ``x + y``) that closes a residual block.

    The shortcut is the lighter branch from the fork (fewer layers with weights, then fewer
    calls). A sum of two branches of the same weight (twin parallel towers) or of a tensor
    with itself is not a residual and is left out.
    """
    graph = as_graph(model_or_graph)
    found = []
    for merge in graph.calls_of_class("Add"):
        if len(merge.inputs) == 2:
            record = _as_residual(graph, merge)
            if record is not None:
                found.append(record)
    return found


def _as_residual(graph: ModelGraph, merge: Call) -> ResidualMerge | None:
    left, right = merge.inputs
    fork = graph.fork(left, right)
    if fork is None:
        return None
    branches = [graph.between(fork, operand) for operand in (left, right)]
    shortcut, main = sorted(branches, key=lambda calls: _branch_weight(graph, calls))
    if _branch_weight(graph, main) == _branch_weight(graph, shortcut):
        return None
    kind = "projection" if _weighted_calls(graph, shortcut) else "identity"
    return ResidualMerge(merge.id, kind, fork, shortcut, main)


def _weighted_calls(graph: ModelGraph, calls: Iterable[str]) -> int:
    return sum(graph.weighted(c) for c in calls)


def _branch_weight(graph: ModelGraph, calls: Sequence[str]) -> tuple[int, int]:
    """How much a branch computes: layers with weights first, then calls of any kind."""
    return _weighted_calls(graph, calls), len(calls)


def check_residual_blocks(
    model_or_graph: Any,
    identity: int | None = None,
    projection: int | None = None,
    activation_after_merge: bool | None = None,
) -> list[ResidualMerge]:
    """The model has residual blocks: as many identity and projection merges as asked.

    Each shortcut must leave from its block's input: a ``block_model``'s input, or the
    previous block's sum in a whole network. ``activation_after_merge=True`` also asks that
    each block add its shortcut *before* its final activation, the classic mistake being a sum
    placed after the ReLU; ``False`` asks for no activation after the sum (pre-activation
    ResNets); ``None`` does not look.
    """
    graph = as_graph(model_or_graph)
    merges = residual_merges(graph)
    expected_total = (identity or 0) + (projection or 0)
    if not merges and (expected_total > 0 or (identity is None and projection is None)):
        raise _no_residual(graph)
    _check_residual_counts(graph, merges, identity, projection)
    for record in merges:
        _check_shortcut_starts_at_block_input(graph, record, merges)
    if activation_after_merge is True:
        for record in merges:
            _check_merge_before_activation(graph, record)
    elif activation_after_merge is False:
        for record in merges:
            _check_no_activation_after_merge(graph, record)
    return merges


def _no_residual(graph: ModelGraph) -> CheckFailure:
    adds = graph.calls_of_class("Add")
    if adds:
        found = (
            f"{count(len(adds), 'sum')} ({described(graph, [a.id for a in adds])}), but none "
            "adds a block's input to the block's output"
        )
        hint = (
            "a residual adds the tensor that entered the block (or a 1x1 projection of it) to "
            "what the block computed; summing two parallel branches of equal depth, or a "
            "tensor with itself, is not a skip connection"
        )
        marks = Marks(
            calls=tuple(a.id for a in adds),
            edges=tuple(edge for a in adds for edge in graph.edges_into(a.id)),
            note="a sum that is no skip connection",
            graph=graph,
        )
    else:
        found = "no skip connection: no Add sums a block's input with its output"
        hint = (
            "keep the block's input (`shortcut = x`), compute the block, then "
            "`x = layers.Add()([x, shortcut])` (or `x + shortcut`) before the final activation"
        )
        marks = Marks(note="no skip connection", graph=graph)
    return CheckFailure("Residual blocks", "at least one residual merge (Add)", found, hint, marks)


def _check_residual_counts(
    graph: ModelGraph,
    merges: list[ResidualMerge],
    identity: int | None,
    projection: int | None,
) -> None:
    kinds = Counter(record.kind for record in merges)
    wanted = {"identity": identity, "projection": projection}
    if all(n is None or kinds[kind] == n for kind, n in wanted.items()):
        return
    expected = " and ".join(f"{n} {kind}" for kind, n in wanted.items() if n is not None)
    found = f"{kinds['identity']} identity and {kinds['projection']} projection"
    raise CheckFailure(
        "Residual blocks",
        f"{expected} residual merge(s)",
        f"{found} residual merge(s)",
        _residual_count_hint(kinds, identity, projection),
        _marks(graph, merges, f"{found} residual merge(s)"),
    )


def _marks(graph: ModelGraph, merges: Iterable[ResidualMerge], note: str) -> Marks:
    """The sums and the shortcuts that feed them."""
    merges = list(merges)
    return Marks(
        calls=tuple(record.merge for record in merges),
        edges=tuple(edge for record in merges for edge in record.shortcut_edges(graph)),
        note=note,
        graph=graph,
    )


def _residual_count_hint(kinds: Counter, identity: int | None, projection: int | None) -> str:
    if projection is not None and kinds["projection"] < projection:
        if identity is None or kinds["identity"] > identity:
            return (
                "a block that changes the shape (strides or number of filters) needs a "
                "projection shortcut: a 1x1 Conv2D with the block's strides, then "
                "BatchNormalization, applied to the shortcut before the Add"
            )
        return "some blocks have no skip connection: each block must end with its own Add"
    if projection is not None and kinds["projection"] > projection:
        return (
            "an identity block adds its input unchanged; only a block whose output shape "
            "differs from its input needs a 1x1 conv on the shortcut"
        )
    if identity is not None and kinds["identity"] < identity:
        return (
            "some blocks have no skip connection: keep `shortcut = x` at the start of each "
            "block and add it back at the end"
        )
    return "there are more residual merges than blocks: each block should add its shortcut once"


def _check_shortcut_starts_at_block_input(
    graph: ModelGraph, record: ResidualMerge, merges: list[ResidualMerge]
) -> None:
    """The fork is the block's input, not a tensor the block has already computed.

    A ``block_model`` says where its block starts: its input. In a whole network a block
    starts at the previous block's sum (normalised or activated, maybe); layers with weights
    between that sum and an identity shortcut's fork, all keeping the tensor's shape, are the
    block's own first layers skipped by the shortcut. A layer that changes the shape there is
    a transition between stages and is left alone.
    """
    start, known = _block_start(graph, record, merges)
    if start is None or start == record.fork:
        return
    inside = [c for c in graph.between(start, record.fork) if graph.weighted(c)]
    shape = graph.calls[start].shape
    if not inside or not (
        known or (record.kind == "identity" and all(graph.calls[c].shape == shape for c in inside))
    ):
        return
    raise CheckFailure(
        "Residual shortcut",
        f"the shortcut taken from the block's input ({graph.describe(start)})",
        f"the shortcut starts inside the block instead of at its input: it leaves from "
        f"{graph.describe(record.fork)}, after {described(graph, inside)}, so it skips only "
        f"part of the block",
        "set `shortcut = x` on the block's first line, before any layer is applied, and add "
        "it back at the end; everything the block computes must lie between the two",
        Marks(
            calls=(record.fork, start),
            edges=record.shortcut_edges(graph),
            missing_edges=((start, record.merge),),
            note="the shortcut starts inside the block",
            graph=graph,
        ),
    )


def _block_start(
    graph: ModelGraph, record: ResidualMerge, merges: list[ResidualMerge]
) -> tuple[str | None, bool]:
    """Where the block closed by ``record`` begins, and whether that is certain (a block
    model's input) or read from the previous block's sum."""
    earlier = [m.merge for m in merges if m.merge in graph.ancestors(record.fork)]
    if not earlier:
        block_input = graph.input_named(BLOCK_INPUT)
        if block_input is not None and len(graph.inputs) == 1:
            return block_input.call, True
        return None, False
    start = max(earlier, key=graph.position)
    for cid in graph.between(start, record.fork):
        call = graph.calls[cid]
        if len(call.inputs) != 1 or (graph.weighted(cid) and call.class_name not in _NORMALISING):
            break
        start = cid
    return start, False


def _check_merge_before_activation(graph: ModelGraph, record: ResidualMerge) -> None:
    hint = (
        "add the shortcut to the output of the block's last BatchNormalization (or conv, with "
        "no activation), then activate the sum: `x = layers.Add()([x, shortcut])`, "
        "`x = layers.Activation('relu')(x)`"
    )
    expected = "the shortcut added before the block's final activation: ... -> Add -> ReLU"
    last = record.main[-1]
    if applies_activation(graph, last):
        raise CheckFailure(
            "Residual before activation",
            expected,
            f"the residual is added after the activation instead of before: the main branch "
            f"ends with {described_call(graph, last)} before {graph.describe(record.merge)}",
            hint,
            Marks(
                calls=(last, record.merge),
                edges=((last, record.merge), *record.shortcut_edges(graph)),
                note="the skip is added after the activation",
                graph=graph,
            ),
        )
    after = graph.children(record.merge)
    if not any(is_activation(graph, child) for child in after):
        raise CheckFailure(
            "Residual before activation",
            expected,
            f"{graph.describe(record.merge)} feeds {described(graph, after) or 'the output'}, "
            "not an activation",
            hint,
            Marks(
                calls=(record.merge, *after),
                edges=tuple((record.merge, child) for child in after),
                note="no activation after the sum",
                graph=graph,
            ),
        )


def _check_no_activation_after_merge(graph: ModelGraph, record: ResidualMerge) -> None:
    activated = [c for c in graph.children(record.merge) if is_activation(graph, c)]
    if activated:
        raise CheckFailure(
            "Residual path",
            "the sum passed on without an activation (the pre-activation design)",
            f"{graph.describe(record.merge)} feeds {described(graph, activated)}",
            "in this design each block activates its input first; leave the sum itself "
            "untouched so the identity path stays clean",
            Marks(
                calls=(record.merge, *activated),
                edges=tuple((record.merge, c) for c in activated),
                note="an activation after the sum",
                graph=graph,
            ),
        )
