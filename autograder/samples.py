"""A small sample class, generated from the solutions so it never drifts from them.

Each student starts from the released notebook (what a student really receives) and fills the
answer cells: with the instructor's answers, with right answers written another way and
realistic mistakes (KNOWN answers the caller passes in: this course's demo takes them from its
test suite, ``tests/submissions``), or with a fault a grader must survive (a syntax error, a
cell that never ends, a crash, tampering).
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Sequence
from pathlib import Path
from typing import Protocol

import nbformat

from autograder.course_dir import Course

SOLUTION = re.compile(r"[ \t]*### BEGIN SOLUTION\n(.*?)[ \t]*### END SOLUTION\n?", re.S)

FAULTS = {
    "syntax_error": "def oops(:\n    pass\n",
    "never_ends": "while True:\n    pass\n",
    "kernel_crash": "import os\nos._exit(1)\n",
    "tampering": "get_ipython().input_transformers_post.append(lambda lines: ['pass\\n'])\n",
}


class KnownAnswer(Protocol):
    """A student's answer known to score something: a name and the answer cells it replaces."""

    name: str
    replace: dict[str, str]  # answer cell grade_id -> source


def answers(source: nbformat.NotebookNode) -> dict[str, str]:
    """grade_id -> the instructor's answer cell with the solution markers removed."""
    found = {}
    for cell in source.cells:
        meta = cell.get("metadata", {}).get("nbgrader", {})
        if cell.cell_type == "code" and meta.get("solution"):
            found[meta["grade_id"]] = SOLUTION.sub(lambda m: m.group(1), cell.source)
    return found


def filled(notebook: nbformat.NotebookNode, replace: dict[str, str]) -> nbformat.NotebookNode:
    """A copy of NOTEBOOK with the cells named in REPLACE (grade_id -> source) rewritten.

    A grade_id the notebook lacks is an error: silently grading the original cell instead
    would make a known answer pass or fail for the wrong reason.
    """
    nb = nbformat.from_dict(notebook)
    found = set()
    for cell in nb.cells:
        grade_id = cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")
        if grade_id in replace:
            cell.source = replace[grade_id]
            found.add(grade_id)
    if missing := set(replace) - found:
        raise KeyError(f"no cell with grade_id {sorted(missing)} in the notebook")
    return nb


def sample_class(
    assignment: str,
    into: Path,
    course: Course,
    right: Sequence[KnownAnswer] = (),
    wrong: Sequence[KnownAnswer] = (),
) -> list[str]:
    """Write one folder per sample student under INTO; return the student ids.

    RIGHT and WRONG are known answers in other styles and known mistakes (two of each are
    used). The assignment's first notebook is the one filled in.
    """
    notebook = course.require(assignment)[0]
    source = nbformat.read(str(course.source_notebook(assignment, notebook)), 4)
    release = nbformat.read(str(course.release_notebook(assignment, notebook)), 4)
    right_answers = answers(source)
    first, last = next(iter(right_answers)), list(right_answers)[-1]
    students = {"ada_correct": filled(release, right_answers), "bob_blank": release}
    for i, other in enumerate(right[:2]):
        students[f"correct_{i + 1}_{other.name}"] = filled(
            release, {**right_answers, **other.replace}
        )
    for i, mistake in enumerate(wrong[:2]):
        students[f"partial_{i + 1}_{mistake.name}"] = filled(
            release, {**right_answers, **mistake.replace}
        )
    for name, code in FAULTS.items():
        target = first if name in ("syntax_error", "tampering") else last
        students[name] = filled(release, {**right_answers, target: code + right_answers[target]})
    shutil.rmtree(into, ignore_errors=True)
    for student, nb in students.items():
        (into / student).mkdir(parents=True)
        nbformat.write(nb, str(into / student / f"{notebook}.ipynb"))
    return sorted(students)
