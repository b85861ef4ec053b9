"""Grade a class on an existing Dask cluster: ``autograder grade ... --scheduler tcp://HOST:PORT``.

Each submission travels to a worker as plain bytes (its folder's files), and the worker grades
it exactly as this machine would: the same intake, the same sandbox, the same checks. Only the
small :class:`SubmissionResult` comes back, and the class loop in ``pipeline.grade_class`` saves
it, resumes from it and draws the progress bar the same way as for a local run.

Why the checks run on the worker too, not here: rebuilding a student's model and probing it
costs as much CPU as a small notebook, so checking centrally would make this machine the
bottleneck of a large class; and the exported values (weights, probe outputs) are bigger than
the result. A worker process imports Keras once and checks many submissions with it, and
its notebooks are forked from one warm server of its own (grading/warm.py) when it can.

A worker that dies mid-run loses nothing: the scheduler hands its submissions to another worker
(up to ``distributed.scheduler.allowed-failures`` times), and ``retries`` covers errors raised
on a worker. A submission that still cannot be graded comes back as ``crashed``, flagged for a
human with a note saying so, and without an input digest, so the next run grades it again.

The workers need this package, the same Python environment and bubblewrap, and the course's
data folders at the same paths as here (one container image for all of them).
"""

from __future__ import annotations

import atexit
import concurrent.futures as cf
import os
import shutil
import tempfile
import threading
import uuid
from pathlib import Path, PurePosixPath

import psutil
from distributed import Client, Future, KilledWorker

from autograder.grading import checker, intake, pipeline, sandbox, warm
from autograder.grading.results import Status, SubmissionResult, TestResult

RETRIES = 2  # an error raised on a worker (say, its disk filled up) is tried again elsewhere
CONNECT_SECONDS = 30
ROOT_PREFIX = "autograder-dask-"


class DaskRunner:
    """Sends submissions to the workers of the cluster whose scheduler is at ADDRESS."""

    def __init__(
        self,
        address: str,
        task: pipeline.Assignment,
        limits: sandbox.Limits,
        use_sandbox: bool | None,
    ) -> None:
        self.client = Client(address, timeout=CONNECT_SECONDS)
        self.task, self.limits, self.use_sandbox = task, limits, use_sandbox
        self.remote: dict[str, Future] = {}  # a Dask future nobody holds is forgotten

    def submit(self, student: str, folder: Path | None) -> cf.Future:
        remote = self.client.submit(
            grade_on_worker,
            self.task,
            student,
            pack_folder(folder),
            self.limits,
            self.use_sandbox,
            key=f"grade-{student}-{uuid.uuid4().hex[:8]}",
            retries=RETRIES,
            pure=False,
        )
        self.remote[student] = remote
        local: cf.Future = cf.Future()
        remote.add_done_callback(lambda done: _settle(local, done, self.task, student))
        return local

    def close(self) -> None:
        for remote in self.remote.values():
            if not remote.done():
                remote.cancel()  # after Ctrl-C, the cluster stops working for us
        self.client.close()


def _settle(local: cf.Future, remote: Future, task: pipeline.Assignment, student: str) -> None:
    try:
        local.set_result(remote.result())
    except KilledWorker as exc:
        local.set_result(lost_submission(task, student, f"KilledWorker: {exc}"))
    except BaseException as exc:  # the pipeline turns it into a crashed row for a human
        local.set_exception(exc)


def lost_submission(task: pipeline.Assignment, student: str, why: str) -> SubmissionResult:
    """The row of a submission whose workers kept dying: a human looks, the next run retries."""
    tests = [
        test
        for notebook in task.notebooks
        for test in pipeline.grader_failed(notebook.plans, why[:2000], notebook.name)
    ]
    note = "every Dask worker that tried to grade this submission died; grade it again or by hand"
    return SubmissionResult(student, task.name, Status.CRASHED, tests, [note])


# -- the submission's files, as bytes -------------------------------------------------------------


def pack_folder(folder: Path | None) -> dict[str, bytes] | None:
    """Relative path -> content of every regular file the intake could use; None: no folder.

    Files the intake would never copy (symlinks, checkpoints, files over its size cap) stay
    here, except notebooks, which the intake reads whatever their size.
    """
    if folder is None or not folder.is_dir():
        return None
    files = {}
    for path in sorted(folder.rglob("*")):
        rel = path.relative_to(folder)
        if path.is_symlink() or not path.is_file() or ".ipynb_checkpoints" in rel.parts:
            continue
        if path.suffix == ".ipynb" or path.stat().st_size <= intake.MAX_FILE_BYTES:
            files[rel.as_posix()] = path.read_bytes()
    return files


def unpack_folder(files: dict[str, bytes], into: Path) -> None:
    """Write FILES under INTO; a path that would leave INTO is dropped, never followed."""
    into.mkdir(parents=True, exist_ok=True)
    for name, content in files.items():
        rel = PurePosixPath(name)
        if rel.is_absolute() or ".." in rel.parts or not rel.parts:
            continue
        target = into.joinpath(*rel.parts)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(content)


# -- on the worker --------------------------------------------------------------------------------


def grade_on_worker(
    task: pipeline.Assignment,
    student: str,
    files: dict[str, bytes] | None,
    limits: sandbox.Limits,
    use_sandbox: bool | None,
) -> SubmissionResult:
    """What a Dask worker runs for one submission: the local path, in a scratch folder."""
    root, zygote = WORKER_ZYGOTES.for_task(task, limits, use_sandbox)
    scratch = root / uuid.uuid4().hex  # under the zygote's work folder, as the warm path needs
    try:
        folder = None
        if files is not None:
            folder = scratch / "submission" / student
            unpack_folder(files, folder)
        return pipeline.grade_submission(
            task, student, folder, scratch / "work", limits, use_sandbox, WORKER_CHECKS, zygote
        )
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


class WorkerZygotes:
    """One warm server (grading/warm.py) per worker process, started by its first submission.

    A worker grades many submissions, so it pays TensorFlow's import once, as a local run
    does. Without a usable warm path (no bubblewrap, not root) the sandbox runs cold.
    """

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.root: Path | None = None
        self.zygotes: dict[tuple, warm.Zygote | None] = {}

    def for_task(
        self, task: pipeline.Assignment, limits: sandbox.Limits, use_sandbox: bool | None
    ) -> tuple[Path, warm.Zygote | None]:
        preload = "keras" in task.imports
        with self.lock:
            if self.root is None:
                self.root = fresh_work_root()
                atexit.register(self.close)
            key = (limits, preload, use_sandbox)
            if key not in self.zygotes:
                usable = use_sandbox is not False and warm.Zygote.usable()
                self.zygotes[key] = warm.Zygote(self.root, limits, preload) if usable else None
            return self.root, self.zygotes[key]

    def close(self) -> None:
        for zygote in self.zygotes.values():
            if zygote is not None:
                zygote.close()
        if self.root is not None:
            shutil.rmtree(self.root, ignore_errors=True)


class InProcessChecks:
    """The checks, run in the worker's own process, which imports Keras once for all of them.

    A Dask worker is already a process apart from the student's sandbox, and it may not start
    a process pool of its own (its processes are daemons). A check that kills the worker is
    handled like any worker death: the submission is graded again elsewhere.
    """

    def __init__(self) -> None:
        self.lock = threading.Lock()  # one check at a time: Keras's session is process-wide
        self.warmed: set[bool] = set()

    def check(self, workspace: Path, task: pipeline.Assignment, stopped: str) -> list[TestResult]:
        uses_keras = "keras" in task.imports
        with self.lock:
            if uses_keras not in self.warmed:
                _import_keras_quietly(uses_keras)
                self.warmed.add(uses_keras)
            return checker.check_job(str(workspace), task.plans, task.imports, stopped)


def _import_keras_quietly(uses_keras: bool) -> None:
    if uses_keras:
        from autograder.course.session import quiet_tensorflow

        quiet_tensorflow()
        import keras  # noqa: F401


def fresh_work_root(parent: Path | None = None) -> Path:
    """This worker process's work folder, named by its pid; those of dead processes go first.

    A worker that is killed cannot clean up after itself, and its successor on the node may
    be another process: the next one to start removes what the dead left behind.
    """
    parent = parent or Path(tempfile.gettempdir())
    for old in parent.glob(f"{ROOT_PREFIX}*-*"):
        pid = old.name[len(ROOT_PREFIX) :].split("-")[0]
        if pid.isdigit() and not psutil.pid_exists(int(pid)):
            shutil.rmtree(old, ignore_errors=True)
    root = Path(tempfile.mkdtemp(prefix=f"{ROOT_PREFIX}{os.getpid()}-", dir=parent))
    root.chmod(0o755)  # the sandbox's unprivileged users must reach it
    return root


WORKER_CHECKS = InProcessChecks()
WORKER_ZYGOTES = WorkerZygotes()
