"""The warm path: pay TensorFlow's import once per class, not once per notebook.

A cold run (``sandbox.run``) starts bubblewrap, then Python, then imports TensorFlow (5-7 s)
before the student's first line. Here one *zygote* is started inside the same bubblewrap fence
(system, environment, package and course data read-only; of the students' work, only the
class's work folder, which every child hides again), imports Keras once and waits on a control
socket. For each notebook it forks a *keeper*, which, before any student code exists:

- unshares mount, PID, IPC, network and UTS namespaces (Python 3.11 has no ``os.unshare``:
  libc's ``unshare`` and ``mount`` through ctypes);
- mounts a tmpfs over the whole work folder, so no sibling's files are visible, binds this
  submission's files read-only where the cold sandbox shows them (``/submission``), and mounts
  fresh capped tmpfs for the scratch folder, ``/tmp`` and ``/dev/shm``, as the cold path does;
- forks the *student* process, PID 1 of the new PID namespace: it mounts its own ``/proc``
  (the zygote and siblings are invisible), starts a new session, waits until the grader has
  found it (so it can always be watched and killed), takes the cold path's rlimits
  (``sandbox.rlimit_prefix``, set in-process: the zygote is single-threaded), drops to the
  submission's own uid (``sandbox.sandbox_user``: ``RLIMIT_NPROC`` counts this submission only,
  and no other child can be signalled or traced), sets no-new-privileges, keeps only the job on
  0, its output on 1 and 2 and its results channel on 3, reseeds NumPy, and runs the driver's
  ``main`` with the arguments the cold command line would give it.

When PID 1 ends, the kernel kills everything left in its namespace, so nothing survives a
notebook. The zygote never runs student code, so nothing a child changes (a module attribute
such as ``keras.config.set_epsilon``, an environment variable, a file in ``/tmp``) reaches the
next child, which is a fresh copy of the untouched zygote. The grader watches the student
process exactly as it watches a cold one (``sandbox.run`` gets a Popen-like handle): wall time
per cell and notebook, resident memory of its tree, output, and kills it the same way. What a
fork shares that separate processes would not: the string hash seed (dict and set order of
strings is the same in every child) and whatever the zygote imported; neither is a channel
between children, since nothing flows back into the zygote.

What TensorFlow tolerates across fork (measured here: TF 2.21, Keras 3, 2-core CPU, Python
3.11). Right after ``import keras`` the process has 3 OS threads (1 Python thread); they are
gone a moment later, and TensorFlow starts its inter/intra-op pools only at the first op, so a
zygote that has imported but run no op is single-threaded when it forks (it checks, and waits
briefly for stray threads). Forked children that each build and fit a small model worked 20
in a row (about 1.2 s each) and two at a time; each child starts its own pools (8 threads).
Forking after an op has run would copy a process whose pool threads are gone: the zygote
therefore never runs an op.

The warm path needs root (for the mounts and the per-child uid) and bubblewrap; when either is
missing, or the zygote fails, ``sandbox.run`` takes the cold path and the outcome says which.
"""

from __future__ import annotations

import ctypes
import json
import os
import resource
import select
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

import psutil

from autograder.settings import Limits

CLONE_NEWNS, CLONE_NEWUTS, CLONE_NEWIPC = 0x00020000, 0x04000000, 0x08000000
CLONE_NEWPID, CLONE_NEWNET = 0x20000000, 0x40000000
MS_RDONLY, MS_NOSUID, MS_NODEV, MS_NOEXEC, MS_REMOUNT = 1, 2, 4, 8, 32
MS_BIND, MS_REC, MS_PRIVATE = 4096, 16384, 1 << 18
MNT_DETACH = 2
PR_CAPBSET_DROP, PR_SET_NO_NEW_PRIVS = 24, 38
EVENTS_FD = 3  # where the student process finds its events channel
STAGE = "/.stage"  # where a keeper holds its binds while it hides the work folder
READY_SECONDS = 120.0  # the zygote's import; past this the class goes the cold way


class WarmUnavailable(RuntimeError):
    """The warm path cannot run this notebook; the caller takes the cold path."""


@dataclass
class ChildSpec:
    """What one child runs and sees, as the cold path's bwrap command would say it."""

    args: list[str]  # for the driver's main, as the cold path passes them on its command line
    env: dict[str, str]  # AUTOGRADER_EVENTS_FD becomes the child's own events descriptor
    uid: int  # the submission's own user (sandbox.sandbox_user)
    rlimits: list[str]  # sandbox.rlimit_prefix: prlimit's options, applied in-process here
    binds: list[tuple[str, str]] = field(default_factory=list)  # (host, inside), read-only
    scratch: list[str] = field(default_factory=list)  # inside paths, an empty tmpfs each
    scratch_bytes: int = 1024**3
    cwd: str = "/"
    entry: str = "driver"  # or "script": run the file args[0] (the tests' attacks)


# -- the grader's side ----------------------------------------------------------------------------


class Zygote:
    """A handle on one zygote; ``start`` forks a sandboxed child for one workspace."""

    def __init__(self, work_root: Path, limits: Limits, preload: bool = True) -> None:
        """Start the zygote now, so its import overlaps whatever the caller does next."""
        self.work_root = work_root.resolve()
        self.work_root.mkdir(parents=True, exist_ok=True)
        self.lock = threading.Lock()
        self.ready: bool | None = None
        self.log = tempfile.TemporaryFile()  # outside the work folder: no child sees it
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        self.control = ours
        self.proc = subprocess.Popen(
            _zygote_command(self.work_root, limits, theirs.fileno(), preload),
            stdin=subprocess.DEVNULL,
            stdout=self.log,
            stderr=subprocess.STDOUT,
            pass_fds=(theirs.fileno(),),
            env=_zygote_environment(),
            start_new_session=True,
        )
        theirs.close()

    @staticmethod
    def usable() -> bool:
        from autograder.grading import sandbox

        return sandbox.sandbox_available() and os.geteuid() == 0

    def start(self, spec: ChildSpec) -> WarmProcess:
        """Fork a sandboxed child for SPEC; raise WarmUnavailable if this zygote cannot."""
        for host, _ in spec.binds:
            if not Path(host).resolve().is_relative_to(self.work_root):
                raise WarmUnavailable(f"{host} is outside the zygote's work folder")
        if not spec.rlimits:
            raise WarmUnavailable("no rlimits to apply (prlimit is missing)")
        pipes = [os.pipe() for _ in range(5)]  # stdin, output, events, status, go
        ours = [pipes[0][1], pipes[1][0], pipes[2][0], pipes[3][0], pipes[4][1]]
        theirs = [pipes[0][0], pipes[1][1], pipes[2][1], pipes[3][1], pipes[4][0]]
        try:
            self._send(asdict(spec), theirs)
        except WarmUnavailable:
            _close(ours)
            raise
        finally:
            _close(theirs)
        return WarmProcess(self.proc.pid, *ours)

    def _send(self, job: dict, fds: list[int]) -> None:
        with self.lock:
            if self.ready is None:
                self.ready = self._wait_ready()
            if not self.ready:
                raise WarmUnavailable(f"the zygote did not start: {self.failure()}")
            try:
                socket.send_fds(self.control, [json.dumps(job).encode()], fds)
            except OSError as exc:
                self.ready = False
                raise WarmUnavailable(f"the zygote is gone: {exc}") from exc

    def _wait_ready(self) -> bool:
        readable, _, _ = select.select([self.control], [], [], READY_SECONDS)
        if not readable:
            return False
        message = self.control.recv(4096)
        return message.startswith(b"ready")

    def failure(self) -> str:
        self.log.seek(0)
        return self.log.read()[-2000:].decode(errors="replace").strip() or "no message"

    def close(self) -> None:
        self.control.close()
        try:
            os.killpg(self.proc.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
        self.proc.wait()
        self.log.close()


class WarmProcess:
    """The student process of one warm child, as much of a Popen as ``sandbox.run`` uses."""

    def __init__(
        self, zygote_pid: int, stdin_w: int, out_r: int, events_r: int, status_r: int, go_w: int
    ) -> None:
        self.stdout = os.fdopen(out_r, "rb")
        self.events_fd = events_r  # the caller reads it, as it reads the cold driver's
        self.status = os.fdopen(status_r, "rb")
        self.returncode: int | None = None
        self.ended = threading.Event()
        try:
            self.pid = self._host_pid(zygote_pid)
            os.write(go_w, b"g")  # only a child we can watch and kill may start
        except Exception:
            self.stdout.close()
            self.status.close()
            _close([events_r, stdin_w])
            raise
        finally:
            os.close(go_w)
        self.stdin = os.fdopen(stdin_w, "wb")
        threading.Thread(target=self._await_end, daemon=True).start()

    def _host_pid(self, zygote_pid: int) -> int:
        line = _read_line(self.status, 30.0)
        try:
            inner = int(json.loads(line)["pid"])
        except (ValueError, KeyError, TypeError) as exc:
            raise WarmUnavailable(f"the zygote did not fork: {line[:200]!r}") from exc
        for _ in range(100):  # the child is waiting for our go: it cannot vanish meanwhile
            pid = _host_pid_of(zygote_pid, inner)
            if pid is not None:
                return pid
            time.sleep(0.01)
        raise WarmUnavailable("the zygote's child cannot be found")

    def _await_end(self) -> None:
        code = None
        for line in self.status:
            try:
                code = int(json.loads(line)["returncode"])
            except (ValueError, KeyError, TypeError):
                pass
        self.status.close()
        self.returncode = code if code is not None else -signal.SIGKILL
        self.ended.set()

    def wait(self, timeout: float | None = None) -> int | None:
        if not self.ended.wait(timeout):
            raise subprocess.TimeoutExpired("warm child", timeout)
        return self.returncode


def start_driver(
    zygote: Zygote, workspace: Path, scratch: Path, env: dict[str, str], limits: Limits, uid: int
) -> WarmProcess:
    """The driver on WORKSPACE as the cold path's bwrap would show it (``sandbox._command``)."""
    from autograder.grading import sandbox

    spec = ChildSpec(
        args=[str(sandbox.SUBMISSION), str(scratch)],
        env=env,
        uid=uid,
        rlimits=sandbox.rlimit_prefix(limits, uid),
        binds=[(str(workspace / "files"), str(sandbox.SUBMISSION))],
        scratch=[str(scratch), "/tmp", "/dev/shm"],
        scratch_bytes=limits.disk_bytes,
        cwd=str(scratch),
    )
    return zygote.start(spec)


def _close(fds: list[int]) -> None:
    for fd in fds:
        os.close(fd)


def _read_line(stream, seconds: float) -> bytes:
    readable, _, _ = select.select([stream], [], [], seconds)
    return stream.readline(4096) if readable else b""


def _host_pid_of(ancestor: int, inner_pid: int) -> int | None:
    """The host pid of a descendant whose pid in the zygote's namespace is INNER_PID."""
    try:
        descendants = psutil.Process(ancestor).children(recursive=True)
    except psutil.Error:
        return None
    for proc in descendants:
        try:
            status = Path(f"/proc/{proc.pid}/status").read_text()
        except OSError:
            continue
        for line in status.splitlines():
            if line.startswith("NSpid:"):
                ids = line.split()[1:]
                # host, bwrap's namespace, the child's own (where it is 1)
                if len(ids) == 3 and ids[1] == str(inner_pid):
                    return proc.pid
    return None


def _zygote_command(work_root: Path, limits: Limits, control_fd: int, preload: bool) -> list[str]:
    from autograder.grading import sandbox

    serve = [sys.executable, "-m", "autograder.grading.warm", str(control_fd), str(work_root)]
    serve += ["keras"] if preload else []
    args = ["bwrap", "--die-with-parent", "--new-session", "--cap-add", "ALL"]
    args += ["--unshare-ipc", "--unshare-pid", "--unshare-net", "--unshare-uts"]
    args += ["--unshare-cgroup-try", "--proc", "/proc", "--dev", "/dev", "--tmpfs", "/tmp"]
    args += sandbox.read_only_view(limits, work_root)
    args += ["--bind", str(work_root), str(work_root), "--dir", STAGE, "--chdir", "/"]
    return args + ["--"] + serve


def _zygote_environment() -> dict[str, str]:
    return {
        "PATH": f"{Path(sys.executable).parent}:/usr/bin:/bin",
        "LANG": "C.UTF-8",
        "TF_CPP_MIN_LOG_LEVEL": "3",
        "PYTHONDONTWRITEBYTECODE": "1",
        "PYTHONWARNINGS": "ignore",
        "OMP_NUM_THREADS": "1",
        "MPLBACKEND": "Agg",
        "HOME": "/tmp",
    }


# -- inside the fence: the zygote -----------------------------------------------------------------

_libc = ctypes.CDLL(None, use_errno=True)


def _check(result: int, what: str) -> None:
    if result != 0:
        errno = ctypes.get_errno()
        raise OSError(errno, f"{what}: {os.strerror(errno)}")


def _mount(source: str, target: str, fstype: str | None, flags: int, data: str = "") -> None:
    _check(
        _libc.mount(
            source.encode(),
            target.encode(),
            fstype.encode() if fstype else None,
            flags,
            data.encode() if data else None,
        ),
        f"mount {target}",
    )


def serve(control_fd: int, work_root: str, preload: bool) -> None:
    """The zygote: import once, then fork a child per request until the grader hangs up."""
    control = socket.socket(fileno=control_fd)
    _import_once(preload)
    control.send(f"ready {_os_threads()} threads".encode())
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)  # the kernel reaps the keepers
    while True:
        try:
            message, fds, _, _ = socket.recv_fds(control, 65536, 5)
        except OSError:
            return
        if not message:
            return  # the grader closed the socket
        _wait_single_threaded()
        sys.stdout.flush()
        sys.stderr.flush()
        if os.fork() == 0:
            _keeper(control, json.loads(message), fds, work_root)
        for fd in fds:
            os.close(fd)


def _import_once(preload: bool) -> None:
    """Everything a driver imports, and Keras, but no op: TensorFlow's pools start at the first."""
    from IPython.core.interactiveshell import InteractiveShell  # noqa: F401

    from autograder.grading import driver, values  # noqa: F401

    if preload:
        from autograder.course.session import quiet_tensorflow

        quiet_tensorflow()
        import keras  # noqa: F401


def _os_threads() -> int:
    return len(os.listdir("/proc/self/task"))


def _wait_single_threaded() -> None:
    """fork copies only the calling thread: a lock held by another would stay held forever."""
    for _ in range(200):
        if _os_threads() == 1:
            return
        time.sleep(0.01)
    print(f"warning: forking with {_os_threads()} threads", file=sys.stderr, flush=True)


def _keeper(control: socket.socket, job: dict, fds: list[int], work_root: str) -> None:
    """Fence one child off, fork the student process into it, report how it ended."""
    code = 70
    try:
        control.close()
        signal.signal(signal.SIGCHLD, signal.SIG_DFL)
        status_w = fds[3]
        flags = CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWIPC | CLONE_NEWNET | CLONE_NEWUTS
        _check(_libc.unshare(flags), "unshare")
        _private_view(job, work_root)
        pid = os.fork()
        if pid == 0:
            _student(job, fds)
        _close([fd for fd in fds if fd != status_w])
        os.write(status_w, (json.dumps({"pid": pid}) + "\n").encode())
        _, status = os.waitpid(pid, 0)
        returncode = os.waitstatus_to_exitcode(status)
        os.write(status_w, (json.dumps({"returncode": returncode}) + "\n").encode())
        code = 0
    except BaseException as exc:
        print(f"keeper failed: {exc!r}", file=sys.stderr, flush=True)
    os._exit(code)


def _private_view(job: dict, work_root: str) -> None:
    """Of the work folder, only this child's binds (read-only); fresh tmpfs for scratch."""
    _mount("none", "/", None, MS_REC | MS_PRIVATE)
    _mount("tmpfs", STAGE, "tmpfs", MS_NOSUID | MS_NODEV, "size=1m,mode=0700")
    staged = []
    for n, (host, _) in enumerate(job["binds"]):
        stage = f"{STAGE}/{n}"
        os.mkdir(stage)
        _mount(host, stage, None, MS_BIND | MS_REC)
        staged.append(stage)
    _mount("tmpfs", work_root, "tmpfs", MS_NOSUID | MS_NODEV, "size=1m,mode=0755")
    for stage, (_, inside) in zip(staged, job["binds"], strict=True):
        os.makedirs(inside, mode=0o755, exist_ok=True)
        _mount(stage, inside, None, MS_BIND | MS_REC)
        read_only = MS_BIND | MS_REMOUNT | MS_RDONLY | MS_NOSUID | MS_NODEV
        _mount("none", inside, None, read_only)
    _check(_libc.umount2(STAGE.encode(), MNT_DETACH), "umount staging")
    for place in job["scratch"]:
        os.makedirs(place, mode=0o755, exist_ok=True)
        options = f"size={job['scratch_bytes']},mode=1777"
        _mount("tmpfs", place, "tmpfs", MS_NOSUID | MS_NODEV, options)


def _student(job: dict, fds: list[int]) -> None:
    """PID 1 of its namespace: own /proc, own session, limits, own uid, then the driver."""
    code = 71
    stdin_r, out_w, events_w, status_w, go_r = fds
    try:
        os.close(status_w)
        _mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC)
        os.setsid()
        if os.read(go_r, 1) != b"g":
            os._exit(72)  # the grader cannot watch us: do not start
        _take_limits(job["rlimits"])
        _drop_bounding_set()
        uid = job["uid"]
        os.setgroups([])
        os.setresgid(uid, uid, uid)
        os.setresuid(uid, uid, uid)
        _check(_libc.prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0), "no_new_privs")
        _keep_only(stdin_r, out_w, events_w)
        os.environ.clear()
        os.environ.update({**job["env"], "AUTOGRADER_EVENTS_FD": str(EVENTS_FD)})
        os.chdir(job["cwd"])
        _reseed()
        code = _run_entry(job["entry"], job["args"])
    except BaseException as exc:
        print(f"the warm child failed: {exc!r}", file=sys.stderr, flush=True)
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    finally:
        os._exit(code)  # no teardown, as the cold driver: everything is on disk


def _drop_bounding_set() -> None:
    """As the cold path's ``setpriv --bounding-set=-all``: no capability can come back."""
    for capability in range(64):
        if _libc.prctl(PR_CAPBSET_DROP, capability, 0, 0, 0) != 0:
            return  # past the last capability this kernel knows


def _reseed() -> None:
    """Siblings must not share the zygote's random state, as fresh processes would not.

    Python's ``random`` reseeds itself after fork; NumPy's global generator does not.
    """
    numpy = sys.modules.get("numpy")
    if numpy is not None:
        numpy.random.seed()


def _run_entry(entry: str, args: list[str]) -> int:
    if entry == "script":
        import runpy

        sys.argv = list(args)
        runpy.run_path(args[0], run_name="__main__")
        return 0
    from autograder.grading import driver

    return driver.main(*args)


def _take_limits(prlimit_options: list[str]) -> None:
    """The cold path's prlimit options (``--as=N``), set here: the zygote is single-threaded."""
    for option in prlimit_options:
        if not option.startswith("--") or "=" not in option:
            continue  # "prlimit" and the closing "--"
        name, value = option[2:].split("=", 1)
        limit = getattr(resource, f"RLIMIT_{name.upper()}")
        resource.setrlimit(limit, (int(value), int(value)))


def _keep_only(stdin_r: int, out_w: int, events_w: int) -> None:
    """The job on 0, output on 1 and 2, events on 3, and no other descriptor."""
    os.dup2(stdin_r, 0)
    os.dup2(out_w, 1)
    os.dup2(out_w, 2)
    os.dup2(events_w, EVENTS_FD)
    os.closerange(EVENTS_FD + 1, resource.getrlimit(resource.RLIMIT_NOFILE)[0])


if __name__ == "__main__":
    serve(int(sys.argv[1]), sys.argv[2], "keras" in sys.argv[3:])
