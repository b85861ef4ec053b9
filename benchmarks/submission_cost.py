"""What one submission costs to grade, for sizing a cluster (docs/big-course.md).

Grades N copies of a correct submission with `grade_class`, one at a time, and prints:
- seconds per submission: wall time of the class divided by N, and the sandbox's own time;
- CPU seconds per submission (the sandboxes and the checkers), which is what a busy cluster
  pays whatever the wall clock says;
- peak resident memory of one sandbox (the student's notebook and all it started) and of the
  checker process (Keras imported once, the checks of every submission).

    .venv/bin/python benchmarks/submission_cost.py [ASSIGNMENT] [--n 4] [--workers 1]
"""

from __future__ import annotations

import argparse
import inspect
import os
import statistics
import tempfile
import threading
import time
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import psutil  # noqa: E402

from autograder.grading.pipeline import grade_class  # noqa: E402
from autograder.samples import answers, filled  # noqa: E402

REPO = Path(__file__).resolve().parents[1]


class Sampler(threading.Thread):
    """Samples this process's children: sandboxes (their whole trees) and checkers apart.

    Memory is resident set size (RSS, what a node must hold for the sandbox alone) and
    proportional set size (PSS: pages shared with other processes, a warm server's or another
    TensorFlow's, split between them). CPU time is each process's last sampled user+system
    time, summed over every process seen: getrusage misses a sandbox's processes, which die
    with their namespace unreaped.
    """

    def __init__(self) -> None:
        super().__init__(daemon=True)
        self.peaks: dict[str, int] = {}
        self.cpu: dict[tuple[int, float], float] = {}
        self.stop = False

    def run(self) -> None:
        me = psutil.Process()
        while not self.stop:
            for child in me.children():
                try:
                    is_sandbox = "multiprocessing" not in " ".join(child.cmdline())
                    tree = [child, *child.children(recursive=True)]
                except psutil.Error:
                    continue
                samples = [self._sample(p) for p in tree]
                kind = "sandbox" if is_sandbox else "checker"
                for i, measure in enumerate(("rss", "pss")):
                    key = f"{kind} {measure}"
                    self.peaks[key] = max(self.peaks.get(key, 0), sum(s[i] for s in samples))
            time.sleep(0.2)

    def _sample(self, proc: psutil.Process) -> tuple[int, int]:
        try:
            with proc.oneshot():
                times = proc.cpu_times()
                self.cpu[(proc.pid, proc.create_time())] = times.user + times.system
                full = proc.memory_full_info()
                return full.rss, full.pss
        except psutil.Error:
            return 0, 0


def correct_notebook(assignment: str):
    import nbformat

    source = nbformat.read(str(REPO / "solutions" / assignment / f"{assignment}.ipynb"), 4)
    release = nbformat.read(str(REPO / "assignments" / assignment / f"{assignment}.ipynb"), 4)
    return filled(release, answers(source))


def path_option(cold: bool) -> dict:
    """Ask for the cold path where the pipeline has a warm one (a Dask worker runs cold)."""
    if cold and "warm_start" in inspect.signature(grade_class).parameters:
        return {"warm_start": False}
    return {}


def main() -> None:
    import nbformat

    parser = argparse.ArgumentParser()
    parser.add_argument("assignment", nargs="?", default="01_sequential_to_functional")
    parser.add_argument("--n", type=int, default=4)
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument(
        "--cold", action="store_true", help="no warm server: each sandbox imports TensorFlow"
    )
    args = parser.parse_args()
    nb = correct_notebook(args.assignment)
    with tempfile.TemporaryDirectory(prefix="submission-cost-") as tmp:
        subs = Path(tmp) / "subs"
        for n in range(args.n):
            (subs / f"s{n:03d}").mkdir(parents=True)
            nbformat.write(nb, str(subs / f"s{n:03d}" / f"{args.assignment}.ipynb"))
        memory = Sampler()
        memory.start()
        started = time.perf_counter()
        results = grade_class(
            args.assignment,
            subs,
            Path(tmp) / "out",
            workers=args.workers,
            course_root=REPO,
            progress=False,
            **path_option(args.cold),
        )
        wall = time.perf_counter() - started
        memory.stop = True
        memory.join()
    statuses = sorted({r.status for r in results})
    path = "cold" if args.cold or not path_option(True) else "warm if available"
    print(f"{args.assignment}: {args.n} submissions, {args.workers} at a time, {path}, {statuses}")
    print(f"  wall time per submission: {wall / args.n:.1f} s (class: {wall:.1f} s)")
    for result in results:
        if result.status != "graded":  # a figure over a failed run would mislead
            print(f"  {result.student_id}: {result.status}: {'; '.join(result.notes)}")
    sandbox_seconds = statistics.median(r.seconds for r in results)
    print(f"  sandbox time per submission (median): {sandbox_seconds:.1f} s")
    cpu = sum(memory.cpu.values()) / args.n
    print(f"  CPU time per submission (sandbox and checks): {cpu:.1f} s")
    print(f"  load average during the run: {os.getloadavg()[1]:.1f} on {os.cpu_count()} cores")
    for kind, what in (("sandbox", "one sandbox"), ("checker", "the checker process(es)")):
        rss, pss = (memory.peaks.get(f"{kind} {m}", 0) / 2**20 for m in ("rss", "pss"))
        print(f"  peak memory of {what}: {rss:.0f} MiB resident, {pss:.0f} MiB proportional")


if __name__ == "__main__":
    main()
