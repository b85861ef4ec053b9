"""Taking submissions in: a folder or a zip of folders, and a zip cannot write outside its place."""

from __future__ import annotations

import os
import zipfile
from pathlib import Path

import pytest

from autograder.grading import intake

NOTEBOOK = '{"cells": [], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}'


def make_zip(path: Path, members: dict[str, str]) -> Path:
    with zipfile.ZipFile(path, "w") as zf:
        for name, text in members.items():
            zf.writestr(name, text)
    return path


def test_a_zip_of_student_folders_is_read_like_the_folder(tmp_path):
    archive = make_zip(
        tmp_path / "class.zip",
        {"ada/05.ipynb": NOTEBOOK, "bob/05.ipynb": NOTEBOOK, "cy/notes.txt": "no notebook"},
    )
    found = intake.students_in(archive, tmp_path / "scratch")
    assert sorted(found) == ["ada", "bob", "cy"]
    assert (found["ada"] / "05.ipynb").read_text() == NOTEBOOK


def test_a_zip_that_wraps_everything_in_one_folder_is_unwrapped(tmp_path):
    archive = make_zip(
        tmp_path / "class.zip", {"export/ada/05.ipynb": NOTEBOOK, "export/bob/05.ipynb": NOTEBOOK}
    )
    assert sorted(intake.students_in(archive, tmp_path / "scratch")) == ["ada", "bob"]


def test_a_zip_cannot_write_outside_its_folder(tmp_path):
    archive = make_zip(
        tmp_path / "class.zip",
        {"ada/05.ipynb": NOTEBOOK, "../escaped.ipynb": NOTEBOOK, "/tmp/absolute.txt": "x"},
    )
    scratch = tmp_path / "scratch"
    found = intake.students_in(archive, scratch)
    assert sorted(found) == ["ada"]
    assert not (tmp_path / "escaped.ipynb").exists()
    outside = [p for p in tmp_path.rglob("*") if p.is_file() and scratch not in p.parents]
    assert outside == [archive]


def test_a_zip_that_unpacks_too_large_is_refused(tmp_path, monkeypatch):
    monkeypatch.setattr(intake, "MAX_ZIP_BYTES", 1000)
    archive = make_zip(tmp_path / "class.zip", {"ada/05.ipynb": "x" * 2000})
    with pytest.raises(ValueError, match="unpacks to more than"):
        intake.students_in(archive, tmp_path / "scratch")


def test_no_submissions_folder_is_a_clear_error(tmp_path):
    with pytest.raises(FileNotFoundError, match="no submissions folder"):
        intake.students_in(tmp_path / "nowhere", tmp_path / "scratch")


# -- only regular files are opened (issue 15) ------------------------------------------------------


def folder_with(tmp_path: Path, make) -> Path:
    folder = tmp_path / "student"
    folder.mkdir()
    make(folder / "05.ipynb")
    return folder


@pytest.mark.parametrize(
    "make, why",
    [
        (lambda p: p.symlink_to(p.parent.parent / "solution.ipynb"), "a link"),
        (lambda p: p.mkdir(), "a folder"),
        (lambda p: os.mkfifo(p), "a FIFO"),
    ],
)
def test_a_notebook_that_is_no_regular_file_is_malformed_not_read(tmp_path, make, why):
    (tmp_path / "solution.ipynb").write_text(NOTEBOOK)  # what a link would lead to
    taken = intake.take_in("ada", folder_with(tmp_path, make), "05", "salt")
    assert taken.status == "malformed" and why in taken.notes[0]
    assert taken.notebook is None


def test_a_regular_notebook_is_read(tmp_path):
    folder = folder_with(tmp_path, lambda p: p.write_text(NOTEBOOK))
    assert intake.take_in("ada", folder, "05", "salt").status == "ok"


def test_only_regular_files_of_the_student_are_copied(tmp_path):
    folder = folder_with(tmp_path, lambda p: p.write_text(NOTEBOOK))
    (folder / "data.csv").write_text("1,2")
    os.mkfifo(folder / "pipe.npz")
    (folder / "link.txt").symlink_to("/etc/hostname")
    into = tmp_path / "copy"
    intake.copy_files(intake.take_in("ada", folder, "05", "salt"), into)
    assert sorted(p.name for p in into.iterdir()) == ["data.csv"]


def test_a_too_large_member_of_the_class_zip_marks_only_its_student(tmp_path, monkeypatch):
    monkeypatch.setattr(intake, "MAX_FILE_BYTES", 1000)
    archive = make_zip(
        tmp_path / "class.zip",
        {"ada/05.ipynb": NOTEBOOK, "bob/05.ipynb": NOTEBOOK, "bob/big.bin": "x" * 2000},
    )
    found = intake.students_in(archive, tmp_path / "scratch")
    assert intake.take_in("ada", found["ada"], "05", "salt").status == "ok"
    bob = intake.take_in("bob", found["bob"], "05", "salt")
    assert bob.status == "malformed" and "big.bin" in bob.notes[0]
    assert not (found["bob"] / "big.bin").exists()


def test_a_control_character_in_a_file_name_never_reaches_the_notes(tmp_path):
    folder = tmp_path / "student"
    folder.mkdir()
    (folder / "\x1b]0;owned\x07hw.ipynb").write_text(NOTEBOOK)
    notes = " ".join(intake.take_in("ada", folder, "05", "salt").notes)
    assert "hw.ipynb" in notes and "\x1b" not in notes and "\x07" not in notes
