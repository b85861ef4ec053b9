"""The one exception every check raises, and the marks it carries for a picture.

A failing check must teach: it names the concept, shows what was expected and what was found,
and gives a hint. It must also never show the grader's own source, which would reveal hidden
tests. IPython prints an exception's ``_render_traceback_`` instead of the traceback when it
exists, so a failing hidden test shows only the message, not the lines around it.

A graph check also says *where* in the student's graph the fault is (:class:`Marks`), so the
feedback can draw the model with those calls and connections marked: the picture follows from
the same data as the message.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Marks:
    """The parts of the student's model graph that a failing check judged.

    Ids are those of :class:`autograder.graph.ModelGraph` calls (``graph.calls``). ``graph``
    is the graph they belong to; it is not compared and never leaves the grader's process.
    """

    calls: tuple[str, ...] = ()  # calls the message talks about (a wrong output, a lone input)
    edges: tuple[tuple[str, str], ...] = ()  # connections that exist and are at fault
    missing_edges: tuple[tuple[str, str], ...] = ()  # connections the task needs, absent here
    note: str = ""  # one short caption for the picture, in the message's words
    graph: Any = field(default=None, compare=False, repr=False)


class CheckFailure(AssertionError):
    """A model does not do what the task asks; the message says what and why.

    It subclasses ``AssertionError`` so that nbgrader and pytest treat it as a failed test.
    """

    def __init__(
        self,
        concept: str,
        expected: object,
        actual: object,
        hint: str = "",
        marks: Marks | None = None,
    ) -> None:
        self.concept = concept
        self.expected = expected
        self.actual = actual
        self.hint = hint
        self.marks = marks
        super().__init__(self.message)

    @property
    def message(self) -> str:
        lines = [f"[{self.concept}]", f"  expected: {self.expected}", f"  found:    {self.actual}"]
        if self.hint:
            lines.append(f"  hint:     {self.hint}")
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.message

    def _render_traceback_(self) -> list[str]:
        """What IPython shows in place of a traceback: the message alone."""
        return [f"CheckFailure {self.message}"]
