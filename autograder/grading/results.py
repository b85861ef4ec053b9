"""The records a grading run produces, as small dataclasses that round-trip through JSON.

Every submission ends as exactly one :class:`SubmissionResult` with one :class:`Status`; each
test in it is a :class:`TestResult` with one :class:`Outcome`. Feedback pages, the class
report, ``grades.csv``, ``tests.csv`` and the gradebook are all written from these records, so
the words below are the only vocabulary of the whole pipeline.

Contract others build on:

- ``Status`` (a submission): graded, timed_out, crashed, malformed, missing, tampered.
  ``Status.needs_human`` says which ones an instructor must look at.
- ``Outcome`` (a test): passed, failed, error (the grader itself could not decide: a human
  must), not_run (the notebook stopped before the test).
- ``RunEnd`` (how the sandboxed run of a notebook ended): finished, timed_out, crashed,
  memory; ``RunEnd.status`` maps it to the submission's status.
- ``TestResult.log`` is for the instructor only (a traceback of the grader's own failure):
  feedback pages and ``tests.csv`` never show it.
- ``Job`` (of ``JobCell`` records) is what the driver runs for one notebook (``job.json``).

The enums are ``str`` subclasses, so ``Status.GRADED == "graded"``, they format, hash and
serialise as their value, and results saved before the enums existed read back unchanged.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from enum import Enum
from pathlib import Path


class _Word(str, Enum):
    """An enum member that behaves as its value wherever a plain string did."""

    __hash__ = str.__hash__
    __format__ = str.__format__

    def __str__(self) -> str:
        return self.value


class Status(_Word):
    GRADED = "graded"
    TIMED_OUT = "timed_out"
    CRASHED = "crashed"  # the memory limit included
    MALFORMED = "malformed"  # not a valid notebook, or several candidates
    MISSING = "missing"
    TAMPERED = "tampered"

    @property
    def needs_human(self) -> bool:
        return self not in (Status.GRADED, Status.MISSING)


class Outcome(_Word):
    PASSED = "passed"
    FAILED = "failed"
    ERROR = "error"
    NOT_RUN = "not_run"


class RunEnd(_Word):
    FINISHED = "finished"
    TIMED_OUT = "timed_out"
    CRASHED = "crashed"
    MEMORY = "memory"

    @property
    def status(self) -> Status:
        if self is RunEnd.FINISHED:
            return Status.GRADED
        return Status.TIMED_OUT if self is RunEnd.TIMED_OUT else Status.CRASHED


STATUSES = tuple(s.value for s in Status)


@dataclass
class TestResult:
    __test__ = False  # not a pytest test class, whatever its name says

    grade_id: str
    points: float
    score: float
    outcome: Outcome
    message: str = ""  # what the student reads: never a test's source
    notebook: str = ""  # which notebook of the assignment holds the test ("" for the only one)
    log: str = ""  # for the instructor only: the grader's own traceback, never shown to students
    figure: str = ""  # an inline SVG of the student's graph with the failing check's marks

    def __post_init__(self) -> None:
        self.outcome = Outcome(self.outcome)

    @property
    def passed(self) -> bool:
        return self.outcome is Outcome.PASSED


@dataclass
class SubmissionResult:
    student_id: str
    assignment: str
    status: Status
    tests: list[TestResult] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # why the status, in plain words
    seconds: float = 0.0
    sandboxed: bool = True
    input_digest: str = ""  # what was graded, for resuming an interrupted run

    def __post_init__(self) -> None:
        self.status = Status(self.status)

    @property
    def score(self) -> float:
        return round(sum(t.score for t in self.tests), 6)

    @property
    def max_score(self) -> float:
        return round(sum(t.points for t in self.tests), 6)

    @property
    def needs_human(self) -> bool:
        return self.status.needs_human or any(t.outcome is Outcome.ERROR for t in self.tests)

    def to_json(self) -> str:
        return json.dumps(asdict(self), indent=1)

    @classmethod
    def from_json(cls, text: str) -> SubmissionResult:
        data = json.loads(text)
        data["tests"] = [TestResult(**t) for t in data.get("tests", [])]
        return cls(**data)

    def save(self, path: Path) -> None:
        tmp = path.with_suffix(".tmp")
        tmp.write_text(self.to_json())
        tmp.replace(path)  # atomic: an interrupted run never leaves half a result


@dataclass
class JobCell:
    """One cell the driver runs in the sandbox."""

    kind: str  # "code": run as it is; "probe": a test cell, whose probes run and export values
    name: str  # how messages name the cell for the student: its place, and its grade_id if any
    source: str = ""  # a code cell's source
    grade_id: str = ""  # a probe cell's test
    imports: str = ""  # a probe cell's imports, which its probes may use
    probes: list[dict[str, str]] = field(default_factory=list)  # {"target", "source"} each


@dataclass
class Job:
    """What the driver runs for one notebook, written to the workspace as ``job.json``."""

    cells: list[JobCell]
    preload: list[str] = field(default_factory=list)  # modules to import before the student's code

    @property
    def cell_names(self) -> list[str]:
        return [cell.name for cell in self.cells]

    def to_json(self) -> str:
        return json.dumps(asdict(self))
