"""The library face of the grader (autograder.api) and the settings it runs with.

The whole path (release, grade, gradebook) is exercised on a course outside the repository in
tests/test_own_course.py; these are the small decisions around it.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from autograder import api, cli
from autograder.course_dir import Course
from autograder.grading import checker, intake
from autograder.grading.results import Status, SubmissionResult
from autograder.settings import DEFAULT, Settings

FIXTURE = Course.at(Path(__file__).parent / "fixtures" / "course")


def test_the_fixture_course_keeps_this_repositorys_layout():
    assert (FIXTURE.source_dir.name, FIXTURE.release_dir.name) == ("solutions", "assignments")
    assert FIXTURE.assignments() == ["00_fixture"] and FIXTURE.notebooks("00_fixture") == [
        "00_fixture"
    ]


def test_the_sandbox_sees_the_release_and_the_data_never_the_source():
    shown = FIXTURE.sandbox_data("00_fixture")
    assert shown == (str(FIXTURE.release("00_fixture").resolve()),)  # the fixture has no data/
    assert not any(str(FIXTURE.source_dir) in path for path in shown)


def test_an_unknown_assignment_names_the_ones_there_are():
    with pytest.raises(FileNotFoundError, match=r"no assignment 'nope' .*\(assignments: 00_fix"):
        FIXTURE.require("nope")


def test_no_course_above_a_folder_is_a_clear_error(tmp_path):
    with pytest.raises(FileNotFoundError, match="pass --course DIR"):
        Course.find(tmp_path)


def test_check_finds_the_assignment_by_its_notebooks_name(tmp_path):
    assert api._assignment_of(FIXTURE, "00_fixture") == "00_fixture"
    with pytest.raises(ValueError, match="no assignment of .* has a notebook homework.ipynb"):
        api._assignment_of(FIXTURE, "homework")


def test_pages_without_saved_results_say_to_grade_first(tmp_path):
    with pytest.raises(FileNotFoundError, match="run `autograder grade` first"):
        api.report(FIXTURE, "00_fixture", tmp_path)


def test_pages_are_written_again_from_saved_results(tmp_path):
    (tmp_path / "results").mkdir()
    SubmissionResult("ada", "00_fixture", Status.MISSING).save(tmp_path / "results" / "ada.json")
    assert api.report(FIXTURE, "00_fixture", tmp_path).is_file()
    assert len(list(api.feedback(FIXTURE, "00_fixture", tmp_path).iterdir())) == 1


def test_the_release_check_is_in_sync_only_without_differences():
    assert api.Released(["a"], {"a": []}).in_sync
    assert not api.Released(["a", "b"], {"a": [], "b": ["x differs"]}).in_sync


def test_grading_without_submissions_points_at_submitted(tmp_path, capsys):
    assert cli.main(["--course", str(FIXTURE.root), "grade", "00_fixture", "--no-gradebook"]) == 2
    assert "no submissions in" in capsys.readouterr().err


def test_the_course_option_is_also_accepted_after_the_command(capsys):
    assert cli.main(["report", "00_fixture", "--course", "/nowhere/at/all"]) == 2
    assert "no course folder at /nowhere/at/all" in capsys.readouterr().err


def test_workers_default_to_one_per_core():
    assert Settings(workers=3).worker_count == 3
    assert DEFAULT.worker_count == (os.cpu_count() or 1)


def test_the_caps_the_modules_enforce_come_from_the_settings():
    assert intake.MAX_FILE_BYTES == DEFAULT.max_file_bytes
    assert intake.MAX_ZIP_BYTES == DEFAULT.max_zip_bytes
    assert checker.CHECKER_ADDRESS_SPACE == DEFAULT.checker_memory_bytes
