"""Turn one student's folder into a job the sandbox can run, or a clear status.

nbgrader's rules, kept: test cells and other locked cells come from the instructor's source,
whatever the student did to them; cells are matched by ``grade_id``, never by position. What
the student did to them is recorded: an edited or deleted test cell marks the submission
``tampered`` (it is still graded, with the original tests).

Each student is judged alone: a notebook that is a link, a FIFO or a folder, or a file in the
class zip too large to unpack, makes that one submission ``malformed`` with a note that says
why, and never stops the class. Only regular files are ever opened.
"""

from __future__ import annotations

import hashlib
import os
import stat
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

import nbformat

from autograder.grading.escape import printable
from autograder.grading.plan import TestPlan
from autograder.grading.results import Job, JobCell
from autograder.settings import DEFAULT

MAX_FILE_BYTES = DEFAULT.max_file_bytes  # one file of a submission
MAX_NOTEBOOK_BYTES = DEFAULT.max_notebook_bytes
MAX_ZIP_BYTES = DEFAULT.max_zip_bytes  # the whole class, once each file over MAX_FILE_BYTES is out
REFUSED_MARK = ".autograder-too-large"  # in a student's folder: what their zip held too large


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
    """Unpack ARCHIVE; a member too large is left out and its student marked, not the class."""
    into.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(archive) as zf:
        members = [info for info in zf.infolist() if _inside_folder(into, info.filename)]
        kept = [info for info in members if info.file_size <= MAX_FILE_BYTES]
        if sum(info.file_size for info in kept) > MAX_ZIP_BYTES:
            raise ValueError(f"{archive} unpacks to more than {MAX_ZIP_BYTES // 2**20} MiB")
        for info in members:
            target = (into / info.filename).resolve()
            if info.is_dir():
                target.mkdir(parents=True, exist_ok=True)
            elif info.file_size > MAX_FILE_BYTES:
                _mark_refused(target.parent, f"{info.filename} ({info.file_size:,} bytes)")
            else:
                target.parent.mkdir(parents=True, exist_ok=True)
                with zf.open(info) as src, target.open("wb") as dst:
                    _copy_at_most(src, dst, MAX_FILE_BYTES)
    return into


def _inside_folder(into: Path, name: str) -> bool:
    target = (into / name).resolve()
    return into.resolve() in target.parents  # a path that would escape the folder is skipped


def _mark_refused(folder: Path, what: str) -> None:
    """Remember, in the student's own folder, a file too large to unpack."""
    folder.mkdir(parents=True, exist_ok=True)
    with (folder / REFUSED_MARK).open("a") as f:
        f.write(what + "\n")


def _copy_at_most(src: BinaryIO, dst: BinaryIO, limit: int) -> None:
    """Copy no more than LIMIT bytes, whatever a (lying) header said the size was."""
    left = limit
    while left > 0:
        chunk = src.read(min(left, 1 << 20))
        if not chunk:
            return
        dst.write(chunk)
        left -= len(chunk)


def take_in(
    student_id: str, folder: Path | None, assignment: str, salt: str, others: tuple[str, ...] = ()
) -> Intake:
    """Read one student's notebook, opening only a regular file: never a link, FIFO or folder."""
    if folder is None or not folder.is_dir():
        return Intake(student_id, "missing", notes=["no submission folder"])
    if folder.is_symlink():
        return Intake(student_id, "malformed", notes=["the submission folder is a link"])
    refused = _refused_files(folder)
    if refused:
        return Intake(student_id, "malformed", notes=[f"files too large to unpack: {refused}"])
    # ASSIGNMENT names the notebook to read; OTHERS, the assignment's other notebooks.
    candidates = [p for p in _notebook_candidates(folder) if p.stem not in others]
    if not candidates:
        return Intake(student_id, "missing", notes=["no notebook in the submission"])
    named = [p for p in candidates if p.name == f"{assignment}.ipynb"]
    notes = []
    if named:
        path = named[0]
    elif len(candidates) == 1:
        path = candidates[0]
        notes.append(f"notebook was renamed to {printable(path.name)}; graded it anyway")
    else:
        names = ", ".join(printable(p.name) for p in candidates)
        return Intake(
            student_id,
            "malformed",
            notes=[f"several notebooks ({names}), none named {assignment}.ipynb"],
        )
    try:
        raw = read_regular(path, MAX_NOTEBOOK_BYTES)
    except NotRegular as why:
        return Intake(student_id, "malformed", notes=notes + [str(why)])
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
            notes=notes + [f"the notebook file is not a valid notebook: {printable(first)}"],
        )
    return Intake(student_id, "ok", nb, path, notes, digest)


def _refused_files(folder: Path) -> str:
    found = []
    for path in _walk(folder):
        if path.name == REFUSED_MARK:
            try:
                found += read_regular(path, 10_000).decode(errors="replace").split("\n")
            except NotRegular:
                found.append(printable(path.name))
    return printable("; ".join(f for f in found if f.strip()))[:300]


def _notebook_candidates(folder: Path) -> list[Path]:
    """Every entry named like a notebook, whatever it is: links and folders are judged later."""
    return sorted(
        p for p in _walk(folder, with_dirs=True) if p.suffix == ".ipynb" and not _checkpoint(p)
    )


def _checkpoint(path: Path) -> bool:
    return ".ipynb_checkpoints" in path.parts


def _walk(folder: Path, with_dirs: bool = False) -> list[Path]:
    """Everything under FOLDER, never following a link out of it."""
    found = []
    for root, dirs, files in os.walk(folder, followlinks=False):
        found += [Path(root) / name for name in files + (dirs if with_dirs else [])]
    return found


class NotRegular(ValueError):
    """A path that is a link, FIFO, device or folder, or too large: never opened as data."""


def read_regular(path: Path, limit: int) -> bytes:
    """The bytes of PATH if it is a regular file of at most LIMIT bytes.

    ``O_NOFOLLOW`` refuses a symlink (one to the solution would otherwise be read as the
    student's work), ``O_NONBLOCK`` keeps a FIFO from hanging the open, and ``fstat`` on the
    opened descriptor judges the very file read, so it cannot be swapped in between.
    """
    name = printable(path.name)
    flags = os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0)
    try:
        fd = os.open(path, flags)
    except OSError as exc:
        kind = "a link" if path.is_symlink() else type(exc).__name__
        raise NotRegular(f"{name} is {kind}, not a notebook file") from None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise NotRegular(f"{name} is {_kind(info.st_mode)}, not a regular file")
        if info.st_size > limit:
            raise NotRegular(f"{name} is larger than {limit // 2**20} MiB")
        with os.fdopen(fd, "rb", closefd=False) as f:
            return f.read(limit + 1)[:limit]
    finally:
        os.close(fd)


def _kind(mode: int) -> str:
    if stat.S_ISDIR(mode):
        return "a folder"
    if stat.S_ISFIFO(mode):
        return "a FIFO"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    return "a special file"


def build_job(
    intake: Intake, source: nbformat.NotebookNode, plans: list[TestPlan]
) -> tuple[Job, list[str]]:
    """The cells to run, in the student's order, and what looked like tampering."""
    by_id = {plan.grade_id: plan for plan in plans}
    locked = _locked_sources(source)
    cells: list[JobCell] = []
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
            cells.append(_probe_cell(by_id[grade_id], name))
        elif grade_id in locked:
            cells.append(JobCell("code", name, source=locked[grade_id]))
        elif grade_id in by_id:
            tamper.append(f"test cell {grade_id} appears twice (the copy was ignored)")
        else:
            cells.append(JobCell("code", name, source=cell.source))
    for plan in plans:
        if plan.grade_id not in seen:
            tamper.append(f"test cell {plan.grade_id} was deleted (the original was run)")
            cells.append(_probe_cell(plan, f"test cell `{plan.grade_id}`"))
    preload = ["keras"] if "keras" in "\n".join(c.source for c in source.cells) else []
    return Job(cells, preload), tamper


def _cell_name(number: int, grade_id: str | None) -> str:
    """How a message names a cell so the student finds it: its place, and its id if any."""
    return f"code cell {number}" + (f" (`{grade_id}`)" if grade_id else "")


def _probe_cell(plan: TestPlan, name: str) -> JobCell:
    probes = [{"target": p.target, "source": p.source} for p in plan.probes]
    return JobCell("probe", name, grade_id=plan.grade_id, imports=plan.imports, probes=probes)


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
    """The student's other files (data they made, modules they wrote): regular files only,
    each within a size cap; links, FIFOs and devices are left behind."""
    into.mkdir(parents=True, exist_ok=True)
    if intake.path is None:
        return
    folder = intake.path.parent
    for path in _walk(folder):
        rel = path.relative_to(folder)
        if _checkpoint(rel) or path.suffix == ".ipynb" or path.name == REFUSED_MARK:
            continue
        try:
            data = read_regular(path, MAX_FILE_BYTES)
        except NotRegular:
            continue
        (into / rel).parent.mkdir(parents=True, exist_ok=True)
        (into / rel).write_bytes(data)


def write_job(job: Job, workspace: Path) -> None:
    (workspace / "job.json").write_text(job.to_json())
