"""Compile arguments keyed by output name: right ones pass, lists and swaps fail."""

import keras
import pytest
from keras import layers

from autograder.checks import (
    check_compiled_by_name,
)
from autograder.errors import CheckFailure
from tests.test_running import two_head_model

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
