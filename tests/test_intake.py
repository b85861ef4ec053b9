"""Taking submissions in: a folder or a zip of folders, and a zip cannot write outside its place."""

from __future__ import annotations

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
