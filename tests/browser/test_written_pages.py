"""The pages `autograder grade` writes, as a browser shows them: feedback and class report.

They are opened from disk (``file://``), the way a student opens an e-mailed page. A student id
that is an HTML tag must show as text: no element is made from it and no script runs.
"""

from __future__ import annotations

import pytest

from tests.browser.conftest import EVIL_STUDENT, GRADED


@pytest.fixture
def opened(page):
    """Open a page and collect any dialog a script tried to show (there must be none)."""
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))

    def open_file(path) -> list[str]:
        page.goto(path.as_uri())
        return dialogs

    return open_file


def feedback_page(out, student: str):
    (path,) = [p for p in (out / "feedback").glob("*.html") if student in p.read_text()]
    return path


def test_a_wrong_residual_feedback_page_draws_the_faulty_shortcut(page, opened, grading_run, shots):
    out = grading_run()
    dialogs = opened(feedback_page(out, "onerror"))
    assert page.locator("h1").inner_text() == f"Feedback: {GRADED}"
    header = page.locator("table.header").inner_text()
    assert EVIL_STUDENT in header  # the id, shown as the characters it is made of
    assert page.locator("img").count() == 0 and not dialogs
    block = page.locator("section.test.failed", has_text="test_identity_block")
    assert "the shortcut starts inside the block" in block.locator("pre").inner_text()
    figure = block.locator("figure.graph svg")
    figure.wait_for()
    assert figure.bounding_box()["height"] > 100  # drawn, not an empty box
    shortcut = figure.locator("g.edge.marked path").first
    assert shortcut.get_attribute("stroke") == "#c9302c"
    assert figure.locator("g.edge.missing").count() >= 1
    assert "Red: the layers and connections" in block.locator("figcaption").inner_text()
    block.scroll_into_view_if_needed()
    page.screenshot(path=str(shots / "feedback.png"))


def test_a_right_answer_feedback_page_has_full_marks_and_no_pictures(page, opened, grading_run):
    out = grading_run()
    opened(feedback_page(out, "ada"))
    assert page.locator(".score").inner_text().startswith("10 / 10")
    assert page.locator("section.test.failed").count() == 0
    assert page.locator("figure.graph").count() == 0


def test_the_class_report_shows_its_three_charts_and_runs_no_script(
    page, opened, grading_run, shots
):
    out = grading_run()
    dialogs = opened(out / "report.html")
    assert page.locator("h1").inner_text() == f"Class report: {GRADED}"
    assert "2 submissions, 2 graded" in page.locator(".summary").inner_text()
    for heading in ("Score distribution", "Pass rate per test", "Most common failing concept"):
        page.get_by_role("heading", name=heading).wait_for()
    figures = page.locator("figure.chart svg")
    assert figures.count() == 3
    for index in range(3):
        assert figures.nth(index).bounding_box()["height"] > 50
    failures = page.locator("table", has_text="students").last.inner_text()
    assert "Residual shortcut" in failures
    assert page.locator("img").count() == 0 and not dialogs
    page.screenshot(path=str(shots / "report.png"), full_page=True)
