"""The student's model drawn as a graph, with the parts a failing check judged marked in red.

The thing being graded is a graph, so a student whose skip connection leaves from the wrong
place learns more from seeing it than from reading about it. The picture is drawn from the same
:class:`~autograder.errors.Marks` the check put in its message, so words and picture agree.

Layer and input names are the student's own strings. They never reach DOT or SVG as markup:
every node gets a generated id (``n0``, ``n1``, ... in graph order), and every label is quoted
and escaped here, so a name such as ``<img src=x onerror=alert(1)>`` is drawn as text.

A big model (a ResNet) drawn whole is a wall of boxes; past :data:`MAX_CALLS` calls only the
neighbourhood of the marks is drawn, and a grey ``...`` stands for what was left out.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from autograder.errors import Marks
from autograder.graph import ModelGraph, format_shape

MAX_CALLS = 30
MAX_LABEL_CHARS = 40
MARK = "#c9302c"
MARK_FILL = "#fde2e1"
PLAIN = "#555555"
ELIDED = "#999999"

_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def draw_marks(marks: Marks | None) -> str:
    """The SVG for a failing check's marks; "" when there is no graph or graphviz is missing."""
    if marks is None or not isinstance(marks.graph, ModelGraph):
        return ""
    return graph_svg(marks.graph, marks)


def graph_svg(graph: ModelGraph, marks: Marks | None = None) -> str:
    """GRAPH as an inline ``<svg>`` element, MARKS highlighted; "" if graphviz cannot run.

    A picture is a help, never a reason for a grade to fail, so any trouble drawing gives "".
    """
    try:
        import pydot

        (dot,) = pydot.graph_from_dot_data(graph_dot(graph, marks or Marks()))
        svg = dot.create_svg().decode("utf-8")
    except Exception:  # pydot or the dot binary missing, or dot itself failed
        return ""
    start = svg.find("<svg")
    return svg[start:].strip() if start >= 0 else ""


def node_id(graph: ModelGraph, cid: str) -> str:
    """The id a call gets in DOT and SVG: its place in graph order, never the student's name."""
    return f"n{graph.position(cid)}"


def graph_dot(graph: ModelGraph, marks: Marks) -> str:
    """DOT source for the picture (kept apart from rendering so it can be read and tested)."""
    shown = shown_calls(graph, marks)
    marked_calls = set(marks.calls) & shown
    marked_edges = set(marks.edges)
    lines = [
        "digraph model {",
        '  graph [rankdir=TB, fontname="Helvetica", fontsize=11, nodesep=0.3, ranksep=0.3];',
        '  node [shape=box, style="rounded,filled", fontname="Helvetica", fontsize=10,'
        f' color="{PLAIN}", fillcolor="#ffffff"];',
        f'  edge [color="{PLAIN}", arrowsize=0.6, fontname="Helvetica"];',
    ]
    for cid in graph.order():
        if cid in shown:
            lines.append(_node_line(graph, cid, cid in marked_calls))
    for cid in graph.order():
        if cid in shown:
            lines += _edge_lines(graph, cid, shown, marked_edges)
    lines += _missing_edge_lines(graph, marks.missing_edges, shown)
    lines += _elided_lines(graph, shown)
    if marks.note:
        lines.append(f"  label={quote(marks.note)}; labelloc=b;")
    lines.append("}")
    return "\n".join(lines)


def shown_calls(graph: ModelGraph, marks: Marks) -> set[str]:
    """Every call of a small model; the marks' neighbourhood, ring by ring, in a large one."""
    everything = set(graph.calls)
    if len(everything) <= MAX_CALLS:
        return everything
    focus = _focus(graph, marks)
    shown = set(focus)
    ring = set(focus)
    while ring:
        ring = {n for cid in ring for n in _neighbours(graph, cid)} - shown
        if len(shown) + len(ring) > MAX_CALLS:
            break
        shown |= ring
    return shown


def _focus(graph: ModelGraph, marks: Marks) -> set[str]:
    """The calls the marks name; the model's inputs and outputs when they name none."""
    named = set(marks.calls)
    for edge in (*marks.edges, *marks.missing_edges):
        named |= set(edge)
    named &= set(graph.calls)
    if named:
        return named
    return {t.call for t in (*graph.inputs, *graph.outputs)}


def _neighbours(graph: ModelGraph, cid: str) -> list[str]:
    return [*graph.parents(cid), *graph.children(cid)]


def _node_line(graph: ModelGraph, cid: str, marked: bool) -> str:
    style = f', color="{MARK}", fillcolor="{MARK_FILL}", penwidth=2.2' if marked else ""
    css = "marked" if marked else "plain"
    return f"  {node_id(graph, cid)} [label={quote(node_label(graph, cid))}, class={css}{style}];"


def _edge_lines(graph: ModelGraph, cid: str, shown: set[str], marked: set) -> list[str]:
    lines = []
    for parent in graph.parents(cid):
        if parent not in shown:
            continue
        is_marked = (parent, cid) in marked
        style = f' [color="{MARK}", penwidth=2.5, class=marked]' if is_marked else ""
        lines.append(f"  {node_id(graph, parent)} -> {node_id(graph, cid)}{style};")
    return lines


def _missing_edge_lines(graph: ModelGraph, edges: Iterable[tuple[str, str]], shown: set[str]):
    """A connection the task needs is dashed; ``constraint=false`` keeps the layout as built."""
    return [
        f'  {node_id(graph, a)} -> {node_id(graph, b)} [style=dashed, color="{MARK}", '
        f'penwidth=2, constraint=false, label="missing", fontcolor="{MARK}", fontsize=9, '
        "class=missing];"
        for a, b in edges
        if a in shown and b in shown
    ]


def _elided_lines(graph: ModelGraph, shown: set[str]) -> list[str]:
    """A grey "..." above (or below) each shown call whose parents (or children) were left out."""
    lines = []
    for cid in graph.order():
        if cid not in shown:
            continue
        me = node_id(graph, cid)
        hidden_in = [p for p in graph.parents(cid) if p not in shown]
        hidden_out = [c for c in graph.children(cid) if c not in shown]
        for side, hidden in (("in", hidden_in), ("out", hidden_out)):
            if not hidden:
                continue
            dots = f"{me}_{side}"
            lines.append(
                f'  {dots} [label="...", shape=plaintext, style="", fontcolor="{ELIDED}", '
                "class=elided];"
            )
            pair = f"{dots} -> {me}" if side == "in" else f"{me} -> {dots}"
            lines.append(f'  {pair} [style=dotted, color="{ELIDED}"];')
    return lines


def node_label(graph: ModelGraph, cid: str) -> str:
    """What a box says: the student's name when they chose one, the class, activation, shape."""
    call = graph.calls[cid]
    lines = []
    name = call.layer.rsplit("/", 1)[-1]
    if not _is_automatic(name, call.class_name):
        lines.append(_short(name))
    activation = graph.layer_of(cid).config.get("activation")
    kind = call.class_name
    if isinstance(activation, str) and activation != "linear" and kind != "Activation":
        kind = f"{kind} ({activation})"
    elif kind == "Activation" and isinstance(activation, str):
        kind = activation
    lines.append(kind)
    lines.append(format_shape(call.shape))
    return "\n".join(lines)


def _is_automatic(name: str, class_name: str) -> bool:
    """Keras's own names (``conv2d_3``, ``input_layer``) say nothing, so they are not drawn."""
    from autograder.checks.interface import is_automatic_name

    return is_automatic_name(name, class_name)


def _short(text: str) -> str:
    text = _CONTROL.sub(" ", text)
    return text if len(text) <= MAX_LABEL_CHARS else text[: MAX_LABEL_CHARS - 3] + "..."


def quote(text: str) -> str:
    """TEXT as one DOT double-quoted string, drawn literally (lines split at newlines).

    Backslashes are doubled so that DOT's escapes (``\\N`` is the node's id, ``\\G`` the
    graph's) cannot be smuggled in through a name, and quotes are escaped so a name cannot
    close the string and add attributes.
    """
    body = _CONTROL.sub(lambda m: "\n" if m.group() == "\n" else " ", str(text))
    body = body.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
    return f'"{body}"'


_TAG = re.compile(r"<(/?)([A-Za-z!?][\w:.-]*)([^<>]*)>")
_SVG_TAGS = frozenset(
    {"svg", "g", "title", "polygon", "polyline", "path", "ellipse", "text", "!--"}
)
_ACTIVE_ATTRIBUTE = re.compile(r"(\bon\w*\s*=|href|javascript:|url\()", re.IGNORECASE)


def is_safe_svg(svg: str) -> bool:
    """True for an SVG made only of the shapes graphviz draws, with no script, link or handler.

    The pages embed the figure inline, so it is checked before it is trusted, whoever wrote the
    results file: text (layer names) is escaped by graphviz, so only the tags need a look.
    """
    if not svg.startswith("<svg") or not svg.rstrip().endswith("</svg>"):
        return False
    for tag in _TAG.finditer(svg):
        name = tag.group(2).lower()
        if name.startswith("!--"):
            continue
        if name not in _SVG_TAGS or _ACTIVE_ATTRIBUTE.search(tag.group(3)):
            return False
    return "<" not in _TAG.sub("", svg)  # nothing tag-like that the pattern did not read
