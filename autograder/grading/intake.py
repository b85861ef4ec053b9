"""Turn one student's folder into a job the sandbox can run, or a clear status.

nbgrader's rules, kept: test cells and other locked cells come from the instructor's source,
whatever the student did to them; cells are matched by ``grade_id``, never by position. What
the student did to them is recorded: an edited or deleted test cell marks the submission
``tampered`` (it is still graded, with the original tests).
"""

from __future__ import annotations

import hashlib
import json
import shutil
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import nbformat

from autograder.grading.plan import TestPlan

MAX_FILE_BYTES = 20 * 1024**2
MAX_ZIP_BYTES = 200 * 1024**2


@dataclass
class Intake:
    student_id: str
    status: str  # "ok", "missing", "malformed"
    notebook: nbformat.NotebookNode | None = None
    path: Path | None = None
    notes: list[str] = field(default_factory=list)
    digest: str = ""


def students_in(submissions: Path, scratch: Path) -> dict[str, Path]:
    """student id -> folder; a zip of the folders is unpacked (safely) into SCRATCH first."""
    if submissions.is_file() and zipfile.is_zipfile(submissions):
        submissions = _unzip(submissions, scratch / "unzipped")
    if not submissions.is_dir():
        raise FileNotFoundError(f"no submissions folder at {submissions}")
    folders = sorted(p for p in submissions.iterdir() if p.is_dir() and not p.name.startswith("."))
    if len(folders) == 1 and not any(folders[0].glob("*.ipynb")):
        inner = sorted(p for p in folders[0].iterdir() if p.is_dir())
        if inner:  # a zip that wrapped everything in one top folder
            folders = inner
    return {p.name: p for p in folders}


def _unzip(archive: Path, into: Path) -> Path:
    into.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(archive) as zf:
        if sum(info.file_size for info in zf.infolist()) > MAX_ZIP_BYTES:
            raise ValueError(f"{archive} unpacks to more than {MAX_ZIP_BYTES // 2**20} MiB")
        for info in zf.infolist():
            target = (into / info.filename).resolve()
            if into.resolve() not in target.parents and target != into.resolve():
                continue  # a path that would escape the folder
            if info.is_dir():
                target.mkdir(parents=True, exist_ok=True)
            else:
                target.parent.mkdir(parents=True, exist_ok=True)
                with zf.open(info) as src, target.open("wb") as dst:
                    shutil.copyfileobj(src, dst)
    return into


def take_in(
    student_id: str, folder: Path | None, assignment: str, salt: str, others: tuple[str, ...] = ()
) -> Intake:
    if folder is None or not folder.is_dir():
        return Intake(student_id, "missing", notes=["no submission folder"])
    candidates = sorted(p for p in folder.rglob("*.ipynb") if ".ipynb_checkpoints" not in p.parts)
    # ASSIGNMENT names the notebook to read; OTHERS, the assignment's other notebooks.
    candidates = [p for p in candidates if p.stem not in others]
    if not candidates:
        return Intake(student_id, "missing", notes=["no notebook in the submission"])
    named = [p for p in candidates if p.name == f"{assignment}.ipynb"]
    notes = []
    if named:
        path = named[0]
    elif len(candidates) == 1:
        path = candidates[0]
        notes.append(f"notebook was renamed to {path.name}; graded it anyway")
    else:
        names = ", ".join(p.name for p in candidates)
        return Intake(
            student_id,
            "malformed",
            notes=[f"several notebooks ({names}), none named {assignment}.ipynb"],
        )
    raw = path.read_bytes()
    digest = hashlib.sha256(raw + salt.encode()).hexdigest()
    try:
        nb = nbformat.reads(raw.decode("utf-8"), as_version=4)
        nbformat.validate(nb)
    except Exception as exc:
        first = str(exc).splitlines()[0][:200] if str(exc) else type(exc).__name__
        return Intake(
            student_id,
            "malformed",
            path=path,
            digest=digest,
            notes=notes + [f"the notebook file is not a valid notebook: {first}"],
        )
    return Intake(student_id, "ok", nb, path, notes, digest)


def build_job(
    intake: Intake, source: nbformat.NotebookNode, plans: list[TestPlan]
) -> tuple[dict, list[str]]:
    """The cells to run, in the student's order, and what looked like tampering."""
    by_id = {plan.grade_id: plan for plan in plans}
    locked = _locked_sources(source)
    cells: list[dict] = []
    tamper: list[str] = []
    seen: set[str] = set()
    cells_in = intake.notebook.cells if intake.notebook else []
    code_cells = [c for c in cells_in if c.cell_type == "code"]
    for number, cell in enumerate(code_cells, start=1):
        grade_id = cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")
        name = _cell_name(number, grade_id)
        if grade_id in by_id and grade_id not in seen:
            seen.add(grade_id)
            if not _unedited(cell.source, by_id[grade_id].source):
                tamper.append(f"test cell {grade_id} was edited (the original was run)")
            cells.append(_probe_cell(by_id[grade_id]) | {"name": name})
        elif grade_id in locked:
            cells.append({"kind": "code", "source": locked[grade_id], "name": name})
        elif grade_id in by_id:
            tamper.append(f"test cell {grade_id} appears twice (the copy was ignored)")
        else:
            cells.append({"kind": "code", "source": cell.source, "name": name})
    for plan in plans:
        if plan.grade_id not in seen:
            tamper.append(f"test cell {plan.grade_id} was deleted (the original was run)")
            cells.append(_probe_cell(plan) | {"name": f"test cell `{plan.grade_id}`"})
    preload = ["keras"] if "keras" in "\n".join(c.source for c in source.cells) else []
    return {"cells": cells, "preload": preload}, tamper


def _cell_name(number: int, grade_id: str | None) -> str:
    """How a message names a cell so the student finds it: its place, and its id if any."""
    return f"code cell {number}" + (f" (`{grade_id}`)" if grade_id else "")


def _probe_cell(plan: TestPlan) -> dict:
    return {
        "kind": "probe",
        "grade_id": plan.grade_id,
        "imports": plan.imports,
        "probes": [{"target": p.target, "source": p.source} for p in plan.probes],
    }


def _locked_sources(source: nbformat.NotebookNode) -> dict[str, str]:
    found = {}
    for cell in source.cells:
        meta = cell.get("metadata", {}).get("nbgrader", {})
        if cell.cell_type == "code" and meta.get("locked") and not meta.get("grade"):
            found[meta["grade_id"]] = cell.source
    return found


def _unedited(submitted: str, original: str) -> bool:
    """The student's copy of a test cell, or the instructor's own with hidden tests (a notebook
    made from the source, e.g. ``autograder check solutions/...``): neither is tampering."""
    return _normal(submitted) in (_normal(_visible_part(original)), _normal(original))


def _visible_part(source: str) -> str:
    """What the student's copy of a test cell holds: the source minus hidden tests."""
    out, hidden = [], False
    for line in source.splitlines():
        if "### BEGIN HIDDEN TESTS" in line:
            hidden = True
        elif "### END HIDDEN TESTS" in line:
            hidden = False
        elif not hidden:
            out.append(line)
    return "\n".join(out)


def _normal(text: str) -> str:
    return "\n".join(line.rstrip() for line in text.strip().splitlines() if line.strip())


def copy_files(intake: Intake, into: Path) -> None:
    """The student's other files (data they made, modules they wrote), within a size cap."""
    into.mkdir(parents=True, exist_ok=True)
    if intake.path is None:
        return
    folder = intake.path.parent
    for path in folder.rglob("*"):
        rel = path.relative_to(folder)
        if path.is_symlink() or ".ipynb_checkpoints" in rel.parts or path.suffix == ".ipynb":
            continue
        if path.is_file() and path.stat().st_size <= MAX_FILE_BYTES:
            (into / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(path, into / rel)


def write_job(job: dict, workspace: Path) -> None:
    (workspace / "job.json").write_text(json.dumps(job))
