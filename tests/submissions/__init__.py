"""Student answers for each assignment, right and wrong, and what each must score.

One module per assignment (named like its folder in solutions/, with a leading ``a``, e.g.
``a01_sequential_to_functional.py``) defines:

- ``WRONG_SUBMISSIONS``: realistic mistakes. Each replaces the source of one or more answer cells
  of the solution and states exactly which tests lose their points and which words the failure
  message must contain, so a grader that is too lenient, or that fails for the wrong reason, is
  caught.
- ``RIGHT_SUBMISSIONS``: correct answers written in another style than the instructor's
  (``model.add``, a Sequential model called as a layer, ``layers.add`` instead of ``Add()``,
  dict outputs...). Each must score full marks, so a grader that is too harsh, one that checks
  the instructor's way of writing instead of the model, is caught.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass, field


@dataclass(frozen=True)
class WrongSubmission:
    name: str
    replace: dict[str, str]  # answer cell grade_id -> the student's (wrong) cell source
    loses: dict[str, str]  # test grade_id -> words its failure message must contain
    why: str = ""  # the mistake, in a sentence, for people reading the test
    also_zero: tuple[str, ...] = field(default=())  # tests that fail as a knock-on effect

    def expected_scores(self, points: dict[str, float]) -> dict[str, float]:
        """Test grade_id -> the score this answer must get, given each test's points."""
        lost = set(self.loses) | set(self.also_zero)
        return {gid: (0.0 if gid in lost else pts) for gid, pts in points.items()}


@dataclass(frozen=True)
class RightSubmission:
    name: str
    replace: dict[str, str]  # answer cell grade_id -> the student's (correct) cell source
    why: str = ""  # what makes this style different, in a sentence
    loses: dict[str, str] = field(default_factory=dict)  # nothing: full marks

    def expected_scores(self, points: dict[str, float]) -> dict[str, float]:
        return dict(points)


def _module(assignment: str):
    try:
        return importlib.import_module(f"tests.submissions.a{assignment}")
    except ModuleNotFoundError:
        return None


def wrong_for(assignment: str) -> list[WrongSubmission]:
    return list(getattr(_module(assignment), "WRONG_SUBMISSIONS", []))


def right_for(assignment: str) -> list[RightSubmission]:
    return list(getattr(_module(assignment), "RIGHT_SUBMISSIONS", []))


def grading_problems(answer, result, points: dict[str, float]) -> list[str]:
    """What is wrong with how an answer was graded (empty: it scored what it states).

    ``result`` is the grader's SubmissionResult for the answer, ``points`` each test's points.
    Shared by the test suite and ``scripts/try_answers.py``.
    """
    if result.status != "graded":
        return [f"status {result.status}, not graded: {result.notes}"]
    expected = answer.expected_scores(points)
    messages = {t.grade_id: t.message for t in result.tests}
    problems = [
        f"{t.grade_id}: {t.score:g} points, expected {expected.get(t.grade_id, 0):g}; "
        f"message: {t.message.strip() or '(none)'}"
        for t in result.tests
        if t.score != expected.get(t.grade_id)
    ]
    problems += [
        f"{gid}: the message lacks {words!r}: {messages.get(gid, '(no such test)')}"
        for gid, words in answer.loses.items()
        if words not in messages.get(gid, "")
    ]
    if {t.grade_id for t in result.tests} != set(expected):
        problems.append(f"tests {sorted(messages)}, expected {sorted(expected)}")
    return problems

