"""Running nbgrader from Python, with the environment it needs.

nbgrader creates its gradebook by running the ``alembic`` executable it finds on PATH, so every
call puts this interpreter's ``bin/`` first. Assignments are released into a scratch course
directory when we only want to compare, so a check never touches the real gradebook.

Every function takes the course's root folder (default: the course found from the working
directory, see :class:`autograder.course_dir.Course`) and reads its layout from there.
"""

from __future__ import annotations

import filecmp
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import nbformat

from autograder.course_dir import CONFIG_FILE, DATA_FOLDER, Course


def course_at(root: Path | None) -> Course:
    return Course.find() if root is None else Course.at(root)


def nbgrader_env() -> dict[str, str]:
    env = dict(os.environ)
    env["PATH"] = str(Path(sys.executable).parent) + os.pathsep + env.get("PATH", "")
    env.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    env.setdefault("PYTHONWARNINGS", "ignore")
    return env


def run_nbgrader(args: list[str], course_root: Path, timeout: float | None = None):
    """Run ``nbgrader ARGS`` in COURSE_ROOT; raise with nbgrader's own words when it fails."""
    cmd = [sys.executable, "-m", "nbgrader", *args]
    proc = subprocess.run(
        cmd, cwd=course_root, env=nbgrader_env(), capture_output=True, text=True, timeout=timeout
    )
    if proc.returncode != 0:
        raise RuntimeError(f"nbgrader {' '.join(args)} failed:\n{proc.stdout}\n{proc.stderr}")
    return proc


def assignment_names(root: Path | None = None) -> list[str]:
    return course_at(root).assignments()


def make_scratch_course(root: Path | None = None, into: Path | None = None) -> Path:
    """A throwaway copy of the course (its config, sources, data) with a gradebook of its own.

    The copy's config must keep its gradebook inside the copy: a ``db_url`` pointing elsewhere
    is refused, so a scratch run can never write into the real gradebook.
    """
    course = course_at(root)
    scratch = Path(into or tempfile.mkdtemp(prefix="course-")).resolve()
    scratch.mkdir(parents=True, exist_ok=True)
    if (course.root / CONFIG_FILE).is_file():
        shutil.copy2(course.root / CONFIG_FILE, scratch / CONFIG_FILE)
    source = course.source_dir.relative_to(course.root)
    shutil.copytree(
        course.source_dir,
        scratch / source,
        dirs_exist_ok=True,
        ignore=shutil.ignore_patterns(".ipynb_checkpoints", "__pycache__"),
    )
    data = course.root / DATA_FOLDER
    if data.exists() and not (scratch / DATA_FOLDER).exists():
        (scratch / DATA_FOLDER).symlink_to(data)
    copy = Course.at(scratch)
    if copy.db_url.startswith("sqlite") and copy.db_url == course.db_url:
        raise ValueError(f"the scratch copy of {course.root} would share its gradebook")
    return scratch


def generate(assignment: str, course_root: Path | None = None) -> Path:
    """Release one assignment (nbgrader generate_assignment); returns its release folder."""
    course = course_at(course_root)
    run_nbgrader(
        ["generate_assignment", assignment, "--force", "--CourseDirectory.root=."], course.root
    )
    return course.release(assignment)


def release_differences(assignment: str, root: Path | None = None) -> list[str]:
    """What differs between the committed release and one generated now (empty: in sync)."""
    course = course_at(root)
    with tempfile.TemporaryDirectory(prefix="release-check-") as tmp:
        scratch = make_scratch_course(course.root, Path(tmp))
        fresh = generate(assignment, scratch)
        committed = course.release(assignment)
        if not committed.exists():
            return [f"{committed} does not exist"]
        return _tree_differences(fresh, committed)


def _tree_differences(fresh: Path, committed: Path) -> list[str]:
    problems = []
    fresh_files = {p.relative_to(fresh) for p in fresh.rglob("*") if p.is_file()}
    committed_files = {p.relative_to(committed) for p in committed.rglob("*") if p.is_file()}
    for rel in sorted(fresh_files - committed_files):
        problems.append(f"missing from the committed release: {rel}")
    for rel in sorted(committed_files - fresh_files):
        problems.append(f"in the committed release but not generated: {rel}")
    for rel in sorted(fresh_files & committed_files):
        a, b = fresh / rel, committed / rel
        if rel.suffix == ".ipynb":
            if _notebook_key(a) != _notebook_key(b):
                problems.append(f"{rel} differs from what nbgrader generates")
        elif not filecmp.cmp(a, b, shallow=False):
            problems.append(f"{rel} differs from the source")
    return problems


def _notebook_key(path: Path) -> list:
    nb = nbformat.read(str(path), as_version=4)
    return [(c.cell_type, c.source, c.get("metadata", {}).get("nbgrader")) for c in nb.cells]


def submit(
    course_root: Path,
    assignment: str,
    student: str,
    nb: nbformat.NotebookNode,
    notebook: str | None = None,
) -> Path:
    """Place a notebook where nbgrader expects a student's submission (NOTEBOOK: its stem,
    default: the assignment's name)."""
    folder = course_at(course_root).submitted_dir / student / assignment
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{notebook or assignment}.ipynb"
    nbformat.write(nb, str(path))
    return path


def autograde(course_root: Path, assignment: str, timeout: float | None = None) -> None:
    run_nbgrader(
        ["autograde", assignment, "--force", "--CourseDirectory.root=."],
        course_root,
        timeout=timeout,
    )


def open_gradebook(course_root: Path | None = None):
    """The course's gradebook, wherever its ``db_url`` says: sqlite or PostgreSQL.

    The course id goes with it: PostgreSQL enforces that an assignment's course exists (sqlite
    does not), and nbgrader creates only the course row it is told about.
    """
    from nbgrader.api import Gradebook

    course = course_at(course_root)
    if not course.db_url.startswith("sqlite") and not course.course_id:
        raise ValueError(
            f"the gradebook at {course.db_url} needs a course id: set "
            f"c.CourseDirectory.course_id in {course.root / 'nbgrader_config.py'}"
        )
    return Gradebook(course.db_url, course_id=course.course_id or "default_course")


def cell_scores(course_root: Path, assignment: str) -> dict[str, dict[str, float | None]]:
    """student -> grade_id -> score, read from the course's gradebook.

    A cell nbgrader could not score automatically (a dead kernel) reads as None, never 0.
    """
    found: dict[str, dict[str, float | None]] = {}
    with open_gradebook(course_root) as gradebook:
        for submission in gradebook.assignment_submissions(assignment):
            grades: dict[str, float | None] = {}
            for notebook in submission.notebooks:
                for grade in notebook.grades:
                    grades[grade.name] = grade.score if not grade.needs_manual_grade else None
            found[submission.student.id] = grades
    return found
