"""The grading pipeline against real submissions: honest work, faults and attacks.

Everything runs on a small fixture assignment without TensorFlow (tests/fixtures/course), so a
class of submissions grades in seconds. One batch holds every attack at once: each must score
nothing for what it tried to fake, get the right status, and leave the others untouched.
"""

from __future__ import annotations

import hashlib
import os
import socket
import threading
from pathlib import Path

import nbformat
import psutil
import pytest

from autograder import api
from autograder.course_dir import Course
from autograder.grading import pipeline, sandbox
from autograder.grading.pipeline import grade_class

FIXTURE = Path(__file__).parent / "fixtures" / "course"
ASSIGNMENT = "00_fixture"
RELEASE = FIXTURE / "assignments" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb"
GOOD = {
    "squares": "def squares(n):\n    return [i ** 2 for i in range(n)]",
    "mean": "def mean(xs):\n    return sum(xs) / len(xs)",
}
LIMITS = sandbox.Limits(cell_seconds=6, notebook_seconds=60, memory_bytes=1024**3)

pytestmark = pytest.mark.skipif(not sandbox.sandbox_available(), reason="needs bubblewrap")


def grade_fixture(submissions: Path, out: Path, workers: int = 2, limits=LIMITS):
    """Grade SUBMISSIONS of the fixture assignment, quietly, with the tests' tight limits."""
    return grade_class(
        ASSIGNMENT,
        submissions,
        out,
        workers=workers,
        limits=limits,
        course_root=FIXTURE,
        progress=False,
    )


def notebook_with(answers: dict[str, str] | None = None, before: str = ""):
    """The released notebook with answer cells filled in (and a first cell, if given)."""
    nb = nbformat.read(str(RELEASE), as_version=4)
    for cell in nb.cells:
        grade_id = cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")
        if answers and grade_id in answers:
            cell.source = answers[grade_id]
    if before:
        nb.cells.insert(1, nbformat.v4.new_code_cell(before))
    return nb


def save(folder: Path, nb, name: str = f"{ASSIGNMENT}.ipynb") -> None:
    folder.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, str(folder / name))


def graded_cell(nb, grade_id: str):
    return next(c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id") == grade_id)


# The server a network attempt would reach if the sandbox let it out.
class Listener:
    def __init__(self) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen()
        self.sock.settimeout(0.5)
        self.port = self.sock.getsockname()[1]
        self.connections = 0
        self.stop = False
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self) -> None:
        while not self.stop:
            try:
                conn, _ = self.sock.accept()
                self.connections += 1
                conn.close()
            except OSError:
                pass

    def close(self) -> None:
        self.stop = True
        self.thread.join()
        self.sock.close()


def build_class(root: Path, port: int) -> None:
    save(root / "good", notebook_with(GOOD))
    save(
        root / "good_other_style",
        notebook_with(
            {
                "squares": "def squares(n):\n    out = []\n    for i in range(n):\n"
                "        out.append(i*i)\n    return out",
                "mean": "import statistics\ndef mean(xs):\n    return statistics.fmean(xs)",
            }
        ),
    )
    save(root / "blank", notebook_with())
    save(root / "partial", notebook_with({"squares": GOOD["squares"]}))
    save(root / "renamed", notebook_with(GOOD), name="my_homework.ipynb")
    (root / "invalid_json").mkdir()
    (root / "invalid_json" / f"{ASSIGNMENT}.ipynb").write_text("{ this is not json")
    (root / "missing").mkdir()
    save(root / "syntax_error", notebook_with({**GOOD, "squares": "def squares(n)\n    return"}))
    save(root / "infinite_loop", notebook_with({**GOOD, "mean": "while True:\n    pass"}))
    save(
        root / "memory_bomb",
        notebook_with(
            {**GOOD, "mean": "hog = []\nwhile True:\n    hog.append(bytearray(50_000_000))"}
        ),
    )
    save(
        root / "output_flood",
        notebook_with(
            GOOD, before="import os\nprint('x' * 5_000_000)\nos.write(1, b'y' * 5_000_000)"
        ),
    )
    save(root / "os_exit", notebook_with({**GOOD, "mean": "import os\nos._exit(0)"}))
    save(root / "segfault", notebook_with({**GOOD, "mean": "import ctypes\nctypes.string_at(0)"}))
    save(root / "sys_exit", notebook_with(GOOD, before="import sys\nsys.exit(3)"))
    save(
        root / "left_running",
        notebook_with(GOOD, before="import subprocess\nsubprocess.Popen(['sleep', '417'])"),
    )
    save(
        root / "network",
        notebook_with(
            GOOD,
            before=f"import socket\ntry:\n    socket.create_connection(('127.0.0.1', {port}), 2)"
            "\n    print('CONNECTED')\nexcept OSError as exc:\n    print('no network', exc)",
        ),
    )
    save(
        root / "transformer",
        notebook_with(
            {
                "squares": "def squares(n):\n    return []\nget_ipython().input_transformers_post"
                ".append(lambda lines: ['pass\\n'])"
            }
        ),
    )
    save(
        root / "pre_run_hook",
        notebook_with(
            {
                "squares": "def squares(n):\n    return []\n"
                "get_ipython().events.register('pre_run_cell', lambda *a: None)"
            }
        ),
    )
    save(
        root / "eq_liar",
        notebook_with(
            {
                "squares": "class Liar(list):\n    def __eq__(self, other):\n        return True\n"
                "def squares(n):\n    return Liar()",
                "mean": "class Close(float):\n    def __eq__(self, other):\n        return True\n"
                "def mean(xs):\n    return Close(0)",
            }
        ),
    )
    save(
        root / "rebind_builtins",
        notebook_with(
            {"mean": "import builtins\nbuiltins.len = lambda x: 1\ndef mean(xs):\n    return 2.8"}
        ),
    )
    save(
        root / "patch_checks",
        notebook_with(
            {
                "mean": "import math\nmath.isclose = lambda *a, **k: True\n"
                "import autograder.errors as e\ne.CheckFailure = Exception\n"
                "def mean(xs):\n    return 0"
            }
        ),
    )
    save(
        root / "custom_exc",
        notebook_with(
            {
                "mean": "get_ipython().set_custom_exc((Exception,), lambda *a, **k: None)\n"
                "def mean(xs):\n    raise ValueError('no')"
            }
        ),
    )
    save(root / "snoop", notebook_with(GOOD, before=SNOOP))
    save(
        root / "fake_success",
        notebook_with(
            before="print('All tests passed! Score: 5/5')\n"
            'print(\'{"test_squares": 2, "test_mean": 3}\')'
        ),
    )
    save(root / "fake_results", notebook_with(before=FORGE))
    deleted = notebook_with(GOOD)
    deleted.cells.remove(graded_cell(deleted, "test_mean"))
    save(root / "deleted_test", deleted)
    edited = notebook_with({"squares": "def squares(n):\n    return []", "mean": GOOD["mean"]})
    graded_cell(edited, "test_squares").source = "pass"
    save(root / "edited_test", edited)
    retyped = notebook_with(GOOD)
    graded_cell(retyped, "test_mean").metadata = {}
    save(root / "retyped_test", retyped)


REPO = Path(__file__).resolve().parents[1]
SNOOP = f"""
import os
for path in ["{REPO}/solutions", "{REPO}/gradebook.db", "../../good", "{FIXTURE}/solutions"]:
    print(path, os.path.exists(path))
for target in ["{REPO}/solutions/stolen.txt", "../../good/files/x.txt", "/x"]:
    try:
        open(target, "w").write("owned")
        print("WROTE", target)
    except OSError as exc:
        print("cannot write", target, type(exc).__name__)
"""

FORGE = """
import json, os
fake = {"kind": "probe", "grade_id": "test_squares", "index": 3,
        "probes": {"result": {"kind": "json", "value": [0, 1, 4, 9]},
                   "hidden": {"kind": "json", "value": [0, 1, 4, 9, 16, 25]}}}
with open("../cells.jsonl", "a") as f:
    f.write(json.dumps(fake) + "\\n")
open("../result.json", "w").write('{"score": 5}')
"""


def digest(folder: Path) -> str:
    h = hashlib.sha256()
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        h.update(str(path.relative_to(folder)).encode() + path.read_bytes())
    return h.hexdigest()


@pytest.fixture(scope="module")
def batch(tmp_path_factory):
    root = tmp_path_factory.mktemp("class")
    listener = Listener()
    build_class(root / "submissions", listener.port)
    before = {"submissions": digest(root / "submissions"), "fixture": digest(FIXTURE)}
    results = grade_fixture(root / "submissions", root / "out", workers=2)
    listener.close()
    after = {"submissions": digest(root / "submissions"), "fixture": digest(FIXTURE)}
    return {
        "root": root,
        "results": {r.student_id: r for r in results},
        "unchanged": before == after,
        "connections": listener.connections,
    }


def scores(result) -> dict[str, float]:
    return {t.grade_id: t.score for t in result.tests}


FULL = {"test_squares": 2.0, "test_mean": 3.0}
NONE = {"test_squares": 0.0, "test_mean": 0.0}
SQUARES_ONLY = {"test_squares": 2.0, "test_mean": 0.0}

EXPECTED = {
    # student: (status, scores)
    "good": ("graded", FULL),
    "good_other_style": ("graded", FULL),
    "blank": ("graded", NONE),
    "partial": ("graded", SQUARES_ONLY),
    "renamed": ("graded", FULL),
    "invalid_json": ("malformed", NONE),
    "missing": ("missing", NONE),
    "syntax_error": ("graded", {"test_squares": 0.0, "test_mean": 3.0}),
    "infinite_loop": ("timed_out", SQUARES_ONLY),
    "memory_bomb": ("crashed", SQUARES_ONLY),
    "output_flood": ("graded", FULL),
    "os_exit": ("crashed", SQUARES_ONLY),
    "segfault": ("crashed", SQUARES_ONLY),
    "sys_exit": ("graded", FULL),
    "left_running": ("graded", FULL),
    "network": ("graded", FULL),
    "transformer": ("tampered", NONE),
    "pre_run_hook": ("tampered", NONE),
    "eq_liar": ("graded", NONE),
    "rebind_builtins": ("tampered", NONE),
    "patch_checks": ("graded", NONE),
    "custom_exc": ("tampered", NONE),
    "snoop": ("graded", FULL),
    "fake_success": ("graded", NONE),
    "fake_results": ("graded", NONE),  # its forged log stays in its own scratch, unread
    "deleted_test": ("tampered", FULL),
    "edited_test": ("tampered", {"test_squares": 0.0, "test_mean": 3.0}),
    "retyped_test": ("tampered", FULL),
}


@pytest.mark.slow
@pytest.mark.parametrize("student", sorted(EXPECTED))
def test_each_submission_gets_its_status_and_only_the_points_it_earned(batch, student):
    result = batch["results"][student]
    status, expected = EXPECTED[student]
    assert (result.status, scores(result)) == (status, expected), result.notes


@pytest.mark.slow
def test_every_submission_ends_in_exactly_one_row(batch):
    assert sorted(batch["results"]) == sorted(EXPECTED)


@pytest.mark.slow
def test_crashes_and_timeouts_say_why_and_ask_for_a_human(batch):
    for student in ("infinite_loop", "memory_bomb", "os_exit", "segfault"):
        result = batch["results"][student]
        assert result.needs_human and result.notes
        not_run = [t for t in result.tests if t.outcome == "not_run"]
        assert not_run and all(t.message.startswith("not run") for t in not_run)
    # named so the student finds it: its place among the code cells, and its id
    assert "(`mean`) ran longer than" in " ".join(batch["results"]["infinite_loop"].notes)
    assert "MiB" in " ".join(batch["results"]["memory_bomb"].notes)


@pytest.mark.slow
def test_tampering_is_named_in_the_notes(batch):
    notes = {s: " ".join(r.notes) for s, r in batch["results"].items()}
    assert "input_transformers_post" in notes["transformer"]
    transformer = batch["results"]["transformer"].notes  # reported by two test cells
    assert len(transformer) == len(set(transformer)), "each finding once"
    assert "pre_run_cell" in notes["pre_run_hook"]
    assert "builtins.len" in notes["rebind_builtins"]
    assert "custom_exceptions" in notes["custom_exc"]
    assert "test_mean was deleted" in notes["deleted_test"]
    assert "test_squares was edited" in notes["edited_test"]


@pytest.mark.slow
def test_the_sandbox_hides_the_course_and_other_students_and_blocks_writes(batch):
    log = (batch["root"] / "out" / "work" / "snoop" / "cells.jsonl").read_text()
    assert f"{REPO}/solutions False" in log and f"{REPO}/gradebook.db False" in log
    assert "../../good False" in log and f"{FIXTURE}/solutions False" in log
    assert "WROTE" not in log
    assert batch["unchanged"]


@pytest.mark.slow
def test_no_network_and_nothing_left_running(batch):
    assert batch["connections"] == 0
    log = (batch["root"] / "out" / "work" / "network" / "cells.jsonl").read_text()
    assert "no network" in log and "CONNECTED" not in log
    leftovers = [
        p for p in psutil.process_iter(["cmdline"]) if p.info["cmdline"] == ["sleep", "417"]
    ]
    assert leftovers == []


@pytest.mark.slow
def test_output_flood_is_capped(batch):
    log = batch["root"] / "out" / "work" / "output_flood" / "cells.jsonl"
    assert log.stat().st_size < 200_000
    assert "characters of output dropped" in log.read_text()


@pytest.mark.slow
def test_a_second_run_reuses_every_result_and_gives_the_same_grades(batch, monkeypatch):
    calls = []
    real = pipeline.grade_submission
    monkeypatch.setattr(
        pipeline, "grade_submission", lambda *a, **k: calls.append(a) or real(*a, **k)
    )
    again = grade_fixture(batch["root"] / "submissions", batch["root"] / "out", workers=2)
    regraded = {call[1] for call in calls}
    assert regraded <= {"missing", "invalid_json"}  # nothing to cache for those
    for result in again:
        if result.student_id not in regraded:
            assert scores(result) == scores(batch["results"][result.student_id])


class Interrupted(BaseException):
    """Like KeyboardInterrupt (not an Exception), without stopping pytest itself."""


def test_an_interrupted_run_resumes_where_it_stopped(tmp_path, monkeypatch):
    for name in ("a", "b", "c"):
        save(tmp_path / "subs" / name, notebook_with(GOOD))
    real = pipeline.grade_submission
    seen: list[str] = []
    interrupted: list[str] = []

    def flaky(task, student, *args, **kwargs):
        seen.append(student)
        if student == "c" and not interrupted:
            interrupted.append(student)
            raise Interrupted  # as if the instructor pressed Ctrl-C
        return real(task, student, *args, **kwargs)

    monkeypatch.setattr(pipeline, "grade_submission", flaky)
    with pytest.raises(Interrupted):
        grade_fixture(tmp_path / "subs", tmp_path / "out", workers=1)
    done_before = {p.stem for p in (tmp_path / "out" / "results").glob("*.json")}
    seen.clear()
    results = grade_fixture(tmp_path / "subs", tmp_path / "out", workers=1)
    assert set(seen) == {"a", "b", "c"} - done_before
    assert [scores(r) for r in results] == [FULL] * 3


def test_check_agrees_with_grade(tmp_path):
    save(tmp_path / "subs" / "me", notebook_with({"squares": GOOD["squares"]}))
    (graded,) = grade_fixture(tmp_path / "subs", tmp_path / "out", workers=1)
    checked = api.check(
        Course.at(FIXTURE), tmp_path / "subs" / "me" / f"{ASSIGNMENT}.ipynb", ASSIGNMENT
    )
    assert (checked.status, scores(checked)) == (graded.status, scores(graded))
    assert [t.message for t in checked.tests] == [t.message for t in graded.tests]


def test_batch_of_a_hundred_with_ten_faulty(tmp_path):
    faulty = {
        "f_loop": ("timed_out", {**GOOD, "mean": "while True:\n    pass"}),
        "f_exit": ("crashed", {**GOOD, "mean": "import os\nos._exit(1)"}),
        "f_segv": ("crashed", {**GOOD, "mean": "import ctypes\nctypes.string_at(0)"}),
        "f_hook": (
            "tampered",
            {
                **GOOD,
                "mean": GOOD["mean"] + "\nget_ipython().events"
                ".register('pre_run_cell', lambda *a: None)",
            },
        ),
        "f_exc": (
            "tampered",
            {
                **GOOD,
                "mean": GOOD["mean"] + "\nget_ipython()"
                ".set_custom_exc((Exception,), lambda *a, **k: None)",
            },
        ),
    }
    root = tmp_path / "subs"
    for i in range(90):
        save(root / f"s{i:03d}", notebook_with(GOOD))
    for name, (_, answers) in faulty.items():
        save(root / name, notebook_with(answers))
    (root / "f_json").mkdir()
    (root / "f_json" / f"{ASSIGNMENT}.ipynb").write_text("]")
    (root / "f_empty").mkdir()
    save(root / "f_two", notebook_with(GOOD), name="a.ipynb")
    save(root / "f_two", notebook_with(GOOD), name="b.ipynb")
    edited = notebook_with(GOOD)
    graded_cell(edited, "test_squares").source = "print('ok')"
    save(root / "f_edit", edited)
    deleted = notebook_with(GOOD)
    deleted.cells.remove(graded_cell(deleted, "test_squares"))
    save(root / "f_delete", deleted)
    expected_status = {name: status for name, (status, _) in faulty.items()}
    expected_status |= {
        "f_json": "malformed",
        "f_empty": "missing",
        "f_two": "malformed",
        "f_edit": "tampered",
        "f_delete": "tampered",
    }
    before = digest(root)
    results = grade_fixture(root, tmp_path / "out", workers=2)
    assert len(results) == 100
    by_id = {r.student_id: r for r in results}
    assert all(by_id[f"s{i:03d}"].status == "graded" for i in range(90))
    assert all(scores(by_id[f"s{i:03d}"]) == FULL for i in range(90))
    assert {s: by_id[s].status for s in expected_status} == expected_status
    assert digest(root) == before
    assert os.listdir(tmp_path / "out" / "work")  # each submission had its own workspace


@pytest.mark.skipif(os.geteuid() != 0, reason="the process cap needs a dedicated user")
def test_fork_bomb_is_capped_and_cleaned_up(tmp_path):
    bomb = "import os\nwhile True:\n    try:\n        os.fork()\n    except OSError:\n        pass"
    save(tmp_path / "subs" / "bomber", notebook_with(GOOD, before=bomb))
    limits = sandbox.Limits(cell_seconds=5, notebook_seconds=30, processes=64)
    (result,) = grade_fixture(tmp_path / "subs", tmp_path / "out", workers=1, limits=limits)
    assert result.status in ("timed_out", "crashed") and result.needs_human
    assert scores(result) == NONE
    assert left_running(tmp_path) == []


def left_running(workspaces: Path) -> list:
    """Sandboxed processes of this test still alive (other gradings may run meanwhile)."""
    found = []
    for process in psutil.process_iter(["uids"]):
        uids = process.info["uids"]
        first, count = sandbox.FIRST_UID, sandbox.USER_COUNT
        if uids is None or not first <= uids.real < first + count:
            continue
        try:
            home = process.environ().get("HOME", "")
        except (psutil.NoSuchProcess, psutil.AccessDenied):
            continue
        if home.startswith(str(workspaces)):
            found.append(process)
    return found


def test_a_test_cell_kept_with_its_hidden_tests_is_not_an_edit():
    """A notebook made from the instructor's source (its hidden tests still in) is no cheat."""
    from autograder.grading.intake import _unedited

    original = "x = f(1)\nassert x == 1\n### BEGIN HIDDEN TESTS\ny = f(2)\n### END HIDDEN TESTS\n"
    assert _unedited("x = f(1)\nassert x == 1\n", original)
    assert _unedited(original, original)
    assert not _unedited("x = f(1)\n", original)
    assert not _unedited(original.replace("f(2)", "f(3)"), original)
