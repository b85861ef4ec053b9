"""Grading speed: `autograder grade` against plain sequential `nbgrader autograde`.

Prints, for the same 20 submissions on this machine in this run:
- throughput: wall time of both and the ratio (target: ours at least 1.8x faster on 2 cores);
- overhead: our time for one notebook graded alone, divided by a plain `jupyter execute` of
  the same notebook (target: at most 1.15). Both run with ``NBGRADER_EXECUTION`` set, as
  nbgrader sets it, so the notebook trains as briefly in both and the work is the same.

    .venv/bin/python benchmarks/grading_throughput.py [ASSIGNMENT] [--n 20] [--repeat 3]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

from autograder.grading.pipeline import grade_class  # noqa: E402
from autograder.nbgrader_glue import (  # noqa: E402
    autograde,
    generate,
    make_scratch_course,
    nbgrader_env,
)
from autograder.samples import answers, filled  # noqa: E402

REPO = Path(__file__).resolve().parents[1]


def correct_notebook(assignment: str):
    import nbformat

    source = nbformat.read(str(REPO / "solutions" / assignment / f"{assignment}.ipynb"), 4)
    release = nbformat.read(str(REPO / "assignments" / assignment / f"{assignment}.ipynb"), 4)
    return filled(release, answers(source))


def timed(label: str, action) -> float:
    started = time.perf_counter()
    action()
    seconds = time.perf_counter() - started
    print(f"  {label}: {seconds:.1f} s", flush=True)
    return seconds


def main() -> None:
    import nbformat

    parser = argparse.ArgumentParser()
    parser.add_argument("assignment", nargs="?", default="01_sequential_to_functional")
    parser.add_argument("--n", type=int, default=20)
    parser.add_argument("--repeat", type=int, default=3, help="turns of the overhead measure")
    args = parser.parse_args()
    nb = correct_notebook(args.assignment)
    workers = os.cpu_count() or 1
    with tempfile.TemporaryDirectory(prefix="bench-") as tmp:
        course = make_scratch_course(REPO, into=Path(tmp) / "course")
        generate(args.assignment, course)  # registers the assignment in its gradebook
        for i in range(args.n):
            folder = course / "submitted" / f"s{i:02d}" / args.assignment
            folder.mkdir(parents=True)
            nbformat.write(nb, str(folder / f"{args.assignment}.ipynb"))
        print(f"{args.n} submissions of {args.assignment}, {workers} cores")
        theirs = timed(
            "nbgrader autograde (sequential)", lambda: autograde(course, args.assignment)
        )
        ours = timed(
            f"autograder grade (--workers {workers})",
            lambda: grade_class(
                args.assignment,
                course / "submitted",
                Path(tmp) / "ours",
                workers=workers,
                course_root=course,
                progress=False,
            ),
        )
        print(f"throughput ratio: {theirs / ours:.2f}x  (target >= 1.8x)")

        overhead(args.assignment, nb, course, Path(tmp), args.repeat)


def overhead(assignment: str, nb, course: Path, tmp: Path, repeat: int) -> None:
    """One notebook, graded alone and executed plainly, in turns; the median of each."""
    import nbformat

    single = tmp / "single" / "me"
    single.mkdir(parents=True)
    notebook = single / f"{assignment}.ipynb"
    nbformat.write(nb, str(notebook))
    plain, alone = [], []
    for turn in range(repeat):
        out = tmp / f"alone-{turn}"  # a fresh folder each turn: no result to reuse
        plain.append(
            timed(
                "jupyter execute, one notebook",
                lambda: subprocess.run(
                    [
                        sys.executable,
                        "-m",
                        "jupyter",
                        "execute",
                        "--output",
                        str(tmp / "x.ipynb"),
                        str(notebook),
                    ],
                    check=True,
                    capture_output=True,
                    env={**nbgrader_env(), "NBGRADER_EXECUTION": "autograde"},  # the same work
                    cwd=single,
                ),
            )
        )
        alone.append(
            timed(
                "autograder grade, the same notebook alone (--workers 1)",
                lambda: grade_class(
                    assignment,
                    single.parent,
                    out,  # noqa: B023 (called at once, inside this turn)
                    workers=1,
                    course_root=course,
                    progress=False,
                ),
            )
        )
    ratio = statistics.median(alone) / statistics.median(plain)
    print(f"overhead ratio (medians of {repeat}): {ratio:.2f}  (target <= 1.15)")


if __name__ == "__main__":
    main()
