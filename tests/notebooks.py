"""Small, in-memory notebook building blocks with nbgrader metadata, for the tests.

Tests build tiny notebooks (one behaviour per test, as nbgrader's own suite does) and the
assignment tests derive wrong submissions from a solution by replacing one answer cell. Both
need the same few operations, kept here so nobody writes nbgrader metadata by hand. (The
package never used them: they moved here from ``autograder/notebooks.py``.)
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import nbformat

SCHEMA_VERSION = 3


def _grader_meta(grade_id: str, *, grade: bool, solution: bool, locked: bool, points: float = 0):
    meta: dict[str, Any] = {
        "schema_version": SCHEMA_VERSION,
        "grade_id": grade_id,
        "grade": grade,
        "solution": solution,
        "locked": locked,
        "task": False,
    }
    if grade:
        meta["points"] = points
    return {"nbgrader": meta}


def markdown(text: str) -> nbformat.NotebookNode:
    return nbformat.v4.new_markdown_cell(text)


def code(source: str) -> nbformat.NotebookNode:
    return nbformat.v4.new_code_cell(source)


def answer(source: str, grade_id: str) -> nbformat.NotebookNode:
    """A cell the student completes (solution region between nbgrader markers)."""
    cell = nbformat.v4.new_code_cell(source)
    cell.metadata.update(_grader_meta(grade_id, grade=False, solution=True, locked=False))
    return cell


def tests(source: str, grade_id: str, points: float) -> nbformat.NotebookNode:
    """A locked, graded test cell; hidden lines go between nbgrader's hidden-test markers."""
    cell = nbformat.v4.new_code_cell(source)
    cell.metadata.update(
        _grader_meta(grade_id, grade=True, solution=False, locked=True, points=points)
    )
    return cell


def notebook(cells: list[nbformat.NotebookNode]) -> nbformat.NotebookNode:
    nb = nbformat.v4.new_notebook()
    nb.cells = list(cells)
    nb.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    nb.metadata["language_info"] = {"name": "python"}
    return nb


def read(path: str | Path) -> nbformat.NotebookNode:
    return nbformat.read(str(path), as_version=4)


def write(nb: nbformat.NotebookNode, path: str | Path) -> None:
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, str(path))


def cell_by_grade_id(nb: nbformat.NotebookNode, grade_id: str) -> nbformat.NotebookNode:
    for cell in nb.cells:
        if cell.get("metadata", {}).get("nbgrader", {}).get("grade_id") == grade_id:
            return cell
    raise KeyError(f"no cell with grade_id {grade_id!r}")


def graded_cells(nb: nbformat.NotebookNode) -> dict[str, float]:
    """grade_id -> points of every graded test cell."""
    found = {}
    for cell in nb.cells:
        meta = cell.get("metadata", {}).get("nbgrader", {})
        if meta.get("grade") and cell.cell_type == "code":
            found[meta["grade_id"]] = float(meta.get("points", 0))
    return found


def has_outputs(nb: nbformat.NotebookNode) -> bool:
    return any(
        cell.get("outputs") or cell.get("execution_count")
        for cell in nb.cells
        if cell.cell_type == "code"
    )


def strip_outputs(nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.outputs = []
            cell.execution_count = None
    return nb
