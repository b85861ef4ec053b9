"""Running a model: forward passes and builders on a second configuration; a correct model
passes, realistic mistakes fail with a teaching message."""

import keras
import numpy as np
import pytest
from keras import layers, ops

from autograder.checks import (
    block_model,
    check_builder,
    check_forward_pass,
    random_inputs,
)
from autograder.checks.running import describe_exception
from autograder.errors import CheckFailure

# -- forward pass -------------------------------------------------------------------------------


def two_head_model(category_units=10, name_outputs=True):
    image = keras.Input((8, 8, 1), name="image")
    x = layers.Flatten()(layers.Conv2D(4, 3, activation="relu")(image))
    category = layers.Dense(category_units, activation="softmax", name="category")(x)
    footwear = layers.Dense(1, activation="sigmoid", name="footwear")(x)
    if name_outputs:
        return keras.Model(image, {"category": category, "footwear": footwear})
    return keras.Model(image, [layers.Dense(category_units)(x), layers.Dense(1)(x)])


HEADS = {"category": (10,), "footwear": (1,)}


def test_forward_pass_accepts_a_two_head_model_and_returns_outputs_by_name():
    outputs = check_forward_pass(two_head_model(), HEADS)
    assert {name: value.shape for name, value in outputs.items()} == {
        "category": (2, 10),
        "footwear": (2, 1),
    }


def test_forward_pass_feeds_dict_inputs_by_name_including_integer_ones():
    words = keras.Input((5,), dtype="int32", name="words")
    price = keras.Input((2,), name="price")
    text = layers.GlobalAveragePooling1D()(layers.Embedding(3, 4)(words))
    out = layers.Dense(1, name="score")(layers.Concatenate()([text, price]))
    model = keras.Model({"words": words, "price": price}, out)
    inputs = random_inputs(model, batch=3)
    assert set(inputs) == {"words", "price"} and inputs["words"].dtype == np.int32
    check_forward_pass(model, {"score": (1,)}, batch=3)


def test_forward_pass_is_deterministic():
    model = two_head_model()
    first = check_forward_pass(model, seed=3)
    second = check_forward_pass(model, seed=3)
    np.testing.assert_array_equal(first["category"], second["category"])


def test_forward_pass_reports_unnamed_outputs():
    with pytest.raises(
        CheckFailure, match=r"Output names(.|\n)*missing `category` and `footwear`"
    ):
        check_forward_pass(two_head_model(name_outputs=False), HEADS)


def test_forward_pass_reports_a_wrong_output_shape():
    with pytest.raises(CheckFailure, match=r"Shape of output `category`(.|\n)*\(2, 10\)"):
        check_forward_pass(two_head_model(category_units=5), HEADS)


def test_forward_pass_reports_nan_outputs():
    x = keras.Input((4,), name="x")
    model = keras.Model(x, layers.Dense(1, name="y")(ops.log(x)))  # log of negative features
    with pytest.raises(CheckFailure, match=r"Finite values in output `y`(.|\n)*epsilon"):
        check_forward_pass(model, (1,))


def test_forward_pass_reports_a_crash_without_a_traceback():
    class Broken(keras.Model):
        def call(self, x):
            raise ValueError("shapes do not fit")

    with pytest.raises(CheckFailure, match="ValueError: shapes do not fit") as failure:
        check_forward_pass(Broken(), input_shapes=(3,))
    assert "Traceback" not in str(failure.value)


def test_describe_exception_drops_keras_call_context():
    error = ValueError(
        "Exception encountered when calling Dense.call().\n\nInput 0 is incompatible\n\n"
        "Arguments received by Dense.call():\n  • inputs=tf.Tensor(...)"
    )
    assert describe_exception(error) == "ValueError: Input 0 is incompatible"


# -- a second configuration of a build function -------------------------------------------------


def build_encoder(filters, input_shape):
    inputs = keras.Input(input_shape, name="image")
    x = layers.Conv2D(filters, 3, padding="same", activation="relu")(inputs)
    x = layers.MaxPooling2D()(x)
    x = layers.Conv2D(filters * 2, 3, padding="same", activation="relu")(x)
    return keras.Model(inputs, layers.GlobalAveragePooling2D(name="features")(x))


SECOND = {"filters": 8, "input_shape": (12, 12, 1)}


def check_second_configuration(builder):
    return check_builder(builder, SECOND, input_shapes=(12, 12, 1), expected_output_shapes=(16,))


def test_builder_that_uses_its_arguments_passes():
    model = check_second_configuration(build_encoder)
    assert isinstance(model, keras.Model)


def test_builder_that_ignores_filters_fails_on_the_output_shape():
    def fixed_filters(filters, input_shape):
        return build_encoder(16, input_shape)

    with pytest.raises(CheckFailure, match=r"Shape of the output(.|\n)*filters=8(.|\n)*\(2, 16\)"):
        check_second_configuration(fixed_filters)


def test_builder_that_ignores_input_shape_fails_on_the_input():
    def fixed_input(filters, input_shape):
        return build_encoder(filters, (28, 28, 1))

    with pytest.raises(CheckFailure, match=r"Input shape of `image`(.|\n)*\(None, 12, 12, 1\)"):
        check_second_configuration(fixed_input)


def test_builder_that_raises_is_reported_with_its_own_message():
    def no_filters_argument(input_shape):
        return build_encoder(16, input_shape)

    expected = (
        r"your build function failed for filters=8, input_shape=\(12, 12, 1\): "
        r"TypeError: .*unexpected keyword argument 'filters'"
    )
    with pytest.raises(CheckFailure, match=expected) as failure:
        check_second_configuration(no_filters_argument)
    assert "Traceback" not in str(failure.value)


def test_builder_that_forgets_to_return_the_model():
    def no_return(filters, input_shape):
        build_encoder(filters, input_shape)

    with pytest.raises(CheckFailure, match=r"keras.Model(.|\n)*NoneType"):
        check_second_configuration(no_return)


def test_block_model_wraps_a_block_function():
    def block(x, filters):
        return layers.Conv2D(filters, 3, padding="same")(x)

    model = block_model(block, (8, 8, 2), filters=5)
    assert model.output.shape == (None, 8, 8, 5)
