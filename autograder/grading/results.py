"""The records a grading run produces, as small dataclasses that round-trip through JSON.

Every submission ends as exactly one :class:`SubmissionResult` with one status; feedback pages,
the class report, ``grades.csv`` and the gradebook are all written from these records.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path

STATUSES = ("graded", "timed_out", "crashed", "malformed", "missing", "tampered")
NEEDS_HUMAN = frozenset({"timed_out", "crashed", "malformed", "tampered"})


@dataclass
class TestResult:
    grade_id: str
    points: float
    score: float
    outcome: str  # "passed", "failed", "error" (the grader itself failed), "not_run"
    message: str = ""  # what the student reads: never a test's source

    @property
    def passed(self) -> bool:
        return self.outcome == "passed"


@dataclass
class SubmissionResult:
    student_id: str
    assignment: str
    status: str
    tests: list[TestResult] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # why the status, in plain words
    seconds: float = 0.0
    sandboxed: bool = True
    input_digest: str = ""  # what was graded, for resuming an interrupted run

    @property
    def score(self) -> float:
        return round(sum(t.score for t in self.tests), 6)

    @property
    def max_score(self) -> float:
        return round(sum(t.points for t in self.tests), 6)

    @property
    def needs_human(self) -> bool:
        return self.status in NEEDS_HUMAN or any(t.outcome == "error" for t in self.tests)

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
