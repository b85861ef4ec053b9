"""Realistic wrong submissions for each assignment, and what each must cost.

One module per assignment (named like its folder in solutions/, with a leading ``a``, e.g.
``a01_sequential_to_functional.py``) defines ``WRONG_SUBMISSIONS``. Each replaces the source of
one or more answer cells of the solution and states exactly which tests lose their points and
which words the failure message must contain, so a grader that is too lenient or too harsh, or
that fails for the wrong reason, is caught.
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


def for_assignment(assignment: str) -> list[WrongSubmission]:
    try:
        module = importlib.import_module(f"tests.wrong_submissions.a{assignment}")
    except ModuleNotFoundError:
        return []
    return list(module.WRONG_SUBMISSIONS)
