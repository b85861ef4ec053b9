"""Every assignment, end to end through nbgrader.

- the committed release equals what nbgrader generates from solutions/ now;
- no solution code and no hidden-test text appears in the release;
- autograding the solution gives full marks, with no error in any cell;
- autograding the untouched release gives zero on every graded test, without crashing;
- each realistic wrong submission loses exactly the points it should, for the stated reason;
- each right answer written in another style scores full marks.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from autograder.grading.pipeline import grade_class
from autograder.grading.results import SubmissionResult
from autograder.grading.results import TestResult as Checked  # a Test* name pytest would collect
from autograder.nbgrader_glue import (
    assignment_names,
    autograde,
    cell_scores,
    generate,
    make_scratch_course,
    release_differences,
    submit,
)
from autograder.samples import filled
from tests import notebooks
from tests.submissions import (
    RightSubmission,
    WrongSubmission,
    grading_problems,
    right_for,
    wrong_for,
)

REPO = Path(__file__).resolve().parents[1]
ASSIGNMENTS = assignment_names(REPO) if (REPO / "solutions").exists() else []
MARKED = re.compile(r"### BEGIN (SOLUTION|HIDDEN TESTS)\n(.*?)### END \1", re.S)


def source_notebook(assignment: str):
    return notebooks.read(REPO / "solutions" / assignment / f"{assignment}.ipynb")


def release_notebook(assignment: str):
    return notebooks.read(REPO / "assignments" / assignment / f"{assignment}.ipynb")


def hidden_test_lines(nb) -> set[str]:
    """Lines of hidden tests that appear nowhere else in the source.

    A hidden test may repeat a visible check word for word (``check_model_kind(m, "Functional")``):
    only what it adds is secret.
    """
    secret, public = set(), set()
    for cell in nb.cells:
        text = cell.source
        for match in MARKED.finditer(text):
            if match.group(1) == "HIDDEN TESTS":
                secret |= {line.strip() for line in match.group(2).splitlines()}
        public |= {line.strip() for line in MARKED.sub("", text).splitlines()}
    return {line for line in secret - public if len(line) >= 12 and not line.startswith("#")}


# Lines a solution may share with the release because they carry no answer: closing brackets
# of a call that spans lines, and the two bodies every stub or block ends in. Anything longer
# (a layer call, a loss name in a compile call) is part of an answer and must not be printed.
PURE_SYNTAX = frozenset({")", "]", "}", "),", "],", "},", "pass", "return x", "return model"})


def solution_lines(nb) -> set[str]:
    """Every line a student is meant to write: each non-blank, non-comment solution line."""
    lines = {
        line.strip()
        for cell in nb.cells
        for match in MARKED.finditer(cell.source)
        if match.group(1) == "SOLUTION"
        for line in match.group(2).splitlines()
    }
    return {line for line in lines if line and not line.startswith("#")} - PURE_SYNTAX


def test_there_are_assignments():
    assert ASSIGNMENTS, "solutions/ holds no assignment"


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_release_is_in_sync_with_solutions(assignment):
    assert release_differences(assignment) == []


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_release_holds_no_line_of_a_solution(assignment):
    """A student who finds a solution line in the prose or a visible cell only has to copy it.

    Every line of every solution region counts, however short or common (`x = layers.Flatten()(x)`
    in a visible cell gives that line away), except the bare syntax of PURE_SYNTAX.
    """
    answer = solution_lines(source_notebook(assignment))
    assert answer, "the source has no solution region"
    released = released_lines(REPO / "assignments" / assignment)
    assert sorted(answer & released) == []
    assert not any("BEGIN SOLUTION" in line for line in released)


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_release_reveals_no_hidden_test(assignment):
    released = released_lines(REPO / "assignments" / assignment)
    assert sorted(hidden_test_lines(source_notebook(assignment)) & released) == []
    assert not any("BEGIN HIDDEN TESTS" in line for line in released)


def test_leak_test_sees_a_line_given_away_in_the_prose(tmp_path):
    """The leak test fails on a release whose prose holds a solution line, even a short one."""
    source = "def f(x):\n    ### BEGIN SOLUTION\n    y = g(x)\n    return x\n    ### END SOLUTION\n"
    prose = notebooks.markdown("Start with\n\n    y = g(x)\n")
    nb = notebooks.notebook([prose, notebooks.code(source)])
    assert solution_lines(nb) == {"y = g(x)"}
    notebooks.write(nb, tmp_path / "a.ipynb")
    assert solution_lines(nb) & released_lines(tmp_path) == {"y = g(x)"}


def released_lines(folder) -> set[str]:
    """Every stripped line a student receives: notebook cells line by line, other files too.

    Whole lines, not substrings: a hidden line such as ``layers.Flatten(),`` is no leak because
    the visible code holds ``[keras.Input((28, 28)), layers.Flatten()]``.
    """
    lines: set[str] = set()
    for path in folder.rglob("*"):
        if path.suffix == ".ipynb":
            texts = [cell.source for cell in notebooks.read(path).cells]
        elif path.is_file():
            texts = [path.read_text(errors="replace")]
        else:
            continue
        lines |= {line.strip() for text in texts for line in text.splitlines()}
    return lines


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_notebooks_are_committed_without_outputs(assignment):
    assert not notebooks.has_outputs(source_notebook(assignment))
    assert not notebooks.has_outputs(release_notebook(assignment))


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_known_answers_replace_answer_cells_only(assignment):
    """A known answer names answer cells of the source; a typo would grade the original."""
    answer_cells = {
        cell.metadata["nbgrader"]["grade_id"]
        for cell in source_notebook(assignment).cells
        if cell.get("metadata", {}).get("nbgrader", {}).get("solution")
    }
    for answer in wrong_for(assignment) + right_for(assignment):
        assert answer.replace and set(answer.replace) <= answer_cells, answer.name
    with pytest.raises(KeyError, match="no cell with grade_id"):
        filled(source_notebook(assignment), {"no_such_cell": "pass"})


def test_grading_problems_name_what_went_wrong():
    def result(status, scores, messages):
        tests = [Checked(g, 2.0, s, "passed" if s else "failed", messages.get(g, ""))
                 for g, s in scores.items()]
        return SubmissionResult("x", "a", status, tests, ["note"])

    points = {"t1": 2.0, "t2": 2.0}
    wrong = WrongSubmission("w", {"cell": ""}, loses={"t2": "no skip"})
    right = RightSubmission("r", {"cell": ""})
    assert grading_problems(wrong, result("graded", {"t1": 2.0, "t2": 0.0}, {"t2": "no skip"}),
                            points) == []
    assert grading_problems(right, result("graded", {"t1": 2.0, "t2": 2.0}, {}), points) == []
    too_harsh = grading_problems(right, result("graded", {"t1": 2.0, "t2": 0.0}, {"t2": "X"}),
                                 points)
    assert too_harsh == ["t2: 0 points, expected 2; message: X"]
    wrong_reason = grading_problems(
        wrong, result("graded", {"t1": 2.0, "t2": 0.0}, {"t2": "shape"}), points
    )
    assert wrong_reason == ["t2: the message lacks 'no skip': shape"]
    assert grading_problems(right, result("crashed", {}, {}), points)[0].startswith("status")


@pytest.fixture(scope="session")  # the tests of one assignment can be run apart (xdist)
def graded(tmp_path_factory):
    """Grade every submission once per assignment.

    nbgrader (in the kernel, sequential) grades the solution and the blank release; our
    sandboxed grader (two at a time) grades those two and every wrong submission. The two
    graders must agree where both ran; the wrong submissions are judged by ours, the one
    instructors use, which keeps this suite's time in bounds.
    """
    results = {}

    def run(assignment: str):
        if assignment not in results:
            course = make_scratch_course(into=tmp_path_factory.mktemp(assignment))
            generate(assignment, course)  # puts the assignment and its tests in the gradebook
            submit(course, assignment, "solution", source_notebook(assignment))
            submit(course, assignment, "blank", release_notebook(assignment))
            autograde(course, assignment)
            ours_in = course / "ours_submissions"
            shutil.copytree(course / "submitted", ours_in)
            for answer in wrong_for(assignment) + right_for(assignment):
                folder = ours_in / answer.name
                folder.mkdir(parents=True)
                nb = filled(source_notebook(assignment), answer.replace)
                notebooks.write(nb, folder / f"{assignment}.ipynb")
            ours = grade_class(assignment, ours_in, course / "ours", course_root=course,
                               progress=False)
            results[assignment] = (course, cell_scores(course, assignment),
                                   {r.student_id: r for r in ours})
        return results[assignment]

    return run


@pytest.mark.slow
@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_solution_scores_full_marks_without_errors(assignment, graded):
    course, scores, _ = graded(assignment)
    points = notebooks.graded_cells(source_notebook(assignment))
    assert scores["solution"] == points
    nb = notebooks.read(course / "autograded" / "solution" / assignment / f"{assignment}.ipynb")
    errors = [o for c in nb.cells for o in c.get("outputs", []) if o.get("output_type") == "error"]
    assert errors == []


@pytest.mark.slow
@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_blank_release_scores_zero_on_every_test(assignment, graded):
    _, scores, _ = graded(assignment)
    points = notebooks.graded_cells(source_notebook(assignment))
    assert scores["blank"] == {gid: 0.0 for gid in points}


@pytest.mark.slow
@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_assignment_has_three_wrong_submissions(assignment):
    assert len(wrong_for(assignment)) >= 3


@pytest.mark.slow
@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_assignment_has_two_right_answers_in_other_styles(assignment):
    assert len(right_for(assignment)) >= 2


@pytest.mark.slow
@pytest.mark.parametrize(
    "assignment,wrong",
    [(a, w) for a in ASSIGNMENTS for w in wrong_for(a)],
    ids=lambda v: v if isinstance(v, str) else v.name,
)
def test_wrong_submission_loses_exactly_its_points(assignment, wrong, graded):
    _, _, ours = graded(assignment)
    points = notebooks.graded_cells(source_notebook(assignment))
    assert grading_problems(wrong, ours[wrong.name], points) == []


@pytest.mark.slow
@pytest.mark.parametrize(
    "assignment,right",
    [(a, r) for a in ASSIGNMENTS for r in right_for(a)],
    ids=lambda v: v if isinstance(v, str) else v.name,
)
def test_right_answer_in_another_style_scores_full_marks(assignment, right, graded):
    """The tests grade the model a student built, not the instructor's way of writing it."""
    _, _, ours = graded(assignment)
    points = notebooks.graded_cells(source_notebook(assignment))
    assert grading_problems(right, ours[right.name], points) == []


@pytest.mark.slow
@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_our_sandboxed_grader_agrees_with_nbgrader(assignment, graded):
    """Same submissions, same per-test scores: in the kernel (nbgrader) and out of it (ours)."""
    _, scores, ours = graded(assignment)
    for student, nbgrader_scores in scores.items():
        assert ours[student].status == "graded", ours[student].notes
        assert {t.grade_id: t.score for t in ours[student].tests} == nbgrader_scores
