"""Grading speed: `autograder grade` against plain sequential `nbgrader autograde`.

Prints, for the same 20 submissions on this machine in this run:
- throughput: wall time of both and the ratio (target: ours at least 1.8x faster on 2 cores);
- overhead: our time for one notebook graded alone, divided by a plain `jupyter execute` of
  the same notebook (target: at most 1.15).

    .venv/bin/python benchmarks/grading_throughput.py [ASSIGNMENT] [--n 20]
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

from autograder.grading.pipeline import grade_class  # noqa: E402
from autograder.nbgrader_glue import REPO, autograde, make_scratch_course, nbgrader_env  # noqa: E402
from autograder.samples import answers, filled  # noqa: E402


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
    args = parser.parse_args()
    nb = correct_notebook(args.assignment)
    workers = os.cpu_count() or 1
    with tempfile.TemporaryDirectory(prefix="bench-") as tmp:
        course = make_scratch_course(into=Path(tmp) / "course")
        shutil.copytree(REPO / "assignments", course / "assignments", dirs_exist_ok=True)
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

        single = Path(tmp) / "single" / "me" / args.assignment
        single.mkdir(parents=True)
        notebook = single / f"{args.assignment}.ipynb"
        nbformat.write(nb, str(notebook))
        plain = timed(
            "jupyter execute, one notebook",
            lambda: subprocess.run(
                [
                    sys.executable,
                    "-m",
                    "jupyter",
                    "execute",
                    "--output",
                    str(Path(tmp) / "x.ipynb"),
                    str(notebook),
                ],
                check=True,
                capture_output=True,
                env=nbgrader_env(),
                cwd=single,
            ),
        )
        alone = timed(
            "autograder grade, the same notebook alone (--workers 1)",
            lambda: grade_class(
                args.assignment,
                single.parent.parent,
                Path(tmp) / "alone",
                workers=1,
                course_root=course,
                progress=False,
            ),
        )
        print(f"overhead ratio: {alone / plain:.2f}  (target <= 1.15)")


if __name__ == "__main__":
    main()
