"""What a student may read when a hidden test fails: that it failed, never its numbers.

A hidden test runs the student's code on a second configuration (another input size, another
number of classes). The checks' messages say what was expected and what was found, which for
a hidden test are the hidden configuration's own values: shown to the student, they would let
a notebook hard-code them. So a failure raised by a statement of the hidden part of a test
cell is reworded here, at the checker's boundary, whoever wrote the check: the concept it
judged stays, the expected and found values go.
"""

from __future__ import annotations

import ast
import re
import traceback
from types import TracebackType

from autograder.errors import CheckFailure
from autograder.grading.plan import TestPlan

BEGIN, END = "### BEGIN HIDDEN TESTS", "### END HIDDEN TESTS"
_SIZE = re.compile(r"(?<![A-Za-z_])\d+(?:x\d+)+")  # 32x32, 28x28x1
_NUMBER = re.compile(r"(?<![A-Za-z_\d])\d+(?:[.,]\d+)*(?:e-?\d+)?")


def hidden_check_lines(plan: TestPlan) -> set[int]:
    """Lines of ``plan.checks`` that come from the hidden part of the test cell.

    ``split_test_cell`` keeps one statement of ``checks`` per statement of the cell, in order,
    so the two parse trees pair up one to one.
    """
    try:
        cell = ast.parse(plan.source).body
        checks = ast.parse(plan.checks).body
    except SyntaxError:
        return set()
    if len(cell) != len(checks):
        return set()
    hidden = _hidden_source_lines(plan.source)
    return {
        line
        for original, kept in zip(cell, checks, strict=True)
        if original.lineno in hidden
        for line in range(kept.lineno, (kept.end_lineno or kept.lineno) + 1)
    }


def _hidden_source_lines(source: str) -> set[int]:
    lines, inside = set(), False
    for number, line in enumerate(source.splitlines(), start=1):
        if BEGIN in line:
            inside = True
        elif END in line:
            inside = False
        elif inside:
            lines.add(number)
    return lines


def raised_in_hidden_part(plan: TestPlan, tb: TracebackType | None) -> bool:
    """Whether the failing statement of the test cell (the last frame in it) is hidden."""
    filename = f"<test {plan.grade_id}>"
    lines = [f.lineno for f in traceback.extract_tb(tb) if f.filename == filename]
    return bool(lines) and lines[-1] in hidden_check_lines(plan)


def hidden_failure_message(failure: AssertionError) -> str:
    """The message for a failed hidden check: its words, with every number masked.

    The concept stays, and so do what was expected, what was found and the hint, but each
    number in them becomes ``…`` (``(None, 4)`` reads ``(None, …)``, ``3 levels`` reads
    ``… levels``): a number there is most likely the hidden configuration's.
    """
    if isinstance(failure, CheckFailure):
        concept = str(failure.concept)
        if concept == "Running your code":
            error = str(failure.actual).split(":")[0].strip()
            facts = [f"  found:    your code raised {error} there"]
        else:
            facts = [f"  expected: {failure.expected}", f"  found:    {failure.actual}"]
        hint = str(failure.hint or "")
    else:
        concept, hint = "Hidden test", ""
        facts = [f"  {failure}"] if str(failure) else []
    hint = hint or "use the function's arguments (sizes, shapes, names), not the visible values"
    lines = [
        "  Your code passes on the visible configuration but fails on a second, hidden one.",
        *facts,
        f"  hint:     {hint}",
    ]
    return "\n".join([f"[{concept}]", *(mask_numbers(line) for line in lines)])


def mask_numbers(text: str) -> str:
    """TEXT with its numbers replaced by ``…``; digits inside names (``conv2d``) stay."""
    return _NUMBER.sub("…", _SIZE.sub("…x…", text))
