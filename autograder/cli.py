"""The autograder command: release, grade, feedback, report and check, on any nbgrader course.

autograder [--course DIR] release [ASSIGNMENT ...] [--check]
autograder [--course DIR] grade ASSIGNMENT [SUBMISSIONS] [--out DIR] [--workers N]
                                [--scheduler tcp://HOST:PORT]
autograder [--course DIR] feedback ASSIGNMENT [--out DIR]
autograder [--course DIR] report ASSIGNMENT [--out DIR]
autograder [--course DIR] check NOTEBOOK [--assignment NAME]

The course is DIR, or the nearest folder upwards with an nbgrader_config.py. This module only
parses and prints; the work is done by :mod:`autograder.api`.
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import sys
from pathlib import Path

from autograder import api
from autograder.course_dir import Course
from autograder.grading.results import Outcome, SubmissionResult
from autograder.settings import DEFAULT, MiB


def main(argv: list[str] | None = None) -> int:
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    args = _parser().parse_args(argv)
    try:
        course = Course.at(args.course) if args.course else Course.find()
        return args.run(args, course)
    except (FileNotFoundError, ValueError, RuntimeError) as exc:
        print(f"autograder: {exc}", file=sys.stderr)
        return 2


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="autograder", description=__doc__.splitlines()[0])
    _course_option(parser, default=None)
    sub = parser.add_subparsers(required=True, metavar="COMMAND")

    release = _command(
        sub, "release", cmd_release, "generate the release from the source (nbgrader)"
    )
    release.add_argument("assignments", nargs="*", help="default: every assignment")
    release.add_argument(
        "--check",
        action="store_true",
        help="change nothing; fail if the committed release is out of date",
    )

    grade = _command(sub, "grade", cmd_grade, "grade a class of submissions")
    grade.add_argument("assignment")
    grade.add_argument(
        "submissions",
        type=Path,
        nargs="?",
        help="a folder (or zip) with one sub-folder per student "
        "(default: the course's submitted/<student>/ASSIGNMENT/)",
    )
    _out_option(grade)
    limits = DEFAULT.limits
    grade.add_argument("--workers", type=int, default=None, help="default: number of cores")
    grade.add_argument(
        "--cell-timeout", type=float, default=limits.cell_seconds, help="seconds per cell"
    )
    grade.add_argument(
        "--notebook-timeout",
        type=float,
        default=limits.notebook_seconds,
        help="seconds per notebook",
    )
    grade.add_argument(
        "--memory", type=int, default=limits.memory_bytes // MiB, help="MiB per submission"
    )
    grade.add_argument(
        "--no-sandbox", action="store_true", help="run without bubblewrap (the report will say so)"
    )
    grade.add_argument(
        "--no-gradebook", action="store_true", help="do not write scores into the gradebook"
    )
    grade.add_argument(
        "--scheduler",
        metavar="tcp://HOST:PORT",
        help="grade on the workers of this Dask cluster (default: on this machine)",
    )

    feedback = _command(sub, "feedback", cmd_feedback, "write one HTML page per student again")
    feedback.add_argument("assignment")
    _out_option(feedback)

    report = _command(sub, "report", cmd_report, "write the class report again")
    report.add_argument("assignment")
    _out_option(report)

    check = _command(sub, "check", cmd_check, "grade one notebook locally, hidden tests included")
    check.add_argument("notebook", type=Path)
    check.add_argument("--assignment", help="default: the assignment that has this notebook")
    return parser


def _command(sub, name: str, run, help: str) -> argparse.ArgumentParser:
    command = sub.add_parser(name, help=help)
    _course_option(command, default=argparse.SUPPRESS)  # also accepted after the command
    command.set_defaults(run=run)
    return command


def _course_option(parser: argparse.ArgumentParser, default) -> None:
    parser.add_argument(
        "--course",
        type=Path,
        default=default,
        metavar="DIR",
        help="the nbgrader course (default: the nearest folder upwards with nbgrader_config.py)",
    )


def _out_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--out", type=Path, default=None, help="where results go (default: COURSE/out/ASSIGNMENT)"
    )


# -- commands -------------------------------------------------------------------------------------


def cmd_release(args, course: Course) -> int:
    released = api.release(course, args.assignments, check=args.check)
    release_dir = course.release_dir.relative_to(course.root)
    if not args.check:
        for name in released.assignments:
            print(f"released {name} -> {release_dir}/{name}/")
        return 0
    for name, problems in released.differences.items():
        for problem in problems:
            print(f"{name}: {problem}")
    if not released.in_sync:
        print(f"The release is out of date: run `autograder release` and commit {release_dir}/.")
        return 1
    source_dir = course.source_dir.relative_to(course.root)
    count = len(released.assignments)
    print(f"{release_dir}/ is in sync with {source_dir}/ ({count} assignment(s)).")
    return 0


def cmd_grade(args, course: Course) -> int:
    from autograder.grading import sandbox
    from autograder.grading.class_report import format_table

    if not sandbox.sandbox_available() and not args.no_sandbox:
        print(
            "warning: bubblewrap (bwrap) not found; grading WITHOUT a sandbox "
            "(install it: apt-get install bubblewrap)",
            file=sys.stderr,
        )
    limits = dataclasses.replace(
        DEFAULT.limits,
        cell_seconds=args.cell_timeout,
        notebook_seconds=args.notebook_timeout,
        memory_bytes=args.memory * MiB,
    )
    use_sandbox = False if args.no_sandbox else None
    settings = dataclasses.replace(
        DEFAULT, limits=limits, workers=args.workers, use_sandbox=use_sandbox
    )
    graded = api.grade(
        course,
        args.assignment,
        args.submissions,
        args.out,
        settings,
        gradebook=not args.no_gradebook,
        scheduler=args.scheduler,
    )
    print(format_table(graded.results))
    print(
        f"\ngrades:   {graded.grades_csv}\nfeedback: {graded.feedback_dir}/\n"
        f"report:   {graded.report}"
    )
    return 0


def cmd_feedback(args, course: Course) -> int:
    print(f"feedback: {api.feedback(course, args.assignment, args.out)}/")
    return 0


def cmd_report(args, course: Course) -> int:
    print(f"report: {api.report(course, args.assignment, args.out)}")
    return 0


def cmd_check(args, course: Course) -> int:
    result = api.check(course, args.notebook, args.assignment)
    print(f"feedback page, with your graph drawn where a check failed: {_check_page(result, args)}")
    print(render_check(result))
    return 0


def _check_page(result: SubmissionResult, args) -> Path:
    """The feedback page beside the notebook: a terminal cannot show the graph pictures."""
    from autograder.grading.feedback import render_feedback

    page = Path(args.notebook).resolve().with_name(f"{Path(args.notebook).stem}_feedback.html")
    page.write_text(render_feedback(result), encoding="utf-8")
    return page


MARKS = {Outcome.PASSED: "PASS", Outcome.FAILED: "FAIL", Outcome.NOT_RUN: "SKIP"}


def render_check(result: SubmissionResult) -> str:
    """What a learner reads in the terminal: each test, its message, the total."""
    from autograder.grading.escape import for_terminal

    lines = [f"{result.assignment}: {result.status}"]
    lines += [f"  note: {for_terminal(note)}" for note in result.notes]
    for test in result.tests:
        lines.append(
            f"[{MARKS.get(test.outcome, 'ERR ')}] {test.grade_id}  {test.score:g}/{test.points:g}"
        )
        lines += [
            f"       {for_terminal(line)}" for line in test.message.splitlines() if line.strip()
        ]
    lines.append(f"total: {result.score:g} / {result.max_score:g}")
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
