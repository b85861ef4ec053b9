"""The published reference models, rebuilt: exact sizes, and the topology the checks must see.

Each large model is built once per module (ResNet50 takes a few seconds); the per-test
``clear_session`` in conftest does not affect a model that is already built.
"""

from collections import Counter

import pytest

from autograder import reference_models as rm
from autograder.checks import (
    check_residual_blocks,
    check_unet_skips,
    residual_merges,
    unet_skips,
)
from autograder.errors import CheckFailure
from autograder.graph import as_graph


@pytest.fixture(scope="module")
def resnet50():
    model = rm.resnet50_dls()
    return model, as_graph(model)


@pytest.fixture(scope="module")
def unet():
    model = rm.unet_dls()
    return model, as_graph(model)


@pytest.fixture(scope="module")
def toy_resnet():
    model = rm.toy_resnet_keras_io()
    return model, as_graph(model)


@pytest.mark.parametrize(
    ("fixture", "expected"),
    [("resnet50", 23_600_006), ("unet", 8_640_471), ("toy_resnet", 223_242)],
)
def test_parameter_counts_match_the_published_sizes(request, fixture, expected):
    model, graph = request.getfixturevalue(fixture)
    assert model.count_params() == expected
    assert graph.total_params == expected


def test_resnet50_interface(resnet50):
    model, graph = resnet50
    assert [(t.name, t.shape) for t in graph.inputs] == [("image", (None, 64, 64, 3))]
    assert [(t.name, t.shape) for t in graph.outputs] == [("class", (None, 6))]
    assert model.layers[-1].get_config()["activation"] == "softmax"


def test_resnet50_has_12_identity_and_4_projection_merges(resnet50):
    _, graph = resnet50
    merges = check_residual_blocks(graph, identity=12, projection=4, activation_after_merge=True)
    assert Counter(m.kind for m in merges) == {"identity": 12, "projection": 4}


def test_resnet50_projection_shortcuts_are_strided_1x1_conv_and_bn(resnet50):
    _, graph = resnet50
    for merge in residual_merges(graph):
        classes = [graph.calls[c].class_name for c in merge.shortcut]
        assert classes == ([] if merge.kind == "identity" else ["Conv2D", "BatchNormalization"])
        if merge.kind == "projection":
            conv = graph.layer_of(merge.shortcut[0]).config
            assert tuple(conv["kernel_size"]) == (1, 1)


def test_resnet50_stage_resolutions(resnet50):
    _, graph = resnet50
    by_shape = Counter(graph.calls[m.merge].shape for m in residual_merges(graph))
    assert by_shape == {
        (None, 15, 15, 256): 3,
        (None, 8, 8, 512): 4,
        (None, 4, 4, 1024): 6,
        (None, 2, 2, 2048): 3,
    }


def test_resnet50_is_not_a_unet(resnet50):
    _, graph = resnet50
    assert unet_skips(graph) == []
    with pytest.raises(CheckFailure, match="not a U-Net"):
        check_unet_skips(graph)


def test_unet_has_4_concatenate_skips_one_per_level(unet):
    _, graph = unet
    skips = check_unet_skips(graph, levels=4)
    assert sorted(s.resolution for s in skips) == [(12, 16), (24, 32), (48, 64), (96, 128)]
    assert all(graph.calls[s.merge].class_name == "Concatenate" for s in skips)
    assert all(s.resolution == s.decoder_resolution for s in skips)
    assert not any(s.after_downsampling for s in skips)


def test_unet_deepest_skip_is_taken_after_dropout(unet):
    _, graph = unet
    skip_classes = {s.resolution: graph.calls[s.skip].class_name for s in unet_skips(graph)}
    assert skip_classes.pop((12, 16)) == "Dropout"
    assert set(skip_classes.values()) == {"Conv2D"}


def test_unet_output_matches_input_size(unet):
    _, graph = unet
    assert graph.outputs[0].shape == (None, 96, 128, 23)


def test_unet_has_no_residual_merge(unet):
    _, graph = unet
    assert residual_merges(graph) == []
    with pytest.raises(CheckFailure, match="no skip connection"):
        check_residual_blocks(graph)


def test_toy_resnet_has_2_identity_merges(toy_resnet):
    _, graph = toy_resnet
    merges = check_residual_blocks(graph, identity=2, projection=0)
    assert [m.shortcut for m in merges] == [(), ()]


def test_toy_resnet_adds_after_the_activation(toy_resnet):
    _, graph = toy_resnet
    check_residual_blocks(graph, identity=2, activation_after_merge=False)
    with pytest.raises(CheckFailure, match="added after the activation instead of before"):
        check_residual_blocks(graph, identity=2, activation_after_merge=True)


def test_small_variants():
    assert Counter(m.kind for m in residual_merges(rm.tiny_resnet())) == {
        "identity": 1,
        "projection": 1,
    }
    assert len(unet_skips(rm.tiny_unet())) == 2
    assert rm.tiny_unet().output.shape == (None, 32, 32, 2)
    segmenter = as_graph(rm.residual_segmenter())
    assert unet_skips(segmenter) == []
    assert segmenter.outputs[0].shape == (None, 32, 32, 3)
