"""Checks on what a model *does*, not how its graph looks.

A graph check can be fooled by a layer in the right place doing the wrong thing, and it cannot
see inside subclassed layers at all. These checks run the student's model on deterministic
inputs instead: a forward pass (also on a second, hidden configuration of a build function),
the zero-weight test of a residual block, a constant-weight comparison with a reference model,
the properties of a Siamese distance, the label convention of a contrastive loss, and the
compile arguments of a multi-output model keyed by output name.

Every check is deterministic (fixed numpy seeds), never compiles or fits the student's model,
restores any weights it changes, and raises :class:`CheckFailure` with a message that teaches.
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import numpy as np

from autograder.errors import CheckFailure
from autograder.graph import format_shape, model_kind

ShapeSpec = Mapping[str, Sequence[int | None]] | Sequence[int | None]
"""Shapes without the batch dimension: one tuple for a one-input (or one-output) model, or a
mapping from input (or output) name to tuple. ``None`` in an expected output shape means any."""

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


def _is_functional(model: Any) -> bool:
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
    structure = model.input if _is_functional(model) else tensors
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


def _random_array(slot: InputSlot, batch: int, rng: np.random.Generator) -> np.ndarray:
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
    arrays = {slot.name: _random_array(slot, batch, rng) for slot in slots}
    if kind == "dict":
        return arrays
    if kind == "list":
        return list(arrays.values())
    return next(iter(arrays.values()))


def _output_names(model: Any, count: int) -> list[str]:
    """Output names as the student declared them: dict keys, else the output layers' names."""
    structure = model.output if _is_functional(model) else None
    if isinstance(structure, Mapping):
        names = [str(key) for key in structure]
    else:
        names = list(getattr(model, "output_names", None) or [])
    if not names and getattr(model, "layers", None) and count == 1:
        names = [model.layers[-1].name]
    if len(names) != count:
        names = [f"output_{i}" for i in range(count)]
    return names


def _to_numpy(value: Any) -> np.ndarray:
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
        return {str(name): _to_numpy(value) for name, value in raw.items()}
    values = list(raw) if isinstance(raw, (list, tuple)) else [raw]
    names = _output_names(model, len(values))
    return {name: _to_numpy(value) for name, value in zip(names, values, strict=True)}


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
        _require_finite(name, value)
    return outputs


def _check_output_shapes(outputs: dict[str, np.ndarray], expected: ShapeSpec, batch: int) -> None:
    if isinstance(expected, Mapping):
        wanted = {name: tuple(shape) for name, shape in expected.items()}
        _check_output_names(list(outputs), list(wanted))
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


def _check_output_names(found: list[str], wanted: list[str]) -> None:
    missing = [name for name in wanted if name not in found]
    unexpected = [name for name in found if name not in wanted]
    if missing or unexpected:
        raise CheckFailure(
            "Output names",
            f"outputs named {sorted(wanted)}",
            f"outputs named {sorted(found)} (missing {missing}, unexpected {unexpected})",
            "name each output layer, e.g. layers.Dense(10, name=...), or return a dict "
            "{name: tensor} from keras.Model(inputs, outputs)",
        )


def _require_finite(name: str, value: np.ndarray) -> None:
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


# -- setting weights ------------------------------------------------------------------------------

# Variables whose value is not a weight to scale: statistics that must stay neutral.
_NEUTRAL_VALUES = {"moving_mean": 0.0, "mean": 0.0, "moving_variance": 1.0, "variance": 1.0}


def _is_float(variable: Any) -> bool:
    return "float" in str(getattr(variable.dtype, "name", variable.dtype))


def constant_for(variable: Any, value: float) -> float | None:
    """The value a variable takes in a constant-weight test, by its role; None leaves it alone.

    Kernels, biases, gamma and beta all take ``value``; normalisation statistics stay neutral
    (mean 0, variance 1) so that BatchNormalization computes ``gamma * x + beta``. Integer
    variables (counters, random seeds) are not weights.
    """
    if not _is_float(variable):
        return None
    name = str(variable.name).rsplit("/", 1)[-1]
    return _NEUTRAL_VALUES.get(name, value)


@contextmanager
def constant_weights(model: Any, value: float) -> Iterator[None]:
    """Set every weight of ``model`` to a constant by role, and restore the weights afterwards."""
    variables = list(model.weights)
    saved = [_to_numpy(variable) for variable in variables]
    try:
        for variable, old in zip(variables, saved, strict=True):
            constant = constant_for(variable, value)
            if constant is not None:
                variable.assign(np.full(old.shape, constant, dtype=old.dtype))
        yield
    finally:
        for variable, old in zip(variables, saved, strict=True):
            variable.assign(old)


# -- residual blocks ------------------------------------------------------------------------------


def check_zero_weight_residual(
    block: Any,
    input_shape: Sequence[int],
    block_kwargs: Mapping[str, Any] | None = None,
    seed: int = 0,
    atol: float = 1e-5,
) -> None:
    """The zero-weight test of an identity residual block: output must equal relu(x).

    With every weight at zero the main path computes 0, so a block that adds its input back
    before the final ReLU returns relu(0 + x) = relu(x), however its main path is ordered. A
    block without the skip returns zeros; one whose ReLU comes before the add returns x.

    ``block`` is a Keras model (input -> block output) or a function ``block(tensor, **kwargs)``
    returning a tensor, which is wrapped into a model on an input of ``input_shape``.
    """
    model = _block_model(block, tuple(input_shape), dict(block_kwargs or {}))
    if not model.weights:
        raise CheckFailure(
            "Residual block",
            "a main path with layers that learn (Conv2D, BatchNormalization, ...)",
            "a block without weights",
            "the block's main path should transform x before the shortcut is added back",
        )
    x = np.random.default_rng(seed).standard_normal((2, *input_shape)).astype("float32")
    with constant_weights(model, 0.0):
        output = run_model(model, x, "Residual block forward pass")
    _compare_with_relu(x, next(iter(output.values())), atol)


def _block_model(block: Any, input_shape: tuple[int, ...], kwargs: dict[str, Any]) -> Any:
    import keras

    if isinstance(block, keras.Model):
        return block
    inputs = keras.Input(input_shape)
    try:
        outputs = block(inputs, **kwargs)
        return keras.Model(inputs, outputs)
    except Exception as exc:  # the student's code may raise anything
        config = ", ".join(f"{key}={value!r}" for key, value in kwargs.items())
        raise CheckFailure(
            "Residual block",
            f"your block function returns a tensor for an input of shape "
            f"{format_shape((None, *input_shape))} and {config or 'no arguments'}",
            f"an error: {describe_exception(exc)}",
            "call your block on keras.Input(shape) yourself; it must return the output tensor",
        ) from None


def _compare_with_relu(x: np.ndarray, y: np.ndarray, atol: float) -> None:
    if y.shape != x.shape:
        raise CheckFailure(
            "Identity block shape",
            f"the output has the input's shape {format_shape(x.shape)}",
            f"shape {format_shape(y.shape)}",
            "an identity block keeps the shape so the input can be added back: the last "
            "convolution needs as many filters as the input has channels, with padding='same'",
        )
    expected = np.maximum(x, 0.0)
    if np.allclose(y, expected, atol=atol):
        return
    diff = float(np.max(np.abs(y - expected)))
    raise CheckFailure(
        "Zero-weight test of the identity block",
        "with every weight at 0 the block returns relu(x)",
        _what_the_block_returned(x, y, atol, diff),
        _hint_for_block_output(x, y, atol),
    )


def _what_the_block_returned(x: np.ndarray, y: np.ndarray, atol: float, diff: float) -> str:
    if np.allclose(y, 0.0, atol=atol):
        return "zeros everywhere: the input never reaches the output"
    if np.allclose(y, x, atol=atol):
        return "x itself, negative values included: no ReLU after the add"
    return f"something else (largest difference from relu(x): {diff:.4g})"


def _hint_for_block_output(x: np.ndarray, y: np.ndarray, atol: float) -> str:
    if np.allclose(y, 0.0, atol=atol):
        return (
            "with zero weights the main path gives 0, so only the shortcut can carry x. Either "
            "there is no skip connection, or the tensor you add back is not the block's input "
            "(it was taken after a layer), or it goes through a layer of its own (a projection "
            "shortcut belongs in the projection block). Keep `shortcut = x` as the first line "
            "and end with Activation('relu')(Add()([x, shortcut]))"
        )
    if np.allclose(y, x, atol=atol):
        return (
            "the ReLU must come after the Add: with it before (or missing) the block adds x "
            "to an already activated main path and negative values pass through. End with "
            "Activation('relu')(Add()([x, shortcut]))"
        )
    return (
        "compare your block with the diagram: shortcut = input, main path, Add, then ReLU. "
        "Check that the input is added exactly once and that nothing follows the last ReLU"
    )


# -- constant-weight comparison with a reference --------------------------------------------------


def check_constant_weights(
    model: Any,
    reference: Any,
    inputs: Any = None,
    value: float = 0.05,
    rtol: float = 1e-4,
    atol: float = 1e-6,
    seed: int = 0,
) -> None:
    """Set every weight of both models to ``value`` and require the same outputs.

    With all weights equal no layer needs to be matched to its counterpart, so the order of
    ``model.layers`` and automatic names do not matter; what matters is the computation: which
    layers, how wide, with what kernel, strides and padding, and how they are wired. Outputs are
    compared per output name (or as the single output of each model); a softmax on an output
    layer is compared before it is applied (see :func:`linear_heads`). Both models get their
    weights back afterwards.
    """
    if inputs is None:
        inputs = random_inputs(reference, batch=2, seed=seed)
    with constant_weights(reference, value), linear_heads(reference):
        wanted = run_model(reference, inputs, "Reference model")
    with constant_weights(model, value), linear_heads(model):
        found = run_model(model, inputs)
    for name, (ref, out) in _pair_outputs(wanted, found).items():
        _compare_constant_outputs(name, ref, out, value, rtol, atol)


def _output_layers(model: Any) -> list[Any]:
    """The layers that produce the outputs, found through public attributes only."""
    if not _is_functional(model):
        return list(model.layers[-1:])
    found = []
    for name in model.output_names:
        try:
            found.append(model.get_layer(name))
        except ValueError:  # an operation such as ops.sqrt is not a layer
            continue
    return found


@contextmanager
def linear_heads(model: Any) -> Iterator[None]:
    """Replace a softmax on an output layer by the identity inside the `with` block.

    With constant weights every unit of a layer computes the same number, so a softmax output
    is always uniform (1/n each) whatever the network before it: the comparison would pass for
    any model. Its logits still carry the difference. A separate ``Softmax`` layer is not
    reached; use ``Dense(..., activation="softmax")`` or ``Activation("softmax")``.
    """
    swapped = []
    for layer in _output_layers(model):
        activation = getattr(layer, "activation", None)
        if getattr(activation, "__name__", "") in ("softmax", "log_softmax"):
            swapped.append((layer, activation))
    try:
        for layer, _ in swapped:
            layer.activation = _identity
        yield
    finally:
        for layer, activation in swapped:
            layer.activation = activation


def _identity(x: Any) -> Any:
    return x


def _pair_outputs(
    wanted: dict[str, np.ndarray], found: dict[str, np.ndarray]
) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """Outputs paired by name, keyed by how a message should call them.

    A single output is "the output": its layer name may be one Keras made up (``dense_3``),
    which would only confuse a student.
    """
    if len(wanted) == 1 and len(found) == 1:
        return {"the output": (next(iter(wanted.values())), next(iter(found.values())))}
    _check_output_names(list(found), list(wanted))
    return {f"output `{name}`": (wanted[name], found[name]) for name in wanted}


def _compare_constant_outputs(
    name: str, ref: np.ndarray, out: np.ndarray, value: float, rtol: float, atol: float
) -> None:
    if not np.all(np.isfinite(ref)):
        raise ValueError(f"reference {name} overflows at {value}; use a smaller value")
    if out.shape != ref.shape:
        raise CheckFailure(
            f"Shape of {name}",
            format_shape(ref.shape),
            format_shape(out.shape),
            "check the filters, units, strides and padding of the layers leading to it",
        )
    diff = float(np.max(np.abs(out - ref))) if ref.size else 0.0
    scale = float(np.max(np.abs(ref))) if ref.size else 0.0
    if np.isfinite(diff) and diff <= atol + rtol * scale:
        return
    raise CheckFailure(
        f"Constant-weight test of {name}",
        f"with every weight set to {value}, the same numbers as the reference "
        f"(largest |value| {scale:.4g})",
        f"outputs that differ by up to {diff:.4g}",
        "the layers do not compute the same thing: a layer is missing or extra, or its size "
        "differs (units, filters, kernel size, strides, padding), or a skip connection or "
        "activation sits in another place. The order of layers in model.summary() does not "
        "matter here",
    )


# -- Siamese distance -----------------------------------------------------------------------------


def check_siamese_distance(
    model: Any,
    probe_a: np.ndarray | None = None,
    probe_b: np.ndarray | None = None,
    atol: float = 1e-3,
    seed: int = 0,
) -> None:
    """A Siamese model must return a distance: d(x, x) = 0, symmetric, >= 0, not constant.

    These hold for any weights when one tower embeds both inputs and the distance is a true
    distance of the embeddings, so they are checked on the untrained model. ``probe_a`` and
    ``probe_b`` are batches of single inputs (without the pair axis); by default ``probe_a`` is
    random and ``probe_b`` is ``probe_a`` shifted by one row (other examples of the same data).
    """
    first, _, pack = _pair_feeder(model)
    probe_a, probe_b = _probes(first, probe_a, probe_b, seed)

    def distance(left: np.ndarray, right: np.ndarray) -> np.ndarray:
        return _distance_values(model, pack(left, right), len(left))

    same, d_ab, d_ba = (
        distance(probe_a, probe_a),
        distance(probe_a, probe_b),
        distance(probe_b, probe_a),
    )
    _require_not_constant(np.concatenate([same, d_ab]), atol)
    _require_zero_self_distance(same, atol)
    _require_symmetry(d_ab, d_ba, atol)
    _require_non_negative(np.concatenate([d_ab, d_ba]), atol)
    _require_separation(d_ab, atol)


def _pair_feeder(model: Any) -> tuple[InputSlot, InputSlot, Callable[[Any, Any], Any]]:
    """The two inputs, and a function that packs a pair the way the model wants it."""
    kind, slots = input_slots(model)
    if len(slots) != 2:
        names = [slot.name for slot in slots]
        raise CheckFailure(
            "Siamese inputs",
            "two inputs, one per item of the pair",
            f"{len(slots)} input(s) {names}",
            "build the model with keras.Model([input_a, input_b], distance)",
        )
    first, second = slots
    if kind == "dict":
        return first, second, lambda a, b: {first.name: a, second.name: b}
    return first, second, lambda a, b: [a, b]


def _probes(
    slot: InputSlot, probe_a: np.ndarray | None, probe_b: np.ndarray | None, seed: int
) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    if probe_a is None:
        probe_a = _random_array(slot, 8, rng)
    probe_a = np.asarray(probe_a)
    if probe_b is None:
        probe_b = np.roll(probe_a, 1, axis=0) if len(probe_a) > 1 else _random_array(slot, 1, rng)
    return probe_a, np.asarray(probe_b)


def _distance_values(model: Any, pair: Any, batch: int) -> np.ndarray:
    outputs = run_model(model, pair, "Siamese forward pass")
    if len(outputs) != 1:
        raise CheckFailure(
            "Siamese output",
            "one output: the distance",
            f"{len(outputs)} outputs {sorted(outputs)}",
            "return only the distance from the Siamese model",
        )
    value = next(iter(outputs.values()))
    if value.shape not in ((batch,), (batch, 1)):
        raise CheckFailure(
            "Siamese distance shape",
            f"one number per pair: {format_shape((batch, 1))} or {format_shape((batch,))}",
            format_shape(value.shape),
            "reduce over the embedding axis only: keras.ops.sum(..., axis=1, keepdims=True)",
        )
    value = value.reshape(batch).astype("float64")
    _require_finite("distance", value)
    return value


def _require_not_constant(distances: np.ndarray, atol: float) -> None:
    if np.ptp(distances) > atol:
        return
    raise CheckFailure(
        "Siamese distance depends on the inputs",
        "different pairs give different distances",
        f"the same distance {distances[0]:.4g} for every pair, identical or not",
        "the distance must be computed from the two embeddings, e.g. the Euclidean distance "
        "sqrt(sum((e_a - e_b)**2)); a layer that ignores them (or zero weights) makes it constant",
    )


def _require_zero_self_distance(same: np.ndarray, atol: float) -> None:
    if np.max(np.abs(same)) <= atol:
        return
    if np.ptp(same) <= atol:
        found = f"d(x, x) = {same[0]:.4g} for every x: a constant is added to the distance"
        hint = (
            "the distance of an input to itself must be 0; remove the bias or constant added "
            "to it (a Dense layer after |e_a - e_b| adds its bias; an epsilon belongs inside "
            "the square root, e.g. sqrt(maximum(sum, 1e-7)))"
        )
    else:
        found = f"d(x, x) between {same.min():.4g} and {same.max():.4g}"
        hint = (
            "the same input gives two different embeddings, so the two inputs go through "
            "different weights: build one tower (a model or the same layers) and call it on both "
            "inputs instead of building two towers"
        )
    raise CheckFailure("Siamese distance of an input to itself", "d(x, x) = 0", found, hint)


def _require_symmetry(d_ab: np.ndarray, d_ba: np.ndarray, atol: float) -> None:
    gap = float(np.max(np.abs(d_ab - d_ba)))
    if gap <= atol + 1e-4 * float(np.max(np.abs(d_ab))):
        return
    raise CheckFailure(
        "Siamese distance symmetry",
        "d(x, y) = d(y, x)",
        f"d(x, y) and d(y, x) differ by up to {gap:.4g}",
        "a distance must not depend on the order of the pair: square or take the absolute value "
        "of e_a - e_b before summing, and use the same tower for both inputs",
    )


def _require_non_negative(distances: np.ndarray, atol: float) -> None:
    if float(distances.min()) >= -atol:
        return
    raise CheckFailure(
        "Siamese distance sign",
        "distances >= 0",
        f"a distance of {distances.min():.4g}",
        "a distance is never negative: use sqrt(sum(square(e_a - e_b))) or sum(abs(e_a - e_b)), "
        "without a minus sign or a trainable layer on top",
    )


def _require_separation(d_ab: np.ndarray, atol: float) -> None:
    apart = int(np.count_nonzero(d_ab > atol))
    if apart * 2 >= len(d_ab):
        return
    raise CheckFailure(
        "Siamese distance separates inputs",
        "different inputs usually at a distance > 0",
        f"only {apart} of {len(d_ab)} different pairs have a distance above {atol}",
        "the embeddings of different inputs coincide: check that the tower's output depends on "
        "its input and that the distance compares the two embeddings",
    )


# -- contrastive loss -----------------------------------------------------------------------------


@dataclass(frozen=True)
class _LossCase:
    """One hand-made pair: its kind, its distance (in margins), and whether it should cost."""

    kind: str  # "similar" or "dissimilar"
    distance_in_margins: float
    should_cost: bool
    why: str


_LOSS_CASES = (
    _LossCase("similar", 0.0, False, "similar pairs already together cost nothing"),
    _LossCase("similar", 1.0, True, "similar pairs apart must cost, to pull them together"),
    _LossCase("dissimilar", 0.0, True, "dissimilar pairs together must cost (margin**2)"),
    _LossCase("dissimilar", 0.5, True, "dissimilar pairs closer than the margin must cost"),
    _LossCase("dissimilar", 1.5, False, "dissimilar pairs beyond the margin cost nothing"),
    _LossCase("dissimilar", 3.0, False, "dissimilar pairs beyond the margin cost nothing"),
)


def check_contrastive_loss(
    loss_fn: Callable[[Any, Any], Any],
    convention: str = "similar=1",
    margin: float = 1.0,
    atol: float = 1e-4,
) -> None:
    """Evaluate the student's contrastive loss on hand-made (label, distance) pairs.

    ``loss_fn(y_true, distance)`` is called with arrays of shape (2, 1). The contrastive loss
    is y * d**2 + (1 - y) * max(margin - d, 0)**2 when 1 means similar; any positive scale
    passes. When the loss would pass with the labels the other way round, the message says so.
    """
    if convention not in ("similar=1", "similar=0"):
        raise ValueError("convention must be 'similar=1' or 'similar=0'")
    similar_label = 1.0 if convention == "similar=1" else 0.0
    problems = _loss_problems(loss_fn, similar_label, margin, atol)
    if not problems:
        return
    if not _loss_problems(loss_fn, 1.0 - similar_label, margin, atol):
        raise CheckFailure(
            "Contrastive loss label convention",
            f"label {int(similar_label)} = similar pair (this course: {convention})",
            f"your loss treats label {int(similar_label)} as dissimilar",
            "swap the two terms: the distance term d**2 goes with the similar label, the margin "
            "term max(margin - d, 0)**2 with the dissimilar one",
        )
    case, cost = problems[0]
    raise CheckFailure(
        "Contrastive loss",
        f"{case.why}: a {case.kind} pair at distance {case.distance_in_margins * margin:g} "
        f"costs {'more than 0' if case.should_cost else '0'}",
        f"it costs {cost:.4g}",
        _loss_hint(case, cost, margin),
    )


def _loss_value(loss_fn: Callable[[Any, Any], Any], label: float, distance: float) -> float:
    y_true = np.full((2, 1), label, dtype="float32")
    y_pred = np.full((2, 1), distance, dtype="float32")
    try:
        value = _to_numpy(loss_fn(y_true, y_pred))
    except Exception as exc:  # the student's code may raise anything
        raise CheckFailure(
            "Contrastive loss runs",
            "loss_fn(y_true, distance) returns a number",
            f"an error: {describe_exception(exc)}",
            "test it on y_true = np.ones((2, 1)) and a distance of the same shape",
        ) from None
    return float(np.mean(value))


def _loss_problems(
    loss_fn: Callable[[Any, Any], Any], similar_label: float, margin: float, atol: float
) -> list[tuple[_LossCase, float]]:
    problems = []
    for case in _LOSS_CASES:
        label = similar_label if case.kind == "similar" else 1.0 - similar_label
        cost = _loss_value(loss_fn, label, case.distance_in_margins * margin)
        costs = np.isfinite(cost) and cost > atol
        if not np.isfinite(cost) or cost < -atol or costs != case.should_cost:
            problems.append((case, cost))
    return problems


def _loss_hint(case: _LossCase, cost: float, margin: float) -> str:
    if not np.isfinite(cost):
        return "a log, division or sqrt of zero gives NaN or inf; add a small epsilon"
    if cost < 0:
        return "a loss is never negative: the dissimilar term must be max(margin - d, 0)**2"
    if case.kind == "similar" and not case.should_cost:
        return "the similar term is d**2 and nothing else: no constant, no margin in it"
    if case.kind == "similar":
        return "the similar term d**2 is missing, so similar pairs are never pulled together"
    if case.should_cost and case.distance_in_margins == 0.0:
        return (
            f"the margin term is missing: a dissimilar pair at distance 0 should cost "
            f"max({margin:g} - 0, 0)**2 = {margin**2:g}"
        )
    if case.should_cost:
        return f"use the margin you were given ({margin:g}), not a number written in the loss"
    return (
        "clip the margin term at zero, max(margin - d, 0)**2: without the max, pairs already far "
        "apart keep costing (and the margin must be the one you were given)"
    )


# -- compile arguments by output name -------------------------------------------------------------

_LOSS_ALIASES = {
    "mse": "mean_squared_error",
    "mae": "mean_absolute_error",
    "mape": "mean_absolute_percentage_error",
    "msle": "mean_squared_logarithmic_error",
    "acc": "accuracy",
}
_WORD_BOUNDARY = re.compile(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])")


def _snake(name: str) -> str:
    """``SparseCategoricalCrossentropy`` -> ``sparse_categorical_crossentropy``; ``AUC`` -> ``auc``.

    Class names and configured names both identify a loss or metric.
    """
    return _WORD_BOUNDARY.sub("_", name).lower()


def _identifier_names(item: Any) -> set[str]:
    """Every name a loss or metric goes by: string alias, class, function and configured name."""
    names: set[str] = set()
    if isinstance(item, str):
        names.add(_LOSS_ALIASES.get(item.lower(), item.lower()))
        names.add(_snake(item) if item[:1].isupper() else item.lower())
    elif isinstance(item, Mapping):
        config = item.get("config")
        if item.get("class_name") == "function" and isinstance(config, str):
            names.add(config)
        elif item.get("class_name"):
            names.add(_snake(str(item["class_name"])))
        if isinstance(config, Mapping) and config.get("name"):
            names.add(str(config["name"]))
    elif item is not None:
        names.add(str(getattr(item, "__name__", "") or _snake(type(item).__name__)))
        if getattr(item, "name", None):
            names.add(str(item.name))
    return {_LOSS_ALIASES.get(name, name) for name in names}


def _matches(expected: str, item: Any) -> bool:
    wanted = _LOSS_ALIASES.get(expected.lower(), expected.lower())
    names = _identifier_names(item)
    if wanted == "accuracy":  # Keras picks the right accuracy for the loss
        return any(name.endswith("accuracy") for name in names)
    return wanted in names


def _compile_arguments(model: Any) -> dict[str, Any]:
    """The arguments given to ``compile``, from the public ``get_compile_config()``.

    Keras serializes them; a lambda warns while being serialized, which is not the student's
    concern here. Objects that cannot be serialized fall back to ``model.loss`` (public).
    """
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return dict(model.get_compile_config() or {})
    except Exception:
        return {"loss": model.loss}


def check_compiled_by_name(
    model: Any,
    losses: Mapping[str, str | None] | Sequence[str],
    loss_weights: Mapping[str, float] | None = None,
    metrics: Mapping[str, Sequence[str]] | None = None,
) -> None:
    """A multi-output model must be compiled with losses (and weights, metrics) keyed by name.

    Keras pairs a list of losses with the outputs in sorted-name order when the outputs are a
    dict, so a list that looks right can train each head with the wrong loss; a dict keyed by
    output name cannot. ``losses`` maps output name to the expected loss (``None``: any loss) or
    lists the outputs that need one; ``metrics`` maps output name to metric names that must
    appear ("accuracy" accepts any kind of accuracy).
    """
    if not getattr(model, "compiled", False):
        raise CheckFailure(
            "Compile",
            "a compiled model",
            "a model that was not compiled",
            "call model.compile(optimizer=..., loss={...}, metrics={...}) first",
        )
    arguments = _compile_arguments(model)
    outputs = _output_names(model, len(getattr(model, "outputs", None) or []) or 1)
    wanted = dict(losses) if isinstance(losses, Mapping) else dict.fromkeys(losses)
    given = _keyed("loss", arguments.get("loss"), wanted, outputs)
    for name, expected in wanted.items():
        _check_one_loss(name, expected, given[name])
    if loss_weights is not None:
        _check_loss_weights(arguments, loss_weights, outputs)
    if metrics is not None:
        _check_metrics(arguments, metrics, outputs)


def _keyed(argument: str, value: Any, wanted: Mapping[str, Any], outputs: list[str]) -> dict:
    """The compile argument as a dict keyed by existing output names, or a CheckFailure."""
    example = ", ".join(f"'{name}': ..." for name in wanted)
    hint = f"pass a dict keyed by output name: {argument}={{{example}}}"
    if value is None or (isinstance(value, Mapping) and not value):
        raise CheckFailure(
            f"Compile `{argument}` by output name", f"{argument} for {list(wanted)}", "none", hint
        )
    if not isinstance(value, Mapping):
        if isinstance(value, (list, tuple)):
            shape = "a list (paired with outputs by position)"
        else:
            shape = "a single value for every output"
        raise CheckFailure(
            f"Compile `{argument}` by output name",
            f"a dict keyed by output name {sorted(wanted)}",
            f"{shape}: {_short(value)}",
            f"{hint}. With dict outputs Keras pairs a list in sorted-name order, not in yours; "
            "a dict keyed by name cannot be paired wrongly",
        )
    unknown = [key for key in value if key not in outputs]
    missing = [name for name in wanted if name not in value]
    if unknown or missing:
        raise CheckFailure(
            f"Compile `{argument}` by output name",
            f"keys {sorted(wanted)} (your outputs are {outputs})",
            f"keys {sorted(value)} (unknown {unknown}, missing {missing})",
            "the keys must be the names of the output layers, e.g. layers.Dense(..., name=...)",
        )
    return dict(value)


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 120 else text[:117] + "..."


def _check_one_loss(name: str, expected: str | None, given: Any) -> None:
    if expected is None or _matches(expected, given):
        return
    found = sorted(_identifier_names(given)) or [_short(given)]
    raise CheckFailure(
        f"Loss of output `{name}`",
        expected,
        " / ".join(found),
        "each output needs the loss that matches its activation and labels",
    )


def _check_loss_weights(
    arguments: Mapping[str, Any], loss_weights: Mapping[str, float], outputs: list[str]
) -> None:
    given = _keyed("loss_weights", arguments.get("loss_weights"), loss_weights, outputs)
    for name, weight in loss_weights.items():
        if not np.isclose(float(given[name]), float(weight)):
            raise CheckFailure(
                f"Loss weight of output `{name}`",
                f"{weight:g}",
                f"{float(given[name]):g}",
                "use the loss weights given in the task, keyed by output name",
            )


def _check_metrics(
    arguments: Mapping[str, Any], metrics: Mapping[str, Sequence[str]], outputs: list[str]
) -> None:
    given = _keyed("metrics", arguments.get("metrics"), metrics, outputs)
    for name, expected in metrics.items():
        items = given[name] if isinstance(given[name], (list, tuple)) else [given[name]]
        for metric in expected:
            if not any(_matches(metric, item) for item in items):
                raise CheckFailure(
                    f"Metrics of output `{name}`",
                    f"{metric!r} among the metrics of `{name}`",
                    _short(items),
                    f"add it: metrics={{'{name}': ['{metric}'], ...}}",
                )


# -- values the grader can carry out of the student's process -------------------------------------
#
# The grader runs the student's code in a sandbox and the checks elsewhere; only data crosses
# (see autograder.grading). A function cannot cross, so a test calls the student's function
# in the sandbox with the helpers below and checks the resulting model or values outside.


def block_model(block_fn: Callable[..., Any], input_shape: Sequence[int], **kwargs: Any) -> Any:
    """A model around a block function ``block_fn(tensor, **kwargs) -> tensor``."""
    import keras

    inputs = keras.Input(tuple(input_shape), name="block_input")
    return keras.Model(inputs, block_fn(inputs, **kwargs), name="block")


def contrastive_cases(margin: float = 1.0) -> list[tuple[np.ndarray, np.ndarray]]:
    """The (y_true, distance) pairs to call a contrastive loss on, both labels per distance."""
    return [
        (np.full((2, 1), label, "float32"),
         np.full((2, 1), case.distance_in_margins * margin, "float32"))
        for case in _LOSS_CASES
        for label in (1.0, 0.0)
    ]


def check_contrastive_loss_values(
    values: Sequence[Any],
    convention: str = "similar=1",
    margin: float = 1.0,
    atol: float = 1e-4,
) -> None:
    """:func:`check_contrastive_loss` on the loss's values for :func:`contrastive_cases`."""
    cases = contrastive_cases(margin)
    if not isinstance(values, (list, tuple)) or len(values) != len(cases):
        length = len(values) if hasattr(values, "__len__") else "?"
        raise CheckFailure(
            "Contrastive loss runs",
            f"one loss value for each of the {len(cases)} test pairs",
            f"{type(values).__name__} of length {length}",
            "your loss must take (y_true, distance) and return the loss",
        )
    table = {
        (float(y[0, 0]), float(d[0, 0])): float(np.mean(_to_numpy(v)))
        for (y, d), v in zip(cases, values, strict=True)
    }

    def recorded(y_true: Any, distance: Any) -> float:
        return table[(float(np.asarray(y_true)[0, 0]), float(np.asarray(distance)[0, 0]))]

    check_contrastive_loss(recorded, convention, margin, atol)
