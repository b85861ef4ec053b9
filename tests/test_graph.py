"""The graph reader: what every check stands on."""

import keras
import pytest
from keras import layers

from autograder.errors import CheckFailure
from autograder.graph import ModelGraph, as_graph, format_shape, model_kind
from autograder.report import graph_report


def two_input_model(use_operator: bool = False):
    image = keras.Input((8, 8, 1), name="image")
    meta = keras.Input((3,), name="meta")
    x = layers.Conv2D(4, 3, padding="same", activation="relu")(image)
    x = layers.Flatten()(x)
    m = layers.Dense(256)(meta)
    merged = x + m if use_operator else layers.Add()([x, m])
    out = layers.Dense(2, activation="softmax", name="label")(merged)
    return keras.Model({"image": image, "meta": meta}, out)


def test_inputs_and_outputs_are_read_by_name_shape_and_dtype():
    graph = ModelGraph.from_model(two_input_model())
    assert [(t.name, t.shape, t.dtype) for t in graph.inputs] == [
        ("image", (None, 8, 8, 1), "float32"),
        ("meta", (None, 3), "float32"),
    ]
    assert [(t.name, t.shape) for t in graph.outputs] == [("label", (None, 2))]


def test_parameter_counts_match_keras():
    model = two_input_model()
    graph = ModelGraph.from_model(model)
    assert graph.total_params == model.count_params()
    assert graph.trainable_params == sum(keras.ops.size(w) for w in model.trainable_weights)


def test_operator_plus_is_an_add_merge_like_the_layer():
    for use_operator in (False, True):
        keras.utils.clear_session()
        graph = ModelGraph.from_model(two_input_model(use_operator))
        merges = graph.merges()
        assert [m.class_name for m in merges] == ["Add"]
        assert [graph.calls[p].class_name for p in merges[0].inputs] == ["Flatten", "Dense"]


def test_edges_and_ancestry_follow_the_data():
    graph = ModelGraph.from_model(two_input_model())
    out = graph.outputs[0].call
    assert {graph.calls[a].class_name for a in graph.ancestors(out)} >= {"InputLayer", "Add"}
    image = graph.input_named("image").call
    assert out in graph.descendants(image)
    assert [graph.calls[c].class_name for c in graph.children(image)] == ["Conv2D"]


def test_dict_outputs_keep_their_keys_whatever_the_sort_order():
    x = keras.Input((4,), name="x")
    model = keras.Model(
        x, {"zeta": layers.Dense(1, name="zeta")(x), "alpha": layers.Dense(3, name="alpha")(x)}
    )
    graph = ModelGraph.from_model(model)
    assert {t.name: t.shape for t in graph.outputs} == {"zeta": (None, 1), "alpha": (None, 3)}


def test_shared_layer_has_two_calls_and_counts_weights_once():
    a, b = keras.Input((5,), name="a"), keras.Input((5,), name="b")
    dense = layers.Dense(4)
    model = keras.Model([a, b], layers.Concatenate()([dense(a), dense(b)]))
    graph = ModelGraph.from_model(model)
    (shared,) = graph.shared_layers()
    assert shared.class_name == "Dense" and len(shared.calls) == 2
    assert graph.total_params == 24 == model.count_params()


def test_nested_tower_is_inlined_once_per_call():
    x = keras.Input((5,), name="x")
    tower = keras.Model(x, layers.Dense(3)(layers.Dense(4)(x)), name="tower")
    a, b = keras.Input((5,), name="left"), keras.Input((5,), name="right")
    model = keras.Model([a, b], layers.Subtract()([tower(a), tower(b)]))
    graph = ModelGraph.from_model(model)
    dense_calls = graph.calls_of_class("Dense")
    assert len(dense_calls) == 4
    assert sorted(len(info.calls) for info in graph.shared_layers()) == [2, 2]
    assert graph.submodels == {"tower": ["tower/", "tower#1/"]}
    assert graph.total_params == model.count_params()


def test_nested_sequential_inside_functional_gets_shapes():
    inner = keras.Sequential([keras.Input((6,)), layers.Dense(4), layers.Dense(2)], name="head")
    x = keras.Input((6,), name="x")
    graph = ModelGraph.from_model(keras.Model(x, inner(x)))
    assert [c.shape for c in graph.calls_of_class("Dense")] == [(None, 4), (None, 2)]


def test_sequential_model_is_a_chain():
    model = keras.Sequential([keras.Input((4,), name="x"), layers.Dense(3), layers.Dense(2)])
    graph = ModelGraph.from_model(model)
    assert graph.kind == "Sequential" == model_kind(model)
    assert [graph.calls[c].class_name for c in graph.order()] == ["InputLayer", "Dense", "Dense"]
    assert graph.calls[graph.outputs[0].call].shape == (None, 2)


def test_subclassed_model_is_refused_with_a_hint():
    class Custom(keras.Model):
        def __init__(self):
            super().__init__()
            self.dense = layers.Dense(2)

        def call(self, x):
            return self.dense(x)

    model = Custom()
    model(keras.ops.zeros((1, 3)))
    with pytest.raises(CheckFailure, match="subclassed") as info:
        ModelGraph.from_model(model)
    assert "keras.Input" in info.value.hint


def test_unbuilt_sequential_is_refused_with_a_hint():
    with pytest.raises(CheckFailure, match="never built"):
        ModelGraph.from_model(keras.Sequential([layers.Dense(2)]))


def test_as_graph_reuses_a_graph():
    graph = ModelGraph.from_model(two_input_model())
    assert as_graph(graph) is graph


def test_format_shape():
    assert format_shape((None, 14, 14, 32)) == "(None, 14, 14, 32)"
    assert format_shape((None,)) == "(None,)"
    assert format_shape(None) == "(?)"


def test_report_names_inputs_outputs_params_and_merges():
    text = graph_report(two_input_model())
    assert "'image'" in text and "'meta'" in text and "'label'" in text
    assert "1 Add" in text and "params:" in text
    assert "dense_" not in text  # never automatic names


def test_failure_message_shows_concept_expected_found_and_hint():
    failure = CheckFailure("Inputs", "2 inputs", "1 input", "add a second keras.Input")
    text = str(failure)
    assert text.splitlines()[0] == "[Inputs]"
    assert "expected: 2 inputs" in text and "found:    1 input" in text and "hint:" in text
    assert failure._render_traceback_() == [f"CheckFailure {text}"]


def test_dict_output_keys_that_differ_from_layer_names_keep_shape_and_dtype():
    x = keras.Input((4,), name="x")
    out = layers.Dense(3, dtype="float64", name="head")(x)
    graph = ModelGraph.from_model(keras.Model(x, {"label": out}))
    assert [(t.name, t.shape, t.dtype) for t in graph.outputs] == [("label", (None, 3), "float64")]


def test_nested_functional_models_as_the_output_are_read():
    x = keras.Input((6,), name="x")
    encoder = keras.Model(x, layers.Dense(2)(x), name="encoder")
    z = keras.Input((2,), name="z")
    decoder = keras.Model(z, layers.Dense(6)(z), name="decoder")
    image = keras.Input((6,), name="image")
    autoencoder = keras.Model(image, decoder(encoder(image)), name="autoencoder")
    graph = ModelGraph.from_model(autoencoder)
    assert [c.shape for c in graph.calls_of_class("Dense")] == [(None, 2), (None, 6)]
    assert graph.outputs[0].shape == (None, 6)
    assert graph.total_params == autoencoder.count_params()
