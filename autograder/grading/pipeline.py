"""Grade a class: intake, sandboxed runs in parallel, out-of-sandbox checks, one row each.

Each submission is independent: its own workspace, its own sandbox, its result saved
atomically as soon as it is known. A second run reuses every result whose input has not
changed, so an interrupted run resumes and a repeated run gives the same grades.
"""

from __future__ import annotations

import concurrent.futures as cf
import dataclasses
import hashlib
import multiprocessing
import os
import shutil
import threading
import traceback
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import nbformat

from autograder.course_dir import Course
from autograder.grading import checker, intake, sandbox, warm
from autograder.grading.plan import TestPlan, defined_names, split_test_cell
from autograder.grading.results import Outcome, RunEnd, Status, SubmissionResult, TestResult

GRADER_VERSION = "2"
GRADER_LOG = "grader.log"  # the instructor's log of the grader's own failures


@dataclass
class NotebookTask:
    """One notebook of an assignment: its source, its tests, the imports its checks need."""

    name: str  # the file's stem, as nbgrader names notebooks in the gradebook
    source: nbformat.NotebookNode
    plans: list[TestPlan]
    imports: str


@dataclass
class Assignment:
    """What the instructor's source says about one assignment (one notebook or several)."""

    name: str
    notebooks: list[NotebookTask]
    salt: str  # changes when the tests or the grader change, so old results are not reused
    data: tuple[str, ...] = ()  # what the sandbox shows read-only: the course's data

    @classmethod
    def load(
        cls, name: str, course: Course | Path | None = None, only: str | None = None
    ) -> Assignment:
        """Read the source of assignment NAME (of its notebook ONLY, if given) from COURSE."""
        course = _course(course)
        stems = course.require(name)
        if only is not None:
            if only not in stems:
                raise FileNotFoundError(f"assignment {name!r} has no notebook {only}.ipynb")
            stems = [only]
        paths = [course.source_notebook(name, stem) for stem in stems]
        notebooks = [
            NotebookTask(path.stem, source, *_plans(source))
            for path in paths
            for source in [nbformat.read(str(path), as_version=4)]
        ]
        return cls(name, notebooks, _salt(paths), course.sandbox_data(name))

    @property
    def plans(self) -> list[TestPlan]:
        return [plan for notebook in self.notebooks for plan in notebook.plans]

    @property
    def imports(self) -> str:
        return "\n".join(notebook.imports for notebook in self.notebooks)


def _course(course: Course | Path | None) -> Course:
    if isinstance(course, Course):
        return course
    return Course.find() if course is None else Course.at(course)


def _plans(source: nbformat.NotebookNode) -> tuple[list[TestPlan], str]:
    tests, others = [], []
    for cell in source.cells:
        if cell.cell_type != "code":
            continue
        meta = cell.get("metadata", {}).get("nbgrader", {})
        (tests if meta.get("grade") else others).append((meta, cell.source))
    student_names = defined_names([src for _, src in others])
    plans = [
        split_test_cell(meta["grade_id"], float(meta.get("points", 0)), src, student_names)
        for meta, src in tests
    ]
    imports = checker.import_lines([src for meta, src in others if not meta.get("solution")])
    return plans, imports


def _salt(source_paths: list[Path]) -> str:
    package = Path(__file__).resolve().parents[1]
    digest = hashlib.sha256()
    for path in source_paths:
        digest.update(path.read_bytes())
    for module in sorted(package.rglob("*.py")):
        digest.update(module.read_bytes())
    return f"{GRADER_VERSION}:{digest.hexdigest()}"


# -- one submission -------------------------------------------------------------------------------


def grade_submission(
    task: Assignment,
    student_id: str,
    folder: Path | None,
    work_dir: Path,
    limits: sandbox.Limits,
    use_sandbox: bool | None,
    check_pool: CheckPool,
    zygote: warm.Zygote | None = None,
) -> SubmissionResult:
    """Grade every notebook of one student's submission; one result for the whole of it."""
    one = len(task.notebooks) == 1
    parts = [
        _grade_notebook(
            task,
            notebook,
            _take_in(task, notebook, student_id, folder),
            work_dir / student_id if one else work_dir / student_id / notebook.name,
            limits,
            use_sandbox,
            check_pool,
            zygote,
        )
        for notebook in task.notebooks
    ]
    return parts[0] if one else _combined(task, student_id, parts)


def _take_in(
    task: Assignment, notebook: NotebookTask, student_id: str, folder: Path | None
) -> intake.Intake:
    others = tuple(n.name for n in task.notebooks if n is not notebook)
    return intake.take_in(student_id, folder, notebook.name, task.salt, others)


def submission_digest(task: Assignment, student_id: str, folder: Path | None) -> str:
    """What a result's ``input_digest`` must equal for the result to be reused."""
    return _joined([_take_in(task, nb, student_id, folder).digest for nb in task.notebooks])


def _joined(digests: list[str]) -> str:
    if len(digests) == 1:
        return digests[0]
    return hashlib.sha256("".join(digests).encode()).hexdigest()


def _grade_notebook(
    task: Assignment,
    notebook: NotebookTask,
    taken: intake.Intake,
    workspace: Path,
    limits: sandbox.Limits,
    use_sandbox: bool | None,
    check_pool: CheckPool,
    zygote: warm.Zygote | None = None,
) -> SubmissionResult:
    if taken.status != "ok":
        return _ungraded(task, notebook, taken)
    shutil.rmtree(workspace, ignore_errors=True)
    intake.copy_files(taken, workspace / "files")
    job, tamper = intake.build_job(taken, notebook.source, notebook.plans)
    intake.write_job(job, workspace)
    outcome = sandbox.run(workspace, limits, use_sandbox, job.cell_names, zygote)
    stopped = "" if outcome.status == "finished" else f"not run: {outcome.reason}"
    tests = _in_notebook(check_pool.check(workspace, notebook, stopped), notebook)
    tamper += checker.log_anomalies(workspace) + _driver_tampering(workspace)
    notes = taken.notes + tamper
    status = _status(outcome, tamper)
    if outcome.status != "finished":
        notes.append(outcome.reason)
    if not outcome.sandboxed:
        notes.append("graded without a sandbox (bubblewrap not available)")
    return SubmissionResult(
        taken.student_id,
        task.name,
        status,
        tests,
        notes,
        round(outcome.seconds, 2),
        outcome.sandboxed,
        taken.digest,
    )


def _in_notebook(tests: list[TestResult], notebook: NotebookTask) -> list[TestResult]:
    for test in tests:
        test.notebook = notebook.name
    return tests


def _ungraded(task: Assignment, notebook: NotebookTask, taken: intake.Intake) -> SubmissionResult:
    tests = [
        TestResult(
            p.grade_id, p.points, 0.0, Outcome.NOT_RUN, f"not run: {taken.status}", notebook.name
        )
        for p in notebook.plans
    ]
    return SubmissionResult(
        taken.student_id, task.name, taken.status, tests, taken.notes, input_digest=taken.digest
    )


# Which notebook's status speaks for a submission of several: the one a human must see first.
WORST_FIRST = (
    Status.TAMPERED,
    Status.CRASHED,
    Status.TIMED_OUT,
    Status.MALFORMED,
    Status.GRADED,
    Status.MISSING,
)


def _combined(task: Assignment, student_id: str, parts: list[SubmissionResult]) -> SubmissionResult:
    """One result from each notebook's; notes say which notebook they are about."""
    status = min((p.status for p in parts), key=WORST_FIRST.index)
    notes = [
        f"{notebook.name}.ipynb: {note}"
        for notebook, part in zip(task.notebooks, parts, strict=True)
        for note in part.notes
    ]
    return SubmissionResult(
        student_id,
        task.name,
        status,
        [test for part in parts for test in part.tests],
        list(dict.fromkeys(notes)),
        round(sum(p.seconds for p in parts), 2),
        all(p.sandboxed for p in parts),
        _joined([p.input_digest for p in parts]),
    )


def _status(outcome: sandbox.Outcome, tamper: list[str]) -> Status:
    if tamper:
        return Status.TAMPERED
    return RunEnd(outcome.status).status


def _driver_tampering(workspace: Path) -> list[str]:
    found: list[str] = []
    for record in checker.read_cell_log(workspace).values():  # empty if the log was forged
        for item in record.get("tampering") or []:
            note = f"the notebook {item}"[:200] if isinstance(item, str) else ""
            if note and note not in found:  # each probe cell reports it again
                found.append(note)
    return found[:10]


# -- the checks, in warm processes ----------------------------------------------------------------


class CheckPool:
    """Processes that import Keras once and run the checks of many submissions."""

    def __init__(self, workers: int, uses_keras: bool = True) -> None:
        self.workers = workers
        self.uses_keras = uses_keras
        self.lock = threading.Lock()
        self.pool = self._new_pool()

    def _new_pool(self) -> cf.ProcessPoolExecutor:
        """A pool whose processes start now, importing Keras while the first notebooks run.

        Processes start only when work arrives, so each gets a no-op job at once; otherwise
        the first checks of a class would wait for the Keras import.
        """
        context = multiprocessing.get_context("spawn")
        pool = cf.ProcessPoolExecutor(
            self.workers, mp_context=context, initializer=checker.warm, initargs=(self.uses_keras,)
        )
        for _ in range(self.workers):
            pool.submit(int)
        return pool

    def check(self, workspace: Path, task: Assignment, stopped: str) -> list[TestResult]:
        try:
            future = self.pool.submit(
                checker.check_job, str(workspace), task.plans, task.imports, stopped
            )
            return future.result()
        except cf.process.BrokenProcessPool:
            with self.lock:
                self.pool = self._new_pool()
            return grader_failed(task.plans, "a checker process died checking this submission")

    def close(self) -> None:
        self.pool.shutdown(cancel_futures=True)


def grader_failed(plans: list[TestPlan], log: str, notebook: str = "") -> list[TestResult]:
    """Every test of PLANS as an error a human must look at: the grader failed, not the student."""
    message = "the grader failed on this submission; an instructor will look"
    return [
        TestResult(p.grade_id, p.points, 0.0, Outcome.ERROR, message, notebook, log=log)
        for p in plans
    ]


# -- a class --------------------------------------------------------------------------------------


def grade_class(
    assignment: str | Assignment,
    submissions: Path | dict[str, Path],
    out_dir: Path,
    workers: int | None = None,
    limits: sandbox.Limits = sandbox.DEFAULT_LIMITS,
    use_sandbox: bool | None = None,
    course_root: Course | Path | None = None,
    progress: bool = True,
    scheduler: str | None = None,
    warm_start: bool = True,
) -> list[SubmissionResult]:
    """Grade every submission of ASSIGNMENT; on SCHEDULER's Dask cluster when one is given."""
    # SUBMISSIONS: a folder (or zip) of one folder per student, or student id -> folder.
    task = assignment
    if not isinstance(task, Assignment):
        task = Assignment.load(task, course_root)
    limits = dataclasses.replace(limits, course_data=task.data)
    workers = workers or os.cpu_count() or 1
    out_dir.mkdir(parents=True, exist_ok=True)
    results_dir = out_dir / "results"
    results_dir.mkdir(exist_ok=True)
    if isinstance(submissions, dict):
        folders = dict(sorted(submissions.items()))
    else:
        folders = intake.students_in(submissions, out_dir)
    done = _reusable(results_dir, folders, task)
    todo = [s for s in folders if s not in done]
    bar = _progress_bar(len(folders), len(done), progress)
    if scheduler:
        from autograder.grading.distributed import DaskRunner  # Dask only when asked for

        runner: Runner = DaskRunner(scheduler, task, limits, use_sandbox)
    else:
        runner = LocalRunner(task, out_dir / "work", workers, limits, use_sandbox, warm_start)
    try:
        futures = {runner.submit(student, folders[student]): student for student in todo}
        for future in cf.as_completed(futures):
            student = futures[future]
            result = _safely(future, task, student)
            result.save(results_dir / f"{student}.json")
            _log_grader_errors(result, out_dir / GRADER_LOG)
            done[student] = result
            bar.update(1)
    finally:
        runner.close()
        bar.close()
    return [done[s] for s in sorted(done)]


class Runner(Protocol):
    """Where submissions are graded: this machine, or a Dask cluster (grading/distributed.py).

    ``submit`` returns a future of the submission's :class:`SubmissionResult`; the class loop
    above saves, resumes and counts them the same way whichever runner graded them.
    """

    def submit(self, student: str, folder: Path | None) -> cf.Future: ...

    def close(self) -> None: ...


class LocalRunner:
    """Grades on this machine: one thread per running sandbox, the checks in warm processes."""

    def __init__(
        self,
        task: Assignment,
        work_dir: Path,
        workers: int,
        limits: sandbox.Limits,
        use_sandbox: bool | None,
        use_warm: bool = True,
    ) -> None:
        self.task, self.work_dir = task, work_dir
        self.limits, self.use_sandbox = limits, use_sandbox
        self.zygote = _zygote(task, work_dir, limits, use_sandbox, use_warm)
        self.checks = CheckPool(workers, uses_keras="keras" in task.imports)
        self.threads = cf.ThreadPoolExecutor(workers)

    def submit(self, student: str, folder: Path | None) -> cf.Future:
        return self.threads.submit(
            grade_submission,
            self.task,
            student,
            folder,
            self.work_dir,
            self.limits,
            self.use_sandbox,
            self.checks,
            self.zygote,
        )

    def close(self) -> None:
        self.threads.shutdown(cancel_futures=True)  # after Ctrl-C, start nothing more
        self.checks.close()
        if self.zygote is not None:
            self.zygote.close()


def _zygote(
    task: Assignment, work_dir: Path, limits: sandbox.Limits, use_sandbox: bool | None, on: bool
) -> warm.Zygote | None:
    """One warm server for the run, started first so its import overlaps the checkers'."""
    if not on or use_sandbox is False or not warm.Zygote.usable():
        return None
    return warm.Zygote(work_dir, limits, preload="keras" in task.imports)


def _safely(future: cf.Future, task: Assignment, student: str) -> SubmissionResult:
    try:
        return future.result()
    except Exception as exc:  # our own failure must not take the batch down
        log = traceback.format_exc()
        tests = [
            TestResult(p.grade_id, p.points, 0.0, Outcome.ERROR, "grader error", log=log)
            for p in task.plans
        ]
        return SubmissionResult(
            student,
            task.name,
            Status.CRASHED,
            tests,
            [f"the grader failed: {type(exc).__name__}: {exc}"[:300]],
        )


def _log_grader_errors(result: SubmissionResult, log: Path) -> None:
    """Tracebacks of the grader's own failures go here, for the instructor, never to students."""
    entries = [
        f"== {result.student_id} / {t.grade_id}: {t.outcome}\n{t.log.rstrip()}\n"
        for t in result.tests
        if t.log
    ]
    if entries:
        with log.open("a") as f:
            f.write("".join(entries))


def _reusable(results_dir: Path, folders: dict[str, Path], task: Assignment):
    reusable = {}
    for student, folder in folders.items():
        saved = results_dir / f"{student}.json"
        if not saved.exists():
            continue
        try:
            result = SubmissionResult.from_json(saved.read_text())
        except Exception:
            continue
        if result.input_digest and result.input_digest == submission_digest(task, student, folder):
            reusable[student] = result
    return reusable


def _progress_bar(total: int, already: int, enabled: bool):
    from tqdm import tqdm

    bar = tqdm(total=total, initial=already, desc="grading", unit="notebook", disable=not enabled)
    return bar
