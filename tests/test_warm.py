"""The warm path's fence, attacked from inside: each test is a child trying to get out.

One zygote (one TensorFlow import) serves the whole module. Each attack is a small script
run as a warm child exactly as a notebook's driver would be (its own namespaces, user,
limits and view), and the test checks from outside that the attack failed.
"""

from __future__ import annotations

import json
import os
import tempfile
import textwrap
import threading
import time
from dataclasses import dataclass, replace
from pathlib import Path

import psutil
import pytest

from autograder.grading import pipeline, sandbox, warm
from autograder.grading.pipeline import grade_class
from autograder.settings import Limits

pytestmark = pytest.mark.skipif(
    not warm.Zygote.usable(), reason="the warm path needs root and bubblewrap"
)

SCRATCH = ["/workspace", "/tmp", "/dev/shm"]
DEFAULTS = Limits()


@dataclass
class Ended:
    returncode: int | None
    output: str
    uid: int

    def report(self) -> dict:
        """The JSON the attack printed on its last line."""
        return json.loads(self.output.strip().splitlines()[-1])


@pytest.fixture(scope="module")
def work_root():
    """Outside /tmp: a child's fresh /tmp would hide it anyway and prove nothing."""
    with tempfile.TemporaryDirectory(prefix="warm-work-", dir="/var/tmp") as folder:
        yield Path(folder)


@pytest.fixture(scope="module")
def zygote(work_root):
    server = warm.Zygote(work_root, Limits(), preload=True)
    yield server
    server.close()


def start(zygote, work_root: Path, name: str, attack: str, limits: Limits, uid: int, *args):
    files = work_root / name / "files"
    files.mkdir(parents=True, exist_ok=True)
    (files / "attack.py").write_text(textwrap.dedent(attack))
    for path in [files, *files.iterdir()]:
        os.chown(path, uid, uid)
    spec = warm.ChildSpec(
        args=["/submission/attack.py", *map(str, args)],
        env={"PATH": "/usr/bin:/bin", "HOME": "/workspace", "TF_CPP_MIN_LOG_LEVEL": "3"},
        uid=uid,
        rlimits=sandbox.rlimit_prefix(limits, uid),
        binds=[(str(files), "/submission")],
        scratch=SCRATCH,
        cwd="/workspace",
        entry="script",
    )
    child = zygote.start(spec)
    child.stdin.close()
    return child


def finish(child, uid: int, seconds: float = 120) -> Ended:
    try:
        child.wait(seconds)
    except Exception:
        sandbox._kill_tree(child)
        raise
    return Ended(child.returncode, child.stdout.read().decode(errors="replace"), uid)


def run_attack(zygote, work_root, attack: str, *args, limits: Limits = DEFAULTS) -> Ended:
    with sandbox.sandbox_user() as uid:
        child = start(zygote, work_root, f"s{uid}", attack, limits, uid, *args)
        return finish(child, uid)


# -- what a child sees ----------------------------------------------------------------------------


def test_a_child_sees_only_itself(zygote, work_root):
    (work_root / "other" / "files").mkdir(parents=True)
    (work_root / "other" / "files" / "answer.py").write_text("secret = 42\n")
    ended = run_attack(
        zygote,
        work_root,
        """
        import json, os, sys
        root = sys.argv[1]
        print(json.dumps({
            "uid": os.getuid(),
            "pids": sorted(int(p) for p in os.listdir("/proc") if p.isdigit()),
            "work": os.listdir(root),
            "other": os.path.exists(root + "/other/files/answer.py"),
            "submission": os.listdir("/submission"),
            "fds": sorted(int(fd) for fd in os.listdir("/proc/self/fd")),
        }))
        """,
        work_root,
    )
    seen = ended.report()
    assert ended.returncode == 0
    assert seen["uid"] == ended.uid != 0
    assert seen["pids"] == [1]  # neither the zygote nor a sibling
    assert seen["work"] == [] and not seen["other"]
    assert seen["submission"] == ["attack.py"]
    assert seen["fds"][:4] == [0, 1, 2, 3] and len(seen["fds"]) <= 5  # 5th: listdir's own


def test_a_running_sibling_is_invisible(zygote, work_root):
    with sandbox.sandbox_user() as uid_a, sandbox.sandbox_user() as uid_b:
        first = start(
            zygote,
            work_root,
            "sibling-a",
            """
            import time
            open("/workspace/mine.txt", "w").write("a")
            open("/tmp/mine.txt", "w").write("a")
            open("/dev/shm/mine", "w").write("a")
            time.sleep(8)
            """,
            Limits(),
            uid_a,
        )
        second = run_attack_as(
            zygote,
            work_root,
            uid_b,
            """
            import json, os
            print(json.dumps({
                "files": [p for p in ("/workspace/mine.txt", "/tmp/mine.txt", "/dev/shm/mine")
                          if os.path.exists(p)],
                "pids": len([p for p in os.listdir("/proc") if p.isdigit()]),
            }))
            """,
        )
        sandbox._kill_tree(first)
    assert second.report() == {"files": [], "pids": 1}


def run_attack_as(zygote, work_root, uid: int, attack: str, *args) -> Ended:
    return finish(start(zygote, work_root, f"s{uid}", attack, Limits(), uid, *args), uid)


# -- what a child can do --------------------------------------------------------------------------


def test_a_child_cannot_signal_or_trace_the_zygote(zygote, work_root):
    target = zygote.proc.pid  # bwrap on the host; the zygote is its child
    zygote_pids = [p.pid for p in psutil.Process(target).children(recursive=True)]
    ended = run_attack(
        zygote,
        work_root,
        """
        import ctypes, json, os, signal, sys
        libc = ctypes.CDLL(None, use_errno=True)
        results = {}
        for pid in map(int, sys.argv[1:]):
            try:
                os.kill(pid, signal.SIGKILL)
                results[f"kill {pid}"] = "sent"
            except OSError as exc:
                results[f"kill {pid}"] = exc.errno
            results[f"ptrace {pid}"] = libc.ptrace(16, pid, 0, 0)  # PTRACE_ATTACH
        try:
            os.kill(-1, signal.SIGKILL)  # everyone this user may signal: only itself
        except OSError:
            pass
        print(json.dumps(results))
        """,
        target,
        *zygote_pids,
    )
    assert "sent" not in ended.output
    assert "ptrace" in ended.output and '": 0' not in ended.output
    assert psutil.pid_exists(target)
    assert run_attack(zygote, work_root, "print('{}')").returncode == 0  # still serving


def test_nothing_a_child_starts_outlives_it(zygote, work_root):
    ended = run_attack(
        zygote,
        work_root,
        """
        import os, subprocess, time
        subprocess.Popen(["sleep", "300"], start_new_session=True)
        if os.fork() == 0:  # a daemon: double fork, new session
            os.setsid()
            if os.fork() == 0:
                time.sleep(300)
            os._exit(0)
        time.sleep(0.5)
        print("{}")
        """,
    )
    assert ended.returncode == 0
    time.sleep(0.5)
    left = [p for p in psutil.process_iter(["uids"]) if p.info["uids"].real == ended.uid]
    assert left == []


def test_a_child_changes_nothing_the_next_child_sees(zygote, work_root):
    setter = """
    import json, os, keras
    import autograder.grading.driver as driver
    keras.config.set_epsilon(0.5)
    driver.MAX_CELL_OUTPUT = 1
    os.environ["CHEAT"] = "1"
    for place in ("/tmp", "/dev/shm", "/workspace"):
        open(place + "/left-behind", "w").write("x")
    print("{}")
    """
    reader = """
    import json, os, keras
    import autograder.grading.driver as driver
    print(json.dumps({
        "epsilon": keras.config.epsilon(),
        "cap": driver.MAX_CELL_OUTPUT,
        "env": os.environ.get("CHEAT"),
        "files": [p for p in ("/tmp", "/dev/shm", "/workspace")
                  if os.path.exists(p + "/left-behind")],
    }))
    """
    assert run_attack(zygote, work_root, setter).returncode == 0
    seen = run_attack(zygote, work_root, reader).report()
    assert seen == {"epsilon": 1e-07, "cap": 20_000, "env": None, "files": []}


def test_siblings_do_not_share_the_zygotes_random_state(zygote, work_root):
    draw = "import json, random, numpy\nprint(json.dumps([random.random(), numpy.random.rand()]))"
    first = run_attack(zygote, work_root, draw).report()
    second = run_attack(zygote, work_root, draw).report()
    assert first[0] != second[0] and first[1] != second[1]


def test_a_child_cannot_write_outside_its_scratch_or_regain_root(zygote, work_root):
    ended = run_attack(
        zygote,
        work_root,
        """
        import ctypes, json, os
        libc = ctypes.CDLL(None, use_errno=True)
        tried = {}
        for path in ("/submission/attack.py", "/usr/evil", "/evil"):
            try:
                open(path, "a").write("x")
                tried[path] = "written"
            except OSError as exc:
                tried[path] = exc.errno
        tried["remount"] = libc.mount(b"none", b"/submission", None, 32 | 4096, None)
        tried["setuid"] = libc.setuid(0)
        for line in open("/proc/self/status"):
            if line.startswith(("CapEff", "CapPrm", "CapBnd", "CapAmb", "NoNewPrivs")):
                name, value = line.split()
                tried[name] = value
        print(json.dumps(tried))
        """,
    )
    assert "written" not in ended.output
    tried = ended.report()
    assert tried["remount"] == -1 and tried["setuid"] == -1
    assert tried["NoNewPrivs:"] == "1"
    assert {tried[f"Cap{kind}:"] for kind in ("Eff", "Prm", "Bnd", "Amb")} == {"0" * 16}


# -- limits, per child ----------------------------------------------------------------------------


def test_memory_is_capped_per_child(zygote, work_root):
    limits = replace(Limits(), address_space_bytes=6 * 1024**3)
    ended = run_attack(
        zygote,
        work_root,
        """
        try:
            block = bytearray(7 * 1024**3)
            print('{"allocated": true}')
        except MemoryError:
            print('{"allocated": false}')
        """,
        limits=limits,
    )
    assert ended.report() == {"allocated": False}


THREADS = """
import json, sys, threading, time
started = 0
try:
    for _ in range(int(sys.argv[1])):
        threading.Thread(target=time.sleep, args=(float(sys.argv[2]),), daemon=True).start()
        started += 1
except RuntimeError:
    pass
print(json.dumps({"started": started}))
"""


def test_processes_are_capped_per_child(zygote, work_root):
    limits = replace(Limits(), processes=40)
    ended = run_attack(zygote, work_root, THREADS, 200, 5, limits=limits)
    assert ended.report()["started"] < 40


def test_cpu_time_is_capped_per_child(zygote, work_root):
    limits = replace(Limits(), cpu_seconds=1)
    ended = run_attack(zygote, work_root, "while True:\n    pass\n", limits=limits)
    assert ended.returncode is not None and ended.returncode < 0  # SIGXCPU, then SIGKILL


def test_one_childs_thread_bomb_leaves_a_sibling_its_share(zygote, work_root):
    limits = replace(Limits(), processes=40)
    bomb = """
    import threading, time
    try:
        while True:
            threading.Thread(target=time.sleep, args=(6,), daemon=True).start()
    except RuntimeError:
        time.sleep(6)
    """
    with sandbox.sandbox_user() as uid_a, sandbox.sandbox_user() as uid_b:
        first = start(zygote, work_root, "bomb", bomb, limits, uid_a)
        time.sleep(2)
        counter = start(zygote, work_root, "counter", THREADS, limits, uid_b, 30, 1)
        second = finish(counter, uid_b)
        sandbox._kill_tree(first)
    assert second.report() == {"started": 30}


def test_children_run_side_by_side_and_fit_models(zygote, work_root):
    """The fork-safety measure of the module docstring, kept as a test: TF after fork."""
    fit = """
    import json, numpy as np, keras
    model = keras.Sequential([keras.Input((8,)), keras.layers.Dense(4), keras.layers.Dense(1)])
    model.compile("adam", "mse")
    x = np.random.default_rng(0).random((64, 8))
    history = model.fit(x, x.sum(1), epochs=2, verbose=0)
    print(json.dumps({"loss": float(history.history["loss"][-1])}))
    """
    results: list[Ended] = []

    def one() -> None:
        results.append(run_attack(zygote, work_root, fit))

    threads = [threading.Thread(target=one) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert [r.returncode for r in results] == [0, 0, 0]
    assert all(r.report()["loss"] > 0 for r in results)


# -- the same grades, warm or cold ----------------------------------------------------------------


@pytest.fixture
def paths(monkeypatch) -> dict[str, list[str]]:
    """Workspace name -> the path (warm, or cold and why) of each sandbox.run, as it happens."""
    seen: dict[str, list[str]] = {}
    real_run = sandbox.run

    def recording_run(workspace, *args, **kw):
        outcome = real_run(workspace, *args, **kw)
        seen.setdefault(Path(workspace).name, []).append(outcome.path)
        return outcome

    monkeypatch.setattr(sandbox, "run", recording_run)
    return seen


def grade_both_ways(paths, tmp_path: Path, assignment: str, submissions: Path, **kwargs):
    """Grade SUBMISSIONS twice, cold then warm: student -> ((status, scores), path), per way."""
    graded = {}
    for way in ("cold", "warm"):
        results = grade_class(
            assignment,
            submissions,
            tmp_path / way,
            warm_start=way == "warm",
            progress=False,
            **kwargs,
        )
        graded[way] = {
            r.student_id: (
                (str(r.status), {t.grade_id: t.score for t in r.tests}),
                paths[r.student_id][-1],
            )
            for r in results
        }
    return graded


def test_a_dead_zygote_sends_the_class_the_cold_way(paths, monkeypatch, tmp_path):
    from tests.test_grading_pipeline import ASSIGNMENT, FIXTURE, GOOD, LIMITS, notebook_with, save

    def dead_zygote(task, work_dir, *args):
        server = warm.Zygote(work_dir, LIMITS, preload=False)
        os.killpg(server.proc.pid, 9)
        server.proc.wait()
        return server

    monkeypatch.setattr(pipeline, "_zygote", dead_zygote)
    save(tmp_path / "submissions" / "good", notebook_with(GOOD))
    (result,) = grade_class(
        ASSIGNMENT,
        tmp_path / "submissions",
        tmp_path / "out",
        limits=LIMITS,
        course_root=FIXTURE,
        progress=False,
    )
    assert {t.grade_id: t.score for t in result.tests} == {"test_squares": 2.0, "test_mean": 3.0}
    assert paths["good"][0].startswith("cold: the zygote did not start")


def test_the_fixture_class_grades_the_same_warm_and_cold(paths, tmp_path):
    from tests.test_grading_pipeline import ASSIGNMENT, FIXTURE, GOOD, LIMITS, notebook_with, save

    subs = tmp_path / "submissions"
    save(subs / "good", notebook_with(GOOD))
    save(subs / "blank", notebook_with())
    save(subs / "partial", notebook_with({"squares": GOOD["squares"]}))
    save(subs / "syntax_error", notebook_with({**GOOD, "squares": "def squares(n)\n    return"}))
    save(subs / "infinite_loop", notebook_with({**GOOD, "mean": "while True:\n    pass"}))
    save(subs / "os_exit", notebook_with({**GOOD, "mean": "import os\nos._exit(0)"}))
    hook = "get_ipython().events.register('pre_run_cell', lambda *a: None)\n"
    save(subs / "hook", notebook_with({**GOOD, "squares": hook + GOOD["squares"]}))
    graded = grade_both_ways(paths, tmp_path, ASSIGNMENT, subs, limits=LIMITS, course_root=FIXTURE)
    cold = {s: grades for s, (grades, _) in graded["cold"].items()}
    warm_ = {s: grades for s, (grades, _) in graded["warm"].items()}
    assert warm_ == cold
    assert {p for _, p in graded["cold"].values()} == {"cold"}
    assert {p for _, p in graded["warm"].values()} == {"warm"}
    assert cold["good"][1] == {"test_squares": 2.0, "test_mean": 3.0}
    assert cold["infinite_loop"][0] == "timed_out" and cold["hook"][0] == "tampered"


@pytest.mark.slow
def test_assignment_01_grades_the_same_warm_and_cold(paths, tmp_path):
    from autograder.samples import filled
    from tests import notebooks
    from tests.submissions import right_for, wrong_for

    assignment = "01_sequential_to_functional"
    repo = Path(__file__).resolve().parents[1]
    source = notebooks.read(repo / "solutions" / assignment / f"{assignment}.ipynb")
    subs = tmp_path / "submissions"
    answers = {"solution": {}, **{a.name: a.replace for a in wrong_for(assignment)[:2]}}
    answers[right_for(assignment)[0].name] = right_for(assignment)[0].replace
    for name, replace_cells in answers.items():
        (subs / name).mkdir(parents=True)
        notebooks.write(filled(source, replace_cells), subs / name / f"{assignment}.ipynb")
    graded = grade_both_ways(paths, tmp_path, assignment, subs)
    cold = {s: grades for s, (grades, _) in graded["cold"].items()}
    assert {s: grades for s, (grades, _) in graded["warm"].items()} == cold
    assert {p for _, p in graded["warm"].values()} == {"warm"}
    assert cold["solution"][0] == "graded" and all(cold["solution"][1].values())
