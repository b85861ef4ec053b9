"""Interface checks: right models pass in every equivalent form, wrong ones fail and teach.

Each wrong model is a mistake a student makes (a missing input, an unnamed output, a linear
head under a classification loss, a copied layer); the test names the check's concept, the
substrings the message must contain, and that a hint is given.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import keras
import pytest
from keras import layers, ops

from autograder.checks.activations import check_output_activations, is_activation
from autograder.checks.interface import (
    check_inputs,
    check_model_kind,
    check_outputs,
    check_param_counts,
    graph_of,
    is_automatic_name,
)
from autograder.errors import CheckFailure

IMAGE_META = {"image": (None, 28, 28), "meta": (None, 3)}
TWO_HEADS = {"category": (None, 10), "is_footwear": (None, 1)}
HEAD_ACTIVATIONS = {"category": "softmax", "is_footwear": "sigmoid"}
# Flatten (784) -> Dense(16): 12,560; Dense(16) -> Dense(10): 170.
CLASSIFIER_PARAMS = 12_730


@pytest.fixture(autouse=True)
def fresh_session():
    """conftest's fresh session without its full garbage collection (0.4 s a test with
    TensorFlow loaded): layer-name counters still restart, which is all these tests need."""
    keras.utils.clear_session(free_memory=False)
    keras.utils.set_random_seed(0)
    yield


# -- models a student might build --------------------------------------------------------------


def sequential_classifier(units: int = 16) -> keras.Model:
    return keras.Sequential(
        [
            keras.Input((28, 28), name="image"),
            layers.Flatten(),
            layers.Dense(units, activation="relu"),
            layers.Dense(10, activation="softmax", name="category"),
        ]
    )


def functional_classifier(units: int = 16, head: str | None = "softmax") -> keras.Model:
    image = keras.Input((28, 28), name="image")
    x = layers.Flatten()(image)
    x = layers.Dense(units, activation="relu")(x)
    return keras.Model(image, layers.Dense(10, activation=head, name="category")(x))


def image_meta_model(
    *,
    as_dict: bool = True,
    meta_shape: tuple = (3,),
    meta_dtype: str = "float32",
    names: tuple[str, str] = ("image", "meta"),
    category_head: str = "dense",
    footwear_activation: str = "sigmoid",
) -> keras.Model:
    """Two named inputs merged, two heads; the head style varies as students write it."""
    image = keras.Input((28, 28), name=names[0])
    meta = keras.Input(meta_shape, name=names[1], dtype=meta_dtype)
    merged = layers.Concatenate()([layers.Flatten()(image), layers.Flatten()(meta)])
    trunk = layers.Dense(8, activation="relu")(merged)
    if category_head == "dense":
        category = layers.Dense(10, activation="softmax", name="category")(trunk)
    elif category_head == "activation_layer":
        category = layers.Activation("softmax")(layers.Dense(10)(trunk))
    elif category_head == "softmax_layer":
        category = layers.Softmax()(layers.Dense(10)(trunk))
    elif category_head == "ops":
        category = ops.softmax(layers.Dense(10)(trunk))
    else:  # logits
        category = layers.Dense(10, name="category")(trunk)
    footwear = layers.Dense(1, activation=footwear_activation, name="is_footwear")(trunk)
    inputs = {names[0]: image, names[1]: meta} if as_dict else [image, meta]
    if as_dict:
        return keras.Model(inputs, {"category": category, "is_footwear": footwear})
    return keras.Model(inputs, [category, footwear])


def single_input_two_heads() -> keras.Model:
    image = keras.Input((28, 28), name="image")
    trunk = layers.Dense(8, activation="relu")(layers.Flatten()(image))
    category = layers.Dense(10, activation="softmax", name="category")(trunk)
    footwear = layers.Dense(1, activation="sigmoid", name="is_footwear")(trunk)
    return keras.Model(image, {"category": category, "is_footwear": footwear})


def one_head_only() -> keras.Model:
    image = keras.Input((28, 28), name="image")
    meta = keras.Input((3,), name="meta")
    merged = layers.Concatenate()([layers.Flatten()(image), meta])
    category = layers.Dense(10, activation="softmax", name="category")(merged)
    return keras.Model([image, meta], category)


def unflattened_head() -> keras.Model:
    image = keras.Input((28, 28, 1), name="image")
    x = layers.Conv2D(4, 3, activation="relu")(image)
    return keras.Model(image, layers.Dense(10, activation="softmax", name="category")(x))


def regression_model(activation: str | None = None) -> keras.Model:
    features = keras.Input((5,), name="features")
    x = layers.Dense(4, activation="relu")(features)
    return keras.Model(features, layers.Dense(1, activation=activation, name="price")(x))


def siamese(shared: bool = True) -> keras.Model:
    """Dense(4 -> 3) applied to two inputs: 15 parameters if shared, 30 if copied."""
    left, right = keras.Input((4,), name="left"), keras.Input((4,), name="right")
    tower = layers.Dense(3, activation="relu")
    other = tower if shared else layers.Dense(3, activation="relu")
    difference = layers.Subtract(name="difference")([tower(left), other(right)])
    return keras.Model([left, right], difference)


def normalized_model(with_batchnorm: bool = True, frozen: bool = False) -> keras.Model:
    features = keras.Input((5,), name="features")
    hidden = layers.Dense(4, activation="relu", trainable=not frozen)
    x = hidden(features)
    if with_batchnorm:
        x = layers.BatchNormalization()(x)
    return keras.Model(features, layers.Dense(1, name="price")(x))


class Subclassed(keras.Model):
    def __init__(self) -> None:
        super().__init__()
        self.head = layers.Dense(10)

    def call(self, x):
        return self.head(x)


def subclassed() -> keras.Model:
    model = Subclassed()
    model(ops.zeros((1, 4)))
    return model


# -- right models pass ---------------------------------------------------------------------------


def test_model_kind_accepts_each_kind_and_a_graph():
    assert check_model_kind(functional_classifier(), "Functional") == "Functional"
    assert check_model_kind(sequential_classifier(), "Sequential") == "Sequential"
    assert check_model_kind(graph_of(sequential_classifier()), "Sequential") == "Sequential"


def test_model_kind_rejects_an_unknown_kind_as_a_grader_bug():
    with pytest.raises(ValueError, match="Functional"):
        check_model_kind(functional_classifier(), "functional")


@pytest.mark.parametrize("as_dict", [True, False], ids=["dict", "list"])
def test_inputs_pass_by_name_whether_given_as_dict_or_list(as_dict):
    check_inputs(image_meta_model(as_dict=as_dict), IMAGE_META)


def test_inputs_accept_dtype_and_shape_mappings():
    model = image_meta_model(meta_dtype="int32")
    check_inputs(model, {"image": (None, 28, 28), "meta": {"shape": (None, 3), "dtype": "int32"}})
    check_inputs(model, {"image": {"dtype": "float32"}, "meta": {"dtype": "int32"}})


def test_sequential_and_functional_classifiers_have_the_same_interface():
    for model in (sequential_classifier(), functional_classifier()):
        check_inputs(model, {"image": (None, 28, 28)})
        check_outputs(model, {"category": (None, 10)})


@pytest.mark.parametrize("as_dict", [True, False], ids=["dict", "list"])
def test_outputs_pass_by_dict_key_or_by_layer_name(as_dict):
    check_outputs(image_meta_model(as_dict=as_dict), TWO_HEADS)


def test_dict_output_keyed_apart_from_its_layer_keeps_its_shape():
    """The key `category` names an unnamed Activation layer: shape and dtype still known."""
    model = image_meta_model(category_head="activation_layer")
    check_outputs(model, {"category": {"shape": (None, 10), "dtype": "float32"}, "is_footwear": {}})


@pytest.mark.parametrize("head", ["dense", "activation_layer", "softmax_layer", "ops"])
def test_softmax_written_any_way_counts_as_softmax(head):
    found = check_output_activations(image_meta_model(category_head=head), HEAD_ACTIVATIONS)
    assert found == HEAD_ACTIVATIONS


def test_one_activation_string_applies_to_every_output():
    assert check_output_activations(sequential_classifier(), "softmax") == {"category": "softmax"}
    check_output_activations(regression_model(), {"price": "linear"})
    check_output_activations(regression_model(), "None")


def test_output_with_the_wrong_activation_is_marked():
    model = image_meta_model(footwear_activation="softmax")
    with pytest.raises(CheckFailure) as e:
        check_output_activations(model, HEAD_ACTIVATIONS)
    marks = e.value.marks
    assert marks.calls == (marks.graph.output_named("is_footwear").call,)
    assert marks.note == "the output with the wrong activation"


def test_log_softmax_layer_is_one_activation_for_every_check():
    """One table: the layer that content and residual checks see is the one outputs end in."""
    inputs = keras.Input((4,))
    model = keras.Model(inputs, ops.log_softmax(layers.Dense(3)(inputs)))
    graph = graph_of(model)
    assert is_activation(graph, graph.outputs[0].call)
    assert check_output_activations(graph, "log_softmax") == {graph.outputs[0].name: "log_softmax"}


def test_param_counts_pass_and_are_returned():
    found = check_param_counts(sequential_classifier(), total=CLASSIFIER_PARAMS, non_trainable=0)
    assert found == {"total": 12_730, "trainable": 12_730, "non-trainable": 0}


def test_shared_layer_weights_count_once():
    check_param_counts(siamese(shared=True), total=15, trainable=15)


def test_batchnorm_statistics_count_as_non_trainable():
    # Dense 5x4+4=24, BatchNorm 8 trainable (gamma, beta) + 8 moving statistics, Dense 4+1=5.
    check_param_counts(normalized_model(), total=45, trainable=37, non_trainable=8)


def test_automatic_names_are_recognised():
    assert is_automatic_name("dense_3", "Dense")
    assert is_automatic_name("re_lu", "ReLU")
    assert is_automatic_name("input_layer_2", "InputLayer")
    assert not is_automatic_name("category", "Dense")


# -- wrong models fail with a teaching message ---------------------------------------------------

WRONG: list = [
    # model kind
    pytest.param(
        lambda: check_model_kind(sequential_classifier(), "Functional"),
        "Model kind",
        ["a Sequential model", "keras.Model(inputs, outputs)"],
        id="kind-sequential-for-functional",
    ),
    pytest.param(
        lambda: check_model_kind(functional_classifier(), "Sequential"),
        "Model kind",
        ["a Functional model", "keras.Sequential(["],
        id="kind-functional-for-sequential",
    ),
    pytest.param(
        lambda: check_model_kind(subclassed(), "Functional"),
        "Model kind",
        ["a subclassed model (Subclassed)", "hides its graph"],
        id="kind-subclassed",
    ),
    pytest.param(
        lambda: check_model_kind(None, "Functional"),
        "Model kind",
        ["not a Keras model but NoneType", "`return` the model"],
        id="kind-none-returned",
    ),
    # inputs
    pytest.param(
        lambda: check_inputs(functional_classifier(), IMAGE_META),
        "Model inputs",
        ["your model has one input; this task needs two: `image` and `meta`", "missing `meta`"],
        id="inputs-one-instead-of-two",
    ),
    pytest.param(
        lambda: check_inputs(image_meta_model(names=("image", "input_b")), IMAGE_META),
        "Model inputs",
        ["the names differ", "missing `meta`", "not asked for: `input_b` (None, 3)"],
        id="inputs-misnamed",
    ),
    pytest.param(
        lambda: check_inputs(
            keras.Model(i := keras.Input((28, 28)), layers.Flatten()(i)), {"image": (None, 28, 28)}
        ),
        "Model inputs",
        ["an unnamed input (None, 28, 28)", 'name="...")'],
        id="inputs-unnamed",
    ),
    pytest.param(
        lambda: check_inputs(image_meta_model(meta_shape=(4,)), IMAGE_META),
        "Input shapes",
        ["`meta` (None, 3)", "`meta` (None, 4)", "without the batch dimension"],
        id="inputs-wrong-shape",
    ),
    pytest.param(
        lambda: check_inputs(
            keras.Model(i := keras.Input((784,), name="image"), layers.Dense(10)(i)),
            {"image": (None, 28, 28)},
        ),
        "Input shapes",
        ["`image` (None, 784)", "let a Flatten or Reshape layer inside the model"],
        id="inputs-flattened-data",
    ),
    pytest.param(
        lambda: check_inputs(image_meta_model(), {"image": {}, "meta": {"dtype": "int32"}}),
        "Input dtypes",
        ["`meta` int32", "`meta` float32", 'dtype="int32"'],
        id="inputs-wrong-dtype",
    ),
    # outputs
    pytest.param(
        lambda: check_outputs(one_head_only(), TWO_HEADS),
        "Model outputs",
        ["your model has one output; this task needs two: `category` and `is_footwear`"],
        id="outputs-one-head",
    ),
    pytest.param(
        lambda: check_outputs(image_meta_model(as_dict=False, category_head="ops"), TWO_HEADS),
        "Model outputs",
        ["an unnamed output from Softmax (None, 10)", "missing `category`", 'name="...")'],
        id="outputs-unnamed-list-output",
    ),
    pytest.param(
        lambda: check_outputs(
            keras.Model(i := keras.Input((4,), name="x"), layers.Dense(9, name="category")(i)),
            {"category": (None, 10)},
        ),
        "Output shapes",
        ["`category` (None, 10)", "`category` (None, 9)", "Dense(10) gives (None, 10)"],
        id="outputs-wrong-units",
    ),
    pytest.param(
        lambda: check_outputs(unflattened_head(), {"category": (None, 10)}),
        "Output shapes",
        ["`category` (None, 26, 26, 10)", "flatten or pool the features"],
        id="outputs-not-flattened",
    ),
    # output activations
    pytest.param(
        lambda: check_output_activations(
            image_meta_model(category_head="logits"), HEAD_ACTIVATIONS
        ),
        "Output activations",
        ["`category` ends in linear (Dense (None, 10))", "from_logits=True", "crossentropy"],
        id="activation-logits-for-softmax",
    ),
    pytest.param(
        lambda: check_output_activations(
            image_meta_model(footwear_activation="softmax"), HEAD_ACTIVATIONS
        ),
        "Output activations",
        ["`is_footwear` ends in softmax", "softmax over one unit always outputs 1.0"],
        id="activation-softmax-on-one-unit",
    ),
    pytest.param(
        lambda: check_output_activations(functional_classifier(head="sigmoid"), "softmax"),
        "Output activations",
        ["`category` ends in sigmoid", "sum to 1", "categorical_crossentropy"],
        id="activation-sigmoid-for-softmax",
    ),
    pytest.param(
        lambda: check_output_activations(regression_model("relu"), {"price": "linear"}),
        "Output activations",
        ["`price` ends in relu", "pairs with mse"],
        id="activation-relu-on-regression",
    ),
    pytest.param(
        lambda: check_output_activations(one_head_only(), HEAD_ACTIVATIONS),
        "Model outputs",
        ["missing `is_footwear`"],
        id="activation-missing-output",
    ),
    # parameter counts
    pytest.param(
        lambda: check_param_counts(functional_classifier(units=32), total=CLASSIFIER_PARAMS),
        "Parameter count",
        ["25,450 total (12,720 more than expected)", "12,730 total", "inputs x units + units"],
        id="params-too-many-units",
    ),
    pytest.param(
        lambda: check_param_counts(siamese(shared=False), total=15),
        "Parameter count",
        ["30 total (15 more than expected)", "call the same layer object twice"],
        id="params-copied-tower",
    ),
    pytest.param(
        lambda: check_param_counts(normalized_model(with_batchnorm=False), non_trainable=8),
        "Parameter count",
        ["0 non-trainable (8 fewer than expected)", "moving mean and variance"],
        id="params-missing-batchnorm",
    ),
    pytest.param(
        lambda: check_param_counts(normalized_model(frozen=True), trainable=37, non_trainable=8),
        "Parameter count",
        ["13 trainable (24 fewer than expected)", "32 non-trainable (24 more than expected)"],
        id="params-layer-frozen",
    ),
]

AUTOMATIC_NAME = re.compile(
    r"\b(dense|conv2d|flatten|re_lu|softmax|concatenate|subtract|input_layer|functional|"
    r"sequential|batch_normalization)_\d+\b"
)
TEST_SOURCE_LINES = [
    line.strip()
    for line in Path(__file__).read_text().splitlines()
    if len(line.strip()) >= 25 and not line.strip().startswith("#")
]


def assert_teaches_without_leaking(failure: CheckFailure, concept: str) -> None:
    """A message names its concept, gives a hint, and shows no automatic name or test code."""
    message = str(failure)
    assert failure.concept == concept
    assert message.startswith(f"[{concept}]")
    assert failure.hint and "hint:" in message
    assert not AUTOMATIC_NAME.search(message), message
    leaked = [line for line in TEST_SOURCE_LINES if line in message]
    assert not leaked, leaked
    assert "Traceback" not in message
    assert failure._render_traceback_() == [f"CheckFailure {message}"]


@pytest.mark.parametrize("run, concept, substrings", WRONG)
def test_wrong_model_fails_with_a_teaching_message(
    run: Callable[[], object], concept: str, substrings: list[str]
):
    with pytest.raises(CheckFailure, match=re.escape(substrings[0])) as info:
        run()
    for text in substrings[1:]:
        assert text in str(info.value), str(info.value)
    assert_teaches_without_leaking(info.value, concept)


def test_every_check_has_at_least_three_wrong_models():
    per_check = {}
    for case in WRONG:
        check = case.id.split("-")[0]
        per_check[check] = per_check.get(check, 0) + 1
    assert per_check.keys() == {"kind", "inputs", "outputs", "activation", "params"}
    assert min(per_check.values()) >= 3, per_check
