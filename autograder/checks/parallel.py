"""Parallel branches (Inception-style blocks): towers side by side from one input, one merge.

Side by side means no branch uses another branch's result, its end or anything in between.
Branches are named by their place in the merge's operand list, as the student wrote it.
Failures mark the merge and the branches at fault.
"""

from __future__ import annotations

from typing import Any

from autograder.checks.wording import count, names, number
from autograder.errors import CheckFailure, Marks
from autograder.graph import Call, ModelGraph, as_graph


def check_parallel_branches(
    model_or_graph: Any, branches: int, merge: str = "Concatenate", start: str | None = None
) -> Call:
    """One ``merge`` joins ``branches`` branches that run side by side from the same input.

    Side by side: no branch uses another branch's result, its end or anything in between, so
    the branches share nothing but the input ``start`` (the model's only input when ``None``)
    and what comes before it. A branch may be the input itself. Returns the merge.
    """
    graph = as_graph(model_or_graph)
    join = _single_join(graph, branches, merge)
    begin = _start_call(graph, start)
    before = graph.ancestors(begin) | {begin}
    ends = join.inputs
    for end in ends:
        if end != begin and begin not in graph.ancestors(end):
            raise CheckFailure(
                "Parallel branches",
                f"every branch starting from the input {graph.describe(begin)}",
                f"the branch ending in {graph.describe(end)} does not start from it",
                "call the first layer of each branch on the block's input",
                Marks(
                    calls=(begin, end),
                    missing_edges=((begin, end),),
                    note="a branch that does not start from the input",
                    graph=graph,
                ),
            )
    for i, a in enumerate(ends):
        for j in range(i + 1, len(ends)):
            shared = (graph.closure(a) & graph.closure(ends[j])) - before
            if shared:
                raise _branches_in_sequence(graph, join, (i, j), shared)
    return join


def _single_join(graph: ModelGraph, branches: int, merge: str) -> Call:
    joins = [call for call in graph.calls_of_class(merge) if len(call.inputs) >= 2]
    if len(joins) == 1 and len(joins[0].inputs) == branches:
        return joins[0]
    expected = f"one {merge} that joins the {number(branches)} branches"
    hint = f"end the block with `layers.{merge}()([...])` on the last tensor of each branch"
    others = [m for m in graph.merges() if m.class_name != merge and len(m.inputs) == branches]
    if not joins and others:
        other = others[-1]
        raise CheckFailure(
            "Parallel branches",
            expected,
            f"{other.class_name} where a {merge.lower()} is asked: "
            f"{graph.describe(other.id)} {_merges_how(other.class_name)}",
            f"{hint}; {_merges_how(merge)}",
            Marks(
                calls=(other.id,), note=f"{other.class_name} where {merge} is asked", graph=graph
            ),
        )
    sizes = ", ".join(str(len(j.inputs)) for j in joins)
    found = f"{count(len(joins), merge)}" + (f" joining {sizes} tensors" if joins else "")
    marks = Marks(calls=tuple(j.id for j in joins), note=found, graph=graph)
    raise CheckFailure("Parallel branches", expected, found, hint, marks)


_HOW_MERGES_WORK = {
    "Concatenate": "keeps the branches' channels side by side, so each stays visible",
    "Add": "sums the branches element by element, mixing their channels",
    "Average": "averages the branches element by element, mixing their channels",
    "Multiply": "multiplies the branches element by element",
}


def _merges_how(class_name: str) -> str:
    return _HOW_MERGES_WORK.get(class_name, "combines the branches")


def _start_call(graph: ModelGraph, start: str | None) -> str:
    if start is not None:
        spec = graph.input_named(start)
        if spec is None:
            raise CheckFailure(
                "Parallel branches",
                f"an input named `{start}`",
                f"inputs named {names([t.name for t in graph.inputs])}",
                f"name the input: `keras.Input(shape=..., name={start!r})`",
            )
        return spec.call
    if len(graph.inputs) != 1:
        raise ValueError("the model has several inputs: say which one the branches start from")
    return graph.inputs[0].call


def _branches_in_sequence(
    graph: ModelGraph, join: Call, pair: tuple[int, int], shared: frozenset[str]
) -> CheckFailure:
    """Branches are named by their place in the merge's list, as the student wrote it."""
    ends = [join.inputs[k] for k in pair]
    labels = [f"branch {k + 1} ({graph.describe(join.inputs[k])})" for k in pair]
    if ends[0] in shared or ends[1] in shared:
        up, down = (0, 1) if ends[0] in shared else (1, 0)
        found = f"{labels[down]} is computed from the output of {labels[up]}"
        first = ends[up]
    else:
        first = next(c for c in graph.order() if c in shared)
        found = (
            f"{labels[0]} and {labels[1]} both use {graph.describe(first)}: one branch starts "
            "from another's intermediate result"
        )
    return CheckFailure(
        "Parallel branches",
        "branches side by side, each starting from the block's input",
        found + f" (branches numbered in the order you pass them to {join.class_name})",
        "call the first layer of every branch on the block's input itself, not on another "
        "branch's tensor",
        Marks(
            calls=(*ends, first),
            edges=tuple(
                (first, child)
                for child in graph.children(first)
                if child not in shared and child != join.id
            ),
            note="a branch computed from another",
            graph=graph,
        ),
    )
