"""The grader on somebody else's course: nbgrader's default layout, outside this repository.

A throwaway course in a temporary folder has its own ``nbgrader_config.py`` and one assignment
of two notebooks in ``source/``, none of which needs TensorFlow. ``autograder --course DIR``
must release it to ``release/``, grade what nbgrader's ``collect`` leaves in
``submitted/<student>/<assignment>/`` and write the scores into the course's own gradebook.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

import nbformat
import pytest
from nbgrader.api import Gradebook

from autograder import cli
from autograder.course_dir import Course
from autograder.grading import sandbox

REPO = Path(__file__).resolve().parents[1]
ASSIGNMENT = "hw1"
CONFIG = 'c = get_config()  # noqa: F821\nc.CourseDirectory.course_id = "tiny-course"\n'

# Two notebooks: the answer cell's grade_id, the instructor's answer, the test and its points.
PARTS = {
    "part_a": ("double", "def double(x):\n    return 2 * x", "got = double(3)\nassert got == 6", 2),
    "part_b": (
        "shout",
        "def shout(s):\n    return s.upper()",
        "got = shout('a')\nassert got == 'A'",
        3,
    ),
}
HIDDEN = {
    "part_a": "neg = double(-4)\nassert neg == -8, 'double is wrong for negative numbers'",
    "part_b": "empty = shout('')\nassert empty == '', 'shout is wrong for the empty string'",
}

pytestmark = pytest.mark.skipif(not sandbox.sandbox_available(), reason="needs bubblewrap")


def nbgrader_cell(cell, grade_id: str, *, grade: bool, solution: bool, points: float = 0):
    meta = {"schema_version": 3, "grade_id": grade_id, "grade": grade, "solution": solution}
    meta |= {"locked": not solution, "task": False} | ({"points": points} if grade else {})
    cell.metadata["nbgrader"] = meta
    return cell


def source_notebook(part: str) -> nbformat.NotebookNode:
    grade_id, answer, test, points = PARTS[part]
    head, body = answer.split("\n", 1)
    solution = f"{head}\n    ### BEGIN SOLUTION\n{body}\n    ### END SOLUTION"
    tests = f"{test}\n### BEGIN HIDDEN TESTS\n{HIDDEN[part]}\n### END HIDDEN TESTS"
    answer_cell = nbformat.v4.new_code_cell(solution)
    test_cell = nbformat.v4.new_code_cell(tests)
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    nb.cells = [
        nbformat.v4.new_markdown_cell(f"# {part}"),
        nbgrader_cell(answer_cell, grade_id, grade=False, solution=True),
        nbgrader_cell(test_cell, f"test_{grade_id}", grade=True, solution=False, points=points),
    ]
    return nb


def make_course(root: Path) -> Course:
    root.mkdir(parents=True)
    (root / "nbgrader_config.py").write_text(CONFIG)
    for part in PARTS:
        path = root / "source" / ASSIGNMENT / f"{part}.ipynb"
        path.parent.mkdir(parents=True, exist_ok=True)
        nbformat.write(source_notebook(part), str(path))
    return Course.at(root)


def hand_in(course: Course, student: str, answers: dict[str, str]) -> None:
    """What ``nbgrader collect`` leaves: the released notebooks with the student's answers."""
    for part, answer in answers.items():
        nb = nbformat.read(str(course.release_notebook(ASSIGNMENT, part)), as_version=4)
        for cell in nb.cells:
            if cell.metadata.get("nbgrader", {}).get("solution"):
                cell.source = answer
        folder = course.submitted_dir / student / ASSIGNMENT
        folder.mkdir(parents=True, exist_ok=True)
        nbformat.write(nb, str(folder / f"{part}.ipynb"))


def autograder(course: Course, *args: str) -> int:
    return cli.main(["--course", str(course.root), *args])


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    """A released and graded course: ada right everywhere, bob wrong in part_a, cy gave one."""
    course = make_course(tmp_path_factory.mktemp("elsewhere") / "tiny-course")
    assert REPO not in course.root.parents
    assert autograder(course, "release") == 0
    right = {part: answer for part, (_, answer, _, _) in PARTS.items()}
    hand_in(course, "ada", right)
    hand_in(course, "bob", {**right, "part_a": "def double(x):\n    return abs(2 * x)"})
    hand_in(course, "cy", {"part_b": right["part_b"]})
    code = autograder(course, "grade", ASSIGNMENT, "--notebook-timeout", "60")
    return course, code


def test_the_layout_is_nbgraders_default(tmp_path):
    course = make_course(tmp_path / "c")
    assert (course.source_dir.name, course.release_dir.name) == ("source", "release")
    assert course.db_url == f"sqlite:///{tmp_path / 'c' / 'gradebook.db'}"
    assert course.course_id == "tiny-course"
    assert course.notebooks(ASSIGNMENT) == ["part_a", "part_b"]


def test_the_course_is_found_from_a_folder_inside_it(tmp_path):
    course = make_course(tmp_path / "c")
    inside = course.source(ASSIGNMENT)
    assert Course.find(inside) == course


def test_release_writes_both_notebooks_and_the_gradebook(graded):
    course, _ = graded
    released = sorted(p.name for p in course.release(ASSIGNMENT).iterdir())
    assert released == ["part_a.ipynb", "part_b.ipynb"]
    text = course.release_notebook(ASSIGNMENT, "part_a").read_text()
    assert "return 2 * x" not in text and "double(-4)" not in text
    assert (course.root / "gradebook.db").is_file()


def test_grade_grades_submitted_and_writes_the_courses_own_gradebook(graded):
    course, code = graded
    assert code == 0
    with Gradebook(course.db_url, course_id=course.course_id) as gradebook:
        scores = {
            (s.student.id, nb.name): nb.score
            for s in gradebook.assignment_submissions(ASSIGNMENT)
            for nb in s.notebooks
        }
    assert scores == {
        ("ada", "part_a"): 2.0,
        ("ada", "part_b"): 3.0,
        ("bob", "part_a"): 0.0,  # the hidden test catches abs()
        ("bob", "part_b"): 3.0,
        ("cy", "part_a"): 0.0,
        ("cy", "part_b"): 3.0,
    }


def test_results_and_pages_land_in_the_course(graded):
    course, _ = graded
    out = course.out_dir(ASSIGNMENT)
    rows = (out / "grades.csv").read_text().splitlines()
    assert rows[0].startswith("student_id,assignment,score,max_score,status")
    assert [row.split(",")[:5] for row in rows[1:]] == [
        ["ada", ASSIGNMENT, "5", "5", "graded"],
        ["bob", ASSIGNMENT, "3", "5", "graded"],
        ["cy", ASSIGNMENT, "3", "5", "graded"],
    ]
    assert "part_a.ipynb: no notebook in the submission" in rows[3]
    assert (out / "report.html").is_file() and len(list((out / "feedback").iterdir())) == 3


def test_grade_before_release_says_which_command_fixes_it(tmp_path, capsys):
    course = make_course(tmp_path / "c")
    assert autograder(course, "grade", ASSIGNMENT) == 2
    error = capsys.readouterr().err
    assert "`autograder release hw1`" in error and "release has no part_a.ipynb" in error
    assert not course.release(ASSIGNMENT).exists()  # nothing was generated behind our back
    assert not (course.root / "gradebook.db").exists()


@pytest.mark.slow  # two nbgrader runs
def test_an_unreleased_or_stale_release_is_refused(tmp_path, capsys):
    course = make_course(tmp_path / "c")
    assert autograder(course, "release", ASSIGNMENT, "--check") == 1
    assert autograder(course, "release", ASSIGNMENT) == 0
    path = course.source_notebook(ASSIGNMENT, "part_b")
    nb = nbformat.read(str(path), as_version=4)
    nb.cells[2].metadata["nbgrader"]["points"] = 5  # the source changed after the release
    nbformat.write(nb, str(path))
    assert autograder(course, "grade", ASSIGNMENT) == 2
    error = capsys.readouterr().err
    assert "other notebooks, tests or points than the source" in error
    assert "`autograder release hw1`" in error


@pytest.mark.slow  # an nbgrader run
def test_release_check_compares_with_the_courses_own_release(graded, capsys):
    course, _ = graded
    assert autograder(course, "release", "--check") == 0
    assert "release/ is in sync with source/ (1 assignment(s))" in capsys.readouterr().out


def test_check_grades_one_notebook_of_several(graded, tmp_path, capsys):
    course, _ = graded
    mine = course.submitted_dir / "bob" / ASSIGNMENT / "part_a.ipynb"
    assert autograder(course, "check", str(mine)) == 0
    out = capsys.readouterr().out
    assert "[FAIL] test_double  0/2" in out and "double is wrong for negative numbers" in out
    assert "double(-4)" not in out  # the hidden test's message, never its source
    assert "test_shout" not in out  # the other notebook is not this notebook's business
    assert out.rstrip().endswith("total: 0 / 2")
    page = (mine.parent / "part_a_feedback.html").read_text()  # the page, beside the notebook
    assert "test_double" in page and "double(-4)" not in page


def test_an_unknown_course_folder_is_a_clear_error(tmp_path, capsys):
    assert cli.main(["--course", str(tmp_path / "nowhere"), "release"]) == 2
    assert "no course folder at" in capsys.readouterr().err


def copy_of_the_project(into: Path) -> Path:
    """What pip needs to build the package, copied, so the build leaves the checkout alone."""
    into.mkdir(parents=True)
    for name in ("pyproject.toml", "README.md"):
        shutil.copy2(REPO / name, into / name)
    skip = shutil.ignore_patterns("__pycache__", "*.pyc")
    shutil.copytree(REPO / "autograder", into / "autograder", ignore=skip)
    return into


@pytest.mark.slow
def test_pip_install_gives_a_working_autograder_outside_the_repo(tmp_path):
    """A fresh venv that sees this environment's packages but not the checkout, with the
    project installed as a plain package (nothing is downloaded): the command works in a course
    that is not this repository."""
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    python = str(venv / "bin" / "python")
    site = subprocess.run(
        [python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    # This environment's packages (TensorFlow, nbgrader, pip...), after the venv's own; a plain
    # path in a .pth file does not run the editable install's hook, so the checkout stays out.
    Path(site, "project-environment.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    project = copy_of_the_project(tmp_path / "project")
    subprocess.run(
        [python, "-m", "pip", "install", "--quiet", "--no-deps", "--no-build-isolation", "."],
        check=True,
        cwd=project,
    )
    course = make_course(tmp_path / "course")
    env = {**os.environ, "PATH": f"{venv / 'bin'}:{os.environ['PATH']}"}
    env.pop("PYTHONPATH", None)
    where = subprocess.run(
        [python, "-c", "import autograder; print(autograder.__file__)"],
        capture_output=True,
        text=True,
        cwd=course.root,
        env=env,
        check=True,
    )
    assert where.stdout.startswith(str(venv))  # the installed copy, not the checkout
    command = str(venv / "bin" / "autograder")
    helped = subprocess.run([command, "--help"], capture_output=True, text=True, env=env)
    assert helped.returncode == 0 and "--course DIR" in helped.stdout
    released = subprocess.run(
        [command, "release"], capture_output=True, text=True, cwd=course.root, env=env
    )
    assert released.returncode == 0, released.stderr
    assert course.release_notebook(ASSIGNMENT, "part_b").is_file()
