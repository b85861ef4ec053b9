"""The trip out of the sandbox: what a student built is rebuilt, compile arguments included."""

from __future__ import annotations

import keras
import pytest
from keras import layers

from autograder.checks import check_compiled_by_name
from autograder.errors import CheckFailure
from autograder.grading import values


def two_heads() -> keras.Model:
    inputs = keras.Input((4,), name="x")
    trunk = layers.Dense(8, activation="relu")(inputs)
    return keras.Model(
        inputs,
        {
            "category": layers.Dense(3, activation="softmax", name="category")(trunk),
            "footwear": layers.Dense(1, activation="sigmoid", name="footwear")(trunk),
        },
    )


def round_trip(model, tmp_path):
    return values.load(values.dump(model, tmp_path, "m"), tmp_path)


@pytest.mark.parametrize("style", ["strings", "functions", "objects"])
def test_compile_arguments_survive_in_every_spelling(style, tmp_path):
    losses = {
        "strings": {
            "category": "sparse_categorical_crossentropy",
            "footwear": "binary_crossentropy",
        },
        "functions": {
            "category": keras.losses.sparse_categorical_crossentropy,
            "footwear": keras.losses.binary_crossentropy,
        },
        "objects": {
            "category": keras.losses.SparseCategoricalCrossentropy(),
            "footwear": keras.losses.BinaryCrossentropy(),
        },
    }[style]
    model = two_heads()
    model.compile(optimizer="adam", loss=losses, loss_weights={"category": 1.0, "footwear": 0.5})
    rebuilt = round_trip(model, tmp_path)
    check_compiled_by_name(
        rebuilt,
        {"category": "sparse_categorical_crossentropy", "footwear": "binary_crossentropy"},
        loss_weights={"category": 1.0, "footwear": 0.5},
    )


def test_a_layer_from_a_foreign_module_is_refused(tmp_path):
    record = values.dump(two_heads(), tmp_path, "m")
    config = tmp_path / record["config"]
    config.write_text(config.read_text().replace('"module": "keras.layers"', '"module": "os"', 1))
    with pytest.raises(CheckFailure, match="an object from module 'os'"):
        values.load(record, tmp_path)
