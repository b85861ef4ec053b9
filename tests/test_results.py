"""The records of a grading run: one vocabulary of statuses, and the grader's own errors.

A check that breaks (anything but a CheckFailure or a failed assert) is the grader's fault: the
test is an ``error``, the submission needs a human, and the traceback reaches the instructor's
log only, never the student's page.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from autograder.grading import checker
from autograder.grading.feedback import render_feedback
from autograder.grading.outputs import write_tests_csv
from autograder.grading.pipeline import _log_grader_errors
from autograder.grading.plan import TestPlan
from autograder.grading.results import (
    Job,
    JobCell,
    Outcome,
    RunEnd,
    Status,
    SubmissionResult,
    TestResult,
)

# A saved result in the shape grader version 1 wrote (before enums, notebooks and logs).
VERSION_1_JSON = json.dumps(
    {
        "student_id": "ada",
        "assignment": "01",
        "status": "timed_out",
        "tests": [{"grade_id": "t1", "points": 2.0, "score": 0.0, "outcome": "not_run"}],
        "notes": ["cell 3 ran longer than 120 s"],
        "seconds": 12.5,
        "sandboxed": True,
        "input_digest": "abc",
    }
)


def plan(checks: str) -> TestPlan:
    return TestPlan("t1", 2.0, source=checks, checks=checks)


def checked(checks: str, tmp_path: Path) -> TestResult:
    return checker.run_checks(plan(checks), {}, tmp_path, imports="")


def test_statuses_are_their_words_everywhere():
    assert Status.GRADED == "graded" and f"{Status.TIMED_OUT}" == "timed_out"
    assert {"graded": 1}[Status.GRADED] == 1
    assert json.dumps([Outcome.NOT_RUN]) == '["not_run"]'
    assert Status("crashed") is Status.CRASHED


def test_only_graded_and_missing_need_no_human():
    assert {s for s in Status if not s.needs_human} == {Status.GRADED, Status.MISSING}


def test_every_way_a_run_ends_has_one_status():
    assert [end.status for end in RunEnd] == [
        Status.GRADED,
        Status.TIMED_OUT,
        Status.CRASHED,
        Status.CRASHED,
    ]


def test_a_result_saved_by_version_1_reads_back_with_enums():
    result = SubmissionResult.from_json(VERSION_1_JSON)
    assert result.status is Status.TIMED_OUT and result.needs_human
    assert result.tests[0].outcome is Outcome.NOT_RUN and result.tests[0].log == ""


def test_a_result_round_trips_through_json():
    result = SubmissionResult.from_json(VERSION_1_JSON)
    assert SubmissionResult.from_json(result.to_json()) == result


def test_an_unknown_status_is_refused_not_guessed():
    with pytest.raises(ValueError, match="'passed_ish'"):
        SubmissionResult("ada", "01", "passed_ish")


def test_a_check_that_holds_passes(tmp_path):
    result = checked("assert 1 + 1 == 2", tmp_path)
    assert result.outcome is Outcome.PASSED and result.score == 2.0


def test_a_failed_assert_is_the_students_failure(tmp_path):
    result = checked("assert 1 == 2, 'one is not two'", tmp_path)
    assert (result.outcome, result.message, result.log) == (Outcome.FAILED, "one is not two", "")


def test_a_check_failure_is_the_students_failure(tmp_path):
    checks = "from autograder.errors import CheckFailure\nraise CheckFailure('Size', 3, 4)"
    result = checked(checks, tmp_path)
    assert result.outcome is Outcome.FAILED and "expected: 3" in result.message


def test_a_broken_check_is_an_error_for_a_human_with_the_traceback_in_the_log(tmp_path):
    result = checked("secret_threshold = 1\nratio = secret_threshold / 0", tmp_path)
    assert result.outcome is Outcome.ERROR and result.score == 0.0
    assert result.message == checker.GRADER_ERROR
    assert "ZeroDivisionError" in result.log and "secret_threshold / 0" in result.log
    submission = SubmissionResult("ada", "01", Status.GRADED, [result])
    assert submission.needs_human


def test_the_traceback_never_reaches_the_students_page_or_tests_csv(tmp_path):
    result = checked("secret_threshold = 1\nratio = secret_threshold / 0", tmp_path)
    submission = SubmissionResult("ada", "01", Status.GRADED, [result])
    page = render_feedback(submission)
    assert "secret_threshold" not in page and "ZeroDivisionError" not in page
    csv_text = write_tests_csv([submission], tmp_path / "tests.csv").read_text()
    assert "secret_threshold" not in csv_text and checker.GRADER_ERROR in csv_text


def test_the_traceback_goes_to_the_instructors_log(tmp_path):
    result = checked("ratio = 1 / 0", tmp_path)
    log = tmp_path / "grader.log"
    _log_grader_errors(SubmissionResult("ada", "01", Status.GRADED, [result]), log)
    _log_grader_errors(SubmissionResult("bob", "01", Status.GRADED, []), log)
    text = log.read_text()
    assert text.startswith("== ada / t1: error\n") and "ZeroDivisionError" in text
    assert "bob" not in text


def test_a_job_is_written_as_the_json_the_driver_reads():
    job = Job(
        [JobCell("code", "code cell 1", source="x = 1"), JobCell("probe", "t", grade_id="t1")],
        ["keras"],
    )
    data = json.loads(job.to_json())
    assert data["preload"] == ["keras"] and job.cell_names == ["code cell 1", "t"]
    assert data["cells"][0] == {
        "kind": "code",
        "name": "code cell 1",
        "source": "x = 1",
        "grade_id": "",
        "imports": "",
        "probes": [],
    }
