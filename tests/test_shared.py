"""Shared layers and Siamese towers on tiny models, and the capstone's shape where sharing,
fusion and heads meet."""

import keras
import pytest
from keras import layers, ops

from autograder.checks import (
    check_multi_input_fusion,
    check_no_lambda,
    check_output_branches,
    check_shared_layers,
    check_shared_tower,
)
from autograder.errors import CheckFailure
from autograder.graph import as_graph

# =================================================================================================
# Shared layers and Siamese towers
# =================================================================================================


def tower_model():
    return keras.Sequential(
        [keras.Input((6,)), layers.Dense(8, activation="relu"), layers.Dense(4)]
    )


def functional_tower():
    x = keras.Input((6,))
    return keras.Model(x, layers.Dense(4)(layers.Dense(8, activation="relu")(x)))


def siamese(tower="nested", distance_swapped=False):
    """Two inputs, a tower applied to each, the absolute difference, a sigmoid."""
    left, right = keras.Input((6,), name="left"), keras.Input((6,), name="right")
    a, b = _towers(tower, left, right)
    if distance_swapped:
        a, b = b, a
    diff = ops.abs(a - b)
    return keras.Model([left, right], layers.Dense(1, activation="sigmoid", name="same")(diff))


def _towers(how, left, right):
    if how in ("nested", "functional"):
        shared = tower_model() if how == "nested" else functional_tower()
        return shared(left), shared(right)
    if how == "one_by_one":
        first, second = layers.Dense(8, activation="relu"), layers.Dense(4)
        return second(first(left)), second(first(right))
    if how == "copied":
        return tower_model()(left), tower_model()(right)
    if how == "half":
        first = layers.Dense(8, activation="relu")
        return layers.Dense(4)(first(left)), layers.Dense(4)(first(right))
    if how == "different":
        return tower_model()(left), layers.Dense(4)(right)
    raise ValueError(how)


TOWER_PARAMS = 6 * 8 + 8 + 8 * 4 + 4


@pytest.mark.parametrize(
    ("tower", "distance_swapped"), [("nested", False), ("functional", True), ("one_by_one", True)]
)
def test_shared_tower_passes(tower, distance_swapped):
    model = siamese(tower, distance_swapped)
    shared = check_shared_tower(model, inputs=("left", "right"))
    assert sorted(info.class_name for info in shared) == ["Dense", "Dense"]
    assert all(len(info.calls) == 2 for info in shared)
    assert as_graph(model).total_params == model.count_params() == TOWER_PARAMS + 4 + 1
    assert len(check_shared_layers(model, min_shared=2)) == 2


def test_nested_tower_and_shared_layers_look_the_same():
    def shape(model):
        graph = as_graph(model)
        return sorted((c.class_name, c.shape) for c in graph.calls.values())

    assert shape(siamese("nested")) == shape(siamese("one_by_one"))


def test_copied_tower_fails():
    model = siamese("copied")
    assert model.count_params() == 2 * TOWER_PARAMS + 4 + 1
    with pytest.raises(
        CheckFailure,
        match="(?s)the two branches use different layers \\(identical structure.*"
        "applies one tower to both inputs; build the tower once and call it twice",
    ):
        check_shared_tower(model, inputs=("left", "right"))


def test_half_shared_tower_fails():
    with pytest.raises(CheckFailure, match="(?s)1 layer shared, but .*different layers for Dense"):
        check_shared_tower(siamese("half"))


def test_towers_of_different_structure_fail():
    with pytest.raises(CheckFailure, match="different layers \\(different structures\\)"):
        check_shared_tower(siamese("different"))


def test_inputs_merged_before_the_tower_fail():
    left, right = keras.Input((6,), name="left"), keras.Input((6,), name="right")
    joined = layers.Concatenate()([left, right])
    model = keras.Model([left, right], layers.Dense(1)(layers.Dense(8)(joined)))
    with pytest.raises(CheckFailure, match="`left` goes through no layer with weights before"):
        check_shared_tower(model)


def test_unused_second_input_fails():
    left, right = keras.Input((6,), name="left"), keras.Input((6,), name="right")
    model = keras.Model([left, right], layers.Dense(1)(tower_model()(left)))
    with pytest.raises(CheckFailure, match="input `right` is never used"):
        check_shared_tower(model)


def test_siamese_inputs_must_have_their_names():
    a, b = keras.Input((6,), name="a"), keras.Input((6,), name="b")
    tower = tower_model()
    model = keras.Model([a, b], layers.Dense(1)(ops.abs(tower(a) - tower(b))))
    named = "(?s)two inputs: `left` and `right`.*missing `left` and `right`"
    with pytest.raises(CheckFailure, match=named):
        check_shared_tower(model)


def test_copied_layers_are_named_when_nothing_is_shared():
    with pytest.raises(CheckFailure, match="(?s)0 shared layers; .*identical settings: Dense"):
        check_shared_layers(siamese("copied"))


def test_too_few_shared_layers_fail():
    with pytest.raises(CheckFailure, match="at least 2 layers with weights called more than once"):
        check_shared_layers(siamese("half"), min_shared=2)


def test_model_without_sharing_fails():
    inputs = keras.Input((4,))
    model = keras.Model(inputs, layers.Dense(2)(layers.Dense(3)(inputs)))
    with pytest.raises(CheckFailure, match="0 shared layers"):
        check_shared_layers(model)


# =================================================================================================
# Everything at once (the capstone's shape)
# =================================================================================================


def capstone(shared=True):
    """Two views through one encoder, plus metadata; a category head and a footwear head."""
    front = keras.Input((8, 8, 1), name="front")
    back = keras.Input((8, 8, 1), name="back")
    meta = keras.Input((3,), name="meta")

    def encoder():
        x = keras.Input((8, 8, 1))
        y = layers.Conv2D(4, 3, activation="relu")(x)
        return keras.Model(x, layers.GlobalAveragePooling2D()(y))

    first = encoder()
    second = first if shared else encoder()
    z = layers.Concatenate()([first(front), second(back), layers.Dense(4)(meta)])
    trunk = layers.Dense(16, activation="relu")(z)
    outputs = {
        "category": layers.Dense(5, activation="softmax", name="category")(trunk),
        "is_footwear": layers.Dense(1, activation="sigmoid", name="is_footwear")(trunk),
    }
    return keras.Model({"front": front, "back": back, "meta": meta}, outputs)


def test_capstone_passes_every_topology_check():
    graph = as_graph(capstone())
    check_shared_tower(graph, inputs=("front", "back"))
    check_multi_input_fusion(graph, inputs=("front", "back", "meta"))
    check_output_branches(graph, ("category", "is_footwear"), trunk_shape=(None, 16))


def test_capstone_with_two_encoders_fails_only_the_sharing_check():
    graph = as_graph(capstone(shared=False))
    check_multi_input_fusion(graph, inputs=("front", "back", "meta"))
    check_output_branches(graph, ("category", "is_footwear"))
    with pytest.raises(CheckFailure, match="different layers \\(identical structure"):
        check_shared_tower(graph, inputs=("front", "back"))


# -- marks: the layers that should be shared ------------------------------------------------------


def test_copied_tower_marks_every_copy():
    with pytest.raises(CheckFailure) as e:
        check_shared_tower(siamese("copied"))
    marks, graph = e.value.marks, e.value.marks.graph
    assert sorted(graph.calls[c].class_name for c in marks.calls) == ["Dense"] * 4
    assert len({graph.calls[c].layer for c in marks.calls}) == 4  # four layer objects


def test_half_shared_tower_marks_only_the_unshared_layers():
    with pytest.raises(CheckFailure) as e:
        check_shared_tower(siamese("half"))
    marks, graph = e.value.marks, e.value.marks.graph
    assert [graph.describe(c) for c in marks.calls] == ["Dense (None, 4)"] * 2


def test_copied_layers_mark_the_first_call_of_each_copy():
    with pytest.raises(CheckFailure) as e:
        check_shared_layers(siamese("copied"))
    marks = e.value.marks
    assert len(marks.calls) == 4 and marks.note == "layers that should be one shared layer"


# -- the distance: keras.ops, not a Lambda --------------------------------------------------------


def lambda_distance(written_in="ops"):
    left, right = keras.Input((6,), name="left"), keras.Input((6,), name="right")
    tower = tower_model()
    a, b = tower(left), tower(right)
    if written_in == "lambda":
        distance = layers.Lambda(lambda t: ops.norm(t[0] - t[1], axis=1, keepdims=True))([a, b])
    else:
        distance = ops.norm(a - b, axis=1, keepdims=True)
    return keras.Model({"left": left, "right": right}, {"distance": distance})


def test_distance_with_keras_ops_passes():
    check_no_lambda(lambda_distance())
    check_shared_tower(lambda_distance())


def test_distance_written_in_a_lambda_fails():
    with pytest.raises(CheckFailure, match="the distance written in a Lambda layer") as e:
        check_no_lambda(lambda_distance("lambda"))
    marks = e.value.marks
    assert [marks.graph.calls[c].class_name for c in marks.calls] == ["Lambda"]
