"""Feature extractors: the right one passes; one that ignores the layer name it is given, or
that builds new layers, fails with the fault named."""

import keras
import pytest
from keras import layers

from autograder.checks import check_feature_extractor
from autograder.errors import CheckFailure


def classifier(hidden=8, classes=3):
    inputs = keras.Input((4,), name="image")
    x = layers.Dense(hidden, activation="relu", name="hidden")(inputs)
    return keras.Model(inputs, layers.Dense(classes, activation="softmax", name="label")(x))


def extractor(model, layer_name, mistake=None):
    """The right extractor, or one with a classic mistake."""
    if mistake == "fixed_name":
        layer_name = "hidden"
    if mistake == "new_layers":
        inputs = keras.Input((4,))
        units = model.get_layer(layer_name).output.shape[-1]
        return keras.Model(inputs, layers.Dense(units, name=layer_name)(inputs))
    return keras.Model(model.inputs, model.get_layer(layer_name).output)


@pytest.mark.parametrize("layer_name", ["hidden", "label"])
def test_extractor_of_the_layer_asked_for_passes(layer_name):
    model = classifier()
    check_feature_extractor(extractor(model, layer_name), model, layer_name)


def test_extractor_of_a_sequential_model_passes():
    model = keras.Sequential(
        [keras.Input((4,)), layers.Dense(8, name="hidden"), layers.Dense(3, name="label")]
    )
    check_feature_extractor(extractor(model, "hidden"), model, "hidden")


def test_extractor_that_ignores_the_layer_name_fails():
    model = classifier()
    check_feature_extractor(extractor(model, "hidden", "fixed_name"), model, "hidden")
    with pytest.raises(CheckFailure, match="ignores the layer name it is given") as e:
        check_feature_extractor(extractor(model, "label", "fixed_name"), model, "label")
    assert "returns `hidden` when asked for `label`" in str(e.value)
    assert e.value.marks.calls == ("hidden",)


def test_extractor_with_new_layers_fails():
    model = classifier()
    with pytest.raises(CheckFailure, match="the extractor's weights are not the classifier's"):
        check_feature_extractor(extractor(model, "hidden", "new_layers"), model, "hidden")


def test_a_layer_the_model_does_not_have_is_the_test_authors_error():
    model = classifier()
    with pytest.raises(ValueError, match="no layer named 'nothing'"):
        check_feature_extractor(extractor(model, "hidden"), model, "nothing")
