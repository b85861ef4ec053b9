"""A plain-text report of a model's graph, for instructors and the demo.

It shows what the grader sees: inputs and outputs by name, parameters counted once per layer,
the layer multiset by class, merges, shared layers and nested models. It never lists layers by
their automatic names or in ``model.layers`` order, because neither means anything to a grade.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from autograder.graph import ModelGraph, as_graph, format_shape


def graph_report(model_or_graph: Any) -> str:
    """Everything a grader reads from the model, in a dozen lines."""
    graph = as_graph(model_or_graph)
    lines = [f"{graph.name}  ({graph.kind})"]
    lines += [_tensor_line("input", t.name, t.shape, t.dtype) for t in graph.inputs]
    lines += [_tensor_line("output", t.name, t.shape, t.dtype) for t in graph.outputs]
    lines.append(
        f"  params: {graph.total_params:,} total = {graph.trainable_params:,} trainable"
        f" + {graph.non_trainable_params:,} non-trainable"
    )
    lines.append("  layers: " + _layer_census(graph))
    lines.append("  merges: " + _merge_census(graph))
    shared = graph.shared_layers()
    if shared:
        calls = Counter(f"{info.class_name} x{len(info.calls)}" for info in shared)
        lines.append("  shared: " + ", ".join(f"{n} {k}" for k, n in sorted(calls.items())))
    for path, prefixes in sorted(graph.submodels.items()):
        lines.append(f"  nested model '{path}' called {len(prefixes)} time(s)")
    return "\n".join(lines)


def _tensor_line(role: str, name: str, shape: Any, dtype: str) -> str:
    return f"  {role:<6} {name!r:<14} {format_shape(shape):<20} {dtype}"


def _layer_census(graph: ModelGraph) -> str:
    counts = Counter(
        info.class_name for info in graph.layers.values() if info.class_name != "InputLayer"
    )
    return ", ".join(f"{n} {name}" for name, n in counts.most_common()) or "none"


def _merge_census(graph: ModelGraph) -> str:
    counts = Counter(call.class_name for call in graph.merges())
    return ", ".join(f"{n} {name}" for name, n in counts.most_common()) or "none"
