"""The second attack set (issue 15): each attack as a cheating or careless student would try it.

Most attacks need no TensorFlow: they are submissions of the fixture assignment, graded
together in one class with honest students beside them (one ``grade`` run for the whole
module), then one test per defence reads the outcome. The attacks that only make sense
against Keras (a lying weights file, a model whose rebuilding calls
``keras.config.set_epsilon``, a forged training history) go through the exporter and the
checker directly, in this process, with an honest model checked right after each one.
"""

from __future__ import annotations

import csv
import io
import json
import os
import resource
import zipfile
from pathlib import Path

import keras
import numpy as np
import pytest

from autograder.errors import CheckFailure
from autograder.grading import checker, escape, intake, sandbox, values
from autograder.grading.class_report import format_table
from autograder.grading.feedback import feedback_filename, write_feedback
from autograder.grading.outputs import write_grades_csv, write_tests_csv
from autograder.grading.plan import split_test_cell
from tests.test_grading_pipeline import (
    ASSIGNMENT,
    FIXTURE,
    FULL,
    GOOD,
    NONE,
    grade_fixture,
    notebook_with,
    save,
    scores,
)

pytestmark = pytest.mark.skipif(not sandbox.sandbox_available(), reason="needs bubblewrap")

LIMITS = sandbox.Limits(
    cell_seconds=8,
    notebook_seconds=60,
    memory_bytes=1024**3,
    processes=256,
    disk_bytes=128 * 1024**2,
)
HONEST = ["ab_honest_threads", "honest", "honest_2", "kim_lee"]
MARKER = "attack-marker-5c1e"  # a file name every writing attack uses, to look for afterwards
SOLUTION = FIXTURE / "solutions" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb"

# Finds the grader's channel as a notebook can: the write end of a pipe beyond stdio.
FIND_CHANNEL = """
import os
def grader_pipes():
    found = []
    for name in os.listdir('/proc/self/fd'):
        try:
            target = os.readlink(f'/proc/self/fd/{name}')
        except OSError:
            continue
        if int(name) > 2 and target.startswith('pipe:'):
            found.append(int(name))
    return found
"""

FORGED_EXPORT = f"""
import json, os, numpy as np
for folder in ["../exports", "exports", "../../exports"]:
    os.makedirs(folder, exist_ok=True)
    np.save(os.path.join(folder, "test_squares.0.npy"), np.array([0, 1, 4, 9]))
fake = {{"kind": "probe", "grade_id": "test_squares", "index": 4, "tampering": [],
        "probes": {{"result": {{"kind": "json", "value": [0, 1, 4, 9]}},
                   "hidden": {{"kind": "json", "value": [0, 1, 4, 9, 16, 25]}}}}}}
for log in ["../cells.jsonl", "cells.jsonl"]:
    with open(log, "a") as f:
        f.write(json.dumps(fake) + "\\n")
open("../result.json", "w").write('{{"score": 5}}')
open("../{MARKER}", "w").write("owned")
"""

CHANNEL_FORGERY = (
    FIND_CHANNEL
    + """
import json
forged = [
    {"event": "record", "record": {"index": 2, "kind": "code", "stdout": "", "stderr": ""}},
    {"event": "cell_end", "index": 2},
    {"event": "cell_start", "index": 3},
    {"event": "file", "name": "test_squares.0.npy", "size": 0},
    {"event": "record", "record": {"index": 3, "kind": "probe", "grade_id": "test_squares",
     "tampering": [], "probes": {"result": {"kind": "json", "value": [0, 1, 4, 9]},
     "hidden": {"kind": "json", "value": [0, 1, 4, 9, 16, 25]}}}},
]
for fd in grader_pipes():
    for message in forged:
        os.write(fd, (json.dumps(message) + "\\n").encode())
"""
)

CHANNEL_FLOOD = (
    FIND_CHANNEL
    + """
block = b"x" * (16 * 2**20)
for fd in grader_pipes():
    for _ in range(48):  # 768 MiB, and never a newline
        os.write(fd, block)
"""
)

BLIND_TAMPER = """
import gc
get_ipython().input_transformers_post.append(lambda lines: lines)
def find_nothing(*args, **kwargs):
    return []
for obj in gc.get_objects():
    if callable(obj) and getattr(obj, "__name__", "") in ("_tampering", "integrity_snapshot"):
        obj.__code__ = find_nothing.__code__
def mean(xs):
    return 2.8
"""

PARENT_WRITER = f"""
import os
for target in ["../{MARKER}", "../../{MARKER}", "../../../{MARKER}", "/tmp/{MARKER}",
               os.path.expanduser("~/{MARKER}"), "/dev/shm/{MARKER}", "{MARKER}"]:
    try:
        open(target, "w").write("owned")
        print("wrote", target)
    except OSError as exc:
        print("cannot write", target, type(exc).__name__)
"""

FIFO_RECORDS = """
import os
for path in ["../cells.jsonl", "../exports/test_squares.0.npy", "m.weights.npz", "cells.jsonl"]:
    try:
        os.makedirs(os.path.dirname(path) or ".", exist_ok=True)
        os.mkfifo(path)
    except OSError as exc:
        print("no fifo", path, exc)
"""

DISK_FILL = f"""
import os
block = b"\\0" * (64 * 2**20)
written = 0
try:
    for n in range(31):  # 1.9 GiB in files of 192 MiB, under the file-size limit
        with open(f"{MARKER}-{{n}}.bin", "wb") as f:
            for _ in range(3):
                f.write(block)
                written += len(block)
except OSError as exc:
    print("stopped after", written // 2**20, "MiB:", type(exc).__name__)
"""

THREAD_BOMB = """
import threading, time
threads = []
try:
    for _ in range(2044):
        t = threading.Thread(target=time.sleep, args=(6,), daemon=True)
        t.start()
        threads.append(t)
except RuntimeError as exc:
    print("threads stopped at", len(threads), exc)
time.sleep(6)
"""

HONEST_THREADS = """
from concurrent.futures import ThreadPoolExecutor
import time
with ThreadPoolExecutor(8) as pool:  # an honest notebook that uses a few threads
    list(pool.map(time.sleep, [1] * 16))
"""


def build_attack_class(root: Path) -> None:
    for name in ("honest", "honest_2", "kim_lee"):
        save(root / name, notebook_with(GOOD))
    save(root / "kim lee", notebook_with())  # blank: must not overwrite kim_lee's page
    save(root / "ab_honest_threads", notebook_with(GOOD, before=HONEST_THREADS))
    save(root / "aa_thread_bomb", notebook_with(GOOD, before=THREAD_BOMB))
    save(root / "forged_export", notebook_with(before=FORGED_EXPORT))
    save(root / "channel_forgery", notebook_with(before=CHANNEL_FORGERY))
    save(root / "channel_flood", notebook_with(GOOD, before=CHANNEL_FLOOD))
    save(root / "blind_tamper", notebook_with({"mean": BLIND_TAMPER}))
    hard_coded = {
        "squares": "def squares(n):\n    return [0, 1, 4, 9]",
        "mean": "def mean(xs):\n    return 2.8",
    }
    save(root / "hard_coded", notebook_with(hard_coded))
    save(root / "parent_writer", notebook_with(GOOD, before=PARENT_WRITER))
    (root / "symlink_notebook").mkdir()
    (root / "symlink_notebook" / f"{ASSIGNMENT}.ipynb").symlink_to(SOLUTION)
    (root / "folder_notebook" / f"{ASSIGNMENT}.ipynb").mkdir(parents=True)
    (root / "folder_notebook" / f"{ASSIGNMENT}.ipynb" / "notes.txt").write_text("hi")
    (root / "fifo_notebook").mkdir()
    os.mkfifo(root / "fifo_notebook" / f"{ASSIGNMENT}.ipynb")
    save(root / "fifo_records", notebook_with(GOOD, before=FIFO_RECORDS))
    os.mkfifo(root / "fifo_records" / "data.npz")  # a FIFO among the student's own files
    save(root / "disk_fill", notebook_with(GOOD, before=DISK_FILL))
    save(root / "osc_name", notebook_with(GOOD), name="\x1b]0;owned\x07homework.ipynb")
    save(root / "\x1b[2Jwipe", notebook_with(GOOD))
    save(root / "=2+5", notebook_with(GOOD))


def peak_rss_bytes() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


@pytest.fixture(scope="module")
def attacked(tmp_path_factory):
    """One grading run of the whole attack class, and what it left behind."""
    root = tmp_path_factory.mktemp("attacks")
    build_attack_class(root / "submissions")
    (Path("/tmp") / MARKER).unlink(missing_ok=True)
    rss_before = peak_rss_bytes()
    results = grade_fixture(root / "submissions", root / "out", workers=2, limits=LIMITS)
    rss_after = peak_rss_bytes()
    out = root / "out"
    write_grades_csv(results, out / "grades.csv")
    write_tests_csv(results, out / "tests.csv")
    pages = {r.student_id: write_feedback(r, out / "feedback") for r in results}
    return {
        "root": root,
        "out": out,
        "results": {r.student_id: r for r in results},
        "pages": pages,
        "rss_growth": rss_after - rss_before,
    }


def result_of(attacked, student: str):
    return attacked["results"][student]


def notes_of(attacked, student: str) -> str:
    return " ".join(result_of(attacked, student).notes)


@pytest.mark.slow
def test_honest_students_keep_full_marks_beside_every_attack(attacked):
    for student in HONEST:
        result = result_of(attacked, student)
        assert (result.status, scores(result)) == ("graded", FULL), (student, result.notes)


# -- forged results -------------------------------------------------------------------------------


@pytest.mark.slow
def test_files_forged_where_the_records_used_to_be_are_never_read(attacked):
    result = result_of(attacked, "forged_export")
    assert (result.status, scores(result)) == ("graded", NONE)
    assert not (attacked["out"] / "work" / "forged_export" / "result.json").exists()


@pytest.mark.slow
def test_messages_forged_on_the_results_channel_mark_the_submission_tampered(attacked):
    result = result_of(attacked, "channel_forgery")
    assert (result.status, scores(result)) == ("tampered", NONE)
    assert "results channel" in notes_of(attacked, "channel_forgery")


@pytest.mark.slow
def test_a_tamper_detector_swapped_for_a_blind_one_is_found(attacked):
    result = result_of(attacked, "blind_tamper")
    assert result.status == "tampered"
    notes = notes_of(attacked, "blind_tamper")
    assert "patched the grader's" in notes and "_tampering" in notes


@pytest.mark.slow
def test_hidden_test_values_never_reach_the_student(attacked):
    result = result_of(attacked, "hard_coded")
    assert (result.status, scores(result)) == ("graded", NONE)
    messages = {t.grade_id: t.message for t in result.tests}
    assert "second, hidden" in messages["test_squares"]
    assert "16, 25" not in messages["test_squares"]
    assert "3.0" not in messages["test_mean"] and "[2, 4]" not in messages["test_mean"]
    page = attacked["pages"]["hard_coded"].read_text()
    shown = page + (attacked["out"] / "tests.csv").read_text()
    assert "16, 25" not in shown and "mean([2, 4])" not in shown


@pytest.mark.slow
def test_nothing_an_attack_writes_survives_outside_the_records(attacked):
    result = result_of(attacked, "parent_writer")
    assert (result.status, scores(result)) == ("graded", FULL)
    everywhere = [attacked["root"], Path("/tmp"), Path.home()]
    left = [p for place in everywhere for p in place.rglob(f"{MARKER}*") if p.is_file()]
    assert left == []
    allowed = {"cells.jsonl", "channel.json", "grades.csv", "tests.csv", "grader.log"}
    for path in attacked["out"].rglob("*"):
        if not path.is_file():
            continue
        rel = path.relative_to(attacked["out"])
        assert rel.parts[0] in ("results", "work", "feedback") or rel.name in allowed, rel
        if rel.parts[0] == "work":  # only the grader's record of each run
            assert rel.name in allowed or rel.parts[2] == "exports", rel


# -- file tricks ----------------------------------------------------------------------------------


@pytest.mark.slow
@pytest.mark.parametrize(
    "student, why",
    [("symlink_notebook", "a link"), ("folder_notebook", "a folder"), ("fifo_notebook", "FIFO")],
)
def test_intake_opens_only_a_regular_notebook_file(attacked, student, why):
    result = result_of(attacked, student)
    assert (result.status, scores(result)) == ("malformed", NONE)
    assert why in notes_of(attacked, student)


@pytest.mark.slow
def test_fifos_where_records_or_weights_were_kept_hang_nothing(attacked):
    result = result_of(attacked, "fifo_records")
    assert (result.status, scores(result)) == ("graded", FULL)
    assert (attacked["out"] / "grades.csv").is_file()


@pytest.mark.slow
def test_a_disk_fill_stops_at_the_cap_and_leaves_nothing_behind(attacked):
    result = result_of(attacked, "disk_fill")
    assert (result.status, scores(result)) == ("graded", FULL)
    log = (attacked["out"] / "work" / "disk_fill" / "cells.jsonl").read_text()
    assert "stopped after" in log and "OSError" in log
    kept = sum(p.stat().st_size for p in attacked["out"].rglob("*") if p.is_file())
    assert kept < 20 * 1024**2


# -- output injection -----------------------------------------------------------------------------


@pytest.mark.slow
def test_escape_sequences_in_names_never_reach_the_terminal(attacked):
    assert "notebook was renamed" in notes_of(attacked, "osc_name")
    table = format_table(list(attacked["results"].values()))
    assert "\x1b" not in table and "\x07" not in table
    assert "wipe" in table and "homework.ipynb" in table


@pytest.mark.slow
def test_a_formula_student_id_is_text_in_the_csv(attacked):
    with (attacked["out"] / "grades.csv").open() as f:
        ids = [row["student_id"] for row in csv.DictReader(f)]
    assert "'=2+5" in ids and "=2+5" not in ids
    assert not any(i.startswith(("=", "+", "-", "@")) for i in ids)


@pytest.mark.slow
def test_ids_that_slug_alike_get_their_own_feedback_files(attacked):
    page_a, page_b = attacked["pages"]["kim lee"], attacked["pages"]["kim_lee"]
    assert page_a != page_b
    assert "0 / 5" in page_a.read_text() and "5 / 5" in page_b.read_text()


def test_escaping_functions_on_hostile_text():
    assert escape.for_terminal("a\x1b]0;t\x07b\x1b[31mc\u202ed") == "abcd"
    assert escape.for_csv("=1+1") == "'=1+1" and escape.for_csv("-1.5") == "-1.5"
    assert escape.for_csv("@SUM(A1)") == "'@SUM(A1)" and escape.for_csv("ana") == "ana"
    assert escape.for_html("<b>\x1b[1m") == "&lt;b&gt;"
    assert escape.file_key("kim lee") != escape.file_key("kim_lee")
    assert escape.file_key("Kim") != escape.file_key("kim") and escape.file_key("ada") == "ada"
    assert feedback_filename("../../etc/x").count("/") == 0


# -- resources ------------------------------------------------------------------------------------


@pytest.mark.slow
def test_a_flood_without_newlines_on_the_channel_is_bounded(attacked):
    result = result_of(attacked, "channel_flood")
    assert result.status == "tampered" and scores(result) == NONE
    assert "too long" in notes_of(attacked, "channel_flood")
    assert attacked["rss_growth"] < 256 * 1024**2  # the grader read 768 MiB in bounded lines


@pytest.mark.slow
def test_a_thread_bomb_is_capped_by_its_own_user_not_its_neighbours(attacked):
    result = result_of(attacked, "aa_thread_bomb")
    log = (attacked["out"] / "work" / "aa_thread_bomb" / "cells.jsonl").read_text()
    assert "threads stopped at" in log
    stopped_at = int(log.split("threads stopped at")[1].split()[0])
    assert stopped_at < LIMITS.processes
    assert scores(result) == FULL
    neighbour = result_of(attacked, "ab_honest_threads")  # ran beside it, a few threads
    assert (neighbour.status, scores(neighbour)) == ("graded", FULL)


def test_one_huge_file_in_the_class_zip_marks_only_its_student(tmp_path):
    archive = tmp_path / "class.zip"
    good = notebook_with(GOOD)
    save(tmp_path / "nb", good)
    notebook = (tmp_path / "nb" / f"{ASSIGNMENT}.ipynb").read_text()
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr(f"ada/{ASSIGNMENT}.ipynb", notebook)
        zf.writestr(f"big/{ASSIGNMENT}.ipynb", notebook)
        with zf.open("big/data.bin", "w", force_zip64=True) as member:
            block = b"\0" * 2**20
            for _ in range(208):  # 208 MiB, a few hundred KiB compressed
                member.write(block)
    folders = intake.students_in(archive, tmp_path / "scratch")
    assert sorted(folders) == ["ada", "big"]
    big = intake.take_in("big", folders["big"], ASSIGNMENT, "salt")
    assert big.status == "malformed" and "too large" in big.notes[0]
    assert intake.take_in("ada", folders["ada"], ASSIGNMENT, "salt").status == "ok"
    unpacked = sum(p.stat().st_size for p in (tmp_path / "scratch").rglob("*") if p.is_file())
    assert unpacked < 2**20


# -- Keras: the exporter and the checker ----------------------------------------------------------


def small_model() -> keras.Model:
    inputs = keras.Input((3,), name="x")
    return keras.Model(inputs, keras.layers.Dense(2, name="out")(inputs))


def lie_about_weights(npz: Path) -> None:
    """A weights file of 4 MiB whose first array's header claims 4 GiB."""
    header = io.BytesIO()
    shape = {"descr": "<f4", "fortran_order": False, "shape": (32768, 32768)}
    np.lib.format.write_array_header_1_0(header, shape)
    with zipfile.ZipFile(npz, "w") as zf, zf.open("w0.npy", "w") as member:
        member.write(header.getvalue())
        member.write(b"\0" * (4 * 2**20))


def test_a_weights_file_that_claims_huge_arrays_is_refused_before_reading(tmp_path):
    (tmp_path / "attack").mkdir()
    record = values.dump(small_model(), tmp_path / "attack", "m")
    lie_about_weights(tmp_path / "attack" / record["weights"])
    before = peak_rss_bytes()
    with pytest.raises(CheckFailure, match="Model weights"):
        values.load(record, tmp_path / "attack")
    assert peak_rss_bytes() - before < 512 * 1024**2
    (tmp_path / "honest").mkdir()
    record = values.dump(small_model(), tmp_path / "honest", "m")
    assert values.load(record, tmp_path / "honest").count_params() == 8


def epsilon_attack(folder: Path) -> dict:
    """A model whose activation is keras.config.set_epsilon: rebuilding it calls it."""
    folder.mkdir(parents=True, exist_ok=True)
    record = values.dump(small_model(), folder, "m")
    config_file = folder / record["config"]
    config = json.loads(config_file.read_text())
    for layer in config["config"]["layers"]:
        if layer["class_name"] == "Dense":
            layer["config"]["activation"] = {
                "module": "keras.config",
                "class_name": "function",
                "config": "set_epsilon",
                "registered_name": "function",
            }
    config_file.write_text(json.dumps(config))
    return record


EPSILON_TEST = """
model = build()
import keras, numpy as np
try:
    model.predict(np.ones((1, 3)), verbose=0)  # the attack's activation runs here
except ValueError:
    pass
assert keras.config.epsilon() == 1e-07, "epsilon"
"""


def test_an_export_that_calls_set_epsilon_is_refused(tmp_path):
    record = epsilon_attack(tmp_path)
    with pytest.raises(CheckFailure, match="keras.config"):
        values.load(record, tmp_path)
    assert keras.config.epsilon() == 1e-07


def test_keras_settings_are_restored_before_the_next_student(tmp_path, monkeypatch):
    monkeypatch.setattr(values, "_allowed", lambda module, item: True)  # the filter is down
    plan = split_test_cell("test_model", 1.0, EPSILON_TEST, {"build"})
    attack = epsilon_attack(tmp_path / "attack")
    first = checker.run_checks(plan, {"model": attack}, tmp_path / "attack", "")
    assert first.outcome != "passed"
    honest_dir = tmp_path / "honest"
    honest_dir.mkdir()
    honest = values.dump(small_model(), honest_dir, "m")
    second = checker.run_checks(plan, {"model": honest}, honest_dir, "")
    assert second.outcome == "passed", second.message
    assert keras.config.epsilon() == 1e-07


def test_a_forged_training_history_is_not_a_history(tmp_path):
    values.trust_current_types()

    class History:  # what a notebook can fake: the name and the attribute
        history = {"loss": [0.9, 0.1]}

    class Subclassed(keras.callbacks.History):
        pass

    forged = Subclassed()
    forged.history = {"loss": [0.9, 0.1]}
    assert values.dump(History(), tmp_path, "h")["kind"] == "unsupported"
    assert values.dump(forged, tmp_path, "h")["kind"] == "unsupported"
    model = small_model()
    model.compile(optimizer="sgd", loss="mse")
    real = model.fit(np.ones((4, 3)), np.ones((4, 2)), epochs=2, verbose=0)
    record = values.dump(real, tmp_path, "h")
    assert record["kind"] == "history" and len(record["history"]["loss"]) == 2


# -- the results channel alone, on a real pipe ----------------------------------------------------


def read_channel(tmp_path: Path, messages: list[bytes], kinds=("code", "probe"), total=10**8):
    """Send MESSAGES through a pipe to a ChannelReader, as the driver (or a forger) would."""
    from autograder.grading.channel import ChannelReader, problems_in

    read_fd, write_fd = os.pipe()
    reader = ChannelReader(read_fd, list(kinds), tmp_path, total)
    with os.fdopen(write_fd, "wb") as pipe:
        for message in messages:
            pipe.write(message)
    reader.join(timeout=30)
    return reader, problems_in(tmp_path)


def line(**message) -> bytes:
    return json.dumps(message).encode() + b"\n"


def driver_sequence() -> list[bytes]:
    return [
        line(event="cell_start", index=0),
        line(event="record", record={"index": 0, "kind": "code"}),
        line(event="cell_end", index=0),
        line(event="cell_start", index=1),
        line(event="file", name="t.0.npy", size=3) + b"abc",
        line(event="record", record={"index": 1, "kind": "probe", "grade_id": "t"}),
        line(event="cell_end", index=1),
        line(event="done"),
    ]


def test_the_channel_accepts_the_drivers_sequence(tmp_path):
    reader, problems = read_channel(tmp_path, driver_sequence())
    assert reader.finished and problems == []
    assert (tmp_path / "exports" / "t.0.npy").read_bytes() == b"abc"
    assert len((tmp_path / "cells.jsonl").read_text().splitlines()) == 3


@pytest.mark.parametrize(
    "forgery, why",
    [
        ([line(event="cell_start", index=1)], "out of order"),
        ([line(event="record", record={"index": 1, "kind": "probe"})], "did not send"),
        ([b"x" * (9 * 2**20)], "too long"),
        ([b"not json\n"], "did not write"),
        ([line(event="file", name="../escape", size=1) + b"x"], "outside a test cell"),
    ],
)
def test_a_forged_message_stops_the_channel_and_says_why(tmp_path, forgery, why):
    messages = driver_sequence()
    reader, problems = read_channel(tmp_path, messages[:1] + forgery + messages[1:])
    assert not reader.finished and problems and why in problems[0]
    assert not (tmp_path / "exports" / "t.0.npy").exists()


def test_the_channel_total_is_bounded(tmp_path):
    reader, problems = read_channel(tmp_path, driver_sequence(), total=100)
    assert not reader.finished and "more than the grader accepts" in problems[0]


# -- hidden checks, at the checker's boundary -----------------------------------------------------

SQUARES_TEST = """result = squares(4)
assert result == [0, 1, 4, 9], "squares(4) should be [0, 1, 4, 9]"
### BEGIN HIDDEN TESTS
hidden = squares(6)
assert hidden == [0, 1, 4, 9, 16, 25], f"squares(6) should be {[i * i for i in range(6)]}"
from autograder.errors import CheckFailure
if len(hidden) != 6:
    raise CheckFailure("Length", "6 squares for n=6", "a list of another length", "use n")
### END HIDDEN TESTS"""


def squares_probes(visible, hidden) -> dict:
    return {
        "result": {"kind": "json", "value": visible},
        "hidden": {"kind": "json", "value": hidden},
    }


def test_a_failing_hidden_assert_never_shows_its_values(tmp_path):
    plan = split_test_cell("test_squares", 2.0, SQUARES_TEST, {"squares"})
    hard_coded = checker.run_checks(plan, squares_probes([0, 1, 4, 9], [0, 1, 4, 9]), tmp_path, "")
    assert hard_coded.outcome == "failed" and "second, hidden" in hard_coded.message
    assert "16" not in hard_coded.message and "25" not in hard_coded.message


def test_a_failing_hidden_check_keeps_its_words_and_drops_its_numbers(tmp_path):
    plan = split_test_cell(
        "test_squares", 2.0, SQUARES_TEST.replace("assert hidden", "#"), {"squares"}
    )
    result = checker.run_checks(plan, squares_probes([0, 1, 4, 9], [0, 1]), tmp_path, "")
    assert "[Length]" in result.message and "a list of another length" in result.message
    assert "6" not in result.message and "use n" in result.message


def test_a_failing_visible_check_keeps_its_whole_message(tmp_path):
    plan = split_test_cell("test_squares", 2.0, SQUARES_TEST, {"squares"})
    result = checker.run_checks(plan, squares_probes([0, 1], [0, 1]), tmp_path, "")
    assert result.message == "squares(4) should be [0, 1, 4, 9]"


# -- Keras, end to end: an export that would call set_epsilon in the checker ----------------------

KERAS_ASSIGNMENT = "01_sequential_to_functional"
REPO = Path(__file__).resolve().parents[1]

# Keras's own models pass, but every Dense layer named `label` exports an activation that is
# keras.config.set_epsilon: rebuilt in a checker process, it would change Keras for every
# student checked after this one. Layer methods are not among the patches the driver watches.
EPSILON_EXPORT = """
_plain_config = layers.Dense.get_config
def _config_that_sets_epsilon(self):
    config = _plain_config(self)
    if self.name == "label":
        config["activation"] = {"module": "keras.config", "class_name": "function",
                                "config": "set_epsilon", "registered_name": "function"}
    return config
layers.Dense.get_config = _config_that_sets_epsilon
"""


@pytest.fixture(scope="module")
def keras_class(tmp_path_factory):
    """An attack and an honest student of assignment 01, checked by one checker process."""
    import nbformat

    from autograder.grading.pipeline import grade_class
    from autograder.samples import answers, filled

    root = tmp_path_factory.mktemp("keras_attacks")
    name = f"{KERAS_ASSIGNMENT}.ipynb"
    source = nbformat.read(str(REPO / "solutions" / KERAS_ASSIGNMENT / name), as_version=4)
    release = nbformat.read(str(REPO / "assignments" / KERAS_ASSIGNMENT / name), as_version=4)
    right = answers(source)
    attack = dict(right)
    attack["build_sequential_classifier"] = right["build_sequential_classifier"] + EPSILON_EXPORT
    save(root / "subs" / "a_epsilon_export", filled(release, attack), name=name)
    save(root / "subs" / "b_honest", filled(release, right), name=name)
    limits = sandbox.Limits(cell_seconds=120, notebook_seconds=300)
    results = grade_class(
        KERAS_ASSIGNMENT, root / "subs", root / "out", workers=1, limits=limits, progress=False
    )
    return {r.student_id: r for r in results}


@pytest.mark.slow
def test_an_export_that_sets_epsilon_is_refused_and_the_next_student_keeps_full_marks(
    keras_class,
):
    attack, honest = keras_class["a_epsilon_export"], keras_class["b_honest"]
    refused = [t for t in attack.tests if "keras.config" in t.message]
    assert refused and all(t.score == 0 for t in refused), [t.message for t in attack.tests]
    assert honest.status == "graded" and honest.score == honest.max_score, honest.tests
