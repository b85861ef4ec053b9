"""Feedback pages and the class report, from synthetic results (no notebooks, no Keras).

The hard rule under test: whatever text ends up in a result, no page shows a traceback or a
hidden test's source to a student.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from autograder.grading.class_report import (
    failing_concepts,
    failure_groups,
    format_table,
    needs_human,
    pass_rates,
    write_class_report,
)
from autograder.grading.feedback import (
    MAX_MESSAGE_CHARS,
    REMOVED,
    STATUS_EXPLANATIONS,
    prose_html,
    scrub,
    write_feedback,
)
from autograder.grading.results import SubmissionResult
from autograder.grading.results import TestResult as Checked  # a Test* name pytest would collect

ASSIGNMENT = "a3_residual"
RESIDUAL_FAILURE = (
    "[Residual connections]\n"
    "  expected: an Add layer joining the block's input and output\n"
    "  found:    no merge layer\n"
    "  hint:     keras.layers.Add()([x, shortcut])"
)
HIDDEN_SOURCE = "assert secret_reference_params == 31337"
HIDDEN_MESSAGE = (
    "Your model did not match.\n"
    "### BEGIN HIDDEN TESTS\n"
    f"{HIDDEN_SOURCE}\n"
    "### END HIDDEN TESTS\n"
    "Check the number of units."
)
TRACEBACK_MESSAGE = (
    "Traceback (most recent call last):\n"
    '  File "<test residual>", line 7, in <module>\n'
    "    assert model.count_params() == 123456\n"
    "AssertionError: the parameter count is wrong"
)
IPYTHON_TRACEBACK = (
    "---------------------------------------------------------------------------\n"
    "AssertionError                            Traceback (most recent call last)\n"
    "Cell In[12], line 3\n"
    "      1 reference = build_reference()\n"
    "----> 3 assert student.count_params() == reference.count_params()\n"
    "\n"
    "AssertionError: parameter count"
)
LEAKS = ("BEGIN HIDDEN", "END HIDDEN", HIDDEN_SOURCE, "count_params() ==", 'File "', "Cell In[",
         "Traceback", "---->", "build_reference")


@pytest.fixture(autouse=True)
def fresh_session():
    """Overrides conftest's Keras reset (about 0.7 s a test): nothing here touches Keras."""
    yield


def _tests(*outcomes: tuple[str, str, str]) -> list[Checked]:
    """(grade_id, outcome, message) -> TestResults worth 2 points each."""
    return [
        Checked(gid, 2.0, 2.0 if outcome == "passed" else 0.0, outcome, message)
        for gid, outcome, message in outcomes
    ]


def _all_tests(outcome: str, message: str = "") -> list[Checked]:
    return _tests(("build_model", outcome, message), ("residual_connections", outcome, message),
                  ("shared-encoder", outcome, message))


@pytest.fixture
def results() -> list[SubmissionResult]:
    def result(sid, status, tests, notes=(), sandboxed=True):
        return SubmissionResult(sid, ASSIGNMENT, status, tests, list(notes), sandboxed=sandboxed)

    return [
        result("ada", "graded", _all_tests("passed")),
        result("ben", "graded", _tests(
            ("build_model", "passed", ""),
            ("residual_connections", "failed", RESIDUAL_FAILURE),
            ("shared-encoder", "failed", "<script>alert('x')</script> & more"),
        )),
        result("cleo", "graded", _tests(
            ("build_model", "passed", ""),
            ("residual_connections", "failed", RESIDUAL_FAILURE.replace("no merge", "a Concat")),
            ("shared-encoder", "failed", TRACEBACK_MESSAGE),
        )),
        result("dan", "timed_out", _tests(
            ("build_model", "passed", ""),
            ("residual_connections", "not_run", "not run: a cell ran longer than 60 s"),
            ("shared-encoder", "not_run", "not run: a cell ran longer than 60 s"),
        ), ["a cell ran longer than 60 s"]),
        result("eve", "crashed", _all_tests("not_run", "not run: the kernel died"),
               ["the kernel died (exit code -9, out of memory?)"]),
        result("finn", "malformed", _all_tests("not_run", "not run: malformed"),
               ["the notebook file is not a valid notebook: Expecting value"]),
        result("gus", "missing", _all_tests("not_run", "not run: missing"),
               ["no submission folder"]),
        result("hana", "tampered", _tests(
            ("build_model", "passed", ""),
            ("residual_connections", "failed", HIDDEN_MESSAGE),
            ("shared-encoder", "failed", IPYTHON_TRACEBACK),
        ), ["test cell residual_connections was edited"]),
        result("ivan", "graded", _tests(
            ("build_model", "passed", ""),
            ("residual_connections", "error", "the grader failed on this submission"),
            ("shared-encoder", "passed", ""),
        ), sandboxed=False),
    ]


def _pages(results: list[SubmissionResult], out: Path) -> dict[str, str]:
    return {r.student_id: write_feedback(r, out).read_text() for r in results}


# -- scrub ----------------------------------------------------------------------------------------


def test_scrub_keeps_a_teaching_message_unchanged():
    assert scrub(RESIDUAL_FAILURE) == RESIDUAL_FAILURE


def test_scrub_removes_a_python_traceback_but_keeps_the_error_line():
    cleaned = scrub(TRACEBACK_MESSAGE)
    assert "Traceback" not in cleaned and 'File "' not in cleaned
    assert "count_params" not in cleaned  # the quoted source line under the frame
    assert cleaned == f"{REMOVED}\nAssertionError: the parameter count is wrong"


def test_scrub_removes_an_ipython_traceback():
    cleaned = scrub("\x1b[31m" + IPYTHON_TRACEBACK + "\x1b[0m")
    for leak in ("Cell In[", "---->", "build_reference", "count_params", "\x1b"):
        assert leak not in cleaned
    assert cleaned.endswith("AssertionError: parameter count")


def test_scrub_removes_hidden_test_regions_even_unterminated():
    assert HIDDEN_SOURCE not in scrub(HIDDEN_MESSAGE)
    assert "Check the number of units." in scrub(HIDDEN_MESSAGE)
    unterminated = scrub("before\n### BEGIN HIDDEN TESTS\nassert x == 1\nassert y == 2")
    assert unterminated == f"before\n{REMOVED}"
    assert "SOLUTION" not in scrub("### BEGIN SOLUTION\nanswer = 42\n### END SOLUTION")


def test_scrub_shortens_long_messages():
    cleaned = scrub("x" * 50_000)
    assert len(cleaned) < MAX_MESSAGE_CHARS + 50 and cleaned.endswith("shortened]")
    assert len(scrub("line\n" * 500).split("\n")) < 50


def test_scrub_tolerates_empty_and_non_strings():
    assert scrub("") == "" and scrub(None) == "" and scrub(3) == "3"


# -- feedback pages -------------------------------------------------------------------------------


def test_one_page_per_student(results, tmp_path):
    paths = [write_feedback(r, tmp_path) for r in results]
    assert sorted(p.name for p in paths) == sorted(f"{r.student_id}.html" for r in results)


def test_page_has_header_scores_and_readable_test_names(results, tmp_path):
    page = write_feedback(results[1], tmp_path, title="Lab 3 feedback").read_text()
    assert "<title>Lab 3 feedback</title>" in page
    assert ASSIGNMENT in page and "ben" in page
    assert "2 / 6" in page  # score / max
    assert "Residual connections" in page and "Shared encoder" in page
    assert "passed" in page and "failed" in page
    assert "expected: an Add layer" in page and "hint:" in page


def test_every_status_is_explained_in_plain_words(results, tmp_path):
    pages = _pages(results, tmp_path)
    for r in results:
        assert STATUS_EXPLANATIONS[r.status] in pages[r.student_id]
    assert "a cell ran too long" in pages["dan"]
    assert "not run" in pages["dan"]
    assert "a teacher will look" in pages["eve"].lower()


def test_messages_and_notes_are_html_escaped(results, tmp_path):
    page = write_feedback(results[1], tmp_path).read_text()
    assert "<script>" not in page
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt; &amp; more" in page


def test_backticked_names_in_notes_show_as_code_and_stay_escaped():
    assert prose_html("cell 8 (`train`) ran") == "cell 8 (<code>train</code>) ran"
    assert prose_html("`<b>x</b>`") == "<code>&lt;b&gt;x&lt;/b&gt;</code>"
    assert prose_html("a lone ` tick") == "a lone ` tick"


def test_pages_are_self_contained(results, tmp_path):
    for page in _pages(results, tmp_path).values():
        assert not re.search(r"<script|<link|src=|href=|@import|url\(", page)


def test_no_page_leaks_tracebacks_or_hidden_tests(results, tmp_path):
    pages = _pages(results, tmp_path)
    for student, page in pages.items():
        for leak in LEAKS:
            assert leak not in page, (student, leak)
    assert "AssertionError: the parameter count is wrong" in pages["cleo"]
    assert "Check the number of units." in pages["hana"]


def test_a_hostile_student_id_stays_inside_the_folder(tmp_path):
    result = SubmissionResult("../../etc/x", ASSIGNMENT, "missing")
    path = write_feedback(result, tmp_path / "out")
    assert path.parent == tmp_path / "out"


# -- class report ---------------------------------------------------------------------------------


def test_report_is_written_with_embedded_and_saved_figures(results, tmp_path):
    path = write_class_report(results, tmp_path, ASSIGNMENT)
    page = path.read_text()
    assert path == tmp_path / "report.html"
    assert page.count("<figure class='chart'") == 3 and page.count("<svg") == 3
    assert "data:image" not in page  # the figures are inline SVG, not pictures of pictures
    for png in ("score_distribution.png", "pass_rate.png", "failing_concepts.png"):
        assert (tmp_path / png).read_bytes().startswith(b"\x89PNG")
    assert "9 submissions, 4 graded" in page
    assert "<script" not in page


def test_needs_human_lists_exactly_the_right_students(results, tmp_path):
    rows = needs_human(results)
    assert [row[0] for row in rows] == ["dan", "eve", "finn", "hana", "ivan"]
    assert "grader error in: residual_connections" in dict((r[0], r[2]) for r in rows)["ivan"]
    page = write_class_report(results, tmp_path, ASSIGNMENT).read_text()
    table = page.split("class='needs-human'>", 1)[1].split("</table>", 1)[0]
    listed = re.findall(r"<tr><td>([^<]*)</td>", table)
    assert listed == ["dan", "eve", "finn", "hana", "ivan"]


def test_failures_are_grouped_by_their_first_two_lines(results):
    groups = dict(failure_groups(results)["residual_connections"])
    key = "[Residual connections]\n  expected: an Add layer joining the block's input and output"
    assert groups[key] == 2  # ben and cleo: same concept and expectation, different "found"
    assert sum(groups.values()) == 4  # ben, cleo, hana (failed) and ivan (error)


def test_pass_rates_leave_out_missing_submissions(results):
    rates = pass_rates(results)
    assert list(rates) == ["build_model", "residual_connections", "shared-encoder"]
    assert rates["build_model"] == (6, 8) and rates["residual_connections"] == (1, 8)


def test_report_counts_statuses_and_warns_about_missing_sandbox(results, tmp_path):
    page = write_class_report(results, tmp_path, ASSIGNMENT).read_text()
    assert "<td>timed out</td><td>1</td>" in page and "<td>graded</td><td>4</td>" in page
    assert "graded without a sandbox" in page and "ivan" in page
    for leak in LEAKS:
        assert leak not in page, leak


def test_report_has_no_banner_when_everything_was_sandboxed(results, tmp_path):
    page = write_class_report(results[:2], tmp_path, ASSIGNMENT).read_text()
    assert "graded without a sandbox" not in page


def test_report_survives_an_empty_class(tmp_path):
    page = write_class_report([], tmp_path, ASSIGNMENT).read_text()
    assert "0 submissions" in page and page.count("<svg") == 3
    assert "no failed tests" in page and "no scores to show" in page


def test_format_table_has_one_row_per_submission(results):
    lines = format_table(results).splitlines()
    assert len(lines) == 2 + len(results)  # header, rule, rows
    assert lines[0].split() == ["student", "score", "status", "note"]
    rows = {line.split()[0]: line for line in lines[2:]}
    assert list(rows) == [r.student_id for r in results]
    assert "6/6" in rows["ada"] and "timed_out" in rows["dan"]
    assert "kernel died" in rows["eve"]
    assert all(len(line) < 120 for line in lines)


GRAPH_SVG = (
    '<svg width="80pt" height="60pt" viewBox="0 0 80 60" xmlns="http://www.w3.org/2000/svg">\n'
    '<g id="graph0" class="graph"><title>model</title>\n'
    "<!-- n0 -->\n"
    '<g id="node1" class="node marked"><title>n0</title>'
    '<path fill="#fde2e1" stroke="#c9302c" d="M0,0 L10,10"/>'
    '<text x="5" y="5">&lt;img src=x onerror=alert(1)&gt;</text></g>\n'
    "</g>\n</svg>"
)


def _failed_with(figure: str, outcome: str = "failed") -> SubmissionResult:
    test = Checked("residual_block", 2.0, 0.0, outcome, RESIDUAL_FAILURE, figure=figure)
    return SubmissionResult("ada", ASSIGNMENT, "graded", tests=[test])


def test_a_failed_graph_check_shows_its_picture_inline(tmp_path):
    page = write_feedback(_failed_with(GRAPH_SVG), tmp_path).read_text()
    assert "<figure class='graph'>" + GRAPH_SVG in page
    assert "Red: the layers and connections this test is about" in page


@pytest.mark.parametrize(
    "forged",
    [
        GRAPH_SVG.replace("<title>n0</title>", "<script>alert(1)</script>"),
        GRAPH_SVG.replace('<g id="node1"', '<g onmouseover="alert(1)" id="node1"'),
        GRAPH_SVG.replace("<title>n0</title>", '<a href="https://evil.example">x</a>'),
        GRAPH_SVG.replace("<title>n0</title>", "<foreignObject><img src=x></foreignObject>"),
        "<img src=x onerror=alert(1)>",
        GRAPH_SVG[:-6],  # cut short: the page's own tags would end up inside it
    ],
)
def test_a_figure_that_is_not_plain_graphviz_is_left_out(tmp_path, forged):
    page = write_feedback(_failed_with(forged), tmp_path).read_text()
    assert "<figure" not in page and "<script" not in page and "onmouseover" not in page
    assert "Residual connections" in page  # the message still reaches the student


def test_a_passed_test_shows_no_picture(tmp_path):
    page = write_feedback(_failed_with(GRAPH_SVG, outcome="passed"), tmp_path).read_text()
    assert "<figure" not in page


def test_failing_concepts_count_each_student_once_per_concept(results):
    # ben and cleo name [Residual connections]; hana's message has no concept, so her test's
    # name stands for it; shared-encoder messages carry none either.
    assert failing_concepts(results) == [("Residual connections", 3), ("Shared encoder", 3)]
    ben = results[1]
    ben.tests.append(Checked("again", 1.0, 0.0, "failed", RESIDUAL_FAILURE))
    assert failing_concepts(results)[0] == ("Residual connections", 3)


def test_the_report_charts_show_tests_and_concepts_as_text(results, tmp_path):
    page = write_class_report(results, tmp_path, ASSIGNMENT).read_text()
    concepts = page[page.index("Most common failing concept") :]
    assert "Residual connections" in concepts.split("</figure>")[0]
    rates = page[page.index("Pass rate per test") :].split("</figure>")[0]
    assert "shared-encoder" in rates and "build_model" in rates
