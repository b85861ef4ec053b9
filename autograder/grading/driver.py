"""Runs inside the sandbox: the student's cells, then the probes, then the export.

Usage: ``python -m autograder.grading.driver SUBMISSION SCRATCH``, the job as JSON on stdin.

SUBMISSION holds the student's files (read-only in the sandbox); they are copied into
SCRATCH, the only place the student's code can write (a size-capped tmpfs in the sandbox).

The student's cells run through an IPython shell so that magics and ``display`` work as in
Jupyter. Our own statements never go through that shell: input transformers or hooks the
student installs cannot touch them. Everything the grader keeps (one record per cell, and
the files the probes export) goes to the parent over the pipe ``AUTOGRADER_EVENTS_FD``, as it
happens, so a crash loses nothing already done. Nothing is left in a file the student's code
could rewrite afterwards; the parent checks that the messages come in the one order the
driver sends them (see :mod:`autograder.grading.channel`).
"""

from __future__ import annotations

import builtins
import io
import json
import os
import shutil
import sys
import time
import traceback
from pathlib import Path

MAX_CELL_OUTPUT = 20_000
# Our own references, taken before any student code runs: rebinding builtins.len must not
# blind the tamper checks that use it.
_len, _sorted, _type = builtins.len, builtins.sorted, builtins.type
_dumps = json.dumps  # a patched json.dumps could otherwise drop the tampering it is part of


class CappedStream(io.TextIOBase):
    """A stdout/stderr stand-in that keeps the first MAX_CELL_OUTPUT characters only."""

    def __init__(self) -> None:
        self.parts: list[str] = []
        self.size = 0
        self.dropped = 0

    def write(self, text: str) -> int:
        room = MAX_CELL_OUTPUT - self.size
        if room > 0:
            self.parts.append(text[:room])
            self.size += min(len(text), room)
        self.dropped += max(0, len(text) - max(room, 0))
        return len(text)

    def value(self) -> str:
        note = f"\n[... {self.dropped:,} characters of output dropped]" if self.dropped else ""
        return "".join(self.parts) + note

    def writable(self) -> bool:
        return True


class Events:
    """The driver's half of the results channel: JSON lines, each file's bytes after its line."""

    def __init__(self) -> None:
        fd = os.environ.pop("AUTOGRADER_EVENTS_FD", None)  # the student's code need not know it
        self.stream = os.fdopen(int(fd), "wb", buffering=0) if fd else None

    def send(self, **event) -> None:
        self._write(_dumps(event).encode() + b"\n")

    def send_file(self, name: str, data: bytes) -> None:
        self._write(_dumps({"event": "file", "name": name, "size": _len(data)}).encode())
        self._write(b"\n" + data)

    def _write(self, data: bytes) -> None:
        if self.stream is not None:
            try:
                self.stream.write(data)
            except Exception:
                pass


def integrity_snapshot() -> dict[str, int]:
    """Identities of the objects a cheat would patch; compared again before export."""
    watched = {f"builtins.{k}": v for k, v in vars(builtins).items() if callable(v)}
    keras = sys.modules.get("keras")
    if keras is not None:
        for name in ("get_config", "to_json", "get_weights", "count_params", "__call__"):
            watched[f"keras.Model.{name}"] = getattr(keras.Model, name)
    watched["json.dumps"] = json.dumps
    return {k: id(v) for k, v in watched.items()}


def main(submission: str, scratch: str) -> int:
    job = json.loads(sys.stdin.buffer.read())
    _forget_stdin()  # the job (hidden probes included) is read once, before any student code
    events = Events()
    files = _prepare_scratch(Path(submission), Path(scratch))
    os.environ.setdefault("MPLBACKEND", "Agg")
    sys.path.insert(0, str(files))
    os.chdir(files)

    from IPython.core.interactiveshell import InteractiveShell

    from autograder.grading import values

    if "keras" in job.get("preload", []):  # before the student's code, so patches show
        from autograder.course.session import quiet_tensorflow

        quiet_tensorflow()
        import keras  # noqa: F401
    values.trust_current_types()
    shell = InteractiveShell.instance(colors="NoColor")
    baseline = integrity_snapshot()
    # Before any student code runs. A tuple the notebook cannot change; the comparison below
    # is written out in main, whose running code no swap can reach.
    own, tampering = tuple(_own_functions(values).items()), _tampering
    hooks = _hook_snapshot(shell)
    for index, cell in enumerate(job["cells"]):
        events.send(event="cell_start", index=index, t=time.time())
        if cell["kind"] == "code":
            record = _run_student_cell(shell, cell["source"])
        else:
            record = _run_probes(shell, cell, events.send_file, values)
        record.update(index=index, kind=cell["kind"], grade_id=cell.get("grade_id"))
        if cell["kind"] == "probe":
            record["tampering"] = tampering(baseline, hooks, shell) + [
                f"patched the grader's {key}"
                for key, (namespace, name, function, code) in own
                if namespace.get(name) is not function or function.__code__ is not code
            ]
        events.send(event="record", record=record)
        events.send(event="cell_end", index=index, t=time.time())
    events.send(event="done", t=time.time())
    return 0


def _forget_stdin() -> None:
    devnull = os.open(os.devnull, os.O_RDONLY)
    os.dup2(devnull, 0)
    os.close(devnull)


def _prepare_scratch(submission: Path, scratch: Path) -> Path:
    """Copy the student's files where their code may write; HOME and TMPDIR live there too."""
    files = scratch / "files"
    shutil.copytree(submission, files, symlinks=True, dirs_exist_ok=True)
    for name in ("home", "tmp"):
        (scratch / name).mkdir(exist_ok=True)
    return files


def _run_student_cell(shell, source: str) -> dict:
    out, err = CappedStream(), CappedStream()
    real = sys.stdout, sys.stderr
    sys.stdout, sys.stderr = out, err
    started = time.time()
    try:
        result = shell.run_cell(source, store_history=False, silent=False)
        error = result.error_before_exec or result.error_in_exec
    except BaseException as exc:  # the shell itself failed, e.g. a hook raised
        error = exc
    finally:
        sys.stdout, sys.stderr = real
    record = {"stdout": out.value(), "stderr": err.value(), "seconds": time.time() - started}
    if error is not None:
        record["error"] = {"ename": type(error).__name__, "evalue": str(error)[:2000]}
    return record


def _run_probes(shell, cell: dict, send_file, values) -> dict:
    """Evaluate each probe in the student's namespace (not via the shell) and export it."""
    namespace = shell.user_ns
    results = {}
    out, err = CappedStream(), CappedStream()
    real = sys.stdout, sys.stderr
    sys.stdout, sys.stderr = out, err
    started = time.time()
    try:
        try:
            exec(compile(cell.get("imports", ""), "<probe imports>", "exec"), namespace)
        except Exception as exc:  # the student shadowed a module; the probes will say so
            results["__imports__"] = {
                "kind": "error",
                "ename": type(exc).__name__,
                "evalue": str(exc)[:300],
                "where": "",
            }
        for n, probe in enumerate(cell["probes"]):
            key = f"{cell['grade_id']}.{n}"
            try:
                value = eval(compile(probe["source"], f"<probe {key}>", "eval"), namespace)
                namespace[probe["target"]] = value
                results[probe["target"]] = values.dump(value, send_file, key)
            except BaseException as exc:  # the student's code failed: part of the grade
                results[probe["target"]] = {
                    "kind": "error",
                    "ename": type(exc).__name__,
                    "evalue": str(exc)[:1000],
                    "where": _student_frame(exc),
                }
                if isinstance(exc, (KeyboardInterrupt, SystemExit)):
                    break
    finally:
        sys.stdout, sys.stderr = real
    return {
        "probes": results,
        "stdout": out.value(),
        "stderr": err.value(),
        "seconds": time.time() - started,
    }


def _student_frame(exc: BaseException) -> str:
    """The last line of the student's own code in the traceback (never a test's line)."""
    frames = traceback.extract_tb(exc.__traceback__)
    own = [f for f in frames if not f.filename.startswith("<probe") and f.filename != __file__]
    if not own:
        return ""
    frame = own[-1]
    return f"{frame.name}, line {frame.lineno}: {frame.line or ''}".strip()


def _hook_snapshot(shell) -> dict[str, int]:
    return {
        "input_transformers_post": _len(shell.input_transformers_post),
        "input_transformers_cleanup": _len(shell.input_transformers_cleanup),
        "ast_transformers": _len(shell.ast_transformers),
        "custom_exceptions": _len(shell.custom_exceptions),
        **{
            f"events.{k}": _len(v)
            for k, v in shell.events.callbacks.items()
            if k in ("pre_run_cell", "pre_execute")
        },
    }


def _own_functions(*modules) -> dict[str, tuple]:
    """This driver's functions and the exporter's, with their code, as they were at start.

    A notebook that reaches them (``gc.get_objects()``) could swap a detector's code for one
    that finds nothing; the swap itself is then what is found.
    """
    found = {}
    namespaces = [globals()] + [vars(module) for module in modules]  # IPython takes __main__
    for namespace in namespaces:
        owner = namespace["__name__"]
        for name, value in namespace.items():
            if _type(value).__name__ != "function":
                continue
            if value.__module__ == owner or name == "_dumps":
                found[f"{owner}.{name}"] = (namespace, name, value, value.__code__)
    return found


def _tampering(baseline: dict, hooks: dict, shell) -> list[str]:
    found = []
    try:
        now = integrity_snapshot()
        found += [f"patched {k}" for k, v in baseline.items() if now.get(k) != v]
    except Exception as exc:
        found.append(f"integrity check failed: {type(exc).__name__}")
    now_hooks = _hook_snapshot(shell)
    found += [f"installed {k}" for k, v in hooks.items() if now_hooks.get(k, 0) > v]
    return found


if __name__ == "__main__":
    code = main(sys.argv[1], sys.argv[2])
    sys.stdout.flush()
    sys.stderr.flush()
    # Everything is on disk. Skipping the interpreter's teardown saves TensorFlow's (about
    # 1.5 s a notebook) and leaves atexit handlers the student registered unrun.
    os._exit(code)
