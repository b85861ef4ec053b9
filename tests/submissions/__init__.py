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
