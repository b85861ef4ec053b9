"""The one exception every check raises.

A failing check must teach: it names the concept, shows what was expected and what was found,
and gives a hint. It must also never show the grader's own source, which would reveal hidden
tests. IPython prints an exception's ``_render_traceback_`` instead of the traceback when it
exists, so a failing hidden test shows only the message, not the lines around it.
"""

from __future__ import annotations


class CheckFailure(AssertionError):
    """A model does not do what the task asks; the message says what and why.

    It subclasses ``AssertionError`` so that nbgrader and pytest treat it as a failed test.
    """

    def __init__(self, concept: str, expected: object, actual: object, hint: str = "") -> None:
        self.concept = concept
        self.expected = expected
        self.actual = actual
        self.hint = hint
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
