"""Multi-input fusion on tiny models: inputs left out, branches that never meet, merges inside
one branch."""

import keras
import pytest
from keras import layers, ops

from autograder.checks import (
    check_multi_input_fusion,
)
from autograder.errors import CheckFailure

# =================================================================================================
# Multi-input fusion
# =================================================================================================


def image_and_meta(merge="layer", as_dict=False, use_meta=True, merged=True):
    image = keras.Input((8, 8, 1), name="image")
    meta = keras.Input((3,), name="meta")
    x = layers.Dense(8, activation="relu")(layers.Flatten()(image))
    m = layers.Dense(4, activation="relu")(meta)
    inputs = {"image": image, "meta": meta} if as_dict else [image, meta]
    if not use_meta:
        return keras.Model(inputs, layers.Dense(1, name="price")(x))
    if not merged:
        outputs = {"price": layers.Dense(1, name="price")(x), "aux": layers.Dense(1, name="aux")(m)}
        return keras.Model(inputs, outputs)
    if merge == "ops":
        z = ops.concatenate([m, x], axis=-1)
    else:
        z = layers.Concatenate()([x, m])
    return keras.Model(inputs, layers.Dense(1, name="price")(z))


@pytest.mark.parametrize(("merge", "as_dict"), [("layer", False), ("ops", True)])
def test_fusion_passes_for_list_dict_layer_and_operation(merge, as_dict):
    model = image_and_meta(merge=merge, as_dict=as_dict)
    merged = check_multi_input_fusion(model, inputs=("image", "meta"))
    assert merged.class_name == "Concatenate"
    check_multi_input_fusion(model)


def test_three_inputs_merged_step_by_step_pass():
    a, b, c = (keras.Input((2,), name=n) for n in "abc")
    ab = layers.Concatenate()([layers.Dense(2)(a), layers.Dense(2)(b)])
    abc = layers.Add()([layers.Dense(2)(c), layers.Dense(2)(ab)])
    model = keras.Model([a, b, c], layers.Dense(1)(abc))
    assert check_multi_input_fusion(model, ("a", "b", "c")).class_name == "Add"


def test_unused_input_fails():
    with pytest.raises(CheckFailure, match="input `meta` is never used: nothing connects it"):
        check_multi_input_fusion(image_and_meta(use_meta=False), inputs=("image", "meta"))


def test_branches_that_never_meet_fail():
    with pytest.raises(CheckFailure, match="your branches are never merged"):
        check_multi_input_fusion(image_and_meta(merged=False), inputs=("image", "meta"))


def test_single_input_fails():
    image = keras.Input((8, 8, 1), name="image")
    model = keras.Model(image, layers.Dense(1)(layers.Flatten()(image)))
    with pytest.raises(CheckFailure, match="(?s)your model has one input.*needs two: `image` and"):
        check_multi_input_fusion(model, inputs=("image", "meta"))


def test_unnamed_inputs_fail():
    a, b = keras.Input((3,)), keras.Input((3,))
    model = keras.Model([a, b], layers.Dense(1)(layers.Concatenate()([a, b])))
    named = "(?s)two inputs: `image` and `meta`.*missing `image` and `meta`"
    with pytest.raises(CheckFailure, match=named):
        check_multi_input_fusion(model, inputs=("image", "meta"))


def test_input_left_out_of_the_merge_fails():
    a, b, c = (keras.Input((2,), name=n) for n in "abc")
    ab = layers.Concatenate()([layers.Dense(2)(a), layers.Dense(2)(b)])
    model = keras.Model([a, b, c], [layers.Dense(1)(ab), layers.Dense(1)(c)])
    with pytest.raises(CheckFailure, match="input `c` never reaches the merge Concatenate"):
        check_multi_input_fusion(model, ("a", "b", "c"))


def test_merge_inside_one_branch_is_no_fusion():
    image = keras.Input((8,), name="image")
    meta = keras.Input((3,), name="meta")
    twin = layers.Concatenate()([layers.Dense(4)(image), layers.Dense(4)(image)])
    model = keras.Model([image, meta], [layers.Dense(1)(twin), layers.Dense(1)(meta)])
    with pytest.raises(CheckFailure, match="(?s)never merged: `image` reaches .* `meta` reaches"):
        check_multi_input_fusion(model)


# -- marks: where the picture points --------------------------------------------------------------


def test_unused_input_is_marked():
    with pytest.raises(CheckFailure) as e:
        check_multi_input_fusion(image_and_meta(use_meta=False))
    assert e.value.marks.calls == ("meta",) and e.value.marks.note == "the unused input"


def test_input_left_out_of_the_merge_is_marked_with_its_missing_connection():
    a, b, c = (keras.Input((2,), name=n) for n in "abc")
    ab = layers.Concatenate()([layers.Dense(2)(a), layers.Dense(2)(b)])
    model = keras.Model([a, b, c], [layers.Dense(1)(ab), layers.Dense(1)(c)])
    with pytest.raises(CheckFailure) as e:
        check_multi_input_fusion(model)
    marks = e.value.marks
    assert marks.calls[0] == "c" and marks.graph.calls[marks.calls[1]].class_name == "Concatenate"
    assert marks.missing_edges == (("c", marks.calls[1]),)
