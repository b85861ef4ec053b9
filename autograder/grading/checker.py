"""Run the checks of every test cell in a clean process, on the values the sandbox exported.

Nothing here trusts the student's process: the checks' code comes from the instructor's source
notebook, the values are rebuilt from plain files, and the score of a test is decided here. A
test the student's notebook never reached (it crashed or ran out of time first) is "not run",
which is not the same as failed, and the report says so. A check that breaks with anything
but a :class:`CheckFailure` or an ``AssertionError`` is the grader's problem, not the student's:
the test is an ``error`` (a human decides), and the traceback goes to the instructor's log only.
"""

from __future__ import annotations

import ast
import atexit
import json
import linecache
import os
import resource
import sys
import traceback
from pathlib import Path
from typing import Any

from autograder.errors import CheckFailure
from autograder.grading import channel, hidden, values
from autograder.grading.plan import TestPlan
from autograder.grading.results import Outcome, TestResult
from autograder.settings import DEFAULT

CHECKER_ADDRESS_SPACE = DEFAULT.checker_memory_bytes
GRADER_ERROR = "the grader could not check this test; an instructor will look at it"


def warm(uses_keras: bool) -> None:
    """Start a checker process: cap its memory, and pay the Keras import once, not per job.

    This module imports neither Keras nor nbformat at the top, so a checker that does not need
    them starts in a fraction of a second.
    """
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    resource.setrlimit(resource.RLIMIT_AS, (CHECKER_ADDRESS_SPACE, CHECKER_ADDRESS_SPACE))
    # When the pool closes, leave at once: TensorFlow's teardown takes over a second and a
    # checker has nothing left to save.
    atexit.register(os._exit, 0)
    if uses_keras:
        from autograder.course.session import quiet_tensorflow

        quiet_tensorflow()  # TensorFlow's start-up lines would litter the instructor's terminal
        import keras  # noqa: F401


def check_job(workspace: str, plans: list[TestPlan], imports: str, stopped: str):
    """What a checker process runs for one submission (picklable, module level)."""
    return check_workspace(Path(workspace), plans, imports, stopped)


def read_cell_log(workspace: Path) -> dict[str, dict]:
    """grade_id -> the probe record the driver wrote for that test cell.

    The grader writes the log from the results channel, outside the sandbox; a channel that
    carried anything but the driver's exact sequence (see :mod:`autograder.grading.channel`),
    or a log out of order, means the student's code forged messages: then no test is read
    from it and :func:`log_anomalies` says why.
    """
    if log_anomalies(workspace):
        return {}
    return {str(r["grade_id"]): r for r in _records(workspace) if r.get("kind") == "probe"}


def log_anomalies(workspace: Path) -> list[str]:
    records = _records(workspace)
    problems = channel.problems_in(workspace)
    if any(r is None for r in records):
        problems.append("the results log holds lines the grader did not write")
    cells = [r for r in records if r is not None and "index" in r]
    if [r.get("index") for r in cells] != list(range(len(cells))):
        problems.append("the results log was written to by the notebook")
    ids = [r.get("grade_id") for r in cells if r.get("kind") == "probe"]
    if len(ids) != len(set(ids)):
        problems.append("the results log reports a test twice")
    return problems


def _records(workspace: Path) -> list[dict | None]:
    log = workspace / "cells.jsonl"
    if not log.exists():
        return []
    records: list[dict | None] = []
    for line in log.read_text(errors="replace").splitlines():
        try:
            record = json.loads(line)
        except json.JSONDecodeError:
            record = None
        records.append(record if isinstance(record, dict) else None)
    return records


def check_workspace(
    workspace: Path, plans: list[TestPlan], imports: str, stopped: str = ""
) -> list[TestResult]:
    """Score every test of one submission from what its sandbox left in WORKSPACE."""
    probes = read_cell_log(workspace)
    exports = workspace / "exports"
    results = []
    for plan in plans:
        record = probes.get(plan.grade_id)
        if record is None:
            why = stopped or "the notebook stopped before reaching this test"
            results.append(TestResult(plan.grade_id, plan.points, 0.0, Outcome.NOT_RUN, why))
            continue
        results.append(run_checks(plan, record.get("probes", {}), exports, imports))
    return results


def run_checks(plan: TestPlan, probes: dict, exports: Path, imports: str) -> TestResult:
    keras = sys.modules.get("keras")
    if keras is not None:
        # Automatic names must not depend on earlier students. Python's own collector frees
        # the old models; Keras's explicit gc.collect() would cost 0.3 s per test.
        keras.utils.clear_session(free_memory=False)
        _restore_keras_config(keras)
    namespace: dict[str, Any] = {"__name__": "__grader__"}
    try:
        exec(compile(imports, "<imports>", "exec"), namespace)
        namespace["__student_value__"] = _student_value(probes, exports)
        exec(_compiled(plan.checks, f"<test {plan.grade_id}>"), namespace)
    except CheckFailure as failure:
        if hidden.raised_in_hidden_part(plan, failure.__traceback__):
            return _hidden_failure(plan, failure)
        from autograder.drawing import draw_marks  # the picture of what the check judged

        figure = draw_marks(failure.marks)
        return TestResult(
            plan.grade_id, plan.points, 0.0, Outcome.FAILED, failure.message, figure=figure
        )
    except AssertionError as failure:
        if hidden.raised_in_hidden_part(plan, failure.__traceback__):
            return _hidden_failure(plan, failure)
        message = str(failure) or "a check of this test did not hold"
        return TestResult(plan.grade_id, plan.points, 0.0, Outcome.FAILED, message)
    except Exception:  # the check itself broke: a human decides, the student is not blamed
        return TestResult(
            plan.grade_id, plan.points, 0.0, Outcome.ERROR, GRADER_ERROR, log=traceback.format_exc()
        )
    return TestResult(plan.grade_id, plan.points, plan.points, Outcome.PASSED, "")


def _hidden_failure(plan: TestPlan, failure: AssertionError) -> TestResult:
    """A hidden check failed: the student reads that it did, never the hidden values."""
    message = hidden.hidden_failure_message(failure)
    return TestResult(plan.grade_id, plan.points, 0.0, Outcome.FAILED, message)


_KERAS_DEFAULTS: dict[str, Any] = {}


def _restore_keras_config(keras: Any) -> None:
    """Put Keras's global settings back as this process found them, before every test.

    A rebuilt model may call functions while it is built or run (``keras.config.set_epsilon``
    as an activation); a checker process serves many students, so what one student's model
    changed must not change the next student's result.
    """
    config = keras.config
    if not _KERAS_DEFAULTS:
        _KERAS_DEFAULTS.update(
            epsilon=config.epsilon(),
            floatx=config.floatx(),
            image_data_format=config.image_data_format(),
            dtype_policy=config.dtype_policy().name,
        )
    config.set_epsilon(_KERAS_DEFAULTS["epsilon"])
    config.set_floatx(_KERAS_DEFAULTS["floatx"])
    config.set_image_data_format(_KERAS_DEFAULTS["image_data_format"])
    config.set_dtype_policy(_KERAS_DEFAULTS["dtype_policy"])


def _compiled(source: str, filename: str):
    """Compile SOURCE so that a traceback through it shows its lines to the instructor."""
    linecache.cache[filename] = (len(source), None, source.splitlines(True), filename)
    return compile(source, filename, "exec")


def _student_value(probes: dict, exports: Path):
    def student_value(target: str) -> Any:
        record = probes.get(target)
        if record is None:
            raise CheckFailure(
                "Running your code", f"a value for `{target}`", "nothing", "run every cell above"
            )
        if record.get("kind") == "error":
            where = f" (in {record['where']})" if record.get("where") else ""
            raise CheckFailure(
                "Running your code",
                "your code to run without an error",
                f"{record.get('ename')}: {record.get('evalue')}{where}",
                "run the visible test cell in your notebook to see the full error",
            )
        return values.load(record, exports)

    return student_value


def import_lines(sources: list[str]) -> str:
    """The import statements of the instructor's non-answer cells, for the checks' namespace."""
    lines = []
    for source in sources:
        try:
            tree = ast.parse(source)
        except SyntaxError:
            continue
        for node in tree.body:
            if isinstance(node, (ast.Import, ast.ImportFrom)):
                lines.append(ast.unparse(node))
    return "\n".join(dict.fromkeys(lines))
