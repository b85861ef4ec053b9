"""Checks on preprocessing inside a model: each input normalized on its own, with real statistics.

A ``Normalization`` layer only helps if it was adapted on the training data of the input it
scales: an un-adapted one subtracts 0 and divides by 1, and one placed after the inputs were
joined mixes columns of different kinds into one set of statistics. Parameter counts cannot see
the first mistake (an un-adapted layer holds as many weights as an adapted one), so this check
reads the statistics themselves and compares them with the training arrays.

The check finds each input's Normalization in the graph (never by position or automatic name)
and needs the live model, since the statistics are weights, not configuration.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from autograder.errors import CheckFailure, Marks
from autograder.graph import Call, ModelGraph, as_graph

_SHOWN = 3  # statistics shown in a message


def check_input_normalization(
    model: Any, train_inputs: Mapping[str, Any], rtol: float = 1e-3
) -> dict[str, str]:
    """Each named input goes through a Normalization of its own, adapted on its training data.

    ``train_inputs`` maps input names to the training arrays (rows are examples) their
    Normalization should have been adapted on. For each input, the first Normalization
    downstream of it must read no other input, and its mean and variance must be the column
    means and variances of that array. Returns, per input, the Normalization found.
    """
    graph = as_graph(model)
    found = {}
    for name, data in train_inputs.items():
        spec = graph.input_named(name)
        if spec is None:
            have = ", ".join(f"`{s.name}`" for s in graph.inputs) or "none"
            raise CheckFailure(
                "Preprocessing of each input",
                f"an input named `{name}`",
                f"inputs named {have}",
                f"name each input when you create it: `keras.Input(shape=..., name={name!r})`",
            )
        call = _first_normalization(graph, spec.call, name)
        _require_own_branch(graph, call, name)
        layer = _layer_at(model, graph.layer_of(call.id).path)
        _require_adapted(layer, np.asarray(data), name, rtol)
        found[name] = graph.describe(call.id)
    return found


def _first_normalization(graph: ModelGraph, input_call: str, name: str) -> Call:
    calls = [
        call
        for call in graph.calls_of_class("Normalization")
        if input_call in graph.ancestors(call.id)
    ]
    if not calls:
        raise CheckFailure(
            "Preprocessing of each input",
            f"input `{name}` scaled by a Normalization layer of its own",
            f"no Normalization layer after input `{name}`",
            f"create `norm = layers.Normalization()`, call `norm.adapt(...)` on the training "
            f"data of `{name}`, and apply `norm` to the `{name}` input tensor first",
            Marks(calls=(input_call,), note="an input without its Normalization", graph=graph),
        )
    return calls[0]


def _require_own_branch(graph: ModelGraph, call: Call, name: str) -> None:
    ancestors = graph.ancestors(call.id)
    others = [s.name for s in graph.inputs if s.name != name and s.call in ancestors]
    if others:
        joined = ", ".join(f"`{other}`" for other in others)
        raise CheckFailure(
            "Preprocessing of each input",
            f"input `{name}` normalized in a branch of its own, before any merge",
            f"the Normalization after `{name}` ({graph.describe(call.id)}) also reads {joined}: "
            "the inputs were joined before each was normalized",
            "give each input its own branch (its own Normalization, adapted on that input's "
            "training data, then its own layers) and merge the branches afterwards",
            Marks(
                calls=(call.id, *(s.call for s in graph.inputs if s.name in others)),
                note="a Normalization after the inputs were joined",
                graph=graph,
            ),
        )


def _layer_at(model: Any, path: str) -> Any:
    """The layer object behind a graph path (``outer/inner/name`` for nested models)."""
    if isinstance(model, ModelGraph):
        raise TypeError("check_input_normalization needs the Keras model, not a ModelGraph")
    layer = model
    for part in path.split("/"):
        layer = layer.get_layer(part)
    return layer


def _statistics(layer: Any) -> tuple[np.ndarray, np.ndarray]:
    """The mean and variance a Normalization layer applies, given or adapted."""
    given = layer.get_config()
    if given.get("mean") is not None and given.get("variance") is not None:
        return np.ravel(given["mean"]), np.ravel(given["variance"])
    weights = {v.path.rsplit("/", 1)[-1]: np.asarray(v) for v in layer.weights}
    return np.ravel(weights.get("mean", [])), np.ravel(weights.get("variance", []))


def _require_adapted(layer: Any, data: np.ndarray, name: str, rtol: float) -> None:
    mean, variance = _statistics(layer)
    data = data.reshape(len(data), -1).astype("float64")
    wanted_mean, wanted_var = data.mean(axis=0), data.var(axis=0)
    if mean.shape != wanted_mean.shape:
        raise CheckFailure(
            "Normalization statistics",
            f"the Normalization of `{name}` holds one mean per column of `{name}` "
            f"({wanted_mean.size})",
            f"it holds {mean.size}",
            f"adapt it on the training array of `{name}` alone",
        )
    if np.allclose(mean, 0.0) and np.allclose(variance, 1.0):
        raise CheckFailure(
            "Normalization statistics",
            f"the Normalization of `{name}` adapted on the training data of `{name}`",
            "mean 0 and variance 1 in every column: the layer was never adapted",
            f"call `norm.adapt(...)` with the training array of `{name}` before you build the "
            "model; without it the layer subtracts 0 and divides by 1",
        )
    scale = np.abs(wanted_mean).max() + 1e-6
    same_mean = np.allclose(mean, wanted_mean, rtol=rtol, atol=1e-4 * scale)
    same_var = np.allclose(variance, wanted_var, rtol=rtol, atol=1e-4 * (wanted_var.max() + 1e-6))
    if not (same_mean and same_var):
        raise CheckFailure(
            "Normalization statistics",
            f"the Normalization of `{name}` adapted on the training data of `{name}` "
            f"(column means {_first(wanted_mean)})",
            f"column means {_first(mean)}",
            f"adapt it on the training array of `{name}` that the function receives, not on "
            "the test split, another input or a slice of the rows",
        )


def _first(values: np.ndarray) -> str:
    shown = ", ".join(f"{v:.3g}" for v in values[:_SHOWN])
    return f"[{shown}{', ...' if values.size > _SHOWN else ''}]"
