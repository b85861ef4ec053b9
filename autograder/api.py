"""What the ``autograder`` command does, as plain functions: release, grade, check, feedback,
report. ``cli.py`` only parses arguments into these and prints what they return.

Every function takes the :class:`~autograder.course_dir.Course` it works on, so the grader
works on any nbgrader course, wherever this package is installed.

Contract others build on:

- ``release(course, assignments=None, check=False) -> Released``: nbgrader's
  ``generate_assignment`` for each assignment (default: all), which also records its cells in
  the course's gradebook; with ``check``, change nothing and list what differs.
- ``grade(course, assignment, submissions=None, out=None, settings=DEFAULT, gradebook=True,
  scheduler=None) -> Graded``: grade a class. SUBMISSIONS is a folder (or zip) of one folder
  per student; None means the course's own ``submitted/<student>/<assignment>/``. Writes
  ``grades.csv``, ``tests.csv``, ``feedback/``, ``report.html`` under OUT (default
  ``COURSE/out/ASSIGNMENT``) and the scores into the course's gradebook (its ``db_url``).
  Nothing is regenerated behind the instructor's back: a missing or stale release raises
  :class:`NotReleased`, whose message names the command that fixes it.
- ``check(course, notebook, assignment=None, settings=DEFAULT) -> SubmissionResult``: grade
  one notebook as a class would be graded (hidden tests included), in a throwaway folder.
- ``feedback(course, assignment, out=None) -> Path`` and ``report(...) -> Path``: the pages
  again, from saved results.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from autograder.course_dir import Course
from autograder.grading.results import Status, SubmissionResult
from autograder.settings import DEFAULT, Settings


class NotReleased(RuntimeError):
    """The release or the gradebook does not match the source: grading would mislead."""


@dataclass(frozen=True)
class Released:
    assignments: list[str]
    differences: dict[str, list[str]]  # with check=True: assignment -> what differs (empty: ok)

    @property
    def in_sync(self) -> bool:
        return not any(self.differences.values())


@dataclass(frozen=True)
class Graded:
    assignment: str
    results: list[SubmissionResult]
    out: Path
    grades_csv: Path
    tests_csv: Path
    feedback_dir: Path
    report: Path
    gradebook_rows: int  # scores written into the course's gradebook (0: not written)


# -- release --------------------------------------------------------------------------------------


def release(
    course: Course, assignments: Sequence[str] | None = None, check: bool = False
) -> Released:
    from autograder.nbgrader_glue import generate, release_differences

    names = list(assignments or course.assignments())
    for name in names:
        course.require(name)
    if check:
        return Released(names, {name: release_differences(name, course.root) for name in names})
    for name in names:
        generate(name, course.root)
    return Released(names, {})


def release_problems(course: Course, assignment: str) -> list[str]:
    """Why grading ASSIGNMENT now would not grade what the source says (empty: it would).

    Cheap on purpose (no nbgrader run): the released notebooks exist, and the gradebook knows
    the assignment with the same notebooks and the same graded cells and points as the source.
    """
    from autograder.grading.pipeline import Assignment

    task = Assignment.load(assignment, course)
    problems = [
        f"the release has no {notebook.name}.ipynb"
        for notebook in task.notebooks
        if not course.release_notebook(assignment, notebook.name).is_file()
    ]
    recorded = _gradebook_cells(course, assignment)
    if recorded is None:
        return problems + [f"the gradebook ({course.db_url}) does not know {assignment}"]
    expected = {nb.name: {p.grade_id: p.points for p in nb.plans} for nb in task.notebooks}
    if recorded != expected:
        problems.append("the gradebook records other notebooks, tests or points than the source")
    return problems


def _gradebook_cells(course: Course, assignment: str) -> dict[str, dict[str, float]] | None:
    """notebook -> grade_id -> points, as the gradebook recorded them at release; None: never."""
    from nbgrader.api import MissingEntry

    from autograder.nbgrader_glue import open_gradebook

    if course.db_url.startswith("sqlite:///") and not Path(course.db_url[10:]).exists():
        return None  # never released; opening it would create it, and this only looks
    try:
        with open_gradebook(course.root) as gradebook:
            found = gradebook.find_assignment(assignment)
            return {
                nb.name: {cell.name: float(cell.max_score) for cell in nb.grade_cells}
                for nb in found.notebooks
            }
    except MissingEntry:
        return None


def require_released(course: Course, assignment: str) -> None:
    if problems := release_problems(course, assignment):
        raise NotReleased(
            f"{assignment} is not released as its source says: {'; '.join(problems)}. "
            f"Run `autograder release {assignment}` first (it regenerates "
            f"{course.release(assignment).relative_to(course.root)}/ and the gradebook entry)."
        )


# -- grade ----------------------------------------------------------------------------------------


def grade(
    course: Course,
    assignment: str,
    submissions: Path | None = None,
    out: Path | None = None,
    settings: Settings = DEFAULT,
    gradebook: bool = True,
    scheduler: str | None = None,
) -> Graded:
    from autograder.grading.pipeline import grade_class

    course.require(assignment)
    if gradebook:
        require_released(course, assignment)
    out = out or course.out_dir(assignment, settings.out_folder)
    found = course.submitted(assignment) if submissions is None else submissions
    if submissions is None and not found:
        raise FileNotFoundError(
            f"no submissions in {course.submitted_dir}/<student>/{assignment}/: collect them "
            "there (nbgrader collect), or pass a folder or zip"
        )
    results = grade_class(
        assignment,
        found,
        out,
        settings.worker_count,
        settings.limits,
        settings.use_sandbox,
        course_root=course,
        progress=settings.progress,
        scheduler=scheduler,
        warm_start=settings.warm,
    )
    return _publish(course, assignment, results, out, gradebook)


def _publish(
    course: Course, assignment: str, results: list[SubmissionResult], out: Path, gradebook: bool
) -> Graded:
    from autograder.grading.class_report import write_class_report
    from autograder.grading.outputs import update_gradebook, write_grades_csv, write_tests_csv

    grades_csv = write_grades_csv(results, out / "grades.csv")
    tests_csv = write_tests_csv(results, out / "tests.csv")
    feedback_dir = _write_feedback(results, out)
    report_page = write_class_report(results, out, assignment)
    rows = 0
    if gradebook:
        submitted = [r for r in results if r.status is not Status.MISSING]
        rows = update_gradebook(submitted, course.root, assignment)
    return Graded(assignment, results, out, grades_csv, tests_csv, feedback_dir, report_page, rows)


def _write_feedback(results: list[SubmissionResult], out: Path) -> Path:
    from autograder.grading.feedback import write_feedback

    for result in results:
        write_feedback(result, out / "feedback")
    return out / "feedback"


# -- check one notebook ---------------------------------------------------------------------------


def check(
    course: Course, notebook: Path, assignment: str | None = None, settings: Settings = DEFAULT
) -> SubmissionResult:
    """Grade one notebook exactly as a class would be graded, in a throwaway folder."""
    from autograder.grading.pipeline import Assignment, grade_class

    notebook = Path(notebook).resolve()
    if not notebook.is_file():
        raise FileNotFoundError(f"no notebook at {notebook}")
    name = assignment or _assignment_of(course, notebook.stem)
    stems = course.require(name)
    stem = notebook.stem if notebook.stem in stems else stems[0]
    task = Assignment.load(name, course, only=stem if len(stems) > 1 else None)
    with tempfile.TemporaryDirectory(prefix="autograder-check-") as tmp:
        folder = Path(tmp) / "submissions" / "me"
        folder.mkdir(parents=True)
        shutil.copy2(notebook, folder / f"{stem}.ipynb")
        (result,) = grade_class(
            task,
            {"me": folder},
            Path(tmp) / "out",
            workers=1,
            limits=settings.limits,
            use_sandbox=settings.use_sandbox,
            course_root=course,
            progress=False,
            warm_start=settings.warm,
        )
    return result


def _assignment_of(course: Course, stem: str) -> str:
    """The assignment that has a notebook named STEM (assignments are often named alike)."""
    owners = [name for name in course.assignments() if stem in course.notebooks(name)]
    if len(owners) != 1:
        found = f"several assignments ({', '.join(owners)})" if owners else "no assignment"
        raise ValueError(f"{found} of {course.root} has a notebook {stem}.ipynb: pass --assignment")
    return owners[0]


# -- pages from saved results ---------------------------------------------------------------------


def load_results(out: Path) -> list[SubmissionResult]:
    files = sorted((out / "results").glob("*.json"))
    if not files:
        raise FileNotFoundError(f"no results in {out / 'results'}: run `autograder grade` first")
    return [SubmissionResult.from_json(p.read_text()) for p in files]


def feedback(course: Course, assignment: str, out: Path | None = None) -> Path:
    out = out or course.out_dir(assignment)
    return _write_feedback(load_results(out), out)


def report(course: Course, assignment: str, out: Path | None = None) -> Path:
    from autograder.grading.class_report import write_class_report

    out = out or course.out_dir(assignment)
    return write_class_report(load_results(out), out, assignment)
