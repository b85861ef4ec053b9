"""Execute every notebook under course/ and solutions/ (if present) and print its wall time.

    python benchmarks/notebook_times.py [NOTEBOOK ...]

Runs each notebook top to bottom in a fresh python3 kernel, as the test suite does, in memory:
no outputs are written anywhere. Also reports cells that wrote to stderr. The wall time includes
starting the kernel and importing TensorFlow (about 5 s on two idle CPU cores). The CPU time of
the kernel process is printed too: it changes little when other programs compete for the
cores, so it tells a slow notebook from a busy machine. Exit status 1 if a notebook failed.
"""

from __future__ import annotations

import resource
import subprocess
import sys
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError

ROOT = Path(__file__).resolve().parents[1]
CELL_TIMEOUT = 300  # seconds for any single cell


def notebooks() -> list[Path]:
    found = []
    for folder in ("course", "solutions"):
        found += sorted(
            p for p in (ROOT / folder).rglob("*.ipynb") if ".ipynb_checkpoints" not in p.parts
        )
    return found


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def run(path: Path) -> tuple[float, float, str]:
    """Execute one notebook; return (wall seconds, kernel CPU seconds, status)."""
    nb = nbformat.read(path, as_version=4)
    client = NotebookClient(
        nb,
        kernel_name="python3",
        timeout=CELL_TIMEOUT,
        resources={"metadata": {"path": str(path.parent)}},
    )
    start, cpu_start = time.perf_counter(), _children_cpu()
    try:
        # The kernel process's own log lines (not cell output) are not interesting here.
        client.execute(stderr=subprocess.DEVNULL)
    except CellExecutionError as error:
        last = str(error).strip().splitlines()[-1]
        return time.perf_counter() - start, _children_cpu() - cpu_start, f"FAILED: {last}"
    seconds = time.perf_counter() - start
    cpu = _children_cpu() - cpu_start  # the kernel has exited and been reaped by now
    noisy = [
        i
        for i, cell in enumerate(nb.cells)
        if cell.cell_type == "code"
        and any(
            o.get("output_type") == "stream" and o.get("name") == "stderr"
            for o in cell.get("outputs", [])
        )
    ]
    return seconds, cpu, f"ok, stderr in cells {noisy}" if noisy else "ok"


def main(argv: list[str]) -> int:
    paths = [Path(a).resolve() for a in argv] or notebooks()
    if not paths:
        print("no notebooks found under course/ or solutions/")
        return 0
    failed = False
    total = 0.0
    print(f"{'wall':>9s} {'cpu':>9s}  notebook")
    for path in paths:
        seconds, cpu, status = run(path)
        total += seconds
        failed |= status.startswith("FAILED")
        print(f"{seconds:7.1f} s {cpu:7.1f} s  {path.relative_to(ROOT)}  {status}", flush=True)
    print(f"{total:7.1f} s  total wall time")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
