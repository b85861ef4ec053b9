"""``make demo``: what the grader sees, then a class graded end to end.

Part 1 reads three reference architectures (ResNet50, U-Net, the keras.io toy ResNet) and a
few wrong variants, prints the graph report of each, and runs the checks that apply, so you can
see a passing verdict and a teaching failure side by side. Part 2, when sample submissions are
present, releases assignments, grades a small class in the sandbox, writes feedback and a class
report, and prints the grades table.
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Callable

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")


def verdict(check: Callable[[], object]) -> str:
    from autograder.errors import CheckFailure

    try:
        check()
    except CheckFailure as failure:
        return "FAIL\n" + "\n".join("      " + line for line in failure.message.splitlines())
    return "pass"


def graph_tour() -> None:
    import keras

    from autograder import reference_models as ref
    from autograder.checks import check_param_counts, check_residual_blocks, check_unet_skips
    from autograder.graph import ModelGraph
    from autograder.report import graph_report

    cases = [
        ("ResNet50 (Deep Learning Specialization sizes)", ref.resnet50_dls, [
            ("23,600,006 parameters", lambda g: check_param_counts(g, total=23_600_006)),
            ("12 identity + 4 projection residual merges",
             lambda g: check_residual_blocks(g, identity=12, projection=4,
                                             activation_after_merge=True)),
        ]),
        ("U-Net (Deep Learning Specialization sizes)", ref.unet_dls, [
            ("8,640,471 parameters", lambda g: check_param_counts(g, total=8_640_471)),
            ("4 skips, one per level, taken before pooling",
             lambda g: check_unet_skips(g, levels=4)),
        ]),
        ("keras.io toy ResNet", ref.toy_resnet_keras_io, [
            ("223,242 parameters", lambda g: check_param_counts(g, total=223_242)),
            ("2 identity merges", lambda g: check_residual_blocks(g, identity=2, projection=0)),
        ]),
        ("a 'U-Net-like' model with residuals only", ref.residual_segmenter, [
            ("U-Net skips", lambda g: check_unet_skips(g)),
        ]),
    ]
    for title, build, checks in cases:
        keras.utils.clear_session()
        started = time.perf_counter()
        graph = ModelGraph.from_model(build())
        print(f"\n=== {title}  (built and read in {time.perf_counter() - started:.1f} s)")
        print(graph_report(graph))
        for label, check in checks:
            print(f"  check: {label}: {verdict(lambda c=check, g=graph: c(g))}")


DEMO_ASSIGNMENTS = ("01_sequential_to_functional", "05_skip_connections_resnet")


def class_demo(assignments: tuple[str, ...] = DEMO_ASSIGNMENTS) -> None:
    from autograder import cli
    from autograder.course_dir import Course
    from autograder.samples import sample_class

    course = Course.find()
    ready = [a for a in assignments if course.notebooks(a)]
    if not ready:
        print(f"(no assignment {', '.join(assignments)} in {course.source_dir}: nothing to grade)")
        return
    cli.main(["--course", str(course.root), "release", *ready])
    for assignment in ready:
        out = course.out_dir(assignment, "out/demo")
        right, wrong = known_answers(assignment)
        students = sample_class(assignment, out / "submissions", course, right, wrong)
        print(f"\n=== grading {len(students)} sample submissions of {assignment}")
        cli.main(["--course", str(course.root), "grade", assignment, str(out / "submissions"),
                  "--out", str(out), "--cell-timeout", "60", "--notebook-timeout", "300"])


def known_answers(assignment: str) -> tuple[list, list]:
    """This course's right answers in other styles and known mistakes, from its test suite
    (absent when the package runs without the repository's tests)."""
    try:
        from tests import submissions
    except ImportError:
        return [], []
    return submissions.right_for(assignment), submissions.wrong_for(assignment)


def main() -> int:
    print("Part 1: the model graph, as the grader reads it")
    graph_tour()
    print("\nPart 2: grading a class (release, grade, feedback, report)")
    class_demo()
    return 0


if __name__ == "__main__":
    sys.exit(main())
