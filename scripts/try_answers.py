"""Grade an assignment's known answers (tests/submissions) and say which ones misbehave.

For authors of an assignment: faster than the full test suite because nbgrader is not run,
only our sandboxed grader, on the solution and every right and wrong answer (or those whose
name contains --only).

    .venv/bin/python scripts/try_answers.py 05_skip_connections_resnet [--only identity]
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from autograder.course_dir import Course  # noqa: E402
from autograder.grading.pipeline import Assignment, grade_class  # noqa: E402
from autograder.samples import filled  # noqa: E402
from tests import notebooks  # noqa: E402
from tests.submissions import grading_problems, right_for, wrong_for  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("assignment")
    parser.add_argument("--only", default="")
    args = parser.parse_args()
    course = Course.at(REPO)
    task = Assignment.load(args.assignment, course)
    source = course.source_notebook(args.assignment, task.notebooks[0].name)
    points = {plan.grade_id: plan.points for plan in task.plans}
    answers = [a for a in wrong_for(args.assignment) + right_for(args.assignment)
               if args.only in a.name]
    with tempfile.TemporaryDirectory(prefix="try-answers-") as tmp:
        subs = Path(tmp) / "submissions"
        for answer in answers:
            nb = filled(notebooks.read(source), answer.replace)
            (subs / answer.name).mkdir(parents=True)
            notebooks.write(nb, subs / answer.name / f"{args.assignment}.ipynb")
        results = grade_class(task, subs, Path(tmp) / "out", course_root=course, progress=False)
    by_name = {a.name: a for a in answers}
    bad = 0
    for result in results:
        problems = grading_problems(by_name[result.student_id], result, points)
        bad += bool(problems)
        scores = {t.grade_id: t.score for t in result.tests}
        print(f"{'BAD' if problems else 'ok '} {result.student_id}: {result.status} {scores}")
        for problem in problems:
            print("    " + problem.replace("\n", "\n        "))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
