"""The input-normalization check on tiny two-input models, and the grader's rebuilt copies.

The right model passes, also when it went through the grader's export and rebuild; each
mistake students make with Normalization fails with a message that names it.
"""

import keras
import numpy as np
import pytest
from keras import layers

from autograder import reference_models as rm
from autograder.checks.preprocessing import check_input_normalization
from autograder.errors import CheckFailure
from autograder.grading import values

RNG = np.random.default_rng(0)
TRAIN = {
    "numbers": RNG.normal(50.0, 10.0, size=(64, 4)).astype("float32"),
    "ratios": RNG.uniform(0.0, 1.0, size=(64, 2)).astype("float32"),
}


def two_branch(adapt_on=TRAIN, joined_first=False, norm=True, nested=False):
    """Numbers and ratios, each normalized and condensed, then concatenated."""
    inputs = {name: keras.Input(shape=(x.shape[1],), name=name) for name, x in TRAIN.items()}
    if joined_first:
        x = layers.Concatenate()(list(inputs.values()))
        n = layers.Normalization()
        n.adapt(np.hstack(list(TRAIN.values())))
        return keras.Model(inputs, layers.Dense(3, activation="softmax")(n(x)))
    branches = []
    for name, tensor in inputs.items():
        if norm:
            n = layers.Normalization()
            if adapt_on is not None:
                n.adapt(adapt_on[name])
            if nested:  # the Normalization inside a sub-model of its own
                inner = keras.Input(shape=(TRAIN[name].shape[1],))
                n = keras.Model(inner, n(inner), name=f"{name}_scaler")
            tensor = n(tensor)
        branches.append(layers.Dense(4, activation="relu")(tensor))
    merged = layers.Concatenate()(branches)
    return keras.Model(inputs, layers.Dense(3, activation="softmax")(merged))


def rebuilt(model, tmp_path):
    """What the grader checks: the model exported by the sandbox and rebuilt outside."""
    return values.load(values.dump(model, tmp_path, "m"), tmp_path)


def test_adapted_branches_pass():
    found = check_input_normalization(two_branch(), TRAIN)
    assert found == {"numbers": "Normalization (None, 4)", "ratios": "Normalization (None, 2)"}


def test_a_normalization_inside_a_sub_model_is_found():
    check_input_normalization(two_branch(nested=True), TRAIN)


def test_statistics_given_to_the_constructor_count_as_adapted():
    inputs = keras.Input(shape=(4,), name="numbers")
    data = TRAIN["numbers"]
    norm = layers.Normalization(mean=data.mean(axis=0), variance=data.var(axis=0))
    model = keras.Model(inputs, layers.Dense(1)(norm(inputs)))
    check_input_normalization(model, {"numbers": data})


def test_the_rebuilt_model_keeps_and_applies_the_statistics(tmp_path):
    model = two_branch()
    copy = rebuilt(model, tmp_path)
    check_input_normalization(copy, TRAIN)
    probe = {name: x[:5] for name, x in TRAIN.items()}
    np.testing.assert_allclose(np.asarray(copy(probe)), np.asarray(model(probe)), atol=1e-6)


def test_rebuilt_nested_normalization_is_applied_too(tmp_path):
    model = two_branch(nested=True)
    probe = {name: x[:5] for name, x in TRAIN.items()}
    copy = rebuilt(model, tmp_path)
    np.testing.assert_allclose(np.asarray(copy(probe)), np.asarray(model(probe)), atol=1e-6)


def test_never_adapted_is_named():
    with pytest.raises(CheckFailure, match="never adapted"):
        check_input_normalization(two_branch(adapt_on=None), TRAIN)


def test_adapted_on_other_rows_is_named():
    test_split = {name: x[:10] + 5.0 for name, x in TRAIN.items()}
    with pytest.raises(CheckFailure, match="not on the test split"):
        check_input_normalization(two_branch(adapt_on=test_split), TRAIN)


def test_inputs_joined_before_normalization_are_named():
    with pytest.raises(CheckFailure, match="joined before each was normalized") as e:
        check_input_normalization(two_branch(joined_first=True), TRAIN)
    marks = e.value.marks
    assert marks.graph.calls[marks.calls[0]].class_name == "Normalization"
    assert set(marks.calls[1:]) <= {spec.call for spec in marks.graph.inputs}


def test_missing_normalization_is_named():
    with pytest.raises(CheckFailure, match="no Normalization layer after input `numbers`") as e:
        check_input_normalization(two_branch(norm=False), TRAIN)
    assert e.value.marks.calls == (e.value.marks.graph.input_named("numbers").call,)


def test_wrong_input_name_is_named():
    with pytest.raises(CheckFailure, match="an input named `prices`"):
        check_input_normalization(two_branch(), {"prices": TRAIN["numbers"]})


def test_two_input_reference_declares_inputs_in_the_order_given():
    model = rm.two_input_classifier({"ratios": 2, "numbers": 4}, units=3, classes=5)
    assert [t.name for t in model.inputs] == ["ratios", "numbers"]
    assert model.output.shape == (None, 5)
    assert model.count_params() == (2 * 3 + 3) + (4 * 3 + 3) + (6 * 5 + 5)
