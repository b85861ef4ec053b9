"""Residual blocks on tiny models: every way of writing the sum passes, each misplaced skip fails
with a message that names it and marks that point in the graph."""

import keras
import pytest
from keras import layers

from autograder import reference_models as rm
from autograder.checks import (
    block_model,
    check_residual_blocks,
    residual_merges,
)
from autograder.errors import CheckFailure
from autograder.graph import as_graph

# =================================================================================================
# Residual blocks
# =================================================================================================


def _summed(x, shortcut, how):
    """The three ways a student writes a residual sum."""
    if how == "operator":
        return x + shortcut
    if how == "swapped":
        return layers.Add()([shortcut, x])
    return layers.Add()([x, shortcut])


def _activated(x, how):
    return layers.ReLU()(x) if how == "relu_layer" else layers.Activation("relu")(x)


def small_resnet(
    how="layer",
    activation="activation",
    skip=(True, True),
    project_identity=False,
    relu_before_add=False,
):
    """Stem, an identity block, a projection block; each part can be miswritten on purpose."""
    inputs = keras.Input((16, 16, 3), name="image")
    x = layers.Conv2D(8, 3, padding="same", activation="relu")(inputs)
    for block, (filters, strides) in enumerate([(8, 1), (16, 2)]):
        shortcut = x
        if strides > 1 or project_identity:
            shortcut = layers.Conv2D(filters, 1, strides=strides)(shortcut)
            shortcut = layers.BatchNormalization()(shortcut)
        x = layers.Conv2D(filters, 3, strides=strides, padding="same", activation="relu")(x)
        x = layers.Conv2D(filters, 3, padding="same")(x)
        x = layers.BatchNormalization()(x)
        if relu_before_add:
            x = _activated(x, activation)
        if skip[block]:
            x = _summed(x, shortcut, how)
        if not relu_before_add:
            x = _activated(x, activation)
    x = layers.GlobalAveragePooling2D()(x)
    return keras.Model(inputs, layers.Dense(3, activation="softmax")(x))


@pytest.mark.parametrize(
    ("how", "activation"),
    [("layer", "activation"), ("operator", "relu_layer"), ("swapped", "activation")],
)
def test_residual_blocks_pass_however_the_sum_is_written(how, activation):
    model = small_resnet(how=how, activation=activation)
    merges = check_residual_blocks(model, identity=1, projection=1, activation_after_merge=True)
    assert sorted(m.kind for m in merges) == ["identity", "projection"]


def test_residual_merges_describe_the_shortcut_path():
    graph = as_graph(small_resnet())
    by_kind = {m.kind: m for m in residual_merges(graph)}
    assert by_kind["identity"].shortcut == ()
    projection = [graph.calls[c].class_name for c in by_kind["projection"].shortcut]
    assert projection == ["Conv2D", "BatchNormalization"]
    assert graph.calls[by_kind["projection"].main[-1]].class_name == "BatchNormalization"


def test_swapped_operands_give_the_same_records():
    def summary(model):
        graph = as_graph(model)
        return sorted(
            (m.kind, len(m.shortcut), len(m.main), graph.describe(m.merge))
            for m in residual_merges(graph)
        )

    assert summary(small_resnet(how="layer")) == summary(small_resnet(how="swapped"))


def nested_block(shape, filters, strides):
    """A residual block as its own Functional model."""
    x = keras.Input(shape)
    y = layers.Conv2D(filters, 3, strides=strides, padding="same", activation="relu")(x)
    y = layers.BatchNormalization()(layers.Conv2D(filters, 3, padding="same")(y))
    shortcut = x if strides == 1 else layers.Conv2D(filters, 1, strides=strides)(x)
    return keras.Model(x, layers.ReLU()(y + shortcut))


def test_blocks_written_as_nested_models_pass():
    inputs = keras.Input((16, 16, 8))
    x = nested_block((16, 16, 8), 8, 1)(inputs)
    x = nested_block((16, 16, 8), 16, 2)(x)
    model = keras.Model(inputs, layers.GlobalAveragePooling2D()(x))
    check_residual_blocks(model, identity=1, projection=1, activation_after_merge=True)


def test_nested_block_as_the_model_output():
    inputs = keras.Input((16, 16, 8))
    model = keras.Model(inputs, nested_block((16, 16, 8), 8, 1)(inputs))
    check_residual_blocks(model, identity=1)


def test_tiny_reference_resnet_passes():
    check_residual_blocks(rm.tiny_resnet(), identity=1, projection=1, activation_after_merge=True)


def test_plain_network_has_no_skip_connection():
    with pytest.raises(CheckFailure, match="no skip connection"):
        check_residual_blocks(small_resnet(skip=(False, False)), identity=1, projection=1)


def test_block_without_its_add_is_counted_missing():
    with pytest.raises(CheckFailure, match="(?s)0 identity and 1 projection.*no skip connection"):
        check_residual_blocks(small_resnet(skip=(False, True)), identity=1, projection=1)


def test_projection_on_every_shortcut_is_reported():
    with pytest.raises(
        CheckFailure, match="(?s)0 identity and 2 projection.*adds its input unchanged"
    ):
        check_residual_blocks(small_resnet(project_identity=True), identity=1, projection=1)


def test_missing_projection_when_shape_changes_is_reported():
    with pytest.raises(CheckFailure, match="(?s)2 identity and 0 projection.*1x1 Conv2D"):
        check_residual_blocks(rm.toy_resnet_keras_io(), identity=1, projection=1)


@pytest.mark.parametrize("activation", ["activation", "relu_layer"])
def test_residual_added_after_the_activation_fails(activation):
    model = small_resnet(relu_before_add=True, activation=activation)
    check_residual_blocks(model, identity=1, projection=1)  # the counts alone are right
    with pytest.raises(CheckFailure, match="added after the activation instead of before"):
        check_residual_blocks(model, identity=1, projection=1, activation_after_merge=True)


def test_sum_not_followed_by_an_activation_fails():
    inputs = keras.Input((8, 8, 4))
    x = layers.Conv2D(4, 3, padding="same")(inputs)
    x = layers.BatchNormalization()(x)
    x = layers.Add()([x, inputs])
    outputs = layers.Conv2D(2, 1)(x)
    with pytest.raises(CheckFailure, match="(?s)feeds Conv2D .* not an activation"):
        check_residual_blocks(keras.Model(inputs, outputs), activation_after_merge=True)


def test_sum_of_parallel_towers_is_not_a_residual():
    inputs = keras.Input((8, 8, 4))
    a = layers.Conv2D(4, 3, padding="same")(inputs)
    b = layers.Conv2D(4, 3, padding="same")(inputs)
    model = keras.Model(inputs, layers.Add()([a, b]))
    assert residual_merges(model) == []
    with pytest.raises(CheckFailure, match="none adds a block's input"):
        check_residual_blocks(model)


def test_tensor_added_to_itself_is_not_a_residual():
    inputs = keras.Input((8, 8, 4))
    x = layers.Conv2D(4, 3, padding="same")(inputs)
    model = keras.Model(inputs, layers.Activation("relu")(x + x))
    with pytest.raises(CheckFailure, match="none adds a block's input"):
        check_residual_blocks(model, identity=1)


def identity_block(x, filters, shortcut_from="input"):
    """A classic identity block; ``shortcut_from="inside"`` takes the skip after the first conv."""
    shortcut = x
    x = layers.Conv2D(filters, 3, padding="same")(x)
    x = layers.Activation("relu")(layers.BatchNormalization()(x))
    if shortcut_from == "inside":
        shortcut = x
    x = layers.BatchNormalization()(layers.Conv2D(filters, 3, padding="same")(x))
    return layers.Activation("relu")(layers.Add()([x, shortcut]))


def test_block_whose_shortcut_starts_at_its_input_passes():
    block = block_model(identity_block, (8, 8, 4), filters=4)
    check_residual_blocks(block, identity=1, projection=0, activation_after_merge=True)


def test_shortcut_starting_inside_the_block_fails_on_topology_alone():
    block = block_model(identity_block, (8, 8, 4), filters=4, shortcut_from="inside")
    with pytest.raises(CheckFailure, match="starts inside the block instead of at its input") as e:
        check_residual_blocks(block, identity=1, projection=0, activation_after_merge=True)
    marks, graph = e.value.marks, e.value.marks.graph
    assert [graph.calls[c].class_name for c in marks.calls] == ["Activation", "InputLayer"]
    (start, merge), = marks.missing_edges
    assert graph.calls[start].class_name == "InputLayer" and graph.calls[merge].class_name == "Add"
    assert marks.edges == ((marks.calls[0], merge),)


def stacked_blocks(second="input", transition=False):
    """Stem, two identity blocks; the second may take its shortcut inside, or follow a
    strided transition conv."""
    inputs = keras.Input((8, 8, 4))
    x = identity_block(layers.Conv2D(4, 3, padding="same", activation="relu")(inputs), 4)
    if transition:
        x = layers.Conv2D(8, 3, strides=2, padding="same", activation="relu")(x)
    x = identity_block(x, 8 if transition else 4, shortcut_from=second)
    return keras.Model(inputs, layers.GlobalAveragePooling2D()(x))


def test_later_block_must_start_its_shortcut_at_the_previous_sum():
    check_residual_blocks(stacked_blocks(), identity=2, activation_after_merge=True)
    with pytest.raises(CheckFailure, match="starts inside the block instead of at its input"):
        check_residual_blocks(stacked_blocks("inside"), identity=2)


def test_a_strided_transition_between_stages_is_not_a_misplaced_shortcut():
    check_residual_blocks(stacked_blocks(transition=True), identity=2, activation_after_merge=True)


def test_pre_activation_blocks_start_after_the_normalisation():
    inputs = keras.Input((8, 8, 4))
    x = layers.Conv2D(4, 3, padding="same")(inputs)
    for _ in range(2):
        shortcut = x
        y = layers.Activation("relu")(layers.BatchNormalization()(x))
        y = layers.Conv2D(4, 3, padding="same")(y)
        x = layers.Add()([y, shortcut])
    check_residual_blocks(keras.Model(inputs, x), identity=2, activation_after_merge=False)


def test_residual_marks_name_the_misplaced_skip():
    model = small_resnet(relu_before_add=True)
    with pytest.raises(CheckFailure) as e:
        check_residual_blocks(model, identity=1, projection=1, activation_after_merge=True)
    marks, graph = e.value.marks, e.value.marks.graph
    assert marks.graph is not None and set(marks.calls) <= set(graph.calls)
    assert [graph.calls[c].class_name for c in marks.calls] == ["Activation", "Add"]
    assert marks.edges[0] == tuple(marks.calls)
    assert all(graph.calls[child].class_name == "Add" for _, child in marks.edges)


def test_no_residual_marks_the_sums_that_are_not_skips():
    inputs = keras.Input((8, 8, 4))
    a = layers.Conv2D(4, 3, padding="same")(inputs)
    b = layers.Conv2D(4, 3, padding="same")(inputs)
    with pytest.raises(CheckFailure) as e:
        check_residual_blocks(keras.Model(inputs, layers.Add()([a, b])))
    marks = e.value.marks
    assert [marks.graph.calls[c].class_name for c in marks.calls] == ["Add"]
    assert sorted(marks.graph.calls[p].class_name for p, _ in marks.edges) == ["Conv2D"] * 2


def test_count_failure_marks_each_sum_and_its_shortcut():
    with pytest.raises(CheckFailure) as e:
        check_residual_blocks(small_resnet(project_identity=True), identity=1, projection=1)
    marks, graph = e.value.marks, e.value.marks.graph
    assert [graph.calls[c].class_name for c in marks.calls] == ["Add", "Add"]
    shortcut_classes = {graph.calls[child].class_name for _, child in marks.edges}
    assert shortcut_classes == {"Conv2D", "BatchNormalization", "Add"}
