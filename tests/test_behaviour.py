"""Behaviour checks: a correct model passes, realistic mistakes fail with a teaching message."""

import keras
import numpy as np
import pytest
from keras import layers, ops

from autograder.checks import (
    check_builder,
    check_compiled_by_name,
    check_constant_weights,
    check_contrastive_loss,
    check_forward_pass,
    check_siamese_distance,
    check_zero_weight_residual,
    constant_weights,
    random_inputs,
)
from autograder.checks.running import describe_exception
from autograder.errors import CheckFailure


@pytest.fixture(autouse=True)
def fresh_session():
    """Like conftest's, without the full garbage collection (0.5 s per test with TF loaded).

    Resetting the session still resets the automatic name counters, which is what matters.
    """
    keras.utils.clear_session(free_memory=False)
    keras.utils.set_random_seed(0)
    yield


def weights_of(model):
    return [np.array(w) for w in model.weights]


def assert_same_weights(before, model):
    for old, new in zip(before, weights_of(model), strict=True):
        np.testing.assert_array_equal(old, new)


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


# -- Siamese distance ---------------------------------------------------------------------------


def tower(name="tower"):
    inputs = keras.Input((6,))
    hidden = layers.Dense(8, activation="relu")(inputs)
    return keras.Model(inputs, layers.Dense(4)(hidden), name=name)


def euclidean(a, b):
    return ops.sqrt(ops.maximum(ops.sum(ops.square(a - b), axis=1, keepdims=True), 1e-7))


def siamese(distance=euclidean, shared=True, as_dict=False):
    left, right = keras.Input((6,), name="left"), keras.Input((6,), name="right")
    embed_left = tower()
    embed_right = embed_left if shared else tower("second_tower")
    out = distance(embed_left(left), embed_right(right))
    inputs = {"left": left, "right": right} if as_dict else [left, right]
    return keras.Model(inputs, out)


@pytest.mark.parametrize("as_dict", [False, True])
def test_siamese_model_with_one_tower_passes(as_dict):
    check_siamese_distance(siamese(as_dict=as_dict))


def test_siamese_model_accepts_given_probes_and_a_flat_distance():
    def flat_l1(a, b):
        return ops.sum(ops.abs(a - b), axis=1)

    probes = np.random.default_rng(1).uniform(size=(5, 6)).astype("float32")
    check_siamese_distance(siamese(flat_l1), probes)


def test_siamese_model_with_two_towers_is_not_zero_on_identical_inputs():
    with pytest.raises(CheckFailure, match=r"d\(x, x\) between(.|\n)*different weights"):
        check_siamese_distance(siamese(shared=False))


def test_siamese_distance_that_is_constant():
    def untrained_head(a, b):
        head = layers.Dense(1, kernel_initializer="zeros", bias_initializer="ones")
        return head(layers.Concatenate()([a, b]))

    with pytest.raises(CheckFailure, match=r"depends on the inputs(.|\n)*same distance 1"):
        check_siamese_distance(siamese(untrained_head))


def test_siamese_absolute_difference_summed_with_a_bias():
    def l1_plus_bias(a, b):
        head = layers.Dense(
            1, kernel_initializer="ones", bias_initializer=keras.initializers.Constant(0.05)
        )
        return head(ops.abs(a - b))

    with pytest.raises(CheckFailure, match=r"d\(x, x\) = 0.05 for every x(.|\n)*bias"):
        check_siamese_distance(siamese(l1_plus_bias))


def test_siamese_signed_difference_is_not_symmetric():
    def signed(a, b):
        return ops.sum(a - b, axis=1, keepdims=True)

    with pytest.raises(CheckFailure, match=r"symmetry(.|\n)*d\(x, y\) = d\(y, x\)"):
        check_siamese_distance(siamese(signed))


def test_siamese_negative_distance():
    def negated(a, b):
        return -euclidean(a, b)

    with pytest.raises(CheckFailure, match=r"distance sign(.|\n)*minus sign"):
        check_siamese_distance(siamese(negated))


def test_siamese_distance_with_a_single_input_model():
    with pytest.raises(CheckFailure, match=r"two inputs(.|\n)*1 input"):
        check_siamese_distance(tower())


def test_siamese_distance_reduced_over_the_batch():
    def wrong_axis(a, b):
        return ops.sum(ops.square(a - b), axis=0)

    with pytest.raises(CheckFailure, match=r"distance shape(.|\n)*one number per pair"):
        check_siamese_distance(siamese(wrong_axis))


# -- contrastive loss ---------------------------------------------------------------------------


def contrastive(margin=1.0, similar_label=1.0):
    def loss(y_true, distance):
        similar = y_true if similar_label == 1.0 else 1.0 - y_true
        far = ops.square(ops.maximum(margin - distance, 0.0))
        return ops.mean(similar * ops.square(distance) + (1.0 - similar) * far)

    return loss


def test_contrastive_loss_with_the_course_convention_passes():
    check_contrastive_loss(contrastive(margin=2.0), margin=2.0)


def test_contrastive_loss_with_the_other_stated_convention_passes():
    check_contrastive_loss(contrastive(similar_label=0.0), convention="similar=0")


def test_contrastive_loss_per_sample_values_pass():
    def per_sample(y_true, distance):
        far = ops.square(ops.maximum(1.0 - distance, 0.0))
        return 0.5 * (y_true * ops.square(distance) + (1.0 - y_true) * far)

    check_contrastive_loss(per_sample)


def test_contrastive_loss_with_swapped_labels():
    with pytest.raises(CheckFailure, match="your loss treats label 1 as dissimilar"):
        check_contrastive_loss(contrastive(similar_label=0.0))


def test_contrastive_loss_without_the_margin():
    def no_margin(y_true, distance):
        pushed = ops.square(ops.maximum(distance, 0.0))
        return ops.mean(y_true * ops.square(distance) + (1.0 - y_true) * pushed)

    with pytest.raises(CheckFailure, match=r"dissimilar pair at distance 0(.|\n)*margin term"):
        check_contrastive_loss(no_margin)


def test_contrastive_loss_that_is_never_zero_for_far_pairs():
    def no_clipping(y_true, distance):
        return ops.mean(y_true * ops.square(distance) + (1.0 - y_true) * ops.square(1 - distance))

    with pytest.raises(CheckFailure, match=r"distance 1.5 costs 0(.|\n)*max\(margin - d, 0\)"):
        check_contrastive_loss(no_clipping)


def test_contrastive_loss_with_a_constant_added():
    def offset(y_true, distance):
        return contrastive()(y_true, distance) + 0.1

    with pytest.raises(CheckFailure, match=r"similar pair at distance 0 costs 0(.|\n)*constant"):
        check_contrastive_loss(offset)


def test_contrastive_loss_ignoring_its_margin():
    with pytest.raises(CheckFailure, match=r"distance 1 costs more than 0(.|\n)*margin you were"):
        check_contrastive_loss(contrastive(margin=1.0), margin=2.0)


def test_contrastive_loss_that_crashes():
    def wrong_signature(distance):
        return distance

    with pytest.raises(CheckFailure, match="TypeError"):
        check_contrastive_loss(wrong_signature)


# -- compile mapping by output name -------------------------------------------------------------

LOSSES = {"category": "sparse_categorical_crossentropy", "footwear": "binary_crossentropy"}


def compiled(model=None, **arguments):
    model = model or two_head_model()
    model.compile(optimizer="adam", **arguments)
    return model


def test_compile_keyed_by_output_name_passes():
    model = compiled(
        loss=LOSSES,
        loss_weights={"category": 1.0, "footwear": 0.5},
        metrics={"category": ["accuracy"], "footwear": [keras.metrics.AUC(name="auc"), "acc"]},
    )
    check_compiled_by_name(
        model,
        LOSSES,
        loss_weights={"category": 1.0, "footwear": 0.5},
        metrics={"category": ["accuracy"], "footwear": ["auc", "accuracy"]},
    )


def test_compile_with_loss_objects_and_functions_passes():
    model = compiled(
        loss={
            "category": keras.losses.SparseCategoricalCrossentropy(),
            "footwear": keras.losses.binary_crossentropy,
        },
        metrics={"category": keras.metrics.SparseCategoricalAccuracy()},
    )
    check_compiled_by_name(model, LOSSES, metrics={"category": ["accuracy"]})


def test_compile_names_are_dict_keys_not_layer_names():
    x = keras.Input((4,))
    model = keras.Model(x, {"price": layers.Dense(1, name="dense_out")(x)})
    check_compiled_by_name(compiled(model, loss={"price": "mse"}), {"price": "mean_squared_error"})
    with pytest.raises(CheckFailure, match=r"unknown \['dense_out'\]"):
        check_compiled_by_name(compiled(model, loss={"dense_out": "mse"}), ["price"])


def test_compile_requires_a_compiled_model():
    with pytest.raises(CheckFailure, match="not compiled"):
        check_compiled_by_name(two_head_model(), LOSSES)


def test_compile_with_a_list_of_losses():
    model = compiled(loss=["sparse_categorical_crossentropy", "binary_crossentropy"])
    with pytest.raises(CheckFailure, match=r"a list \(paired with outputs by position\)"):
        check_compiled_by_name(model, LOSSES)


def test_compile_with_one_loss_for_every_output():
    with pytest.raises(CheckFailure, match="a single value for every output"):
        check_compiled_by_name(compiled(loss="binary_crossentropy"), LOSSES)


def test_compile_with_a_misspelt_output_name():
    model = compiled(loss={"categroy": "sparse_categorical_crossentropy", "footwear": "mse"})
    with pytest.raises(CheckFailure, match=r"unknown \['categroy'\], missing \['category'\]"):
        check_compiled_by_name(model, LOSSES)


def test_compile_with_the_losses_swapped():
    swapped = {"category": "binary_crossentropy", "footwear": "sparse_categorical_crossentropy"}
    with pytest.raises(CheckFailure, match=r"Loss of output `category`"):
        check_compiled_by_name(compiled(loss=swapped), LOSSES)


def test_compile_with_loss_weights_as_a_list_or_wrong_value():
    as_list = compiled(loss=LOSSES, loss_weights=[1.0, 0.5])
    with pytest.raises(CheckFailure, match=r"Compile `loss_weights`(.|\n)*a list"):
        check_compiled_by_name(as_list, LOSSES, loss_weights={"category": 1.0, "footwear": 0.5})
    wrong = compiled(loss=LOSSES, loss_weights={"category": 1.0, "footwear": 2.0})
    with pytest.raises(CheckFailure, match=r"Loss weight of output `footwear`"):
        check_compiled_by_name(wrong, LOSSES, loss_weights={"category": 1.0, "footwear": 0.5})


def test_compile_with_metrics_as_one_list_or_missing_one():
    as_list = compiled(loss=LOSSES, metrics=["accuracy"])
    with pytest.raises(CheckFailure, match=r"Compile `metrics`(.|\n)*a list"):
        check_compiled_by_name(as_list, LOSSES, metrics={"category": ["accuracy"]})
    missing = compiled(loss=LOSSES, metrics={"category": ["accuracy"]})
    with pytest.raises(CheckFailure, match=r"Compile `metrics`(.|\n)*missing \['footwear'\]"):
        check_compiled_by_name(missing, LOSSES, metrics={"footwear": ["auc"]})
    no_auc = compiled(loss=LOSSES, metrics={"category": ["accuracy"], "footwear": ["accuracy"]})
    with pytest.raises(CheckFailure, match=r"Metrics of output `footwear`(.|\n)*'auc'"):
        check_compiled_by_name(no_auc, LOSSES, metrics={"footwear": ["auc"]})


# -- the sandbox-friendly forms -------------------------------------------------------------------


def test_contrastive_loss_values_agree_with_the_function_form():
    from autograder.checks import check_contrastive_loss_values, contrastive_cases

    def good(y, d):
        return y * d**2 + (1 - y) * np.maximum(1.0 - d, 0) ** 2

    def swapped(y, d):
        return good(1 - y, d)

    check_contrastive_loss_values([good(y, d) for y, d in contrastive_cases()])
    with pytest.raises(CheckFailure, match="label convention"):
        check_contrastive_loss_values([swapped(y, d) for y, d in contrastive_cases()])
    with pytest.raises(CheckFailure, match="one loss value"):
        check_contrastive_loss_values([0.0])


def test_block_model_wraps_a_block_function():
    from autograder.checks import block_model

    def block(x, filters):
        return layers.Conv2D(filters, 3, padding="same")(x)

    model = block_model(block, (8, 8, 2), filters=5)
    assert model.output.shape == (None, 8, 8, 5)
