"""Run the driver on one workspace, fenced in, and say how it ended.

The fence, on Linux with bubblewrap: a private mount namespace that shows only the system's
libraries, the Python environment, this package, the course data and the student's files,
read-only (never ``solutions/``, the gradebook, other students' work or the grader's record
of this one); no network; a private PID namespace that dies with us, so nothing the student
starts survives. The notebook writes only in size-capped tmpfs mounts (its working folder,
``/tmp``, ``/dev/shm``), so a disk fill stops at the cap and nothing it wrote outlives the
run. rlimits cap address space, CPU time, file size and core dumps; when we are root, each
running sandbox has a user id of its own, so the process cap is per submission. Results come
back over a checked pipe (:mod:`autograder.grading.channel`), never through a file the
notebook could write. Beside it, this process watches wall time per cell and per notebook,
resident memory of the whole tree, and how much it prints. Without bubblewrap the same limits
apply to a plain subprocess and the outcome says it was not sandboxed, so the report can warn.
"""

from __future__ import annotations

import fcntl
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import psutil

from autograder.grading import warm
from autograder.grading.channel import ChannelReader
from autograder.settings import DEFAULT_LIMITS, Limits

PACKAGE_DIR = Path(__file__).resolve().parents[1]
NOBODY = 65534
FIRST_UID, USER_COUNT = 1_500_000, 512  # one user id per running sandbox, above any real user
# A lock file per id, in one fixed place for every grading run on the machine (never $TMPDIR,
# which differs between runs): two runs must not hand one id to two sandboxes.
USER_LOCKS = Path("/tmp/autograder-sandbox-users")
SUBMISSION = Path("/submission")  # the student's files, read-only, inside the sandbox
SCRATCH = Path("/workspace")  # where the notebook runs and writes, a capped tmpfs
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
    path: str = "cold"  # "warm": forked from a zygote (warm.py); "cold: why" when it could not


def sandbox_available() -> bool:
    return shutil.which("bwrap") is not None and sys.platform.startswith("linux")


def run(
    workspace: Path,
    limits: Limits | None = None,
    use_sandbox: bool | None = None,
    cell_names: list[str] | None = None,
    zygote: warm.Zygote | None = None,
) -> Outcome:
    """Run the job in WORKSPACE; CELL_NAMES say in messages which cell hit a time limit.

    With a ZYGOTE (warm.py) the driver is forked from it, already warm, behind the same fence;
    without one, or when it cannot take the run, a fresh sandbox starts (the cold path).

    WORKSPACE holds ``job.json`` and the student's ``files/``; it becomes the grader's record
    of the run: the job and the files are gone afterwards, and only what the channel
    accepted is left (``cells.jsonl``, ``exports/``, see :mod:`autograder.grading.channel`).
    The sandbox sees the files read-only and never sees the record.
    """
    limits = limits or DEFAULT_LIMITS
    workspace = workspace.resolve()
    sandboxed = sandbox_available() if use_sandbox is None else use_sandbox
    job_file = workspace / "job.json"
    job = job_file.read_bytes()
    job_file.unlink()
    kinds = [cell["kind"] for cell in json.loads(job)["cells"]]
    with sandbox_user(sandboxed) as uid, _scratch(workspace, sandboxed) as scratch:
        if uid is not None:
            _hand_over(workspace / "files", uid)
        outcome = _run_driver(
            workspace, scratch, job, kinds, limits, sandboxed, uid, cell_names, zygote
        )
    shutil.rmtree(workspace / "files", ignore_errors=True)
    return outcome


def _run_driver(
    workspace: Path,
    scratch: Path,
    job: bytes,
    kinds: list[str],
    limits: Limits,
    sandboxed: bool,
    uid: int | None,
    cell_names: list[str] | None,
    zygote: warm.Zygote | None = None,
) -> Outcome:
    started = time.time()
    proc, read_fd, path = _start(workspace, scratch, limits, sandboxed, uid, zygote)
    threading.Thread(target=_feed, args=(proc.stdin, job), daemon=True).start()
    output = _CappedReader(proc.stdout, limits.output_bytes)
    channel = ChannelReader(read_fd, kinds, workspace, limits.channel_bytes)
    outcome = _watch(proc, channel, limits, started, cell_names or [])
    _kill_tree(proc)
    output.join()
    channel.join()
    outcome.sandboxed = sandboxed
    outcome.seconds = time.time() - started
    outcome.returncode = proc.returncode
    outcome.raw_output = output.text()
    outcome.path = path
    if outcome.status == "finished" and not channel.finished:
        outcome.status = "crashed"
        outcome.reason = _crash_reason(proc.returncode)
    return outcome


def _start(
    workspace: Path,
    scratch: Path,
    limits: Limits,
    sandboxed: bool,
    uid: int | None,
    zygote: warm.Zygote | None,
) -> tuple[subprocess.Popen | warm.WarmProcess, int, str]:
    """The driver's process, the read end of its channel, and which path started it."""
    path = "cold"
    if zygote is not None and sandboxed and uid is not None:
        env = _environment(scratch, warm.EVENTS_FD)
        try:
            proc = warm.start_driver(zygote, workspace, scratch, env, limits, uid)
            return proc, proc.events_fd, "warm"
        except (warm.WarmUnavailable, OSError) as exc:
            path = f"cold: {exc}"[:300]
    read_fd, write_fd = os.pipe()
    command = rlimit_prefix(limits, uid) + _command(workspace, scratch, sandboxed, uid, limits)
    proc = subprocess.Popen(
        command,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        pass_fds=(write_fd,),
        env=_environment(scratch, write_fd),
        start_new_session=True,  # no preexec_fn: it is unsafe while other threads run
    )
    os.close(write_fd)
    return proc, read_fd, path


def _feed(stdin, job: bytes) -> None:
    """Hand the job to the driver on its stdin: it is never a file the student could read."""
    try:
        stdin.write(job)
        stdin.close()
    except OSError:
        pass  # the driver died before reading it; the outcome says so


def _watch(
    proc: subprocess.Popen,
    events: ChannelReader,
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


def _crash_reason(returncode: int | None) -> str:
    if returncode is not None and returncode < 0:
        try:
            name = signal.Signals(-returncode).name
        except ValueError:
            name = f"signal {-returncode}"
        return f"the Python process died ({name})"
    return f"the Python process exited early (exit code {returncode})"


# -- the fence ------------------------------------------------------------------------------------


def _command(
    workspace: Path, scratch: Path, sandboxed: bool, uid: int | None, limits: Limits
) -> list[str]:
    driver = [sys.executable, "-m", "autograder.grading.driver"]
    if not sandboxed:
        return driver + [str(workspace / "files"), str(scratch)]
    args = ["bwrap", "--die-with-parent", "--new-session"]
    args += ["--unshare-ipc", "--unshare-pid", "--unshare-net", "--unshare-uts"]
    args += ["--unshare-cgroup-try"] + ([] if uid is not None else ["--unshare-user"])
    args += ["--proc", "/proc", "--dev", "/dev"]
    # Everything the notebook can write is one of these capped tmpfs mounts: a disk fill
    # stops at the cap, and nothing it wrote outlives the sandbox.
    for place in (str(scratch), "/tmp", "/dev/shm"):
        args += ["--perms", "1777", "--size", str(limits.disk_bytes), "--tmpfs", place]
    args += read_only_view(limits, SUBMISSION)
    args += ["--ro-bind", str(workspace / "files"), str(SUBMISSION), "--chdir", str(scratch)]
    command = driver + [str(SUBMISSION), str(scratch)]
    if uid is not None:
        # bwrap binds as root (it can read /root/...), then the driver runs as this
        # submission's own user, so the process cap is this submission's alone.
        drop = [
            "setpriv",
            f"--reuid={uid}",
            f"--regid={uid}",
            "--clear-groups",
            "--inh-caps=-all",
            "--bounding-set=-all",
        ]
        return args + ["--"] + drop + command
    return args + ["--"] + command


def read_only_view(limits: Limits, mount_point: Path) -> list[str]:
    """bwrap arguments that show the system, the Python environment, this package and the
    course's data read-only, with the parents of MOUNT_POINT open: the one view that the cold
    sandbox and the warm server (warm.py) both start from."""
    args: list[str] = []
    for system_dir in SYSTEM_DIRS:
        args += ["--ro-bind-try", system_dir, system_dir]
    shared = _python_dirs() + [PACKAGE_DIR, *map(Path, limits.course_data)]
    args += _open_parents([*shared, mount_point])
    for path in shared:
        args += ["--ro-bind-try", str(path), str(path)]
    return args


@contextmanager
def _scratch(workspace: Path, sandboxed: bool) -> Iterator[Path]:
    """Where the notebook runs: a tmpfs path inside the sandbox, a throwaway folder without."""
    if sandboxed:
        yield SCRATCH
        return
    with tempfile.TemporaryDirectory(prefix="autograder-scratch-") as folder:
        yield Path(folder)


@contextmanager
def sandbox_user(sandboxed: bool = True) -> Iterator[int | None]:
    """A user id of its own for one sandbox (when we are root), held until the run ends.

    RLIMIT_NPROC counts processes and threads per user: with one shared ``nobody``, a thread
    bomb in one notebook would starve every notebook running beside it. The ids are taken
    with a lock file each, so separate grading runs on one machine never share one either.
    """
    if not sandboxed or os.geteuid() != 0:
        yield None
        return
    USER_LOCKS.mkdir(mode=0o700, parents=True, exist_ok=True)
    for uid in range(FIRST_UID, FIRST_UID + USER_COUNT):
        lock = (USER_LOCKS / f"{uid}.lock").open("w")
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            lock.close()
            continue
        if _processes_of(uid):  # a run that keeps its locks elsewhere: leave it its id
            lock.close()
            continue
        try:
            yield uid
        finally:
            _kill_user(uid)
            lock.close()
        return
    raise RuntimeError(f"all {USER_COUNT} sandbox user ids are in use")


def _kill_user(uid: int) -> None:
    """Anything still running as the submission's user goes before the id is handed on."""
    for process in _processes_of(uid):
        try:
            process.kill()
        except psutil.Error:
            pass


def _processes_of(uid: int) -> list[psutil.Process]:
    found = []
    for process in psutil.process_iter(["uids"]):
        uids = process.info["uids"]
        if uids is not None and uid in (uids.real, uids.effective):
            found.append(process)
    return found


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


def _environment(scratch: Path, events_fd: int) -> dict[str, str]:
    home = scratch / "home"  # the driver makes it, in the tmpfs
    return {
        "TMPDIR": str(scratch / "tmp"),
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


def _hand_over(files: Path, uid: int) -> None:
    """The submission's user must be able to read its files (they are bound read-only)."""
    files.mkdir(exist_ok=True)
    for path in [files, *files.rglob("*")]:
        os.chown(path, uid, uid, follow_symlinks=False)


def rlimit_prefix(limits: Limits, uid: int | None) -> list[str]:
    """The command prefix that sets the rlimits: util-linux's prlimit, then exec.

    This is the one place rlimits are applied to a notebook's process (the sandbox's tmpfs
    sizes are in :func:`_command`, the user id in :func:`sandbox_user`): anything else that
    starts a notebook's process must use it. Setting them in a ``preexec_fn`` would be
    shorter, but that may deadlock a child forked while other threads (grading other students)
    hold locks. The process cap is per user, so it needs UID, the submission's own user.
    """
    if shutil.which("prlimit") is None:
        return []  # not Linux: the wall-time, memory and output watchers below still hold
    caps = [
        "--core=0",
        f"--as={limits.address_space_bytes}",
        f"--cpu={limits.cpu_seconds}",
        f"--fsize={limits.file_bytes}",
    ]
    if uid is not None:  # counted against the submission's user, not root (who is exempt)
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
