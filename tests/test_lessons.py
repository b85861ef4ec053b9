"""The lessons in course/: committed clean, shaped alike, and running top to bottom quietly.

The notebook runs are marked ``slow`` (``make test-fast`` skips them). Each lesson runs in a
fresh python3 kernel, in memory (nothing is written back), with an environment that does *not*
pre-set TensorFlow's log level or Python's warning filters: the notebook must keep itself quiet.
"""

import os
import resource
import time
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parents[1]
LESSONS = sorted((ROOT / "course").glob("*.ipynb"))
CELL_TIMEOUT = 300  # seconds for any one cell: only catches hangs
# The aim is under 60 s per lesson on two idle cores, TensorFlow's import included. Wall time
# depends on what else the machine is doing, so the budget is checked on the CPU time the
# kernel process used, which hardly changes under load (benchmarks/notebook_times.py prints
# both).
CPU_BUDGET = 60
SECTIONS = ("## Objectives", "## Setup", "## Summary", "## Where this leads")

pytestmark = pytest.mark.parametrize("path", LESSONS, ids=[p.stem for p in LESSONS])


def read(path):
    return nbformat.read(path, as_version=4)


def test_lesson_is_valid_and_saved_without_outputs(path):
    nb = read(path)
    nbformat.validate(nb)
    assert nb.metadata.kernelspec.name == "python3"
    dirty = [
        i
        for i, cell in enumerate(nb.cells)
        if cell.cell_type == "code" and (cell.outputs or cell.execution_count is not None)
    ]
    assert dirty == [], f"{path.name}: cells {dirty} carry outputs; clear them before committing"


def test_lesson_has_the_course_shape(path):
    nb = read(path)
    markdown = "\n".join(c.source for c in nb.cells if c.cell_type == "markdown")
    missing = [s for s in SECTIONS if s not in markdown]
    assert missing == [], f"{path.name} lacks sections {missing}"
    codes = [c.source for c in nb.cells if c.cell_type == "code"]
    assert any(src.startswith("# Your turn") for src in codes), "no '# Your turn' code cell"
    first = codes[0]
    assert first.index("quiet_tensorflow()") < first.index("import keras"), (
        "the Setup cell must call quiet_tensorflow() before importing keras"
    )


def kernel_env():
    """The caller's environment minus anything that would quiet TensorFlow for the notebook."""
    unset = ("TF_CPP_MIN_LOG_LEVEL", "PYTHONWARNINGS", "NBGRADER_EXECUTION")
    return {k: v for k, v in os.environ.items() if k not in unset}


def children_cpu():
    """CPU seconds used by finished child processes (the kernel, once it has shut down)."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


@pytest.mark.slow
def test_lesson_runs_without_errors_or_stderr(path):
    nb = read(path)
    client = NotebookClient(
        nb,
        kernel_name="python3",
        timeout=CELL_TIMEOUT,
        resources={"metadata": {"path": str(path.parent)}},
    )
    start, cpu_start = time.perf_counter(), children_cpu()
    client.execute(env=kernel_env())  # raises CellExecutionError on the first failing cell
    seconds, cpu = time.perf_counter() - start, children_cpu() - cpu_start

    noisy = {
        i: "".join(o.text for o in cell.outputs if o.output_type == "stream")[:300]
        for i, cell in enumerate(nb.cells)
        if cell.cell_type == "code"
        and any(o.output_type == "stream" and o.name == "stderr" for o in cell.outputs)
    }
    assert noisy == {}, f"{path.name}: cells wrote to stderr: {noisy}"
    errors = [
        i
        for i, cell in enumerate(nb.cells)
        if cell.cell_type == "code" and any(o.output_type == "error" for o in cell.outputs)
    ]
    assert errors == []
    assert cpu < CPU_BUDGET, f"{path.name} used {cpu:.0f} s of CPU ({seconds:.0f} s wall)"
