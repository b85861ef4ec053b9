"""Weight tests: zero weights in an identity block, constant weights against a reference."""

import keras
import numpy as np
import pytest
from keras import layers

from autograder.checks import (
    check_constant_weights,
    check_zero_weight_residual,
    constant_weights,
    random_inputs,
)
from autograder.errors import CheckFailure


def weights_of(model):
    return [np.array(w) for w in model.weights]


def assert_same_weights(before, model):
    for old, new in zip(before, weights_of(model), strict=True):
        np.testing.assert_array_equal(old, new)


# -- zero-weight test of an identity block -------------------------------------------------------


def main_path(x, filters):
    y = layers.Conv2D(filters, 3, padding="same")(x)
    y = layers.BatchNormalization()(y)
    y = layers.Activation("relu")(y)
    y = layers.Conv2D(filters, 3, padding="same")(y)
    return layers.BatchNormalization()(y)


def identity_block(x, filters):
    shortcut = x
    y = main_path(x, filters)
    return layers.Activation("relu")(layers.Add()([y, shortcut]))


def identity_block_operator_first(x, filters):
    return layers.ReLU()(x + main_path(x, filters))


def no_skip_block(x, filters):
    return layers.Activation("relu")(main_path(x, filters))


def relu_before_add_block(x, filters):
    y = layers.Activation("relu")(main_path(x, filters))
    return layers.Add()([y, x])


def skip_from_wrong_tensor_block(x, filters):
    first = layers.Conv2D(filters, 3, padding="same")(x)
    y = layers.BatchNormalization()(first)
    y = layers.Conv2D(filters, 3, padding="same")(layers.Activation("relu")(y))
    return layers.Activation("relu")(layers.Add()([y, first]))


def projection_block(x, filters):
    shortcut = layers.Conv2D(filters, 1)(x)
    return layers.Activation("relu")(layers.Add()([main_path(x, filters), shortcut]))


def skip_added_twice_block(x, filters):
    return layers.Activation("relu")(layers.Add()([main_path(x, filters), x, x]))


BLOCK_SHAPE = (6, 6, 4)


@pytest.mark.parametrize("block", [identity_block, identity_block_operator_first])
def test_identity_block_returns_relu_of_its_input(block):
    check_zero_weight_residual(block, BLOCK_SHAPE, {"filters": 4})


def test_identity_block_given_as_a_model_passes_and_keeps_its_weights():
    inputs = keras.Input(BLOCK_SHAPE)
    model = keras.Model(inputs, identity_block(inputs, 4))
    before = weights_of(model)
    check_zero_weight_residual(model, BLOCK_SHAPE)
    assert_same_weights(before, model)


@pytest.mark.parametrize(
    "block, message",
    [
        (no_skip_block, r"zeros everywhere(.|\n)*no skip connection"),
        (skip_from_wrong_tensor_block, r"zeros everywhere(.|\n)*not the block's input"),
        (projection_block, r"zeros everywhere(.|\n)*projection"),
        (relu_before_add_block, r"x itself, negative values included(.|\n)*after the Add"),
        (skip_added_twice_block, r"something else(.|\n)*added exactly once"),
    ],
)
def test_wrong_residual_blocks_are_diagnosed(block, message):
    with pytest.raises(CheckFailure, match=message):
        check_zero_weight_residual(block, BLOCK_SHAPE, {"filters": 4})


def test_block_whose_filters_do_not_match_the_input_reports_the_error():
    with pytest.raises(CheckFailure, match=r"Residual block(.|\n)*an error: ValueError"):
        check_zero_weight_residual(identity_block, BLOCK_SHAPE, {"filters": 8})


def test_block_without_weights_is_not_a_residual_block():
    with pytest.raises(CheckFailure, match="a block without weights"):
        check_zero_weight_residual(lambda x: layers.ReLU()(x), BLOCK_SHAPE)


def test_constant_weights_sets_roles_and_restores():
    inputs = keras.Input((3,))
    model = keras.Model(inputs, layers.BatchNormalization()(layers.Dense(2)(inputs)))
    before = weights_of(model)
    with constant_weights(model, 0.5):
        values = {w.name: np.unique(np.array(w)).tolist() for w in model.weights}
    assert values["kernel"] == [0.5] and values["gamma"] == [0.5]
    assert values["moving_mean"] == [0.0] and values["moving_variance"] == [1.0]
    assert_same_weights(before, model)


# -- constant-weight comparison with a reference -------------------------------------------------


def small_resnet(
    filters=4,
    kernel=3,
    batch_norm=True,
    skip=True,
    operator_add=False,
    separate_softmax=False,
):
    inputs = keras.Input((8, 8, 3), name="image")
    x = layers.Conv2D(4, 3, padding="same", activation="relu")(inputs)
    y = layers.Conv2D(filters, kernel, padding="same")(x)
    y = layers.BatchNormalization()(y) if batch_norm else y
    y = layers.Activation("relu")(y)
    y = layers.Conv2D(4, kernel, padding="same")(y)
    y = layers.BatchNormalization()(y) if batch_norm else y
    if skip:
        y = x + y if operator_add else layers.Add()([y, x])
    y = layers.GlobalAveragePooling2D()(layers.Activation("relu")(y))
    if separate_softmax:
        logits = layers.Dense(3, name="logits")(y)
        return keras.Model(inputs, layers.Activation("softmax", name="label")(logits))
    return keras.Model(inputs, layers.Dense(3, activation="softmax", name="label")(y))


def test_constant_weights_accept_another_order_and_notation():
    reference = small_resnet()
    student = small_resnet(operator_add=True, separate_softmax=True)
    before = weights_of(student)
    check_constant_weights(student, reference)
    assert_same_weights(before, student)
    probabilities = np.array(student(random_inputs(student)))
    np.testing.assert_allclose(probabilities.sum(axis=1), 1.0, rtol=1e-5)  # softmax is back


def test_constant_weights_compare_logits_because_a_constant_softmax_is_uniform():
    reference = small_resnet()
    with constant_weights(reference, 0.05):
        probabilities = np.array(reference(random_inputs(reference)))
    np.testing.assert_allclose(probabilities, 1 / 3, rtol=1e-5)  # why linear_heads exists


@pytest.mark.parametrize(
    "wrong",
    [
        {"batch_norm": False},
        {"filters": 8},
        {"skip": False},
        {"kernel": 1},
    ],
)
def test_constant_weights_catch_a_different_computation(wrong):
    reference = small_resnet()
    with pytest.raises(CheckFailure, match=r"Constant-weight test(.|\n)*differ by up to"):
        check_constant_weights(small_resnet(**wrong), reference)


def test_constant_weights_report_a_shape_difference():
    reference = small_resnet()
    inputs = keras.Input((8, 8, 3), name="image")
    x = layers.GlobalAveragePooling2D()(layers.Conv2D(4, 3)(inputs))
    student = keras.Model(inputs, layers.Dense(5, activation="softmax")(x))
    with pytest.raises(CheckFailure, match=r"Shape of the output(.|\n)*\(2, 3\)") as failure:
        check_constant_weights(student, reference)
    assert "dense" not in str(failure.value)  # Keras's automatic layer names mean nothing
