"""Where grades go: the two CSV files and the course's own nbgrader gradebook."""

from __future__ import annotations

import csv
from pathlib import Path

from nbgrader.api import Grade, Gradebook

from autograder.course_dir import Course
from autograder.grading.outputs import update_gradebook, write_grades_csv, write_tests_csv
from autograder.grading.results import Outcome, Status, SubmissionResult, TestResult


def result(student: str, status: Status, *tests: TestResult, notes=()) -> SubmissionResult:
    return SubmissionResult(student, "hw", status, list(tests), list(notes))


def checked(grade_id: str, score: float, outcome=Outcome.PASSED, message="", notebook=""):
    return TestResult(grade_id, 2.0, score, outcome, message, notebook)


CLASS = [
    result(
        "zoe", Status.GRADED, checked("t1", 2.0), checked("t2", 0.0, Outcome.FAILED, "a\nb\nc\nd")
    ),
    result("amy", Status.CRASHED, checked("t1", 0.0, Outcome.NOT_RUN), notes=["died", "twice"]),
]


def rows(path: Path) -> list[list[str]]:
    with path.open(newline="") as f:
        return list(csv.reader(f))


def test_grades_csv_has_one_row_per_student_sorted_and_a_column_per_test(tmp_path):
    header, *body = rows(write_grades_csv(CLASS, tmp_path / "grades.csv"))
    assert header == [
        "student_id", "assignment", "score", "max_score", "status", "needs_human", "notes",
        "t1", "t2",
    ]  # fmt: skip
    assert body == [
        ["amy", "hw", "0", "2", "crashed", "yes", "died; twice", "0", "0"],  # t2 absent: 0
        ["zoe", "hw", "2", "4", "graded", "no", "", "2", "0"],
    ]


def test_tests_csv_keeps_the_first_three_lines_of_each_message(tmp_path):
    header, *body = rows(write_tests_csv(CLASS, tmp_path / "tests.csv"))
    assert header == ["student_id", "grade_id", "score", "points", "outcome", "message"]
    assert body == [
        ["amy", "t1", "0", "2", "not_run", ""],
        ["zoe", "t1", "2", "2", "passed", ""],
        ["zoe", "t2", "0", "2", "failed", "a b c"],
    ]


def gradebook_course(root: Path) -> Course:
    """A course whose gradebook knows assignment hw: two notebooks, one test in each."""
    root.mkdir()
    (root / "nbgrader_config.py").write_text(
        "c = get_config()  # noqa: F821\nc.CourseDirectory.course_id = 'gb'\n"
    )
    course = Course.at(root)
    with Gradebook(course.db_url, course_id="gb") as gradebook:
        gradebook.add_assignment("hw")
        for notebook, cell in (("part_a", "t1"), ("part_b", "t2")):
            gradebook.update_or_create_notebook(notebook, "hw")
            gradebook.update_or_create_grade_cell(
                cell, notebook, "hw", max_score=2.0, cell_type="code"
            )
    return course


def grades(course: Course) -> dict[tuple[str, str], tuple[float, bool]]:
    with Gradebook(course.db_url, course_id="gb") as gradebook:
        return {
            (grade.student.id, grade.name): (grade.auto_score, grade.needs_manual_grade)
            for grade in gradebook.db.query(Grade)
        }


def test_the_gradebook_gets_each_notebooks_scores_and_flags_what_needs_a_human(tmp_path):
    course = gradebook_course(tmp_path / "course")
    class_ = [
        result("ada", Status.GRADED, checked("t1", 2.0, notebook="part_a"),
               checked("t2", 0.0, Outcome.FAILED, notebook="part_b")),
        result("bob", Status.GRADED, checked("t1", 0.0, Outcome.ERROR, notebook="part_a"),
               checked("t2", 2.0, notebook="part_b")),
        result("cy", Status.TIMED_OUT, checked("t1", 2.0, notebook="part_a"),
               checked("t2", 0.0, Outcome.NOT_RUN, notebook="part_b")),
    ]  # fmt: skip
    assert update_gradebook(class_, course.root, "hw") == 6
    assert grades(course) == {
        ("ada", "t1"): (2.0, False),
        ("ada", "t2"): (0.0, False),
        ("bob", "t1"): (0.0, True),  # the grader could not check it: a human decides
        ("bob", "t2"): (2.0, False),
        ("cy", "t1"): (2.0, True),  # a timed-out submission is never a silent score
        ("cy", "t2"): (0.0, True),
    }


def test_a_result_saved_before_notebooks_were_named_goes_to_the_first_notebook(tmp_path):
    course = gradebook_course(tmp_path / "course")
    assert update_gradebook([result("ada", Status.GRADED, checked("t1", 2.0))], course.root, "hw")
    assert grades(course)[("ada", "t1")] == (2.0, False)


def test_grading_again_overwrites_the_same_rows(tmp_path):
    course = gradebook_course(tmp_path / "course")
    update_gradebook([result("ada", Status.GRADED, checked("t1", 0.0, notebook="part_a"))],
                     course.root, "hw")  # fmt: skip
    update_gradebook([result("ada", Status.GRADED, checked("t1", 2.0, notebook="part_a"))],
                     course.root, "hw")  # fmt: skip
    assert grades(course)[("ada", "t1")] == (2.0, False)
