"""Siamese behaviour: the properties of a distance, and a contrastive loss's convention."""

import keras
import numpy as np
import pytest
from keras import layers, ops

from autograder.checks import (
    check_contrastive_loss,
    check_contrastive_loss_values,
    check_siamese_distance,
    contrastive_cases,
)
from autograder.errors import CheckFailure

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


def test_contrastive_loss_values_agree_with_the_function_form():
    def good(y, d):
        return y * d**2 + (1 - y) * np.maximum(1.0 - d, 0) ** 2

    def swapped(y, d):
        return good(1 - y, d)

    check_contrastive_loss_values([good(y, d) for y, d in contrastive_cases()])
    with pytest.raises(CheckFailure, match="label convention"):
        check_contrastive_loss_values([swapped(y, d) for y, d in contrastive_cases()])
    with pytest.raises(CheckFailure, match="one loss value"):
        check_contrastive_loss_values([0.0])
