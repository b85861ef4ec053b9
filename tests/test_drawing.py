"""The graph picture of a failing check: marks coloured, names drawn as text, big models trimmed."""

from __future__ import annotations

import re
import shutil

import keras
import pytest
from keras import layers

from autograder.checks import check_residual_blocks
from autograder.drawing import MAX_CALLS, draw_marks, graph_dot, graph_svg, node_id, shown_calls
from autograder.errors import CheckFailure, Marks
from autograder.grading import checker
from autograder.grading.feedback import render_feedback
from autograder.grading.plan import TestPlan
from autograder.grading.results import SubmissionResult
from autograder.graph import ModelGraph

needs_graphviz = pytest.mark.skipif(shutil.which("dot") is None, reason="graphviz (dot) missing")
EVIL = '<img src=x onerror=alert(1)> "\\N'


def block_with_late_shortcut(first_name: str = "first_conv") -> keras.Model:
    """An identity block whose shortcut leaves after the first conv, not at the block's input."""
    block_input = keras.Input((8, 8, 4), name="block_input")
    x = layers.Conv2D(4, 3, padding="same", name=first_name)(block_input)
    shortcut = x
    x = layers.BatchNormalization()(x)
    x = layers.Activation("relu")(x)
    x = layers.Conv2D(4, 3, padding="same")(x)
    x = layers.BatchNormalization()(x)
    x = layers.Add()([x, shortcut])
    return keras.Model(block_input, layers.Activation("relu")(x))


def residual_failure(model: keras.Model) -> CheckFailure:
    with pytest.raises(CheckFailure) as caught:
        check_residual_blocks(model, identity=1, activation_after_merge=True)
    return caught.value


def edge_group(svg: str, graph: ModelGraph, start: str, end: str) -> str:
    """The SVG group graphviz writes for the edge START -> END (its title names both ends)."""
    title = f"{node_id(graph, start)}&#45;&gt;{node_id(graph, end)}"
    match = re.search(r'<g id="edge\d+" class="([^"]*)">\s*<title>' + re.escape(title), svg)
    assert match, f"no edge {title} in the picture"
    return match.group(1)


def node_class(svg: str, graph: ModelGraph, cid: str) -> str:
    match = re.search(
        r'<g id="node\d+" class="([^"]*)">\s*<title>' + node_id(graph, cid) + "</title>", svg
    )
    assert match, f"no node for {cid}"
    return match.group(1)


@needs_graphviz
def test_a_shortcut_from_inside_the_block_is_drawn_marked_and_the_right_one_dashed():
    failure = residual_failure(block_with_late_shortcut())
    graph = failure.marks.graph
    svg = draw_marks(failure.marks)
    assert svg.startswith("<svg")
    add = graph.calls_of_class("Add")[0].id
    assert edge_group(svg, graph, "first_conv", add) == "edge marked"
    assert edge_group(svg, graph, "block_input", add) == "edge missing"
    assert node_class(svg, graph, "first_conv") == "node marked"
    assert edge_group(svg, graph, "block_input", "first_conv") == "edge"
    assert failure.marks.note in svg


@needs_graphviz
def test_a_correct_block_draws_with_nothing_marked():
    block_input = keras.Input((8, 8, 4), name="block_input")
    x = layers.Conv2D(4, 3, padding="same")(block_input)
    x = layers.Add()([x, block_input])
    graph = ModelGraph.from_model(keras.Model(block_input, x))
    svg = graph_svg(graph)
    assert 'class="node plain"' in svg
    assert "marked" not in svg and "missing" not in svg


@needs_graphviz
def test_student_names_are_drawn_as_text_never_as_markup():
    failure = residual_failure(block_with_late_shortcut(first_name=EVIL))
    svg = draw_marks(failure.marks)
    assert "<img" not in svg
    assert "&lt;img src=x onerror=alert(1)&gt; &quot;\\N" in svg  # the name, literally


def test_names_cannot_break_out_of_a_dot_label():
    failure = residual_failure(block_with_late_shortcut(first_name=EVIL))
    dot = graph_dot(failure.marks.graph, failure.marks)
    (line,) = [line for line in dot.splitlines() if "onerror" in line]
    assert 'label="<img src=x onerror=alert(1)> \\"\\\\N\\nConv2D' in line
    assert "first_conv" not in dot  # node ids are generated: n0, n1, ...


def test_keras_automatic_names_are_left_out_of_the_labels():
    failure = residual_failure(block_with_late_shortcut())
    dot = graph_dot(failure.marks.graph, failure.marks)
    assert "first_conv\\nConv2D" in dot
    assert "batch_normalization" not in dot and "conv2d" not in dot


def deep_residual_chain(blocks: int) -> keras.Model:
    x = block_input = keras.Input((16,), name="features")
    for _ in range(blocks):
        x = layers.Activation("relu")(layers.Dense(16)(x) + x)
    return keras.Model(block_input, layers.Dense(3, activation="softmax", name="label")(x))


def test_a_large_model_shows_only_the_neighbourhood_of_the_marks():
    graph = ModelGraph.from_model(deep_residual_chain(20))
    middle = graph.merges()[10].id
    marks = Marks(calls=(middle,), note="this sum", graph=graph)
    shown = shown_calls(graph, marks)
    assert len(graph.calls) > MAX_CALLS
    assert middle in shown and len(shown) <= MAX_CALLS
    assert graph.inputs[0].call not in shown
    dot = graph_dot(graph, marks)
    assert 'label="..."' in dot  # what was left out is shown as left out


def test_a_small_model_is_drawn_whole():
    graph = ModelGraph.from_model(deep_residual_chain(2))
    assert shown_calls(graph, Marks(graph=graph)) == set(graph.calls)


def test_no_marks_or_no_graph_draws_nothing():
    assert draw_marks(None) == ""
    assert draw_marks(Marks(calls=("x",), note="no graph")) == ""


def test_without_graphviz_the_picture_is_left_out(monkeypatch, tmp_path):
    monkeypatch.setenv("PATH", str(tmp_path))  # no `dot` on an empty PATH
    failure = residual_failure(block_with_late_shortcut())
    assert draw_marks(failure.marks) == ""


WRONG_BLOCK_CHECK = """
import keras
from keras import layers
from autograder.checks import check_residual_blocks

block_input = keras.Input((8, 8, 4), name="block_input")
x = layers.Conv2D(4, 3, padding="same", name="first_conv")(block_input)
shortcut = x
x = layers.BatchNormalization()(x)
x = layers.Activation("relu")(x)
x = layers.Conv2D(4, 3, padding="same")(x)
x = layers.BatchNormalization()(x)
x = layers.Activation("relu")(layers.Add()([x, shortcut]))
check_residual_blocks(keras.Model(block_input, x), identity=1, activation_after_merge=True)
"""


@needs_graphviz
def test_the_checker_draws_a_failed_residual_and_the_feedback_page_shows_it(tmp_path):
    plan = TestPlan("residual_block", 2.0, source=WRONG_BLOCK_CHECK, checks=WRONG_BLOCK_CHECK)
    test = checker.run_checks(plan, {}, tmp_path, imports="")
    assert test.outcome == "failed" and "shortcut starts inside the block" in test.message
    result = SubmissionResult("ada", "05", "graded", tests=[test])
    page = render_feedback(SubmissionResult.from_json(result.to_json()))  # as saved and reread
    assert "<figure class='graph'><svg" in page
    # graph order: block_input n0, first_conv n1, ..., the Add n6
    assert re.search(r'class="edge marked">\s*<title>n1&#45;&gt;n6</title>', page)
    assert re.search(r'class="edge missing">\s*<title>n0&#45;&gt;n6</title>', page)


def test_a_passing_check_carries_no_figure(tmp_path):
    plan = TestPlan("t", 1.0, source="x = 1", checks="x = 1")
    assert checker.run_checks(plan, {}, tmp_path, imports="").figure == ""
