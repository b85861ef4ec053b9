"""Parallel branches (Inception-style blocks) on tiny models."""

import keras
import pytest
from keras import layers

from autograder.checks import (
    check_parallel_branches,
)
from autograder.errors import CheckFailure

# =================================================================================================
# Parallel branches
# =================================================================================================


def inception(wiring="parallel", merge="concatenate"):
    """Four towers joined at the end: side by side, or one of the ways students chain them."""
    x = keras.Input((8, 8, 3), name="x")
    t1 = layers.Conv2D(4, 1, activation="relu")(x)
    reduce3 = layers.Conv2D(4, 1, activation="relu")(t1 if wiring == "sequence" else x)
    t3 = layers.Conv2D(4, 3, padding="same", activation="relu")(reduce3)
    # "shared_intermediate": the 5x5 tower grows out of the 3x3 tower's 1x1 reduction
    reduce5 = reduce3 if wiring == "shared_intermediate" else layers.Conv2D(4, 1)(x)
    t5 = layers.Conv2D(4, 5, padding="same", activation="relu")(reduce5)
    pooled = layers.MaxPooling2D(3, strides=1, padding="same")(x)
    tp = layers.Conv2D(4, 1, activation="relu")(pooled)
    towers = [x if wiring == "identity_tower" else t1, t3, t5, tp]
    if wiring == "three":
        towers = towers[:3]
    if merge == "add":
        return keras.Model(x, layers.Add()(towers))
    joined = layers.concatenate(towers) if merge == "concatenate" else layers.Concatenate()(towers)
    return keras.Model(x, joined)


@pytest.mark.parametrize("merge", ["concatenate", "Concatenate"])
def test_parallel_towers_pass(merge):
    join = check_parallel_branches(inception(merge=merge), branches=4)
    assert join.class_name == "Concatenate" and len(join.inputs) == 4


def test_the_input_itself_may_be_a_branch():
    check_parallel_branches(inception("identity_tower"), branches=4, start="x")


def test_towers_in_sequence_fail():
    chained = r"branch 2 \(Conv2D .*\) is computed from the output of branch 1"
    with pytest.raises(CheckFailure, match=chained):
        check_parallel_branches(inception("sequence"), branches=4)


def test_a_tower_grown_from_another_towers_intermediate_fails():
    with pytest.raises(CheckFailure, match="one branch starts from another's intermediate"):
        check_parallel_branches(inception("shared_intermediate"), branches=4)


def test_wrong_number_of_branches_fails():
    with pytest.raises(CheckFailure, match=r"joins the four branches(.|\n)*joining 3 tensors"):
        check_parallel_branches(inception("three"), branches=4)


def test_branch_that_does_not_start_from_the_named_input_fails():
    a, b = keras.Input((4,), name="a"), keras.Input((4,), name="b")
    joined = layers.Concatenate()([layers.Dense(2)(a), layers.Dense(2)(b)])
    with pytest.raises(CheckFailure, match="does not start from it"):
        check_parallel_branches(keras.Model([a, b], joined), branches=2, start="a")



def test_add_where_a_concatenation_is_asked_is_named():
    check_parallel_branches(inception(merge="add"), branches=4, merge="Add")
    with pytest.raises(CheckFailure, match="Add where a concatenate is asked") as e:
        check_parallel_branches(inception(merge="add"), branches=4)
    assert "keeps the branches' channels side by side" in e.value.hint
    marks = e.value.marks
    assert [marks.graph.calls[c].class_name for c in marks.calls] == ["Add"]


def test_towers_in_sequence_mark_the_branch_grown_from_another():
    with pytest.raises(CheckFailure) as e:
        check_parallel_branches(inception("sequence"), branches=4)
    marks, graph = e.value.marks, e.value.marks.graph
    first_tower, second_tower, fed = marks.calls
    assert fed == first_tower
    (parent, child), = marks.edges
    assert parent == first_tower and second_tower in graph.descendants(child) | {child}


def test_branch_off_another_input_marks_the_missing_connection():
    a, b = keras.Input((4,), name="a"), keras.Input((4,), name="b")
    joined = layers.Concatenate()([layers.Dense(2)(a), layers.Dense(2)(b)])
    with pytest.raises(CheckFailure) as e:
        check_parallel_branches(keras.Model([a, b], joined), branches=2, start="a")
    (start, end), = e.value.marks.missing_edges
    assert start == "a" and e.value.marks.graph.calls[end].class_name == "Dense"
