"""Interface checks: what a model takes and gives, whatever its insides.

A task fixes a model's interface (its kind, its named inputs and outputs, the activation each
output ends in, its parameter budget) and leaves the inside to the student. These checks look
only at that interface, key everything by public name (never by position or automatic layer
names) and, when they fail, say what the task needs, what the model has, and how to fix it.

Every check accepts a live Keras model or a :class:`~autograder.graph.ModelGraph` already read
with :func:`graph_of` (reading once and checking many times saves time).
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Mapping, Sequence
from typing import Any

from autograder.errors import CheckFailure
from autograder.graph import ModelGraph, Shape, TensorSpec, as_graph, format_shape, model_kind

# (None, 28, 28), or {"shape": (None, 28, 28), "dtype": "float32"}; either part may be omitted.
ExpectedTensor = Sequence[int | None] | Mapping[str, Any]

_NUMBER_WORDS = ("no", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine")

# Layers and operations that apply one activation to one tensor, by lower-cased class name.
_ACTIVATION_CLASSES = {
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


# -- reading a model once ------------------------------------------------------------------------


def graph_of(model_or_graph: Any) -> ModelGraph:
    """Read a model (or reuse a graph already read)."""
    return as_graph(model_or_graph)


# -- model kind ----------------------------------------------------------------------------------


_KIND_HINTS = {
    "Functional": (
        "build it with the Functional API: inputs = keras.Input(shape=...), call each layer on "
        "the previous tensor (x = layers.Dense(64)(x)), then keras.Model(inputs, outputs)"
    ),
    "Sequential": (
        "list the layers in order: keras.Sequential([keras.Input(shape=...), layers.Dense(...), "
        "...])"
    ),
}


def check_model_kind(model: Any, expected: str) -> str:
    """Check that the model is built the way the task asks ("Functional" or "Sequential").

    Needs the live model (a ModelGraph only remembers the kind it was read with). Returns the
    kind found.
    """
    if expected not in _KIND_HINTS:
        raise ValueError(f"expected must be 'Functional' or 'Sequential', not {expected!r}")
    kind = model.kind if isinstance(model, ModelGraph) else model_kind(model)
    if kind == expected:
        return kind
    hint = _KIND_HINTS[expected]
    if model is None:
        hint = "your code produced None: does the function `return` the model? Then " + hint
    elif kind == "subclassed":
        hint = "a subclassed model hides its graph from the grader; " + hint
    raise CheckFailure("Model kind", f"a {expected} model", _kind_phrase(kind, model), hint)


def _kind_phrase(kind: str, model: Any) -> str:
    if kind == "not a model":
        return f"not a Keras model but {type(model).__name__}"
    if kind == "subclassed":
        return f"a subclassed model ({type(model).__name__})"
    return f"a {kind} model"


# -- inputs and outputs --------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class _Wanted:
    name: str
    shape: Shape | None
    dtype: str | None


def check_inputs(model_or_graph: Any, expected: Mapping[str, ExpectedTensor]) -> None:
    """Check the model's inputs by name, then their shapes and dtypes.

    ``expected`` maps each input name to its shape (batch dimension included, as ``None``) or
    to ``{"shape": ..., "dtype": ...}``. Names matter because the data is fed as a dict keyed
    by them.
    """
    graph = graph_of(model_or_graph)
    wanted = _normalise(expected)
    _check_names("input", graph, graph.inputs, wanted)
    _check_shapes("input", graph.inputs, wanted)
    _check_dtypes("input", graph.inputs, wanted)


def check_outputs(model_or_graph: Any, expected: Mapping[str, ExpectedTensor]) -> None:
    """Check the model's outputs by name, then their shapes and dtypes.

    Keras 3 names an output after the layer that produces it, or after its key when the model
    returns a dict. Losses and metrics are compiled against these names.
    """
    graph = graph_of(model_or_graph)
    wanted = _normalise(expected)
    _check_names("output", graph, graph.outputs, wanted)
    _check_shapes("output", graph.outputs, wanted)
    _check_dtypes("output", graph.outputs, wanted)


def _normalise(expected: Mapping[str, ExpectedTensor]) -> dict[str, _Wanted]:
    wanted = {}
    for name, spec in expected.items():
        if isinstance(spec, Mapping):
            shape, dtype = spec.get("shape"), spec.get("dtype")
        else:
            shape, dtype = spec, None
        shape = None if shape is None else tuple(shape)
        wanted[name] = _Wanted(name, shape, None if dtype is None else str(dtype))
    return wanted


_NAME_HINTS = {
    "input": (
        'Create one keras.Input(shape=..., name="...") per input and pass them all to '
        "keras.Model; the names are the keys you feed the data with"
    ),
    "output": (
        'An output is named after the layer that produces it (layers.Dense(10, name="...")) '
        'or after its key when you return a dict: keras.Model(inputs, {"...": tensor})'
    ),
}


def _check_names(
    role: str, graph: ModelGraph, specs: list[TensorSpec], wanted: Mapping[str, _Wanted]
) -> None:
    missing = [name for name in wanted if all(spec.name != name for spec in specs)]
    unexpected = [spec for spec in specs if spec.name not in wanted]
    if not missing and not unexpected:
        return
    expected_text = _listing(role, [_wanted_text(w) for w in wanted.values()])
    found_text = _listing(role, [_public_name(role, graph, spec) for spec in specs])
    if len(specs) != len(wanted):
        opening = (
            f"your model has {_count(len(specs), role)}; this task needs {_word(len(wanted))}: "
            + _join(f"`{name}`" for name in wanted)
        )
    else:
        opening = "the names differ"
    details = []
    if missing:
        details.append("missing " + _join(f"`{name}`" for name in missing))
    if unexpected:
        details.append("not asked for: " + _join(_public_name(role, graph, s) for s in unexpected))
    hint = f"{opening} ({'; '.join(details)}). {_NAME_HINTS[role]}"
    raise CheckFailure(f"Model {role}s", expected_text, found_text, hint)


def _listing(role: str, items: list[str]) -> str:
    """E.g. "two inputs: `image` (None, 28, 28) and `meta` (None, 3)"."""
    return f"{_count(len(items), role)}: {_join(items)}"


def _wanted_text(wanted: _Wanted) -> str:
    return f"`{wanted.name}` {format_shape(wanted.shape)}" if wanted.shape else f"`{wanted.name}`"


def _check_shapes(role: str, specs: list[TensorSpec], wanted: Mapping[str, _Wanted]) -> None:
    by_name = {spec.name: spec for spec in specs}
    wrong = [w for w in wanted.values() if w.shape is not None and by_name[w.name].shape != w.shape]
    if not wrong:
        return
    expected_text = _join(f"`{w.name}` {format_shape(w.shape)}" for w in wrong)
    found_text = _join(f"`{w.name}` {format_shape(by_name[w.name].shape)}" for w in wrong)
    hint = _shape_hint(role, [(w.shape, by_name[w.name].shape) for w in wrong])
    raise CheckFailure(f"{role.capitalize()} shapes", expected_text, found_text, hint)


def _shape_hint(role: str, pairs: list[tuple[Shape, Shape | None]]) -> str:
    if role == "input":
        hint = (
            "keras.Input(shape=...) takes the shape of one example, without the batch "
            "dimension: keras.Input(shape=(28, 28)) gives (None, 28, 28)"
        )
        if any(found is not None and len(found) != len(want) for want, found in pairs):
            hint += "; keep the example's own shape and let a Flatten or Reshape layer inside "
            hint += "the model change it"
        return hint
    hint = "the last layer on each output decides its shape: Dense(10) gives (None, 10)"
    if any(found is not None and len(found) > len(want) for want, found in pairs):
        hint += "; flatten or pool the features before the final Dense layer"
    return hint


def _check_dtypes(role: str, specs: list[TensorSpec], wanted: Mapping[str, _Wanted]) -> None:
    by_name = {spec.name: spec for spec in specs}
    wrong = [w for w in wanted.values() if w.dtype is not None and by_name[w.name].dtype != w.dtype]
    if not wrong:
        return
    expected_text = _join(f"`{w.name}` {w.dtype}" for w in wrong)
    found_text = _join(f"`{w.name}` {by_name[w.name].dtype}" for w in wrong)
    if role == "input":
        hint = 'pass the dtype to keras.Input, e.g. keras.Input(shape=(20,), dtype="int32") '
        hint += "for token ids fed to an Embedding"
    else:
        hint = "an output's dtype follows its last layer: set dtype= on that layer"
    raise CheckFailure(f"{role.capitalize()} dtypes", expected_text, found_text, hint)


# -- output activations --------------------------------------------------------------------------


def check_output_activations(
    model_or_graph: Any, expected: str | Mapping[str, str]
) -> dict[str, str]:
    """Check the activation each output ends in, since it must match the loss.

    ``expected`` maps output names to activations ("softmax", "sigmoid", "linear", ...); a
    single string applies to every output. ``Dense(10)`` followed by ``Activation("softmax")``
    ends in softmax just like ``Dense(10, activation="softmax")``. Returns the activation found
    for each output.
    """
    graph = graph_of(model_or_graph)
    if isinstance(expected, str):
        expected = {spec.name: expected for spec in graph.outputs}
    wanted = {name: activation_name(act) for name, act in expected.items()}
    _check_names_present(graph, list(wanted))
    found = {spec.name: effective_activation(graph, spec.call) for spec in graph.outputs}
    wrong = [name for name in wanted if found[name] != wanted[name]]
    if not wrong:
        return found
    label = {name: _output_label(graph, name) for name in wrong}
    expected_text = _join(f"{label[name]} ends in {wanted[name]}" for name in wrong)
    found_text = _join(
        f"{label[name]} ends in {found[name]} ({graph.describe(graph.output_named(name).call)})"
        for name in wrong
    )
    hints = [
        _activation_hint(label[name], _units(graph, name), wanted[name], found[name])
        for name in wrong
    ]
    raise CheckFailure("Output activations", expected_text, found_text, "; ".join(hints))


def _check_names_present(graph: ModelGraph, names: list[str]) -> None:
    if any(graph.output_named(name) is None for name in names):
        wanted = {name: _Wanted(name, None, None) for name in names}
        _check_names("output", graph, graph.outputs, wanted)


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
    name = _ACTIVATION_CLASSES.get(call.class_name.lower())
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


# -- parameter counts ----------------------------------------------------------------------------


def check_param_counts(
    model_or_graph: Any,
    total: int | None = None,
    trainable: int | None = None,
    non_trainable: int | None = None,
) -> dict[str, int]:
    """Check parameter counts, each counted once per layer object (shared layers once).

    Counts only say how big a model is, never how it is wired (merges have no parameters), so
    pair this check with a content or topology check. Returns the counts found.
    """
    graph = graph_of(model_or_graph)
    found = {
        "total": graph.total_params,
        "trainable": graph.trainable_params,
        "non-trainable": graph.non_trainable_params,
    }
    asked = {"total": total, "trainable": trainable, "non-trainable": non_trainable}
    wanted = {kind: n for kind, n in asked.items() if n is not None}
    wrong = [kind for kind, n in wanted.items() if found[kind] != n]
    if not wrong:
        return found
    expected_text = ", ".join(f"{n:,} {kind}" for kind, n in wanted.items())
    found_text = ", ".join(_found_count(kind, found[kind], wanted[kind]) for kind in wanted)
    raise CheckFailure("Parameter count", expected_text, found_text, _param_hint(graph, wrong))


def _found_count(kind: str, found: int, wanted: int) -> str:
    difference = found - wanted
    if difference == 0:
        return f"{found:,} {kind}"
    side = "more" if difference > 0 else "fewer"
    return f"{found:,} {kind} ({abs(difference):,} {side} than expected)"


def _param_hint(graph: ModelGraph, wrong: list[str]) -> str:
    hints = []
    if "trainable" in wrong or ("total" in wrong and "non-trainable" not in wrong):
        hints.append(
            "trainable parameters follow from layer sizes: a Dense layer has inputs x units + "
            "units, a Conv2D kernel_h x kernel_w x in_channels x filters + filters; check "
            "units, filters, kernel sizes and use_bias"
        )
        if _copied_layers(graph):
            hints.append(
                "your model has separate layers with identical settings: if one should be "
                "shared, call the same layer object twice (a second layer copies the weights)"
            )
        elif graph.shared_layers():
            hints.append(
                "a layer called several times counts its weights once; the task may ask for "
                "separate layers"
            )
    if "non-trainable" in wrong:
        hints.append(
            "non-trainable parameters are BatchNormalization's moving mean and variance, "
            "Normalization's mean, variance and count, and all weights of a layer set "
            "trainable=False"
        )
    return "; ".join(hints)


def _copied_layers(graph: ModelGraph) -> bool:
    """True if two weighted layers, each called once, look the same (class, shape, size)."""
    seen: set[tuple] = set()
    for info in graph.weighted_layers():
        if len(info.calls) != 1:
            continue
        key = (info.class_name, info.params, graph.calls[info.calls[0]].shape)
        if key in seen:
            return True
        seen.add(key)
    return False


# -- wording -------------------------------------------------------------------------------------


def _word(n: int) -> str:
    return _NUMBER_WORDS[n] if n < len(_NUMBER_WORDS) else str(n)


def _count(n: int, noun: str) -> str:
    return f"{_word(n)} {noun}" + ("" if n == 1 else "s")


def _join(items: Any) -> str:
    items = list(items)
    if not items:
        return "none"
    if len(items) == 1:
        return items[0]
    return ", ".join(items[:-1]) + " and " + items[-1]


def _public_name(role: str, graph: ModelGraph, spec: TensorSpec) -> str:
    """An input or output by the name the student gave it, or as 'an unnamed ...' if Keras
    made the name up (those names change with the session and mean nothing to a student)."""
    if not is_automatic_name(spec.name, graph.calls[spec.call].class_name):
        return f"`{spec.name}` {format_shape(spec.shape)}"
    if role == "input":
        return f"an unnamed input {format_shape(spec.shape)}"
    return f"an unnamed output from {graph.calls[spec.call].class_name} {format_shape(spec.shape)}"


def is_automatic_name(name: str, class_name: str) -> bool:
    """True for names Keras generates (``input_layer_2``, ``dense_3``, ``re_lu``)."""
    stems = {_snake_case(class_name), "input_layer", "keras_tensor", "functional", "sequential"}
    match = re.fullmatch(r"(.+?)(_\d+)?", name)
    return match is not None and match.group(1) in stems


def _snake_case(name: str) -> str:
    """Keras's own rule for turning a class name into a default layer name."""
    name = re.sub(r"(.)([A-Z][a-z]+)", r"\1_\2", name)
    return re.sub(r"([a-z])([A-Z])", r"\1_\2", name).lower()
