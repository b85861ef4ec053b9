"""Shared layers and Siamese towers: one layer object called on several tensors.

A layer called twice keeps one set of weights; a second layer with the same settings is a
copy with its own. Towers written as a nested model or as layers shared one by one read the
same. Failures mark the layers that should be shared (the copies) and the input at fault.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from typing import Any

from autograder.checks.fusion import require_reaches_output
from autograder.checks.interface import require_named
from autograder.checks.wording import count, names, number
from autograder.errors import CheckFailure, Marks
from autograder.graph import LayerInfo, ModelGraph, TensorSpec, as_graph, format_shape


def check_shared_layers(model_or_graph: Any, min_shared: int = 1) -> list[LayerInfo]:
    """At least ``min_shared`` layers with weights are applied more than once."""
    graph = as_graph(model_or_graph)
    shared = graph.shared_layers()
    if len(shared) >= min_shared:
        return shared
    copies = graph.copied_layers()
    found = f"{count(len(shared), 'shared layer')}"
    if copies:
        found += "; these layers are separate copies with identical settings: " + ", ".join(
            f"{_layer_label(graph, group[0])} x{len(group)}" for group in copies
        )
    raise CheckFailure(
        "Shared layers",
        f"at least {count(min_shared, 'layer')} with weights called more than once",
        found,
        "create the layer once and call it on each tensor: `dense = layers.Dense(64)`, "
        "`a = dense(x1)`, `b = dense(x2)`; a second `layers.Dense(64)` is a copy with its own "
        "weights",
        Marks(
            calls=_first_calls(graph, [path for group in copies for path in group]),
            note="layers that should be one shared layer",
            graph=graph,
        ),
    )


def _first_calls(graph: ModelGraph, paths: Sequence[str]) -> tuple[str, ...]:
    return tuple(graph.layers[path].calls[0] for path in paths if graph.layers[path].calls)


def check_shared_tower(
    model_or_graph: Any, inputs: Sequence[str] = ("left", "right")
) -> list[LayerInfo]:
    """The same layer objects process each named input (a Siamese tower), weights counted once.

    A tower written as a nested model and called on each input, or built from layers shared
    one by one, both pass; two towers of identical structure (copies) fail.
    """
    graph = as_graph(model_or_graph)
    specs = require_named(graph, "input", inputs, "Siamese inputs")
    for spec in specs:
        require_reaches_output(graph, spec)
    towers = [_own_weighted_layers(graph, spec, specs) for spec in specs]
    for spec, tower in zip(specs, towers, strict=True):
        if not tower:
            raise CheckFailure(
                "Shared tower",
                f"input `{spec.name}` processed by the shared tower",
                f"input `{spec.name}` goes through no layer with weights before the branches meet",
                "call the tower on every input: `emb = tower(x)` for each one",
                Marks(calls=(spec.call,), note="an input that skips the tower", graph=graph),
            )
    if all(tower == towers[0] for tower in towers):
        return [graph.layers[path] for path in sorted(towers[0])]
    raise _unshared_tower(graph, specs, towers)


def _own_weighted_layers(
    graph: ModelGraph, spec: TensorSpec, specs: list[TensorSpec]
) -> frozenset[str]:
    """Layers with weights called on this input's branch before it meets the other inputs."""
    others: set[str] = set()
    for other in specs:
        if other is not spec:
            others |= graph.descendants(other.call)
    own = graph.descendants(spec.call) - others
    return frozenset(graph.calls[c].layer for c in own if graph.weighted(c))


def _unshared_tower(
    graph: ModelGraph, specs: list[TensorSpec], towers: list[frozenset[str]]
) -> CheckFailure:
    listed = names([spec.name for spec in specs])
    common = frozenset.intersection(*towers)
    hint = (
        "a Siamese model applies one tower to both inputs; build the tower once and call it "
        "twice (a keras.Model called on each input, or layers created once and called on each)"
    )
    if not common:
        signatures = [Counter(_layer_label(graph, path) for path in tower) for tower in towers]
        shape = (
            "identical structure, so each has its own copy of the weights"
            if all(sig == signatures[0] for sig in signatures)
            else "different structures"
        )
        params = " + ".join(f"{sum(graph.layers[p].params for p in t):,}" for t in towers)
        return CheckFailure(
            "Shared tower",
            f"one tower (the same layers) applied to {listed}",
            f"the {number(len(towers))} branches use different layers ({shape}): {params} "
            "parameters",
            hint,
            _copies_marks(graph, sorted({p for tower in towers for p in tower})),
        )
    own = sorted({p for tower in towers for p in tower} - common)
    return CheckFailure(
        "Shared tower",
        f"one tower (the same layers) applied to {listed}",
        f"{count(len(common), 'layer')} shared, but the {number(len(towers))} branches use "
        f"different layers for {', '.join(_layer_label(graph, p) for p in own)}",
        hint,
        _copies_marks(graph, own),
    )


def _copies_marks(graph: ModelGraph, paths: Sequence[str]) -> Marks:
    """Every call of the layers each branch has of its own: those that should be shared."""
    calls = tuple(c for path in paths for c in graph.layers[path].calls)
    return Marks(calls=calls, note="layers that should be shared", graph=graph)


def _layer_label(graph: ModelGraph, path: str) -> str:
    """A layer as a student recognises it: class, output shape of its first call, size."""
    info = graph.layers[path]
    shape = graph.calls[info.calls[0]].shape if info.calls else None
    return f"{info.class_name} {format_shape(shape)} ({info.params:,} params)"
