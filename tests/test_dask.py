"""Grading on a real Dask cluster: the same grades as on this machine, and nothing lost.

The clusters are real: a ``LocalCluster`` of two worker processes, and a scheduler with two
``dask worker`` processes started as commands on 127.0.0.1, one of which is killed mid-run.
The class is the fixture assignment (no TensorFlow), so it grades in seconds.
"""

from __future__ import annotations

import dataclasses
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import psutil
import pytest

from autograder.grading import distributed as dask_grading
from autograder.grading.pipeline import grade_class
from autograder.grading.results import Status
from tests.test_grading_pipeline import ASSIGNMENT, FIXTURE, GOOD, LIMITS, notebook_with, save

pytestmark = pytest.mark.skipif(
    not dask_grading.sandbox.sandbox_available(), reason="needs bubblewrap"
)
DASK = Path(sys.executable).parent / "dask"
FULL, SQUARES_ONLY = 5.0, 2.0  # the fixture's tests: squares 2 points, mean 3
# No notebook here loops: roomy limits keep a loaded machine from turning grades into timeouts.
ROOMY = dataclasses.replace(LIMITS, cell_seconds=60, notebook_seconds=180)


def grade(submissions: Path, out: Path, scheduler: str | None = None):
    return grade_class(
        ASSIGNMENT,
        submissions,
        out,
        workers=2,
        limits=ROOMY,
        course_root=FIXTURE,
        progress=False,
        scheduler=scheduler,
    )


def build_small_class(root: Path) -> dict[str, float]:
    """Right, wrong, broken and absent work; returns each student's expected score."""
    save(root / "good", notebook_with(GOOD))
    save(
        root / "other_style",
        notebook_with(
            {**GOOD, "mean": "import statistics\ndef mean(xs):\n    return statistics.fmean(xs)"}
        ),
    )
    save(root / "blank", notebook_with())
    save(root / "partial", notebook_with({"squares": GOOD["squares"]}))
    save(root / "syntax_error", notebook_with({**GOOD, "squares": "def squares(n)\n    return"}))
    save(root / "os_exit", notebook_with({**GOOD, "mean": "import os\nos._exit(0)"}))
    save(root / "renamed", notebook_with(GOOD), name="homework.ipynb")
    (root / "missing").mkdir()
    (root / "with_data").mkdir()
    (root / "with_data" / "numbers.txt").write_text("1 2 3")
    save(root / "with_data", notebook_with(GOOD, before="open('numbers.txt').read()"))
    return {
        "good": FULL,
        "other_style": FULL,
        "blank": 0.0,
        "partial": SQUARES_ONLY,
        "syntax_error": 3.0,  # the mean test still passes
        "os_exit": SQUARES_ONLY,
        "renamed": FULL,
        "missing": 0.0,
        "with_data": FULL,
    }


def grades(results) -> dict[str, tuple]:
    """What must not depend on where a submission was graded (its seconds may)."""
    return {
        r.student_id: (
            r.status,
            r.score,
            r.notes,
            [(t.grade_id, t.score, t.outcome, t.message) for t in r.tests],
        )
        for r in results
    }


# -- the files travel as bytes --------------------------------------------------------------------


def test_a_folder_travels_whole_and_a_path_cannot_escape(tmp_path):
    folder = tmp_path / "student"
    (folder / "sub").mkdir(parents=True)
    (folder / "a.ipynb").write_text("{}")
    (folder / "sub" / "data.csv").write_text("1,2")
    (folder / "link").symlink_to(tmp_path)
    packed = dask_grading.pack_folder(folder)
    assert packed == {"a.ipynb": b"{}", "sub/data.csv": b"1,2"}
    assert dask_grading.pack_folder(tmp_path / "absent") is None

    packed["../outside.txt"] = b"x"
    packed["/etc/evil"] = b"x"
    dask_grading.unpack_folder(packed, tmp_path / "copy")
    assert (tmp_path / "copy" / "sub" / "data.csv").read_text() == "1,2"
    assert not (tmp_path / "outside.txt").exists()
    assert sorted(p.name for p in (tmp_path / "copy").rglob("*")) == ["a.ipynb", "data.csv", "sub"]


def test_a_worker_clears_the_work_folders_of_dead_workers(tmp_path):
    dead = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True
    ).stdout.strip()
    (tmp_path / f"{dask_grading.ROOT_PREFIX}{dead}-abc" / "left").mkdir(parents=True)
    alive = tmp_path / f"{dask_grading.ROOT_PREFIX}{os.getpid()}-xyz"
    alive.mkdir()
    root = dask_grading.fresh_work_root(tmp_path)
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([alive.name, root.name])
    assert root.name.startswith(f"{dask_grading.ROOT_PREFIX}{os.getpid()}-")


def test_grading_locally_never_imports_dask(tmp_path):
    save(tmp_path / "subs" / "good", notebook_with(GOOD))
    code = (
        "import sys\nfrom pathlib import Path\n"
        "from tests.test_grading_pipeline import grade_fixture\n"
        f"grade_fixture(Path({str(tmp_path / 'subs')!r}), Path({str(tmp_path / 'out')!r}))\n"
        "print('distributed' in sys.modules, 'dask' in sys.modules)"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=FIXTURE.parents[2]
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.split()[-2:] == ["False", "False"]


def test_a_submission_whose_workers_all_died_is_flagged_not_zeroed():
    task = dask_grading.pipeline.Assignment.load(ASSIGNMENT, FIXTURE)
    result = dask_grading.lost_submission(task, "amy", "KilledWorker: grade-amy")
    assert result.status == Status.CRASHED and result.needs_human
    assert "died" in result.notes[0]
    assert all(t.outcome == "error" for t in result.tests)
    assert not result.input_digest  # so the next run grades it again


# -- on a LocalCluster ----------------------------------------------------------------------------


@pytest.mark.slow
def test_a_local_cluster_gives_the_grades_of_a_local_run(tmp_path):
    from distributed import LocalCluster

    expected = build_small_class(tmp_path / "subs")
    local = grade(tmp_path / "subs", tmp_path / "local")
    with LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1", dashboard_address=None
    ) as cluster:
        on_dask = grade(tmp_path / "subs", tmp_path / "dask", cluster.scheduler_address)
    assert grades(on_dask) == grades(local)
    assert {r.student_id: r.score for r in on_dask} == expected
    assert {r.student_id: r.status for r in on_dask}["os_exit"] == Status.CRASHED
    assert sorted(p.stem for p in (tmp_path / "dask" / "results").glob("*.json")) == sorted(
        expected
    )


# -- on a scheduler and two `dask worker` processes -----------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start(args: list[str], log: Path) -> subprocess.Popen:
    return subprocess.Popen(
        [str(DASK), *args], stdout=log.open("w"), stderr=subprocess.STDOUT, cwd=FIXTURE.parents[2]
    )


def wait_for_workers(address: str, count: int, timeout: float = 60) -> None:
    from distributed import Client

    with Client(address, timeout=timeout) as client:
        client.wait_for_workers(count, timeout=timeout)


def wait_for_a_sandbox(worker: subprocess.Popen, timeout: float = 60) -> None:
    """Until the worker is running a student's notebook (its sandbox is a child process)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if psutil.Process(worker.pid).children():
            return
        time.sleep(0.05)
    raise AssertionError("the worker never started a sandbox")


def stop(procs: list[subprocess.Popen]) -> None:
    for proc in procs:
        if proc.poll() is None:
            proc.terminate()
    for proc in procs:
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


@pytest.mark.slow
def test_killing_a_worker_mid_run_loses_no_submission(tmp_path):
    expected = build_small_class(tmp_path / "subs")
    for n in range(3):  # long enough that the kill lands while notebooks run
        save(
            tmp_path / "subs" / f"slow_{n}",
            notebook_with(GOOD, before="import time\ntime.sleep(2)"),
        )
        expected[f"slow_{n}"] = FULL
    port = free_port()
    address = f"tcp://127.0.0.1:{port}"
    scheduler = start(
        ["scheduler", "--host", "127.0.0.1", "--port", str(port), "--no-dashboard"],
        tmp_path / "scheduler.log",
    )
    workers = [
        start(
            [
                "worker",
                address,
                "--nthreads",
                "1",
                "--no-nanny",
                "--host",
                "127.0.0.1",
                "--no-dashboard",
                "--name",
                f"w{n}",
            ],
            tmp_path / f"worker{n}.log",
        )
        for n in range(2)
    ]
    try:
        wait_for_workers(address, 2)
        finished: list = []
        grading = threading.Thread(
            target=lambda: finished.append(grade(tmp_path / "subs", tmp_path / "out", address))
        )
        grading.start()
        wait_for_a_sandbox(workers[0])
        os.kill(workers[0].pid, signal.SIGKILL)
        grading.join(timeout=300)
        assert not grading.is_alive(), "grading hung after a worker died"
    finally:
        stop([*workers, scheduler])
    (results,) = finished
    assert sorted(r.student_id for r in results) == sorted(expected)
    # One death is under the scheduler's allowed failures: the work it held is graded again.
    got = {r.student_id: r.score for r in results}
    assert got == expected, [(r.student_id, r.status, r.notes) for r in results]
    assert not [r.student_id for r in results if any("Dask" in n for n in r.notes)]
    assert workers[0].returncode == -signal.SIGKILL


@pytest.mark.slow
def test_a_submission_that_keeps_killing_its_worker_comes_back_for_a_human():
    """The real KilledWorker, raised once the scheduler stops retrying, becomes a flagged row."""
    import concurrent.futures as cf

    import dask
    from distributed import Client, LocalCluster

    task = dask_grading.pipeline.Assignment.load(ASSIGNMENT, FIXTURE)
    with dask.config.set({"distributed.scheduler.allowed-failures": 0}):
        with (
            LocalCluster(
                n_workers=1, threads_per_worker=1, processes=True, dashboard_address=None
            ) as cluster,
            Client(cluster) as client,
        ):
            remote = client.submit(os._exit, 1, pure=False)  # takes its worker down
            local: cf.Future = cf.Future()
            remote.add_done_callback(lambda done: dask_grading._settle(local, done, task, "amy"))
            result = local.result(timeout=120)
    assert result.student_id == "amy" and result.status == Status.CRASHED
    assert result.needs_human and "died" in result.notes[0]
    assert result.tests[0].log.startswith("KilledWorker") and "died" in result.tests[0].log


@pytest.mark.slow
def test_a_keras_assignment_grades_the_same_on_a_cluster(tmp_path):
    """The workers' own checks import Keras and rebuild the students' models (assignment 01)."""
    import nbformat
    from distributed import LocalCluster

    from autograder.samples import answers, filled

    repo, name = FIXTURE.parents[2], "01_sequential_to_functional"
    source = nbformat.read(str(repo / "solutions" / name / f"{name}.ipynb"), 4)
    release = nbformat.read(str(repo / "assignments" / name / f"{name}.ipynb"), 4)
    for student, nb in (("right", filled(release, answers(source))), ("blank", release)):
        save(tmp_path / "subs" / student, nb, name=f"{name}.ipynb")

    def graded(out: str, scheduler: str | None = None):
        return grades(
            grade_class(
                name,
                tmp_path / "subs",
                tmp_path / out,
                course_root=repo,
                progress=False,
                scheduler=scheduler,
            )
        )

    local = graded("local")
    with LocalCluster(
        n_workers=1, threads_per_worker=2, processes=True, dashboard_address=None
    ) as cluster:
        assert graded("dask", cluster.scheduler_address) == local
    status, _, _, tests = local["right"]
    assert status == Status.GRADED and all(outcome == "passed" for _, _, outcome, _ in tests)
    assert local["blank"][1] == 0.0
