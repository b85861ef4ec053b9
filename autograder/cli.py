"""The ``autograder`` command: release, grade, feedback, report and check.

autograder release [ASSIGNMENT ...] [--check]
autograder grade ASSIGNMENT SUBMISSIONS [--out DIR] [--workers N] [--scheduler tcp://HOST:PORT]
autograder feedback ASSIGNMENT [--out DIR]
autograder report ASSIGNMENT [--out DIR]
autograder check NOTEBOOK [--assignment NAME]
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
from pathlib import Path

from autograder.grading.results import SubmissionResult

REPO = Path(__file__).resolve().parents[1]


def main(argv: list[str] | None = None) -> int:
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    args = _parser().parse_args(argv)
    try:
        return args.run(args)
    except (FileNotFoundError, ValueError, RuntimeError) as exc:
        print(f"autograder: {exc}", file=sys.stderr)
        return 2


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="autograder", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(required=True, metavar="COMMAND")

    release = sub.add_parser("release", help="generate assignments/ from solutions/ (nbgrader)")
    release.add_argument("assignments", nargs="*", help="default: every assignment")
    release.add_argument(
        "--check",
        action="store_true",
        help="change nothing; fail if the committed release is out of date",
    )
    release.set_defaults(run=cmd_release)

    grade = sub.add_parser("grade", help="grade a class of submissions")
    grade.add_argument("assignment")
    grade.add_argument(
        "submissions", type=Path, help="a folder (or zip) with one sub-folder per student"
    )
    _out_option(grade)
    grade.add_argument("--workers", type=int, default=None, help="default: number of cores")
    grade.add_argument("--cell-timeout", type=float, default=120.0, help="seconds per cell")
    grade.add_argument("--notebook-timeout", type=float, default=600.0, help="seconds per notebook")
    grade.add_argument("--memory", type=int, default=3072, help="MiB per submission")
    grade.add_argument(
        "--no-sandbox", action="store_true", help="run without bubblewrap (the report will say so)"
    )
    grade.add_argument(
        "--no-gradebook", action="store_true", help="do not write scores into gradebook.db"
    )
    grade.add_argument(
        "--scheduler",
        metavar="tcp://HOST:PORT",
        help="grade on the workers of this Dask cluster (default: on this machine)",
    )
    grade.set_defaults(run=cmd_grade)

    feedback = sub.add_parser("feedback", help="write one HTML page per student again")
    feedback.add_argument("assignment")
    _out_option(feedback)
    feedback.set_defaults(run=cmd_feedback)

    report = sub.add_parser("report", help="write the class report again")
    report.add_argument("assignment")
    _out_option(report)
    report.set_defaults(run=cmd_report)

    check = sub.add_parser("check", help="grade one notebook locally, hidden tests included")
    check.add_argument("notebook", type=Path)
    check.add_argument("--assignment", help="default: the notebook's file name")
    check.set_defaults(run=cmd_check)
    return parser


def _out_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--out", type=Path, default=None, help="where results go (default: out/ASSIGNMENT)"
    )


def _out_dir(args) -> Path:
    return args.out or REPO / "out" / args.assignment


# -- commands -------------------------------------------------------------------------------------


def cmd_release(args) -> int:
    from autograder.nbgrader_glue import assignment_names, generate, release_differences

    names = args.assignments or assignment_names()
    if args.check:
        stale = {name: release_differences(name) for name in names}
        for name, problems in stale.items():
            for problem in problems:
                print(f"{name}: {problem}")
        if any(stale.values()):
            print("The release is out of date: run `autograder release` and commit assignments/.")
            return 1
        print(f"assignments/ is in sync with solutions/ ({len(names)} assignment(s)).")
        return 0
    for name in names:
        generate(name)
        print(f"released {name} -> assignments/{name}/")
    return 0


def cmd_grade(args) -> int:
    from autograder.grading import sandbox
    from autograder.grading.pipeline import grade_class

    out = _out_dir(args)
    if not sandbox.sandbox_available() and not args.no_sandbox:
        print(
            "warning: bubblewrap (bwrap) not found; grading WITHOUT a sandbox "
            "(install it: apt-get install bubblewrap)",
            file=sys.stderr,
        )
    limits = sandbox.Limits(
        cell_seconds=args.cell_timeout,
        notebook_seconds=args.notebook_timeout,
        memory_bytes=args.memory * 2**20,
    )
    results = grade_class(
        args.assignment,
        args.submissions,
        out,
        args.workers,
        limits,
        use_sandbox=False if args.no_sandbox else None,
        scheduler=args.scheduler,
    )
    _publish(results, out, args.assignment, gradebook=not args.no_gradebook)
    return 0


def _publish(results: list[SubmissionResult], out: Path, assignment: str, gradebook: bool):
    from autograder.grading.class_report import format_table, write_class_report
    from autograder.grading.feedback import write_feedback
    from autograder.grading.outputs import update_gradebook, write_grades_csv, write_tests_csv

    write_grades_csv(results, out / "grades.csv")
    write_tests_csv(results, out / "tests.csv")
    for result in results:
        write_feedback(result, out / "feedback")
    report = write_class_report(results, out, assignment)
    if gradebook:
        _ensure_in_gradebook(assignment)
        update_gradebook([r for r in results if r.status != "missing"], REPO, assignment)
    print(format_table(results))
    print(f"\ngrades:   {out / 'grades.csv'}\nfeedback: {out / 'feedback'}/\nreport:   {report}")


def _ensure_in_gradebook(assignment: str) -> None:
    """nbgrader records an assignment's cells when it releases it; do that if never done."""
    from nbgrader.api import MissingEntry

    from autograder.nbgrader_glue import generate, open_gradebook

    with open_gradebook(REPO) as gradebook:
        try:
            gradebook.find_assignment(assignment)
            return
        except MissingEntry:
            pass
    generate(assignment)


def _load_results(out: Path) -> list[SubmissionResult]:
    files = sorted((out / "results").glob("*.json"))
    if not files:
        raise FileNotFoundError(f"no results in {out / 'results'}: run `autograder grade` first")
    return [SubmissionResult.from_json(p.read_text()) for p in files]


def cmd_feedback(args) -> int:
    from autograder.grading.feedback import write_feedback

    out = _out_dir(args)
    for result in _load_results(out):
        write_feedback(result, out / "feedback")
    print(f"feedback: {out / 'feedback'}/")
    return 0


def cmd_report(args) -> int:
    from autograder.grading.class_report import write_class_report

    out = _out_dir(args)
    print(f"report: {write_class_report(_load_results(out), out, args.assignment)}")
    return 0


def cmd_check(args) -> int:
    notebook = args.notebook.resolve()
    if not notebook.exists():
        raise FileNotFoundError(f"no notebook at {notebook}")
    assignment = args.assignment or notebook.stem
    print(render_check(check_notebook(notebook, assignment)))
    return 0


def check_notebook(notebook: Path, assignment: str, course_root: Path = REPO) -> SubmissionResult:
    """Grade one notebook exactly as a class would be graded, in a throwaway folder."""
    from autograder.grading.pipeline import grade_class

    if not (course_root / "solutions" / assignment).exists():
        raise ValueError(f"unknown assignment {assignment!r}: pass --assignment NAME")
    with tempfile.TemporaryDirectory(prefix="autograder-check-") as tmp:
        folder = Path(tmp) / "submissions" / "me"
        folder.mkdir(parents=True)
        shutil.copy2(notebook, folder / f"{assignment}.ipynb")
        (result,) = grade_class(
            assignment,
            folder.parent,
            Path(tmp) / "out",
            workers=1,
            course_root=course_root,
            progress=False,
        )
    return result


def render_check(result: SubmissionResult) -> str:
    """What a learner reads in the terminal: each test, its message, the total."""
    lines = [f"{result.assignment}: {result.status}"]
    from autograder.grading.escape import for_terminal

    lines += [f"  note: {for_terminal(note)}" for note in result.notes]
    for test in result.tests:
        mark = {"passed": "PASS", "failed": "FAIL", "not_run": "SKIP"}.get(test.outcome, "ERR ")
        lines.append(f"[{mark}] {test.grade_id}  {test.score:g}/{test.points:g}")
        lines += [
            f"       {for_terminal(line)}" for line in test.message.splitlines() if line.strip()
        ]
    lines.append(f"total: {result.score:g} / {result.max_score:g}")
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
