"""Where grades go: ``grades.csv``, ``tests.csv`` and nbgrader's gradebook (sqlite or PostgreSQL).

Every text cell of the CSV files goes through :func:`for_csv`: a student id or a note that
starts with ``=`` must reach the spreadsheet as text, never as a formula.

The gradebook gets the scores as nbgrader's own autograde would leave them (one auto score per
graded cell), so formgrader and ``nbgrader export`` keep working. A submission that crashed,
timed out or was tampered with is also flagged there as needing a manual grade, so nbgrader's
own export cannot pass it off as a plain zero.
"""

from __future__ import annotations

import csv
from pathlib import Path

from autograder.grading.escape import for_csv
from autograder.grading.results import SubmissionResult

SUMMARY_COLUMNS = [
    "student_id",
    "assignment",
    "score",
    "max_score",
    "status",
    "needs_human",
    "notes",
]


def write_grades_csv(results: list[SubmissionResult], path: Path) -> Path:
    grade_ids = sorted({t.grade_id for r in results for t in r.tests})
    with path.open("w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow([for_csv(c) for c in SUMMARY_COLUMNS + grade_ids])
        for r in sorted(results, key=lambda r: r.student_id):
            scores = {t.grade_id: t.score for t in r.tests}
            writer.writerow(
                [
                    for_csv(r.student_id),
                    for_csv(r.assignment),
                    _num(r.score),
                    _num(r.max_score),
                    r.status,
                    "yes" if r.needs_human else "no",
                    for_csv("; ".join(r.notes)),
                ]
                + [_num(scores.get(g, 0.0)) for g in grade_ids]
            )
    return path


def write_tests_csv(results: list[SubmissionResult], path: Path) -> Path:
    with path.open("w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["student_id", "grade_id", "score", "points", "outcome", "message"])
        for r in sorted(results, key=lambda r: r.student_id):
            for t in r.tests:
                first = t.message.strip().splitlines()[:3]
                writer.writerow(
                    [
                        for_csv(r.student_id),
                        for_csv(t.grade_id),
                        _num(t.score),
                        _num(t.points),
                        t.outcome,
                        for_csv(" ".join(line.strip() for line in first)),
                    ]
                )
    return path


def _num(value: float) -> str:
    return f"{value:g}"


def update_gradebook(results: list[SubmissionResult], course_root: Path, assignment: str) -> int:
    """Write every graded cell's score into the course gradebook; returns rows written."""
    from nbgrader.api import MissingEntry

    from autograder.nbgrader_glue import open_gradebook

    written = 0
    with open_gradebook(course_root) as gradebook:
        first_notebook = gradebook.find_assignment(assignment).notebooks[0].name
        for result in results:
            gradebook.update_or_create_student(result.student_id)
            try:
                gradebook.find_submission(assignment, result.student_id)
            except MissingEntry:
                gradebook.add_submission(assignment, result.student_id)
            for test in result.tests:
                notebook = test.notebook or first_notebook  # results of version 1 name none
                grade = gradebook.find_grade(test.grade_id, notebook, assignment, result.student_id)
                grade.auto_score = test.score
                grade.needs_manual_grade = result.status != "graded" or test.outcome == "error"
                written += 1
        gradebook.db.commit()
    return written
