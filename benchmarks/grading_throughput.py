"""Grading speed: `autograder grade` against plain sequential `nbgrader autograde`.

Prints, for the same submissions on this machine in this run, and the load average beside
each figure (other work on the machine slows both sides, not always equally):
- throughput, for a class of 8 and one of 20 (``--classes``): wall time of both and the ratio
  (target: ours at least 3x faster on 2 cores);
- overhead: our time for one notebook graded alone, divided by a plain `jupyter execute` of
  the same notebook (target: at most 0.6). Both run with ``NBGRADER_EXECUTION`` set, as
  nbgrader sets it, so the notebook trains as briefly in both and the work is the same.

Ours runs the warm path (one sandboxed server imports TensorFlow, then forks a child per
notebook: autograder/grading/warm.py); ``--cold`` also times the cold path, a fresh sandbox and
a fresh TensorFlow import per notebook, for comparison.

    .venv/bin/python benchmarks/grading_throughput.py [ASSIGNMENT] [--classes 8 20]
        [--repeat 3] [--cold]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from functools import partial
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
    print(f"  {label}: {seconds:.1f} s  (load {os.getloadavg()[0]:.1f})", flush=True)
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("assignment", nargs="?", default="01_sequential_to_functional")
    parser.add_argument("--classes", type=int, nargs="+", default=[8, 20])
    parser.add_argument("--repeat", type=int, default=3, help="turns of the overhead measure")
    parser.add_argument("--cold", action="store_true", help="also time the cold path")
    args = parser.parse_args()
    nb = correct_notebook(args.assignment)
    ways = {"warm": True, "cold": False} if args.cold else {"warm": True}
    print(f"{os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f} at the start")
    with tempfile.TemporaryDirectory(prefix="bench-") as tmp:
        course = make_scratch_course(REPO, into=Path(tmp) / "course")
        generate(args.assignment, course)  # registers the assignment in its gradebook
        for n in args.classes:
            throughput(args.assignment, nb, course, Path(tmp) / f"class-{n}", n, ways)
        overhead(args.assignment, nb, course, Path(tmp), args.repeat, ways)


def throughput(assignment: str, nb, course: Path, tmp: Path, n: int, ways: dict) -> None:
    """N copies of the right answer through nbgrader, then through ours, each way asked for."""
    import shutil

    import nbformat

    submitted = course / "submitted"
    shutil.rmtree(submitted, ignore_errors=True)
    for i in range(n):
        folder = submitted / f"s{i:02d}" / assignment
        folder.mkdir(parents=True)
        nbformat.write(nb, str(folder / f"{assignment}.ipynb"))
    workers = os.cpu_count() or 1
    print(f"{n} submissions of {assignment}, {workers} cores")
    theirs = timed("nbgrader autograde (sequential)", partial(autograde, course, assignment))
    for way, warm in ways.items():
        grading = partial(grade, assignment, submitted, tmp / way, workers, course, warm)
        ours = timed(f"autograder grade, {way} (--workers {workers})", grading)
        print(f"throughput ratio, class of {n}, {way}: {theirs / ours:.2f}x  (target >= 3x)")


def overhead(assignment: str, nb, course: Path, tmp: Path, repeat: int, ways: dict) -> None:
    """One notebook, graded alone and executed plainly, in turns; the median of each."""
    import nbformat

    single = tmp / "single" / "me"
    single.mkdir(parents=True)
    notebook = single / f"{assignment}.ipynb"
    nbformat.write(nb, str(notebook))
    plain: list[float] = []
    alone: dict[str, list[float]] = {way: [] for way in ways}
    for turn in range(repeat):
        plain.append(timed("jupyter execute, one notebook", partial(execute, notebook, tmp)))
        for way, warm in ways.items():
            out = tmp / f"alone-{way}-{turn}"  # a fresh folder each turn: no result to reuse
            grading = partial(grade, assignment, single.parent, out, 1, course, warm)
            label = f"autograder grade, the same notebook alone, {way} (--workers 1)"
            alone[way].append(timed(label, grading))
    for way, times in alone.items():
        ratio = statistics.median(times) / statistics.median(plain)
        print(f"overhead ratio, {way} (medians of {repeat}): {ratio:.2f}  (target <= 0.6)")


def grade(
    assignment: str, submitted: Path, out: Path, workers: int, course: Path, warm: bool
) -> None:
    grade_class(
        assignment,
        submitted,
        out,
        workers=workers,
        course_root=course,
        progress=False,
        warm_start=warm,
    )


def execute(notebook: Path, tmp: Path) -> None:
    subprocess.run(
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
        env={**nbgrader_env(), "NBGRADER_EXECUTION": "autograde"},  # the same work as ours
        cwd=notebook.parent,
    )


if __name__ == "__main__":
    main()
