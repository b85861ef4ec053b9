"""Output heads on tiny models: heads off a shared trunk pass; chained heads, separate towers and
heads off the wrong layer fail."""

import keras
import pytest
from keras import layers

from autograder.checks import (
    check_output_branches,
    output_branches,
)
from autograder.errors import CheckFailure
from autograder.graph import as_graph

# =================================================================================================
# Output branches
# =================================================================================================


def two_heads(trunk_relu="builtin", head_on="trunk", separate_towers=False, aux=False):
    """A trunk (Conv2D, Flatten, Dense(16)), a category head (4 classes), a footwear head."""
    inputs = keras.Input((8, 8, 1), name="image")
    flat = layers.Flatten()(layers.Conv2D(2, 3, padding="same", activation="relu")(inputs))
    if trunk_relu == "builtin":
        trunk = layers.Dense(16, activation="relu")(flat)
    else:
        trunk = layers.ReLU()(layers.Dense(16)(flat))
    category = layers.Dense(4, activation="softmax", name="category")(trunk)
    feed = {"trunk": trunk, "flatten": flat, "category": category}[head_on]
    if separate_towers:
        feed = layers.Dense(16, activation="relu")(layers.Flatten()(inputs))
    if aux:
        feed = layers.Dense(8, activation="relu")(feed)
    footwear = layers.Dense(1, activation="sigmoid", name="footwear")(feed)
    return keras.Model(inputs, {"category": category, "footwear": footwear})


TRUNK = {"trunk_class": "Dense", "trunk_shape": (None, 16)}


@pytest.mark.parametrize(("trunk_relu", "aux"), [("builtin", False), ("separate", True)])
def test_heads_off_the_trunk_pass(trunk_relu, aux):
    model = two_heads(trunk_relu=trunk_relu, aux=aux)
    check_output_branches(model, outputs=("category", "footwear"), **TRUNK)


def test_output_branches_records():
    graph = as_graph(two_heads(aux=True))
    branches = {b.output: b for b in output_branches(graph)}
    assert graph.describe(branches["category"].branch_point) == "Dense (None, 16)"
    assert branches["category"].own_weighted == 1
    assert branches["footwear"].own_weighted == 2
    assert branches["footwear"].branch_point == branches["category"].branch_point


def test_single_output_fails():
    inputs = keras.Input((4,))
    model = keras.Model(inputs, layers.Dense(2, name="category")(inputs))
    with pytest.raises(CheckFailure, match="your model has one output \\(`category`\\)"):
        check_output_branches(model, outputs=("category", "footwear"))


def test_wrong_output_names_fail():
    inputs = keras.Input((4,))
    trunk = layers.Dense(4)(inputs)
    model = keras.Model(inputs, [layers.Dense(2)(trunk), layers.Dense(1)(trunk)])
    with pytest.raises(CheckFailure, match="(?s)two outputs: `category` and `footwear`.*missing"):
        check_output_branches(model, outputs=("category", "footwear"))


def test_head_computed_from_another_output_fails():
    with pytest.raises(CheckFailure, match="`footwear` is computed from output `category`"):
        check_output_branches(two_heads(head_on="category"))


def test_separate_towers_share_no_trunk():
    with pytest.raises(CheckFailure, match="(?s)shares no layer with weights.*its own tower"):
        check_output_branches(two_heads(separate_towers=True))


def test_heads_off_the_wrong_layer_fail():
    with pytest.raises(CheckFailure, match="branches off at Flatten \\(None, 128\\)"):
        check_output_branches(two_heads(head_on="flatten"), **TRUNK)


def test_head_without_its_own_layer_fails():
    inputs = keras.Input((4,), name="x")
    trunk = layers.Dense(8, activation="relu")(inputs)
    score = layers.Dense(1)(trunk)
    main = layers.Activation("sigmoid", name="main")(score)
    logit = layers.Identity(name="logit")(score)
    model = keras.Model(inputs, {"main": main, "logit": logit})
    with pytest.raises(CheckFailure, match="output `main` has 0; it leaves the trunk at Dense"):
        check_output_branches(model)


# -- marks: where the picture points --------------------------------------------------------------


def test_chained_heads_mark_the_path_between_the_outputs():
    with pytest.raises(CheckFailure) as e:
        check_output_branches(two_heads(head_on="category"))
    marks, graph = e.value.marks, e.value.marks.graph
    assert marks.calls == (graph.output_named("category").call, graph.output_named("footwear").call)
    assert marks.edges == (marks.calls,)


def test_head_off_the_wrong_layer_marks_where_it_leaves():
    with pytest.raises(CheckFailure) as e:
        check_output_branches(two_heads(head_on="flatten"), **TRUNK)
    marks, graph = e.value.marks, e.value.marks.graph
    assert [graph.calls[c].class_name for c in marks.calls] == ["Flatten", "Dense"]
    named = graph.outputs[[o.call for o in graph.outputs].index(marks.calls[1])].name
    assert f"output `{named}` branches off at Flatten" in str(e.value)
