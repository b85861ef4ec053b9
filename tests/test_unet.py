"""U-Net skips on tiny models: every way of going down and up passes, known or unknown input
sizes; misplaced, missing and added skips fail."""

from fractions import Fraction

import keras
import pytest
from keras import layers, ops

from autograder import reference_models as rm
from autograder.checks import (
    check_unet_filters,
    check_unet_skips,
    unet_skips,
)
from autograder.errors import CheckFailure
from autograder.graph import as_graph

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
    size=(16, 16),
    widths=(4, 8),
):
    """A 2-level U-Net on 16x16 whose skips can be taken or merged wrongly on purpose."""
    inputs = keras.Input((*size, 1), name="image")
    x, skips = inputs, []
    for filters in widths:
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
    for level, filters in reversed(list(enumerate(widths))):
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



# -- fully convolutional: unknown height and width ----------------------------------------------


@pytest.mark.parametrize("up", ["transpose", "resize"])
def test_unet_with_unknown_spatial_size_passes(up):
    model = small_unet(size=(None, None), up=up)
    skips = check_unet_skips(model, levels=2)
    assert sorted(s.resolution for s in skips) == [(Fraction(1, 2),) * 2, (1, 1)]


def test_unknown_spatial_size_still_finds_a_missing_level():
    with pytest.raises(CheckFailure, match="(?m)no skip at level input size$"):
        check_unet_skips(small_unet(size=(None, None), levels_with_skip=(1,)), levels=2)


def test_unknown_spatial_size_skip_after_pooling_fails():
    model = small_unet(size=(None, None), skip_from="input", levels_with_skip=(1,))
    with pytest.raises(CheckFailure, match="skip taken after pooling"):
        check_unet_skips(model)


# -- what the messages name and the marks point at ------------------------------------------------


def test_add_where_a_concatenation_is_asked_is_named():
    with pytest.raises(CheckFailure, match="Add where a concatenation is asked") as e:
        check_unet_skips(small_unet(merge="add"))
    marks = e.value.marks
    assert [marks.graph.calls[c].class_name for c in marks.calls] == ["Add", "Add"]


def test_skip_after_pooling_marks_the_merge_and_the_pooled_skip():
    model = small_unet(skip_from="input", levels_with_skip=(1,))
    with pytest.raises(CheckFailure) as e:
        check_unet_skips(model)
    marks, graph = e.value.marks, e.value.marks.graph
    assert [graph.calls[c].class_name for c in marks.calls] == ["Concatenate", "MaxPooling2D"]
    assert marks.edges == ((marks.calls[1], marks.calls[0]),)
    (parent, merge), = marks.missing_edges
    assert graph.calls[parent].class_name == "Conv2D" and merge == marks.calls[0]


def test_missing_level_marks_the_tensor_without_its_skip():
    with pytest.raises(CheckFailure) as e:
        check_unet_skips(small_unet(levels_with_skip=(1,)), levels=2)
    marks, graph = e.value.marks, e.value.marks.graph
    assert [graph.describe(c) for c in marks.calls] == ["Conv2D (None, 16, 16, 4)"]


# -- filters double at each level -----------------------------------------------------------------


def test_filters_that_double_pass():
    assert check_unet_filters(small_unet(), first=4) == [4, 8]
    assert check_unet_filters(small_unet(size=(None, None))) == [4, 8]


def test_constant_filters_fail_with_the_fault_named():
    with pytest.raises(CheckFailure, match="constant filters where a U-Net doubles them") as e:
        check_unet_filters(small_unet(widths=(4, 4)))
    assert "4, 8" in e.value.expected
    assert len(e.value.marks.calls) == 2


def test_filters_that_start_wrong_fail():
    with pytest.raises(CheckFailure, match="filters 8 at 16x16, 16 at 8x8"):
        check_unet_filters(small_unet(widths=(8, 16)), first=4)
