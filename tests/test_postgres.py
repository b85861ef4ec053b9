"""A PostgreSQL gradebook: release, grade and export against a real, throwaway server.

The server is started here (initdb and pg_ctl, on a free port of 127.0.0.1, in a scratch
folder) and stopped at the end. PostgreSQL refuses to run as root, so as root it runs as
``nobody``. ``scripts/install-system-deps.sh`` installs it on Debian.
"""

from __future__ import annotations

import csv
import glob
import os
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path

import pytest

from autograder.grading import outputs, sandbox
from autograder.grading.pipeline import grade_class
from autograder.nbgrader_glue import cell_scores, generate, open_gradebook, run_nbgrader
from tests.test_grading_pipeline import ASSIGNMENT, FIXTURE, GOOD, LIMITS, notebook_with, save

NOBODY = 65534


def postgres_bin() -> Path | None:
    """Where initdb and pg_ctl live: on PATH, or Debian's versioned folder (newest first)."""
    on_path = shutil.which("initdb")
    if on_path:
        return Path(on_path).resolve().parent
    found = glob.glob("/usr/lib/postgresql/*/bin/initdb")
    found.sort(key=lambda p: int(Path(p).parts[-3]) if Path(p).parts[-3].isdigit() else 0)
    return Path(found[-1]).parent if found else None


BIN = postgres_bin()
pytestmark = pytest.mark.skipif(
    BIN is None,
    reason="PostgreSQL is not installed (scripts/install-system-deps.sh installs it as root)",
)


class Server:
    """One PostgreSQL cluster in a scratch folder, for one test module."""

    def __init__(self) -> None:
        self.folder = Path(tempfile.mkdtemp(prefix="autograder-pg-"))
        self.port = _free_port()
        as_root = os.geteuid() == 0
        self.user = {"user": NOBODY, "group": NOBODY, "extra_groups": []} if as_root else {}
        if as_root:
            os.chown(self.folder, NOBODY, NOBODY)
        self.url = f"postgresql+psycopg://grader@127.0.0.1:{self.port}/gradebook"

    def run(self, tool: str, *args: str) -> None:
        proc = subprocess.run(
            [str(BIN / tool), *args],
            cwd=self.folder,
            env={"PATH": "/usr/bin:/bin", "LANG": "C.UTF-8"},
            capture_output=True,
            text=True,
            timeout=120,
            **self.user,
        )
        assert proc.returncode == 0, f"{tool} failed:\n{proc.stdout}\n{proc.stderr}"

    def start(self) -> None:
        data = str(self.folder / "data")
        self.run("initdb", "-D", data, "-U", "grader", "--auth=trust", "-E", "UTF8", "--no-sync")
        options = f"-p {self.port} -k {self.folder} -c listen_addresses=127.0.0.1 -c fsync=off"
        self.run("pg_ctl", "-D", data, "-l", str(self.folder / "log"), "-w", "-o", options, "start")
        self.run("createdb", "-h", "127.0.0.1", "-p", str(self.port), "-U", "grader", "gradebook")

    def stop(self) -> None:
        if (self.folder / "data" / "postmaster.pid").exists():
            self.run("pg_ctl", "-D", str(self.folder / "data"), "-m", "fast", "-w", "stop")
        shutil.rmtree(self.folder, ignore_errors=True)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def postgres():
    server = Server()
    try:
        server.start()
        yield server
    finally:
        server.stop()


def course_on(tmp_path: Path, db_url: str, course_id: str = "fixture") -> Path:
    """A copy of the fixture course whose nbgrader_config.py points at DB_URL."""
    course = tmp_path / "course"
    shutil.copytree(FIXTURE, course, ignore=shutil.ignore_patterns("gradebook.db"))
    with (course / "nbgrader_config.py").open("a") as config:
        config.write(f"\nc.CourseDirectory.db_url = {db_url!r}\n")
        if course_id:
            config.write(f"c.CourseDirectory.course_id = {course_id!r}\n")
    return course


@pytest.mark.skipif(not sandbox.sandbox_available(), reason="needs bubblewrap")
def test_release_grade_and_export_work_on_a_postgres_gradebook(postgres, tmp_path):
    course = course_on(tmp_path, postgres.url)
    generate(ASSIGNMENT, course)  # nbgrader creates the tables and records the tests

    subs = tmp_path / "subs"
    save(subs / "good", notebook_with(GOOD))
    save(subs / "partial", notebook_with({"squares": GOOD["squares"]}))
    save(subs / "blank", notebook_with())
    save(subs / "os_exit", notebook_with({**GOOD, "mean": "import os\nos._exit(0)"}))
    results = grade_class(
        ASSIGNMENT,
        subs,
        tmp_path / "out",
        workers=2,
        limits=LIMITS,
        course_root=course,
        progress=False,
    )
    assert outputs.update_gradebook(results, course, ASSIGNMENT) == 8  # two tests, four students

    scores = cell_scores(course, ASSIGNMENT)
    assert scores["good"] == {"test_squares": 2.0, "test_mean": 3.0}
    assert scores["partial"] == {"test_squares": 2.0, "test_mean": 0.0}
    assert scores["blank"] == {"test_squares": 0.0, "test_mean": 0.0}
    assert scores["os_exit"] == {"test_squares": None, "test_mean": None}  # a human looks
    assert not (course / "gradebook.db").exists()  # it all went to the server

    run_nbgrader(["export", "--CourseDirectory.root=."], course)
    with (course / "grades.csv").open() as f:
        exported = {row["student_id"]: float(row["score"]) for row in csv.DictReader(f)}
    assert {k: exported[k] for k in ("good", "partial", "blank")} == {
        "good": 5.0,
        "partial": 2.0,
        "blank": 0.0,
    }


def test_a_postgres_gradebook_without_a_course_id_is_refused_clearly(tmp_path):
    course = course_on(tmp_path, "postgresql+psycopg://grader@127.0.0.1:1/gradebook", "")
    with pytest.raises(ValueError, match="course_id"):
        open_gradebook(course)


@pytest.mark.slow
@pytest.mark.skipif(not sandbox.sandbox_available(), reason="needs bubblewrap")
def test_the_command_grades_on_a_dask_cluster_into_a_postgres_gradebook(postgres, tmp_path):
    from distributed import LocalCluster

    from autograder.cli import main

    course = course_on(tmp_path, postgres.url, course_id="fixture_cli")
    assert main(["release", ASSIGNMENT, "--course", str(course)]) == 0
    subs = tmp_path / "subs"
    save(subs / "ann", notebook_with(GOOD))
    save(subs / "bob", notebook_with({"mean": GOOD["mean"]}))
    with LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1", dashboard_address=None
    ) as cluster:
        args = ["grade", ASSIGNMENT, str(subs), "--course", str(course), "--out", str(tmp_path)]
        args += ["--scheduler", cluster.scheduler_address, "--cell-timeout", "60"]
        assert main(args) == 0
    scores = cell_scores(course, ASSIGNMENT)
    assert scores["ann"] == {"test_squares": 2.0, "test_mean": 3.0}
    assert scores["bob"] == {"test_squares": 0.0, "test_mean": 3.0}
