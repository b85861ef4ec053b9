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

from autograder.checks.wording import join, names, number, spelled
from autograder.errors import CheckFailure
from autograder.graph import ModelGraph, Shape, TensorSpec, as_graph, format_shape, model_kind

# (None, 28, 28), or {"shape": (None, 28, 28), "dtype": "float32"}; either part may be omitted.
ExpectedTensor = Sequence[int | None] | Mapping[str, Any]


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
    found = {spec.name: _public_name(role, graph, spec) for spec in specs}
    check_names(role, found, {name: _wanted_text(w) for name, w in wanted.items()})


def check_names(
    role: str,
    found: Mapping[str, str],
    wanted: Mapping[str, str],
    concept: str | None = None,
    exact: bool = True,
) -> None:
    """The one way every check compares input or output names with the task's.

    ``found`` and ``wanted`` map each name to how it is shown (with its shape, or as "an
    unnamed output" when Keras made the name up). ``exact=False`` lets the model have more
    than the task names.
    """
    missing = [name for name in wanted if name not in found]
    unexpected = [name for name in found if name not in wanted] if exact else []
    if not missing and not unexpected:
        return
    if len(found) != len(wanted):
        opening = (
            f"your model has {spelled(len(found), role)}; this task needs {number(len(wanted))}: "
            + join(f"`{name}`" for name in wanted)
        )
    else:
        opening = "the names differ"
    details = []
    if missing:
        details.append("missing " + join(f"`{name}`" for name in missing))
    if unexpected:
        details.append("not asked for: " + join(found[name] for name in unexpected))
    raise CheckFailure(
        concept or f"Model {role}s",
        _listing(role, list(wanted.values())),
        _listing(role, list(found.values())),
        f"{opening} ({'; '.join(details)}). {_NAME_HINTS[role]}",
    )


def _listing(role: str, items: list[str]) -> str:
    """E.g. "two inputs: `image` (None, 28, 28) and `meta` (None, 3)"."""
    return f"{spelled(len(items), role)}: {join(items)}"


def _wanted_text(wanted: _Wanted) -> str:
    return f"`{wanted.name}` {format_shape(wanted.shape)}" if wanted.shape else f"`{wanted.name}`"


def _check_shapes(role: str, specs: list[TensorSpec], wanted: Mapping[str, _Wanted]) -> None:
    by_name = {spec.name: spec for spec in specs}
    wrong = [w for w in wanted.values() if w.shape is not None and by_name[w.name].shape != w.shape]
    if not wrong:
        return
    expected_text = join(f"`{w.name}` {format_shape(w.shape)}" for w in wrong)
    found_text = join(f"`{w.name}` {format_shape(by_name[w.name].shape)}" for w in wrong)
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
    expected_text = join(f"`{w.name}` {w.dtype}" for w in wrong)
    found_text = join(f"`{w.name}` {by_name[w.name].dtype}" for w in wrong)
    if role == "input":
        hint = 'pass the dtype to keras.Input, e.g. keras.Input(shape=(20,), dtype="int32") '
        hint += "for token ids fed to an Embedding"
    else:
        hint = "an output's dtype follows its last layer: set dtype= on that layer"
    raise CheckFailure(f"{role.capitalize()} dtypes", expected_text, found_text, hint)


# -- output names --------------------------------------------------------------------------


def check_names_present(graph: ModelGraph, outputs: list[str]) -> None:
    """Every output in ``outputs`` exists (others may exist too)."""
    if any(graph.output_named(name) is None for name in outputs):
        wanted = {name: _Wanted(name, None, None) for name in outputs}
        _check_names("output", graph, graph.outputs, wanted)


_FEW_HINTS = {
    "input": "Declare one `keras.Input(shape=..., name=...)` per input and pass them all to "
    "keras.Model",
    "output": "Return every head from the model, keyed by name: "
    "`keras.Model(inputs, {'category': c, 'footwear': f})`",
}


def require_named(
    graph: ModelGraph, role: str, wanted: Sequence[str] | None, concept: str
) -> list[TensorSpec]:
    """At least two inputs (or outputs), among them every one in ``wanted``, for the checks of
    models that need several (fusion, heads, towers). ``None`` takes the model's own."""
    specs = graph.inputs if role == "input" else graph.outputs
    have = [spec.name for spec in specs]
    asked = list(wanted) if wanted is not None else have
    needed = max(len(asked), 2)
    listed = f": {names(asked)}" if wanted is not None else ""
    if len(have) < needed:
        raise CheckFailure(
            concept,
            f"{number(needed)} {role}s{listed}",
            f"your model has {spelled(len(have), role)} ({names(have)})",
            f"this task needs {number(needed)}{listed}. {_FEW_HINTS[role]}",
        )
    found = {spec.name: _public_name(role, graph, spec) for spec in specs}
    check_names(role, found, {name: f"`{name}`" for name in asked}, concept, exact=False)
    return [next(spec for spec in specs if spec.name == name) for name in asked]


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
        if graph.copied_layers():
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


# -- wording -------------------------------------------------------------------------------------


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
