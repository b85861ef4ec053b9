"""Run the checks of every test cell in a clean process, on the values the sandbox exported.

Nothing here trusts the student's process: the checks' code comes from the instructor's source
notebook, the values are rebuilt from plain files, and the score of a test is decided here. A
test the student's notebook never reached (it crashed or ran out of time first) is "not run",
which is not the same as failed, and the report says so.
"""

from __future__ import annotations

import ast
import json
from pathlib import Path
from typing import Any

from autograder.errors import CheckFailure
from autograder.grading import values
from autograder.grading.plan import TestPlan
from autograder.grading.results import TestResult


def read_cell_log(workspace: Path) -> dict[str, dict]:
    """grade_id -> the probe record the driver wrote for that test cell."""
    log = workspace / "cells.jsonl"
    found: dict[str, dict] = {}
    if not log.exists():
        return found
    for line in log.read_text(errors="replace").splitlines():
        try:
            record = json.loads(line)
        except json.JSONDecodeError:
            continue
        if isinstance(record, dict) and record.get("kind") == "probe" and record.get("grade_id"):
            found.setdefault(str(record["grade_id"]), record)
    return found


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
            results.append(TestResult(plan.grade_id, plan.points, 0.0, "not_run", why))
            continue
        results.append(run_checks(plan, record.get("probes", {}), exports, imports))
    return results


def run_checks(plan: TestPlan, probes: dict, exports: Path, imports: str) -> TestResult:
    import keras

    keras.utils.clear_session()
    namespace: dict[str, Any] = {"__name__": "__grader__"}
    try:
        exec(compile(imports, "<imports>", "exec"), namespace)
        namespace["__student_value__"] = _student_value(probes, exports)
        exec(compile(plan.checks, f"<test {plan.grade_id}>", "exec"), namespace)
    except CheckFailure as failure:
        return TestResult(plan.grade_id, plan.points, 0.0, "failed", failure.message)
    except AssertionError as failure:
        message = str(failure) or "a check of this test did not hold"
        return TestResult(plan.grade_id, plan.points, 0.0, "failed", message)
    except Exception as exc:  # a check met a value it could not handle
        message = f"{type(exc).__name__}: {str(exc)[:500]}"
        return TestResult(plan.grade_id, plan.points, 0.0, "failed", message)
    return TestResult(plan.grade_id, plan.points, plan.points, "passed", "")


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
