"""Run the driver on one workspace, fenced in, and say how it ended.

The fence, on Linux with bubblewrap: a private mount namespace that shows only the system's
libraries, the Python environment, this package, the course data and the workspace itself
(never ``solutions/``, the gradebook or other students' work); no network; a private PID
namespace that dies with us, so nothing the student starts survives; rlimits on address space,
CPU time, file size and core dumps; when we are root, an unprivileged user so a process cap
holds. Beside it, this process watches wall time per cell and per notebook, resident memory
of the whole tree, and how much it prints. Without bubblewrap the same limits apply to a plain
subprocess and the outcome says it was not sandboxed, so the report can warn.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import psutil

from autograder.settings import DEFAULT_LIMITS, Limits

PACKAGE_DIR = Path(__file__).resolve().parents[1]
NOBODY = 65534
SYSTEM_DIRS = ("/usr", "/bin", "/sbin", "/lib", "/lib64", "/lib32", "/etc")


@dataclass
class Outcome:
    status: str  # "finished", "timed_out", "crashed", "memory"
    reason: str = ""
    seconds: float = 0.0
    sandboxed: bool = True
    returncode: int | None = None
    raw_output: str = ""
    events: list[dict] = field(default_factory=list)


def sandbox_available() -> bool:
    return shutil.which("bwrap") is not None and sys.platform.startswith("linux")


def run(
    workspace: Path,
    limits: Limits | None = None,
    use_sandbox: bool | None = None,
    cell_names: list[str] | None = None,
) -> Outcome:
    """Run the driver on WORKSPACE; CELL_NAMES say in messages which cell hit a time limit."""
    limits = limits or DEFAULT_LIMITS
    workspace = workspace.resolve()
    sandboxed = sandbox_available() if use_sandbox is None else use_sandbox
    as_nobody = sandboxed and os.geteuid() == 0
    if as_nobody:
        _hand_over(workspace)
    read_fd, write_fd = os.pipe()
    command = _rlimits(limits, as_nobody) + _command(workspace, sandboxed, as_nobody, limits)
    started = time.time()
    proc = subprocess.Popen(
        command,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        pass_fds=(write_fd,),
        env=_environment(workspace, write_fd),
        start_new_session=True,  # no preexec_fn: it is unsafe while other threads run
    )
    os.close(write_fd)
    output = _CappedReader(proc.stdout, limits.output_bytes)
    events = _EventReader(read_fd)
    outcome = _watch(proc, events, limits, started, cell_names or [])
    _kill_tree(proc)
    output.join()
    events.join()
    outcome.sandboxed = sandboxed
    outcome.seconds = time.time() - started
    outcome.returncode = proc.returncode
    outcome.raw_output = output.text()
    outcome.events = events.events
    if outcome.status == "finished" and not _driver_finished(workspace):
        outcome.status = "crashed"
        outcome.reason = _crash_reason(proc.returncode)
    return outcome


def _watch(
    proc: subprocess.Popen,
    events: _EventReader,
    limits: Limits,
    started: float,
    cell_names: list[str],
):
    while True:
        try:
            proc.wait(timeout=0.25)
            return Outcome("finished")
        except subprocess.TimeoutExpired:
            pass
        rss = _tree_rss(proc.pid)  # first: when both limits are passed, memory is the cause
        if rss > limits.memory_bytes:
            return Outcome(
                "memory", f"the notebook used more than {limits.memory_bytes // 2**20:,} MiB"
            )
        now = time.time()
        if now - started > limits.notebook_seconds:
            return Outcome(
                "timed_out", f"the notebook ran longer than {limits.notebook_seconds:.0f} s"
            )
        cell = events.running_cell()
        if cell is not None and now - cell[1] > limits.cell_seconds:
            index = cell[0]
            name = cell_names[index] if 0 <= index < len(cell_names) else f"cell {index + 1}"
            return Outcome("timed_out", f"{name} ran longer than {limits.cell_seconds:.0f} s")


def _driver_finished(workspace: Path) -> bool:
    log = workspace / "cells.jsonl"
    if not log.exists():
        return False
    lines = log.read_text(errors="replace").strip().splitlines()
    try:
        return bool(lines) and json.loads(lines[-1]).get("done") is True
    except json.JSONDecodeError:
        return False


def _crash_reason(returncode: int | None) -> str:
    if returncode is not None and returncode < 0:
        try:
            name = signal.Signals(-returncode).name
        except ValueError:
            name = f"signal {-returncode}"
        return f"the Python process died ({name})"
    return f"the Python process exited early (exit code {returncode})"


# -- the fence ------------------------------------------------------------------------------------


def _command(workspace: Path, sandboxed: bool, as_nobody: bool, limits: Limits) -> list[str]:
    driver = [sys.executable, "-m", "autograder.grading.driver", str(workspace)]
    if not sandboxed:
        return driver
    args = ["bwrap", "--die-with-parent", "--new-session"]
    args += ["--unshare-ipc", "--unshare-pid", "--unshare-net", "--unshare-uts"]
    args += ["--unshare-cgroup-try"] + ([] if as_nobody else ["--unshare-user"])
    args += ["--proc", "/proc", "--dev", "/dev", "--tmpfs", "/tmp"]
    for system_dir in SYSTEM_DIRS:
        args += ["--ro-bind-try", system_dir, system_dir]
    shared = _python_dirs() + [PACKAGE_DIR, *map(Path, limits.course_data)]
    args += _open_parents([*shared, workspace])
    for path in shared:
        args += ["--ro-bind-try", str(path), str(path)]
    args += ["--bind", str(workspace), str(workspace), "--chdir", str(workspace)]
    if as_nobody:
        # bwrap binds as root (it can read /root/...), then the driver runs as nobody, so
        # the process cap holds and nothing outside the workspace is writable.
        drop = [
            "setpriv",
            f"--reuid={NOBODY}",
            f"--regid={NOBODY}",
            "--clear-groups",
            "--inh-caps=-all",
            "--bounding-set=-all",
        ]
        return args + ["--"] + drop + driver
    return args + ["--"] + driver


def _open_parents(paths: list[Path]) -> list[str]:
    """bwrap makes missing parent folders private to root; nobody must be able to pass."""
    parents = sorted({str(p) for path in paths for p in path.parents if str(p) != "/"})
    return [
        arg
        for parent in parents
        if not _under_system_dir(parent)
        for arg in ("--perms", "0755", "--dir", parent)
    ]


def _under_system_dir(path: str) -> bool:
    """System folders are bound read-only whole; nothing can be created inside them."""
    return any(path == d or path.startswith(d + "/") for d in SYSTEM_DIRS)


def _python_dirs() -> list[Path]:
    """The interpreter and the environment's packages, wherever they live."""
    dirs = {Path(sys.prefix).resolve(), Path(sys.base_prefix).resolve()}
    dirs.add(Path(sys.executable).resolve().parent.parent)
    return sorted(dirs)


def _environment(workspace: Path, events_fd: int) -> dict[str, str]:
    home = workspace / "home"
    home.mkdir(exist_ok=True)
    return {
        "PATH": f"{Path(sys.executable).parent}:/usr/bin:/bin",
        "HOME": str(home),
        "LANG": "C.UTF-8",
        "MPLBACKEND": "Agg",
        "MPLCONFIGDIR": str(home),
        "TF_CPP_MIN_LOG_LEVEL": "3",
        "PYTHONDONTWRITEBYTECODE": "1",
        "PYTHONWARNINGS": "ignore",
        "NBGRADER_EXECUTION": "autograde",
        "AUTOGRADER_EVENTS_FD": str(events_fd),
        "OMP_NUM_THREADS": "1",
    }


def _hand_over(workspace: Path) -> None:
    """The unprivileged user must own its workspace (and nothing else)."""
    for path in [workspace, *workspace.rglob("*")]:
        os.chown(path, NOBODY, NOBODY, follow_symlinks=False)


def _rlimits(limits: Limits, as_nobody: bool) -> list[str]:
    """The command prefix that sets the rlimits: util-linux's prlimit, then exec.

    Setting them in a ``preexec_fn`` would be shorter, but that may deadlock a child forked
    while other threads (grading other students) hold locks.
    """
    if shutil.which("prlimit") is None:
        return []  # not Linux: the wall-time, memory and output watchers below still hold
    caps = [
        "--core=0",
        f"--as={limits.address_space_bytes}",
        f"--cpu={limits.cpu_seconds}",
        f"--fsize={limits.file_bytes}",
    ]
    if as_nobody:  # counted against nobody, not against root (who is exempt)
        caps.append(f"--nproc={limits.processes}")
    return ["prlimit", *caps, "--"]


# -- watching -------------------------------------------------------------------------------------


def _tree_rss(pid: int) -> int:
    try:
        root = psutil.Process(pid)
        procs = [root, *root.children(recursive=True)]
    except psutil.Error:
        return 0
    total = 0
    for p in procs:
        try:
            total += p.memory_info().rss
        except psutil.Error:
            pass
    return total


def _kill_tree(proc: subprocess.Popen) -> None:
    try:
        victims = psutil.Process(proc.pid).children(recursive=True)
    except psutil.Error:
        victims = []
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass
    for p in victims:
        try:
            p.kill()
        except psutil.Error:
            pass
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        pass


class _CappedReader(threading.Thread):
    """Drains a pipe so the child never blocks, keeping only the first LIMIT bytes."""

    def __init__(self, stream, limit: int) -> None:
        super().__init__(daemon=True)
        self.stream, self.limit = stream, limit
        self.kept = bytearray()
        self.dropped = 0
        self.start()

    def run(self) -> None:
        for chunk in iter(lambda: self.stream.read(65536), b""):
            room = self.limit - len(self.kept)
            self.kept += chunk[: max(room, 0)]
            self.dropped += max(0, len(chunk) - max(room, 0))

    def text(self) -> str:
        note = f"\n[... {self.dropped:,} bytes dropped]" if self.dropped else ""
        return self.kept.decode(errors="replace") + note


class _EventReader(threading.Thread):
    """Reads the driver's progress events; a forged event can only mistime a limit."""

    def __init__(self, fd: int) -> None:
        super().__init__(daemon=True)
        self.stream = os.fdopen(fd, "rb")
        self.events: list[dict] = []
        self.current: tuple[int, float] | None = None
        self.start()

    def run(self) -> None:
        for line in self.stream:
            if len(self.events) > 10_000:
                continue
            try:
                event = json.loads(line)
            except (json.JSONDecodeError, UnicodeDecodeError):
                continue
            if not isinstance(event, dict):
                continue
            self.events.append(event)
            if event.get("event") == "cell_start":
                self.current = (int(event.get("index", -1)), time.time())
            elif event.get("event") == "cell_end":
                self.current = None

    def running_cell(self) -> tuple[int, float] | None:
        return self.current
