"""Running nbgrader from Python, with the environment it needs.

nbgrader creates its gradebook by running the ``alembic`` executable it finds on PATH, so every
call puts this interpreter's ``bin/`` first. Assignments are released into a scratch course
directory when we only want to compare, so a check never touches the real gradebook.
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

REPO = Path(__file__).resolve().parents[1]
SOURCE = "solutions"
RELEASE = "assignments"


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


def assignment_names(root: Path = REPO) -> list[str]:
    source = root / SOURCE
    return sorted(p.name for p in source.iterdir() if p.is_dir() and any(p.glob("*.ipynb")))


def make_scratch_course(root: Path = REPO, into: Path | None = None) -> Path:
    """A throwaway course directory with our config and sources, and a gradebook of its own."""
    scratch = Path(into or tempfile.mkdtemp(prefix="course-"))
    scratch.mkdir(parents=True, exist_ok=True)
    shutil.copy2(root / "nbgrader_config.py", scratch / "nbgrader_config.py")
    shutil.copytree(
        root / SOURCE,
        scratch / SOURCE,
        dirs_exist_ok=True,
        ignore=shutil.ignore_patterns(".ipynb_checkpoints", "__pycache__"),
    )
    data = root / "data"
    if data.exists() and not (scratch / "data").exists():
        (scratch / "data").symlink_to(data)
    return scratch


def generate(assignment: str, course_root: Path = REPO) -> Path:
    """Release one assignment from solutions/ into assignments/ of COURSE_ROOT."""
    run_nbgrader(
        ["generate_assignment", assignment, "--force", "--CourseDirectory.root=."], course_root
    )
    return course_root / RELEASE / assignment


def release_differences(assignment: str, root: Path = REPO) -> list[str]:
    """What differs between the committed release and one generated now (empty: in sync)."""
    with tempfile.TemporaryDirectory(prefix="release-check-") as tmp:
        scratch = make_scratch_course(root, Path(tmp))
        fresh = generate(assignment, scratch)
        committed = root / RELEASE / assignment
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


def submit(course_root: Path, assignment: str, student: str, nb: nbformat.NotebookNode) -> Path:
    """Place a notebook where nbgrader expects a student's submission."""
    folder = course_root / "submitted" / student / assignment
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{assignment}.ipynb"
    nbformat.write(nb, str(path))
    return path


def autograde(course_root: Path, assignment: str, timeout: float | None = None) -> None:
    run_nbgrader(
        ["autograde", assignment, "--force", "--CourseDirectory.root=."],
        course_root,
        timeout=timeout,
    )


def open_gradebook(course_root: Path = REPO):
    """The course's gradebook, wherever its ``db_url`` says: sqlite or PostgreSQL.

    The course id goes with it: PostgreSQL enforces that an assignment's course exists (sqlite
    does not), and nbgrader creates only the course row it is told about.
    """
    from nbgrader.api import Gradebook

    from autograder.course_dir import Course

    course = Course.at(course_root)
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
