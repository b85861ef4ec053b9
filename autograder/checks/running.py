"""Running a model on deterministic inputs: a forward pass, and a build function's second
configuration.

A graph check can be fooled by a layer in the right place doing the wrong thing, and cannot see
inside subclassed layers. These checks run the student's model instead, on inputs drawn from
fixed seeds, never compiling or fitting it; the other behaviour checks (weights, Siamese
distances) run models through the helpers here.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from autograder.checks.interface import check_names
from autograder.errors import CheckFailure
from autograder.graph import format_shape, model_kind

ShapeSpec = Mapping[str, Sequence[int | None]] | Sequence[int | None]
"""Shapes without the batch dimension: one tuple for a one-input (or one-output) model, or a
mapping from input (or output) name to tuple. ``None`` in an expected output shape means any."""

# The input name of a model made by block_model: such a model is one block, so checks know
# where the block starts (a residual's shortcut must leave from this input).
BLOCK_INPUT = "block_input"

_MESSAGE_LIMIT = 300
_ANSI_ESCAPE = re.compile(r"\x1b\[[0-9;]*m")  # Keras makes parts of its messages bold


# -- running a model ------------------------------------------------------------------------------


@dataclass(frozen=True)
class InputSlot:
    """One model input: the name the student gave it, its shape without batch, its dtype."""

    name: str
    shape: tuple[int | None, ...]
    dtype: str


def describe_exception(exc: BaseException) -> str:
    """``Type: message`` on one line, without Keras' call-context boilerplate or a traceback."""
    kept: list[str] = []
    for line in _ANSI_ESCAPE.sub("", str(exc)).splitlines():
        line = line.strip()
        if line.startswith("Arguments received"):
            break
        if line and not line.startswith("Exception encountered when calling"):
            kept.append(line)
    text = " ".join(kept) or "(no message)"
    if len(text) > _MESSAGE_LIMIT:
        text = text[: _MESSAGE_LIMIT - 3] + "..."
    return f"{type(exc).__name__}: {text}"


def is_functional(model: Any) -> bool:
    """Only Functional models keep the dict or list structure of their inputs and outputs."""
    return model_kind(model) == "Functional"


def _tensor_name(tensor: Any) -> str:
    history = getattr(tensor, "_keras_history", None)
    return history[0].name if history is not None else str(getattr(tensor, "name", "input"))


def _slot(name: str, tensor: Any) -> InputSlot:
    shape = tuple(None if d is None else int(d) for d in tuple(tensor.shape)[1:])
    return InputSlot(name, shape, str(getattr(tensor.dtype, "name", tensor.dtype)))


def input_slots(model: Any) -> tuple[str, list[InputSlot]]:
    """The model's inputs and how to feed them: ``"dict"``, ``"list"`` or ``"single"``.

    A Functional model built from a dict of inputs must be fed a dict with the same keys; a
    list-built model accepts a list. Models without declared inputs (subclassed, or Sequential
    without ``keras.Input``) give an empty list: the caller must supply the shapes.
    """
    tensors = list(getattr(model, "inputs", None) or [])
    if not tensors:
        return "single", []
    structure = model.input if is_functional(model) else tensors
    if isinstance(structure, Mapping):
        return "dict", [_slot(str(key), tensor) for key, tensor in structure.items()]
    slots = [_slot(_tensor_name(t), t) for t in tensors]
    return ("list" if len(slots) > 1 else "single"), slots


def _override_shapes(
    kind: str, slots: list[InputSlot], input_shapes: ShapeSpec | None
) -> tuple[str, list[InputSlot]]:
    """Apply the grader's input shapes, refusing ones the model cannot take."""
    if input_shapes is None:
        return kind, slots
    if isinstance(input_shapes, Mapping):
        wanted = {name: tuple(shape) for name, shape in input_shapes.items()}
    else:
        wanted = {slots[0].name if slots else "input": tuple(input_shapes)}
    if not slots:
        new_kind = "dict" if isinstance(input_shapes, Mapping) and len(wanted) > 1 else "single"
        return new_kind, [InputSlot(name, shape, "float32") for name, shape in wanted.items()]
    result = []
    for slot in slots:
        shape = wanted.get(slot.name, slot.shape) if len(slots) > 1 else next(iter(wanted.values()))
        if not _compatible(slot.shape, shape):
            raise CheckFailure(
                f"Input shape of `{slot.name}`",
                f"an input of shape {format_shape((None, *shape))}",
                f"an input of shape {format_shape((None, *slot.shape))}",
                "the model's input shape must come from the arguments you were given "
                "(for example keras.Input(shape=input_shape)), not from numbers written in the "
                "code",
            )
        result.append(InputSlot(slot.name, tuple(shape), slot.dtype))
    return kind, result


def _compatible(declared: Sequence[int | None], wanted: Sequence[int | None]) -> bool:
    if len(declared) != len(wanted):
        return False
    return all(d is None or w is None or d == w for d, w in zip(declared, wanted, strict=True))


def random_array(slot: InputSlot, batch: int, rng: np.random.Generator) -> np.ndarray:
    if any(d is None for d in slot.shape):
        raise ValueError(
            f"input `{slot.name}` has an unknown size {format_shape((None, *slot.shape))}; "
            "pass input_shapes to choose one"
        )
    shape = (batch, *slot.shape)
    if "int" in slot.dtype or slot.dtype == "bool":
        return rng.integers(0, 2, size=shape).astype(slot.dtype)
    return rng.standard_normal(shape).astype(slot.dtype)


def random_inputs(
    model: Any, batch: int = 2, seed: int = 0, input_shapes: ShapeSpec | None = None
) -> Any:
    """Deterministic random inputs in the structure the model expects (dict, list or array).

    Float inputs are standard normal (so they include negative values); integer inputs are 0 or
    1, valid indices for any embedding or lookup.
    """
    kind, slots = _override_shapes(*input_slots(model), input_shapes)
    if not slots:
        raise CheckFailure(
            "Model inputs",
            "a model that declares its inputs",
            f"a model without inputs ({type(model).__name__})",
            "start the model with keras.Input(shape=...)",
        )
    rng = np.random.default_rng(seed)
    arrays = {slot.name: random_array(slot, batch, rng) for slot in slots}
    if kind == "dict":
        return arrays
    if kind == "list":
        return list(arrays.values())
    return next(iter(arrays.values()))


def output_names(model: Any, count: int) -> list[str]:
    """Output names as the student declared them: dict keys, else the output layers' names."""
    structure = model.output if is_functional(model) else None
    if isinstance(structure, Mapping):
        names = [str(key) for key in structure]
    else:
        names = list(getattr(model, "output_names", None) or [])
    if not names and getattr(model, "layers", None) and count == 1:
        names = [model.layers[-1].name]
    if len(names) != count:
        names = [f"output_{i}" for i in range(count)]
    return names


def to_numpy(value: Any) -> np.ndarray:
    import keras

    return np.asarray(keras.ops.convert_to_numpy(value))


def run_model(model: Any, inputs: Any, concept: str = "Forward pass") -> dict[str, np.ndarray]:
    """Call the model in inference mode and name its outputs; a crash becomes a CheckFailure."""
    try:
        raw = model(inputs, training=False)
    except Exception as exc:  # the student's code may raise anything
        raise CheckFailure(
            concept,
            "the model runs on a batch of inputs",
            f"an error: {describe_exception(exc)}",
            "call your model on a small batch yourself, e.g. model(x), and read the error",
        ) from None
    if isinstance(raw, Mapping):
        return {str(name): to_numpy(value) for name, value in raw.items()}
    values = list(raw) if isinstance(raw, (list, tuple)) else [raw]
    names = output_names(model, len(values))
    return {name: to_numpy(value) for name, value in zip(names, values, strict=True)}


# -- forward pass ---------------------------------------------------------------------------------


def check_forward_pass(
    model: Any,
    expected_output_shapes: ShapeSpec | None = None,
    batch: int = 2,
    seed: int = 0,
    input_shapes: ShapeSpec | None = None,
) -> dict[str, np.ndarray]:
    """Run the model on random inputs; check output names, shapes and finite values.

    Graph checks say the layers are there; this says they fit together and compute numbers.
    Expected shapes leave out the batch dimension; ``None`` inside one accepts any size. A
    single tuple is accepted for a one-output model, whatever its output is called. Returns the
    outputs by name so that a caller can check more.
    """
    outputs = run_model(model, random_inputs(model, batch, seed, input_shapes))
    if expected_output_shapes is not None:
        _check_output_shapes(outputs, expected_output_shapes, batch)
    for name, value in outputs.items():
        require_finite(name, value)
    return outputs


def _check_output_shapes(outputs: dict[str, np.ndarray], expected: ShapeSpec, batch: int) -> None:
    if isinstance(expected, Mapping):
        wanted = {name: tuple(shape) for name, shape in expected.items()}
        require_output_names(list(outputs), list(wanted))
        labels = {name: f"output `{name}`" for name in wanted}
    else:
        if len(outputs) != 1:
            raise CheckFailure(
                "Number of outputs",
                "one output",
                f"{len(outputs)} outputs: {sorted(outputs)}",
                "this task asks for a single output tensor",
            )
        wanted = {next(iter(outputs)): tuple(expected)}
        labels = {name: "the output" for name in wanted}  # its name may be Keras's invention
    for name, shape in wanted.items():
        found = tuple(outputs[name].shape)
        if not _compatible((batch, *shape), found):
            raise CheckFailure(
                f"Shape of {labels[name]}",
                format_shape((batch, *shape)),
                format_shape(found),
                "the first number is the batch; check the units, filters or strides of the "
                "layers leading to this output",
            )


def require_output_names(found: list[str], wanted: list[str]) -> None:
    """The outputs a run returned are the ones asked for, by name."""
    shown = {name: f"`{name}`" for name in found}
    check_names("output", shown, {name: f"`{name}`" for name in wanted}, "Output names")


def require_finite(name: str, value: np.ndarray) -> None:
    if np.issubdtype(value.dtype, np.number) and not np.all(np.isfinite(value)):
        bad = int(np.size(value) - np.count_nonzero(np.isfinite(value)))
        raise CheckFailure(
            f"Finite values in output `{name}`",
            "finite numbers",
            f"{bad} of {value.size} values are NaN or infinite",
            "look for a log, sqrt or division applied to a value that can be zero or negative; "
            "add a small epsilon or clip it",
        )


def check_builder(
    builder: Callable[..., Any],
    kwargs: Mapping[str, Any],
    input_shapes: ShapeSpec | None = None,
    expected_output_shapes: ShapeSpec | None = None,
    batch: int = 2,
    seed: int = 0,
) -> Any:
    """Call the student's build function with another configuration and run a forward pass.

    A build function that only works for the values in the notebook has numbers written into
    it instead of using its arguments; a hidden second configuration reveals that. Returns the
    model it built.
    """
    config = ", ".join(f"{key}={value!r}" for key, value in kwargs.items())
    try:
        model = builder(**kwargs)
    except Exception as exc:  # the student's code may raise anything
        raise CheckFailure(
            "Build function on a second configuration",
            f"your build function returns a model for {config}",
            f"your build function failed for {config}: {describe_exception(exc)}",
            "call it yourself with these arguments; it must accept them and use them",
        ) from None
    _require_model(model, config)
    try:
        check_forward_pass(model, expected_output_shapes, batch, seed, input_shapes)
    except CheckFailure as failure:
        raise CheckFailure(
            f"{failure.concept}, with {config}",
            failure.expected,
            failure.actual,
            f"{failure.hint}. Your function must use its arguments ({', '.join(kwargs)}) "
            "rather than the values of the notebook's example",
        ) from None
    return model


def _require_model(model: Any, config: str) -> None:
    import keras

    if not isinstance(model, keras.Model):
        raise CheckFailure(
            "Build function on a second configuration",
            f"a keras.Model for {config}",
            f"{type(model).__name__} ({model!r:.60})",
            "end your function with `return keras.Model(inputs, outputs)`",
        )




# -- values the grader can carry out of the student's process -------------------------------------
#
# The grader runs the student's code in a sandbox and the checks elsewhere; only data crosses
# (see autograder.grading). A function cannot cross, so a test calls the student's function
# in the sandbox with the helpers below and checks the resulting model or values outside.


def block_model(block_fn: Callable[..., Any], input_shape: Sequence[int], **kwargs: Any) -> Any:
    """A model around a block function ``block_fn(tensor, **kwargs) -> tensor``."""
    import keras

    inputs = keras.Input(tuple(input_shape), name=BLOCK_INPUT)
    return keras.Model(inputs, block_fn(inputs, **kwargs), name="block")
