"""Activations: one table of the layers that only apply one, and the activation outputs end in.

An activation can be written three ways (``Dense(10, activation="softmax")``, ``Dense(10)``
then ``Activation("softmax")`` or ``Softmax()``, or ``keras.ops.softmax``); every check reads it
through the functions here, so they all agree on what a tensor's values end in.

``check_output_activations`` lives here too: an output's activation must suit its loss, and a
failure marks the output call whose activation is wrong.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from autograder.checks.interface import check_names_present, is_automatic_name
from autograder.checks.wording import join
from autograder.errors import CheckFailure, Marks
from autograder.graph import ModelGraph, as_graph

# Layers and operations that apply one activation to one tensor, by lower-cased class name.
ACTIVATION_CLASSES = {
    "relu": "relu",
    "sigmoid": "sigmoid",
    "tanh": "tanh",
    "softmax": "softmax",
    "logsoftmax": "log_softmax",
    "silu": "silu",
    "swish": "silu",
    "gelu": "gelu",
    "elu": "elu",
    "selu": "selu",
    "softplus": "softplus",
    "softsign": "softsign",
    "leakyrelu": "leaky_relu",
    "prelu": "prelu",
    "relu6": "relu6",
    "hardsigmoid": "hard_sigmoid",
    "mish": "mish",
}


_ACTIVATION_ALIASES = {"swish": "silu", "none": "linear", "": "linear"}


# Layers that move values around without changing them: an output behind them keeps the
# activation of the layer before.
_PASS_THROUGH = frozenset({"Reshape", "Flatten", "Identity", "Dropout", "Permute"})


_LOSS_ADVICE = {
    "softmax": (
        "an output of class probabilities ends in softmax and pairs with "
        "categorical_crossentropy (sparse_categorical_crossentropy for integer labels)"
    ),
    "sigmoid": (
        "a yes/no (or multi-label) output ends in sigmoid and pairs with binary_crossentropy"
    ),
    "linear": (
        "an output of free values (a regression target, logits, an embedding) has no "
        "activation (activation=None): relu would cut off its negative values, softmax or "
        "sigmoid squeeze them into (0, 1); a regression output pairs with mse or mae"
    ),
}


def check_output_activations(
    model_or_graph: Any, expected: str | Mapping[str, str]
) -> dict[str, str]:
    """Check the activation each output ends in, since it must match the loss.

    ``expected`` maps output names to activations ("softmax", "sigmoid", "linear", ...); a
    single string applies to every output. ``Dense(10)`` followed by ``Activation("softmax")``
    ends in softmax just like ``Dense(10, activation="softmax")``. Returns the activation found
    for each output.
    """
    graph = as_graph(model_or_graph)
    if isinstance(expected, str):
        expected = {spec.name: expected for spec in graph.outputs}
    wanted = {name: activation_name(act) for name, act in expected.items()}
    check_names_present(graph, list(wanted))
    found = {spec.name: effective_activation(graph, spec.call) for spec in graph.outputs}
    wrong = [name for name in wanted if found[name] != wanted[name]]
    if not wrong:
        return found
    label = {name: _output_label(graph, name) for name in wrong}
    expected_text = join(f"{label[name]} ends in {wanted[name]}" for name in wrong)
    found_text = join(
        f"{label[name]} ends in {found[name]} ({graph.describe(graph.output_named(name).call)})"
        for name in wrong
    )
    hints = [
        _activation_hint(label[name], _units(graph, name), wanted[name], found[name])
        for name in wrong
    ]
    calls = tuple(graph.output_named(name).call for name in wrong)
    marks = Marks(calls=calls, note="the output with the wrong activation", graph=graph)
    raise CheckFailure("Output activations", expected_text, found_text, "; ".join(hints), marks)


def _units(graph: ModelGraph, name: str) -> int | None:
    shape = graph.output_named(name).shape
    return shape[-1] if shape else None


def _output_label(graph: ModelGraph, name: str) -> str:
    spec = graph.output_named(name)
    if is_automatic_name(name, graph.calls[spec.call].class_name):
        if len(graph.outputs) == 1:
            return "the output"
        return f"the output from {graph.describe(spec.call)}"
    return f"`{name}`"


def _activation_hint(label: str, units: int | None, wanted: str, found: str) -> str:
    if found == "softmax" and units == 1:
        return f"{label}: softmax over one unit always outputs 1.0; " + _LOSS_ADVICE["sigmoid"]
    if found == "linear" and wanted in ("softmax", "sigmoid"):
        return (
            f"{label}: a linear output gives logits, which suits only a loss with "
            f'from_logits=True; add activation="{wanted}" to the last layer; '
            + _LOSS_ADVICE[wanted]
        )
    if found == "sigmoid" and wanted == "softmax":
        return (
            f"{label}: sigmoid scores each class on its own; softmax makes the classes sum "
            "to 1; " + _LOSS_ADVICE["softmax"]
        )
    advice = _LOSS_ADVICE.get(wanted, f'set activation="{wanted}" on the last layer')
    return f"{label}: {advice}"


def effective_activation(graph: ModelGraph, cid: str) -> str:
    """The activation a call's values end in: its own, or that of a standalone activation.

    Layers that only move values (Reshape, Flatten, Dropout, ...) are looked through. A call
    with no activation of its own (a merge, a pooling layer) counts as "linear".
    """
    while graph.calls[cid].class_name in _PASS_THROUGH and len(graph.parents(cid)) == 1:
        cid = graph.parents(cid)[0]
    standalone = standalone_activation(graph, cid)
    if standalone is not None:
        return standalone
    return activation_name(graph.layer_of(cid).config.get("activation"))


def standalone_activation(graph: ModelGraph, cid: str) -> str | None:
    """The activation applied by an Activation / ReLU / Softmax layer or an op like ops.relu.

    Returns None for any other call. A ReLU with a cap or a slope, and a LeakyReLU, are named
    with them (``relu(max_value=6.0)``, ``leaky_relu(negative_slope=0.3)``): the layers'
    defaults differ from the plain activations of the same name.
    """
    call = graph.calls[cid]
    config = graph.layer_of(cid).config
    if call.class_name == "Activation":
        return activation_name(config.get("activation"))
    name = ACTIVATION_CLASSES.get(call.class_name.lower())
    if name in ("relu", "leaky_relu"):
        extras = {k: config.get(k) for k in ("max_value", "negative_slope", "threshold")}
        extras = {k: v for k, v in extras.items() if v not in (None, 0, 0.0)}
        if extras:
            name += "(" + ", ".join(f"{k}={v}" for k, v in extras.items()) + ")"
    return name


def activation_name(value: Any) -> str:
    """An activation as Keras serialises it ("silu" for swish, "linear" for None)."""
    if value is None:
        return "linear"
    if isinstance(value, Mapping):  # a serialized function or object
        inner = value.get("config")
        if isinstance(inner, Mapping):
            inner = inner.get("name")
        value = inner if isinstance(inner, str) else value.get("class_name", "custom")
    if callable(value):
        value = getattr(value, "__name__", "custom")
    text = str(value).lower()
    return _ACTIVATION_ALIASES.get(text, text)


def is_activation(graph: ModelGraph, cid: str) -> bool:
    """A call whose only job is an activation function (layer or operation)."""
    return standalone_activation(graph, cid) not in (None, "linear")


def applies_activation(graph: ModelGraph, cid: str) -> bool:
    """An activation call, or a layer with a built-in one (``Conv2D(activation="relu")``)."""
    return is_activation(graph, cid) or activation_name(
        graph.layer_of(cid).config.get("activation")
    ) != "linear"


def through_activations(graph: ModelGraph, cid: str) -> list[str]:
    """The call, then its parents while the chain is made of activations or Dropout."""
    chain = [cid]
    while (
        is_activation(graph, chain[-1]) or graph.calls[chain[-1]].class_name == "Dropout"
    ) and len(graph.calls[chain[-1]].inputs) == 1:
        chain.append(graph.calls[chain[-1]].inputs[0])
    return chain


def described_call(graph: ModelGraph, cid: str) -> str:
    """Like ``describe``, naming a built-in activation (``Conv2D(activation='relu')``)."""
    activation = graph.layer_of(cid).config.get("activation")
    if is_activation(graph, cid) or activation_name(activation) == "linear":
        return graph.describe(cid)
    return f"{graph.describe(cid)} with activation={activation!r}"
