"""Content checks: layer multisets compared with a reference, in any order and under any names.

Equivalent ways of writing a model must compare equal (operator ``+`` or ``Add``, swapped merge
operands, ``Conv2D(activation="relu")`` or Conv2D + ReLU, dict or list outputs, a nested tower
or the same layers shared one by one, Sequential or Functional); realistic mistakes must fail
with a message that names what is missing, what is unexpected, or which setting differs.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import keras
import pytest
from keras import layers, ops

from autograder.checks.content import (
    LayerSignature,
    check_layer_settings,
    compare_to_reference,
    layer_signatures,
)
from autograder.checks.interface import graph_of
from autograder.errors import CheckFailure


@pytest.fixture(autouse=True)
def fresh_session():
    """conftest's fresh session without its full garbage collection (0.4 s a test with
    TensorFlow loaded): layer-name counters still restart, which is all these tests need."""
    keras.utils.clear_session(free_memory=False)
    keras.utils.set_random_seed(0)
    yield


# -- models a student might build --------------------------------------------------------------


def small_cnn(
    *,
    kernel: int = 3,
    relu: str = "builtin",
    padding: str = "same",
    second_conv: bool = True,
    extra_dense: bool = False,
    one_pool_object: bool = False,
    sequential: bool = False,
) -> keras.Model:
    """Conv2D(4) -> pool -> Conv2D(8) -> pool -> Flatten -> Dense(10, softmax) on 12x12x1.

    ``relu`` says how the convolutions' relu is written: "builtin" (activation="relu"),
    "layer" (ReLU()), "activation" (Activation("relu")), "op" (ops.relu) or "none".
    """
    shared_pool = layers.MaxPooling2D()
    stack: list = [keras.Input((12, 12, 1), name="image")]
    for filters in (4, 8) if second_conv else (4,):
        stack.append(
            layers.Conv2D(
                filters,
                kernel,
                padding=padding,
                activation="relu" if relu == "builtin" else None,
            )
        )
        stack += _standalone_relu(relu)
        stack.append(shared_pool if one_pool_object else layers.MaxPooling2D())
    stack.append(layers.Flatten())
    if extra_dense:
        stack.append(layers.Dense(8))
    stack.append(layers.Dense(10, activation="softmax", name="category"))
    if sequential:
        return keras.Sequential(stack)
    x = stack[0]
    for layer in stack[1:]:
        x = layer(x)
    return keras.Model(stack[0], x)


def _standalone_relu(style: str) -> list:
    if style == "layer":
        return [layers.ReLU()]
    if style == "activation":
        return [layers.Activation("relu")]
    if style == "op":
        return [ops.relu]
    return []


def residual(*, merge: str = "layer", skip: bool = True, relu_after: bool = True) -> keras.Model:
    """Conv -> Conv added to the block's input, then relu, pooled, classified."""
    inputs = keras.Input((8, 8, 4), name="image")
    x = layers.Conv2D(4, 3, padding="same", activation="relu")(inputs)
    x = layers.Conv2D(4, 3, padding="same")(x)
    if skip and merge == "layer":
        x = layers.Add()([x, inputs])
    elif skip and merge == "swapped":
        x = layers.Add()([inputs, x])
    elif skip:
        x = inputs + x
    if relu_after:
        x = layers.ReLU()(x)
    x = layers.GlobalAveragePooling2D()(x)
    return keras.Model(inputs, layers.Dense(3, activation="softmax", name="category")(x))


def inception(*, merge: str = "layer", order: str = "1x1-first") -> keras.Model:
    """Two parallel towers on one input, concatenated on channels."""
    inputs = keras.Input((8, 8, 2), name="image")
    a = layers.Conv2D(2, 1, padding="same", activation="relu")(inputs)
    b = layers.Conv2D(2, 3, padding="same", activation="relu")(inputs)
    towers = [a, b] if order == "1x1-first" else [b, a]
    if merge == "layer":
        merged = layers.Concatenate()(towers)
    else:
        merged = ops.concatenate(towers, axis=-1)
    return keras.Model(inputs, merged)


def siamese(*, style: str = "shared") -> keras.Model:
    """A Dense(5) -> Dense(3, relu) tower on two inputs; the difference of the embeddings.

    ``style``: "shared" (layers reused one by one), "nested" (a Functional tower model),
    "nested_sequential" or "copied" (a second tower with its own weights).
    """
    left, right = keras.Input((4,), name="left"), keras.Input((4,), name="right")
    if style.startswith("nested"):
        tower = _tower_model(sequential=style == "nested_sequential")
        embed_left, embed_right = tower(left), tower(right)
    else:
        first, second = layers.Dense(5), layers.Dense(3, activation="relu")
        embed_left = second(first(left))
        if style == "copied":
            first, second = layers.Dense(5), layers.Dense(3, activation="relu")
        embed_right = second(first(right))
    return keras.Model([left, right], layers.Subtract()([embed_left, embed_right]))


def _tower_model(*, sequential: bool) -> keras.Model:
    if sequential:
        return keras.Sequential(
            [keras.Input((4,)), layers.Dense(5), layers.Dense(3, activation="relu")]
        )
    tower_in = keras.Input((4,))
    hidden = layers.Dense(3, activation="relu")(layers.Dense(5)(tower_in))
    return keras.Model(tower_in, hidden)


def two_heads(*, as_dict: bool) -> keras.Model:
    """A trunk with a softmax head written as Dense + Activation (keyed apart from its layer)."""
    inputs = keras.Input((6,), name="features")
    trunk = layers.Dense(8, activation="relu")(inputs)
    category = layers.Activation("softmax")(layers.Dense(4)(trunk))
    flag = layers.Dense(1, activation="sigmoid", name="flag")(trunk)
    if as_dict:
        return keras.Model(inputs, {"category": category, "flag": flag})
    return keras.Model(inputs, [category, flag])


def deep_features(*, convs: bool) -> keras.Model:
    """Two Conv2D(32, 3) on 14x14x32 (9,248 parameters each), or a Dense in their place."""
    inputs = keras.Input((14, 14, 32), name="features")
    x = inputs
    if convs:
        x = layers.Conv2D(32, 3, padding="same", activation="relu")(x)
        x = layers.Conv2D(32, 3, padding="same", activation="relu")(x)
    x = layers.GlobalAveragePooling2D()(x)
    if not convs:
        x = layers.Dense(32, activation="relu")(x)
    return keras.Model(inputs, layers.Dense(10, activation="softmax", name="category")(x))


# -- equivalent forms compare equal --------------------------------------------------------------

EQUIVALENT: list = [
    pytest.param(lambda: small_cnn(), small_cnn, id="rebuilt-under-other-names"),
    pytest.param(lambda: small_cnn(sequential=True), small_cnn, id="sequential-vs-functional"),
    pytest.param(lambda: small_cnn(relu="layer"), small_cnn, id="conv-relu-vs-conv+ReLU"),
    pytest.param(lambda: small_cnn(relu="activation"), small_cnn, id="conv-relu-vs-Activation"),
    pytest.param(lambda: small_cnn(relu="op"), small_cnn, id="conv-relu-vs-ops.relu"),
    pytest.param(lambda: small_cnn(one_pool_object=True), small_cnn, id="one-pool-object-reused"),
    pytest.param(lambda: residual(merge="operator"), residual, id="operator-plus-vs-Add"),
    pytest.param(lambda: residual(merge="swapped"), residual, id="Add-operands-swapped"),
    pytest.param(lambda: inception(order="3x3-first"), inception, id="Concatenate-swapped"),
    pytest.param(lambda: inception(merge="op"), inception, id="ops.concatenate-vs-layer"),
    pytest.param(lambda: siamese(style="nested"), siamese, id="nested-tower-vs-shared"),
    pytest.param(
        lambda: siamese(style="nested_sequential"), siamese, id="nested-sequential-vs-shared"
    ),
    pytest.param(lambda: two_heads(as_dict=True), lambda: two_heads(as_dict=False), id="dict-list"),
]


@pytest.mark.parametrize("build_student, build_reference", EQUIVALENT)
def test_equivalent_forms_compare_equal(
    build_student: Callable[[], keras.Model], build_reference: Callable[[], keras.Model]
):
    compare_to_reference(build_student(), build_reference())


def test_graphs_read_once_can_be_compared_many_times():
    student, reference = graph_of(small_cnn(relu="layer")), graph_of(small_cnn())
    compare_to_reference(student, reference)
    compare_to_reference(student, reference, settings=False)
    assert layer_signatures(student) == layer_signatures(reference)


def test_forgotten_relu_after_a_merge_is_reported_as_missing():
    """A relu after Add has no layer to fold into; it is named on its own."""
    with pytest.raises(CheckFailure, match=r"missing 1 Activation relu \(None, 8, 8, 4\)\n"):
        compare_to_reference(residual(relu_after=False), residual())


def test_operator_add_and_add_layer_have_one_signature():
    operator, layer = layer_signatures(residual(merge="operator")), layer_signatures(residual())
    assert operator == layer
    adds = [sig for sig in layer if sig.class_name == "Add"]
    assert adds == [LayerSignature("Add", ((None, 8, 8, 4),), 0)]
    assert all(sig.class_name != "InputLayer" for sig in layer)


def test_shared_layer_counts_once_with_its_calls():
    signatures = layer_signatures(siamese())
    hidden = next(sig for sig in signatures if sig.setting("units") == "5")
    assert hidden.calls == 2 and hidden.params == 25 and signatures[hidden] == 1


def test_without_folding_standalone_relu_forms_still_agree():
    compare_to_reference(small_cnn(relu="op"), small_cnn(relu="layer"), fold_activations=False)


def test_settings_off_compares_class_shape_and_size_only():
    compare_to_reference(small_cnn(relu="none"), small_cnn(), settings=False)


def test_layer_settings_pass_in_every_spelling():
    model = small_cnn(relu="layer")
    assert check_layer_settings(model, "Conv2D", kernel_size=3, padding="same") == 2
    check_layer_settings(model, "Conv2D", kernel_size=(3, 3), strides=[1, 1], activation="relu")
    check_layer_settings(model, "MaxPooling2D", pool_size=2)
    check_layer_settings(inception(merge="op"), "Concatenate", axis=-1)
    check_layer_settings(inception(), "Concatenate", axis=3)


def wide_skip(widths: tuple[int, int]) -> keras.Model:
    """Two levels, each joined to a skip with Concatenate: a U-Net's merges in small."""
    inputs = keras.Input((8, 8, 2), name="image")
    x = inputs
    for width in widths:
        skip = layers.Conv2D(width, 3, padding="same", activation="relu")(x)
        x = layers.Concatenate()([skip, layers.Conv2D(width, 1)(skip)])
    return keras.Model(inputs, layers.Conv2D(1, 1, activation="sigmoid", name="mask")(x))


def mlp(*hidden: int, activation: str | None = "relu") -> keras.Model:
    """Twenty features, the hidden Dense layers given, three classes."""
    inputs = keras.Input((20,), name="features")
    x = inputs
    for units in hidden:
        x = layers.Dense(units, activation=activation)(x)
    return keras.Model(inputs, layers.Dense(3, activation="softmax", name="label")(x))


# -- wrong models fail with a teaching message ---------------------------------------------------

WRONG: list = [
    pytest.param(
        lambda: compare_to_reference(small_cnn(kernel=5), small_cnn()),
        "Layers compared with the reference (in any order)",
        [
            "Conv2D (None, 12, 12, 4): kernel_size 3x3 expected, found 5x5",
            "40 params expected, found 104",
            "compare the settings named above",
        ],
        id="compare-wrong-kernel",
    ),
    pytest.param(
        lambda: compare_to_reference(deep_features(convs=False), deep_features(convs=True)),
        "Layers compared with the reference (in any order)",
        [
            "missing 2 Conv2D (None, 14, 14, 32), 9,248 params",
            "unexpected 1 Dense (None, 32), 1,056 params",
            "order and names do not matter",
        ],
        id="compare-convs-replaced-by-dense",
    ),
    pytest.param(
        lambda: compare_to_reference(small_cnn(extra_dense=True), small_cnn()),
        "Layers compared with the reference (in any order)",
        ["unexpected 1 Dense (None, 8), 584 params", "Dense (None, 10): 730 params expected"],
        id="compare-extra-dense",
    ),
    pytest.param(
        lambda: compare_to_reference(residual(skip=False), residual()),
        "Layers compared with the reference (in any order)",
        ["missing 1 Add (None, 8, 8, 4)\n", "a merge is missing", "x + y counts as Add"],
        id="compare-skip-forgotten",
    ),
    pytest.param(
        lambda: compare_to_reference(siamese(style="copied"), siamese(style="nested")),
        "Layers compared with the reference (in any order)",
        [
            "expected one Dense layer (None, 5), 25 params, shared by 2 calls, found 2 separate",
            "calling one layer object on several tensors shares its weights",
        ],
        id="compare-tower-copied",
    ),
    pytest.param(
        lambda: compare_to_reference(siamese(), siamese(style="copied")),
        "Layers compared with the reference (in any order)",
        ["expected 2 separate copies of Dense layer (None, 3), 18 params, found one layer"],
        id="compare-tower-shared-where-copies-asked",
    ),
    pytest.param(
        lambda: compare_to_reference(small_cnn(relu="none"), small_cnn()),
        "Layers compared with the reference (in any order)",
        ["activation relu expected, found linear", "followed by ReLU() count as the same"],
        id="compare-relu-forgotten",
    ),
    pytest.param(
        lambda: compare_to_reference(small_cnn(relu="layer"), small_cnn(), fold_activations=False),
        "Layers compared with the reference (in any order)",
        [
            "unexpected 1 Activation relu (None, 12, 12, 4)",
            "Conv2D (None, 6, 6, 8): activation relu expected, found linear",
            "write the activation the way the task shows",
        ],
        id="compare-unfolded-relu-where-task-forbids",
    ),
    pytest.param(
        lambda: compare_to_reference(small_cnn(padding="valid"), small_cnn()),
        "Layers compared with the reference (in any order)",
        [
            "padding same expected, found valid",
            "output shape (None, 12, 12, 4) expected, found (None, 10, 10, 4)",
            "MaxPooling2D (None, 3, 3, 8): output shape (None, 3, 3, 8) expected, found (None, 1,",
            "changes every shape after it",
        ],
        id="compare-valid-padding",
    ),
    pytest.param(
        lambda: compare_to_reference(mlp(8), mlp(16, 8)),
        "Layers compared with the reference (in any order)",
        [
            "Dense (None, 8): 136 params expected, found 168",
            "missing 1 Dense (None, 16), 336 params",
        ],
        id="compare-hidden-layer-left-out",
    ),
    pytest.param(
        lambda: compare_to_reference(mlp(16, activation=None), mlp(16)),
        "Layers compared with the reference (in any order)",
        [
            "Dense (None, 16): activation relu expected, found linear",
            'Dense(activation="relu") and Dense followed by ReLU() count as the same',
        ],
        id="compare-dense-relu-forgotten",
    ),
    pytest.param(
        lambda: check_layer_settings(small_cnn(kernel=5), "Conv2D", kernel_size=3),
        "Conv2D settings",
        ["2 of 2 Conv2D calls differ", "the task asks for 3x3 kernels; found 5x5"],
        id="settings-wrong-kernel",
    ),
    pytest.param(
        lambda: check_layer_settings(small_cnn(padding="valid"), "Conv2D", padding="same"),
        "Conv2D settings",
        ["Conv2D (None, 10, 10, 4) has padding=valid", 'asks for "same" padding'],
        id="settings-wrong-padding",
    ),
    pytest.param(
        lambda: check_layer_settings(small_cnn(relu="none"), "Conv2D", activation="relu"),
        "Conv2D settings",
        ["has activation=linear", "the task asks for relu activation; found linear"],
        id="settings-relu-forgotten",
    ),
    pytest.param(
        lambda: check_layer_settings(deep_features(convs=False), "Conv2D", kernel_size=3),
        "Conv2D layers",
        ["at least one Conv2D layer with kernel_size=3", "no Conv2D layer"],
        id="settings-no-such-layer",
    ),
]

AUTOMATIC_NAME = re.compile(
    r"\b(dense|conv2d|max_pooling2d|flatten|re_lu|activation|add|concatenate|subtract|"
    r"input_layer|functional|sequential|global_average_pooling2d)_\d+\b"
)
TEST_SOURCE_LINES = [
    line.strip()
    for line in Path(__file__).read_text().splitlines()
    if len(line.strip()) >= 25 and not line.strip().startswith("#")
]


@pytest.mark.parametrize("run, concept, substrings", WRONG)
def test_wrong_model_fails_with_a_teaching_message(
    run: Callable[[], object], concept: str, substrings: list[str]
):
    with pytest.raises(CheckFailure, match=re.escape(substrings[0])) as info:
        run()
    message = str(info.value)
    for text in substrings[1:]:
        assert text in message, message
    assert info.value.concept == concept and message.startswith(f"[{concept}]")
    assert info.value.hint and "hint:" in message
    assert not AUTOMATIC_NAME.search(message), message
    assert not [line for line in TEST_SOURCE_LINES if line in message]
    assert "Traceback" not in message


def test_every_check_has_at_least_three_wrong_models():
    per_check = Counter(case.id.split("-")[0] for case in WRONG)
    assert per_check.keys() == {"compare", "settings"}
    assert min(per_check.values()) >= 3, per_check


def test_long_difference_lists_are_cut_short():
    reference = keras.Sequential(
        [keras.Input((3,))] + [layers.Dense(n, activation="relu") for n in range(2, 14)]
    )
    with pytest.raises(CheckFailure, match=r"and \d+ more differences"):
        compare_to_reference(keras.Sequential([keras.Input((3,)), layers.Dense(1)]), reference)


def test_merges_of_other_widths_are_not_called_missing():
    """Both Concatenates are there, at other widths than the reference's: no merge is missing."""
    with pytest.raises(CheckFailure, match="Concatenate") as info:
        compare_to_reference(wide_skip(widths=(8, 24)), wide_skip(widths=(16, 32)))
    assert "a merge is missing" not in str(info.value)
    with pytest.raises(CheckFailure, match="a merge is missing"):
        compare_to_reference(wide_skip(widths=(16,)), wide_skip(widths=(16, 32)))
