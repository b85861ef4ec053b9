"""Topology checks on tiny models: the right model passes, equivalent rewrites pass, and the
mistakes students make fail with a message that names them."""

import keras
import pytest
from keras import layers, ops

from autograder import reference_models as rm
from autograder.checks import (
    block_model,
    check_multi_input_fusion,
    check_output_branches,
    check_parallel_branches,
    check_residual_blocks,
    check_shared_layers,
    check_shared_tower,
    check_unet_skips,
    output_branches,
    residual_merges,
    unet_skips,
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


def stacked_blocks(second="input"):
    inputs = keras.Input((8, 8, 4))
    x = layers.Conv2D(4, 3, padding="same", activation="relu")(inputs)
    x = identity_block(x, 4)
    x = identity_block(x, 4, shortcut_from=second)
    return keras.Model(inputs, layers.GlobalAveragePooling2D()(x))


def test_later_block_must_start_its_shortcut_at_the_previous_sum():
    check_residual_blocks(stacked_blocks(), identity=2, activation_after_merge=True)
    with pytest.raises(CheckFailure, match="starts inside the block"):
        check_residual_blocks(stacked_blocks("inside"), identity=2)


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
    with pytest.raises(CheckFailure, match="(?s)inputs named `image` and `meta`.*name='image'"):
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
    with pytest.raises(CheckFailure, match="outputs named `category` and `footwear`"):
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


# =================================================================================================
# U-Net skips
# =================================================================================================


def small_unet(
    skip_from="block",
    levels_with_skip=(0, 1),
    merge="concat",
    down="pool",
    up="transpose",
    swap=False,
    dropout=False,
    relu_layer=False,
):
    """A 2-level U-Net on 16x16 whose skips can be taken or merged wrongly on purpose."""
    inputs = keras.Input((16, 16, 1), name="image")
    x, skips = inputs, []
    for filters in [4, 8]:
        block_input = x
        if relu_layer:
            x = layers.ReLU()(layers.Conv2D(filters, 3, padding="same")(x))
        else:
            x = layers.Conv2D(filters, 3, padding="same", activation="relu")(x)
        x = layers.Dropout(0.1)(x) if dropout else x
        pooled = _down(x, filters, down)
        skips.append(x if skip_from == "block" else block_input)
        x = pooled
    x = layers.Conv2D(16, 3, padding="same", activation="relu")(x)
    for level, filters in reversed(list(enumerate([4, 8]))):
        x = _up(x, filters, up)
        if level in levels_with_skip:
            x = _join(x, skips[level], merge, swap)
        x = layers.Conv2D(filters, 3, padding="same", activation="relu")(x)
    return keras.Model(inputs, layers.Conv2D(2, 1, name="mask")(x))


def _down(x, filters, how):
    if how == "strided":
        return layers.Conv2D(filters, 3, strides=2, padding="same")(x)
    return layers.MaxPooling2D()(x)


def _up(x, filters, how):
    if how == "resize":
        return layers.Conv2D(filters, 1)(layers.UpSampling2D()(x))
    return layers.Conv2DTranspose(filters, 3, strides=2, padding="same")(x)


def _join(x, skip, how, swap):
    if how == "add":
        return layers.Add()([x, layers.Conv2D(x.shape[-1], 1)(skip)])
    operands = [skip, x] if swap else [x, skip]
    return ops.concatenate(operands, axis=-1) if how == "ops" else layers.Concatenate()(operands)


@pytest.mark.parametrize(
    "variant",
    [
        {},
        {"merge": "ops", "swap": True},
        {"swap": True},
        {"down": "strided"},
        {"up": "resize"},
        {"dropout": True, "relu_layer": True},
    ],
    ids=["plain", "ops-swapped", "swapped", "strided-down", "upsample-conv", "dropout-relu"],
)
def test_unet_variants_pass(variant):
    skips = check_unet_skips(small_unet(**variant), levels=2)
    assert sorted(s.resolution for s in skips) == [(8, 8), (16, 16)]


def test_tiny_reference_unet_passes():
    graph = as_graph(rm.tiny_unet())
    assert {s.resolution for s in check_unet_skips(graph)} == {(32, 32), (16, 16)}
    assert all(graph.calls[s.skip].class_name == "Conv2D" for s in unet_skips(graph))


def test_skip_taken_after_pooling_fails():
    model = small_unet(skip_from="input", levels_with_skip=(1,))  # the 8x8 pooled tensor
    with pytest.raises(CheckFailure, match="(?s)skip taken after pooling: .*MaxPooling2D"):
        check_unet_skips(model)


def test_missing_level_fails():
    with pytest.raises(CheckFailure, match="1 skip; no skip at level 16x16"):
        check_unet_skips(small_unet(levels_with_skip=(1,)), levels=2)
    with pytest.raises(CheckFailure, match="no skip at level 8x8"):
        check_unet_skips(small_unet(levels_with_skip=(0,)))


def test_residual_u_net_like_model_is_not_a_unet():
    with pytest.raises(CheckFailure, match="(?s)only adds 4 residuals .*not a U-Net"):
        check_unet_skips(rm.residual_segmenter())


def test_skips_added_instead_of_concatenated_fail():
    with pytest.raises(CheckFailure, match="(?s)added to the decoder .* not concatenated"):
        check_unet_skips(small_unet(merge="add"))


def test_encoder_decoder_without_skips_fails():
    with pytest.raises(CheckFailure, match="no skip connection"):
        check_unet_skips(small_unet(levels_with_skip=()))


def test_skip_through_a_1x1_conv_is_still_a_skip():
    inputs = keras.Input((8, 8, 2), name="image")
    skip = layers.Conv2D(4, 3, padding="same", activation="relu")(inputs)
    x = layers.Conv2D(8, 3, padding="same")(layers.MaxPooling2D()(skip))
    x = layers.UpSampling2D()(x)
    x = layers.Concatenate()([x, layers.Conv2D(2, 1)(skip)])
    skips = check_unet_skips(keras.Model(inputs, layers.Conv2D(1, 1)(x)), levels=1)
    assert [s.resolution for s in skips] == [(8, 8)]


def test_skip_from_the_block_input_fails():
    with pytest.raises(CheckFailure, match="not the tensor the encoder then down-samples"):
        check_unet_skips(small_unet(skip_from="input", levels_with_skip=(0,)))


def test_wrong_number_of_levels_fails():
    with pytest.raises(CheckFailure, match="3 skips, one per level"):
        check_unet_skips(small_unet(), levels=3)


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
    with pytest.raises(CheckFailure, match="inputs named `left` and `right`"):
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
