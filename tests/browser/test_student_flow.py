"""A student in JupyterLab: an assignment's visible tests, nbgrader's Validate, a lesson diagram.

Each notebook starts from the released assignment (what students receive) with answers written
into its cells on disk, the way ``autograder.samples`` fills them for the grading tests.
"""

from __future__ import annotations

import re
import subprocess

from tests.browser.conftest import BIN, tool_env, write_answers
from tests.browser.lab import (
    cell,
    errors_of,
    open_notebook,
    run_cells,
    wait_until_idle,
    wait_until_run,
)
from tests.submissions import wrong_for

ASSIGNMENT = "01_sequential_to_functional"
FIRST_TEST_CELL = 7  # test_sequential_classifier, right after Task 1's answer and its summary()
LESSON = "course/02_multiple_inputs.ipynb"
LESSON_DIAGRAM_CELL = 15  # show_model(model): the two-input graph
_ANSI = re.compile(r"\x1b\[[0-9;]*m")


def test_nbgrader_lab_extension_is_enabled_and_ok():
    listing = subprocess.run(
        [str(BIN / "jupyter"), "labextension", "list"],
        capture_output=True, text=True, env=tool_env(), check=True,
    )  # fmt: skip
    text = _ANSI.sub("", listing.stdout + listing.stderr)
    assert re.search(r"@jupyter/nbgrader v0\.9\.\d+ enabled OK", text), text


def test_right_answers_pass_every_visible_test_and_validate_says_so(
    page, lab, student_course, shots
):
    path = write_answers(student_course, ASSIGNMENT, "right.ipynb", {})
    panel = open_notebook(page, lab, path)
    run_cells(page, panel)
    wait_until_idle(panel)
    cells = panel.locator(".jp-Notebook .jp-Cell")
    code_cells = panel.locator(".jp-Notebook .jp-CodeCell")
    assert code_cells.count() > 10
    for index in range(cells.count()):
        if "jp-CodeCell" in (cell(panel, index).get_attribute("class") or ""):
            assert not errors_of(wait_until_run(panel, index, timeout=1_000)), f"cell {index}"
    test_cell = cell(panel, FIRST_TEST_CELL)
    test_cell.scroll_into_view_if_needed()
    page.screenshot(path=str(shots / "assignment.png"))

    page.get_by_role("button", name="Validate").click()
    dialog = page.locator(".jp-Dialog")
    dialog.wait_for(timeout=180_000)
    dialog.get_by_text("Success! Your notebook passes all the tests.").wait_for(timeout=180_000)


def test_a_wrong_answer_shows_the_teaching_message_under_the_visible_test(
    page, lab, student_course, shots
):
    wrong = next(w for w in wrong_for(ASSIGNMENT) if w.name == "unnamed_output_layer")
    path = write_answers(student_course, ASSIGNMENT, "wrong.ipynb", wrong.replace)
    panel = open_notebook(page, lab, path)
    run_cells(page, panel)
    test_cell = wait_until_run(panel, FIRST_TEST_CELL)
    (shown,) = errors_of(test_cell)
    assert "CheckFailure" in shown and wrong.loses["test_sequential_classifier"] in shown
    assert "hint:" in shown
    assert "Traceback" not in shown  # the message alone, not the checks' source
    test_cell.locator(".jp-OutputArea").scroll_into_view_if_needed()
    page.screenshot(path=str(shots / "assignment-wrong.png"))


def test_a_lesson_runs_and_draws_its_model_diagram(page, lab):
    panel = open_notebook(page, lab, LESSON)
    diagram_cell = cell(panel, LESSON_DIAGRAM_CELL)
    assert "show_model" in diagram_cell.locator(".jp-InputArea").inner_text()
    cell(panel, LESSON_DIAGRAM_CELL + 1).click()  # select the cell after it, as a student would
    run_cells(page, panel, "Run All Above Selected Cell")
    wait_until_run(panel, LESSON_DIAGRAM_CELL)
    picture = diagram_cell.locator(".jp-OutputArea-output img")
    picture.wait_for()
    width = picture.evaluate("img => img.complete ? img.naturalWidth : 0")
    assert width > 200, "the diagram did not render"
    assert not errors_of(diagram_cell)
