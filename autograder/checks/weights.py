"""Weight tests: a model's behaviour with every weight set to a constant.

With zero weights a residual block outputs relu(its input), whatever else it computes; with
the same constant in the student's model and a reference of the same layers, the outputs must
agree. Both test the wiring by behaviour, and both restore the weights they change.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any

import numpy as np

from autograder.checks.running import (
    describe_exception,
    is_functional,
    random_inputs,
    require_output_names,
    run_model,
    to_numpy,
)
from autograder.errors import CheckFailure
from autograder.graph import format_shape

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
    saved = [to_numpy(variable) for variable in variables]
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
    if not is_functional(model):
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
    require_output_names(list(found), list(wanted))
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
