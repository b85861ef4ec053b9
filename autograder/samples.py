"""A small sample class, generated from the solutions so it never drifts from them.

Each student starts from the released notebook (what a student really receives) and fills the
answer cells: with the instructor's answers, with a right answer written another way, with one
of the realistic mistakes the test suite already knows (``tests/submissions``), or with a
fault a grader must survive (a syntax error, a cell that never ends, a crash, tampering).
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import nbformat

REPO = Path(__file__).resolve().parents[1]
SOLUTION = re.compile(r"[ \t]*### BEGIN SOLUTION\n(.*?)[ \t]*### END SOLUTION\n?", re.S)

FAULTS = {
    "syntax_error": "def oops(:\n    pass\n",
    "never_ends": "while True:\n    pass\n",
    "kernel_crash": "import os\nos._exit(1)\n",
    "tampering": "get_ipython().input_transformers_post.append(lambda lines: ['pass\\n'])\n",
}


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


def sample_class(assignment: str, into: Path, root: Path = REPO) -> list[str]:
    """Write one folder per sample student under INTO; return the student ids."""
    source = nbformat.read(str(root / "solutions" / assignment / f"{assignment}.ipynb"), 4)
    release = nbformat.read(str(root / "assignments" / assignment / f"{assignment}.ipynb"), 4)
    right = answers(source)
    first, last = next(iter(right)), list(right)[-1]
    students = {"ada_correct": filled(release, right), "bob_blank": release}
    for i, other in enumerate(_known_answers(assignment, "right_for")[:2]):
        students[f"correct_{i + 1}_{other.name}"] = filled(release, {**right, **other.replace})
    for i, wrong in enumerate(_known_answers(assignment, "wrong_for")[:2]):
        students[f"partial_{i + 1}_{wrong.name}"] = filled(release, {**right, **wrong.replace})
    for name, code in FAULTS.items():
        target = first if name in ("syntax_error", "tampering") else last
        students[name] = filled(release, {**right, target: code + right[target]})
    shutil.rmtree(into, ignore_errors=True)
    for student, nb in students.items():
        (into / student).mkdir(parents=True)
        nbformat.write(nb, str(into / student / f"{assignment}.ipynb"))
    return sorted(students)


def _known_answers(assignment: str, kind: str) -> list:
    """The test suite's right (``right_for``) or wrong (``wrong_for``) answers, if at hand."""
    try:
        from tests import submissions
    except ImportError:  # an installed package without the repository's tests
        return []
    return getattr(submissions, kind)(assignment)
