"""A loss that suits its labels: class ids with the sparse loss, one-hot rows with the plain one.
Keras's own error for the mismatch talks about ranks; the check names the fault."""

import keras
import numpy as np
import pytest
from keras import layers

from autograder.checks import check_loss_fits_labels
from autograder.errors import CheckFailure

CLASS_IDS = np.array([0, 3, 9, 1])
ONE_HOT = np.eye(10)[CLASS_IDS]


def compiled(loss):
    model = keras.Sequential([keras.Input((4,)), layers.Dense(10, activation="softmax")])
    model.compile(optimizer="adam", loss=loss)
    return model


@pytest.mark.parametrize(
    ("loss", "labels"),
    [
        ("sparse_categorical_crossentropy", CLASS_IDS),
        ("categorical_crossentropy", ONE_HOT),
        (keras.losses.SparseCategoricalCrossentropy(), CLASS_IDS.reshape(-1, 1)),
        ("binary_crossentropy", np.array([0, 1, 1, 0])),
    ],
)
def test_a_loss_that_suits_its_labels_passes(loss, labels):
    check_loss_fits_labels(loss, labels)


@pytest.mark.parametrize(
    "loss",
    ["categorical_crossentropy", keras.losses.CategoricalCrossentropy(),
     keras.losses.categorical_crossentropy],
)
def test_integer_labels_with_categorical_crossentropy_say_sparse(loss):
    with pytest.raises(CheckFailure, match="integer labels with categorical_crossentropy") as e:
        check_loss_fits_labels(loss, CLASS_IDS)
    assert "sparse_categorical_crossentropy" in e.value.hint


def test_a_compiled_model_is_read_for_its_loss():
    check_loss_fits_labels(compiled("sparse_categorical_crossentropy"), CLASS_IDS)
    with pytest.raises(CheckFailure, match="integer labels with categorical_crossentropy"):
        check_loss_fits_labels(compiled("categorical_crossentropy"), CLASS_IDS.astype("float32"))


def test_one_hot_labels_with_the_sparse_loss_fail():
    with pytest.raises(CheckFailure, match="one-hot labels with sparse_categorical_crossentropy"):
        check_loss_fits_labels("sparse_categorical_crossentropy", ONE_HOT)


def test_a_loss_keyed_by_output_is_looked_up_by_name():
    losses = {"label": "categorical_crossentropy", "aux": "mse"}
    with pytest.raises(CheckFailure, match="integer labels"):
        check_loss_fits_labels(losses, CLASS_IDS, output="label")
    check_loss_fits_labels(losses, CLASS_IDS, output="aux")
