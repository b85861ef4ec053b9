"""One self-contained HTML feedback page per student, written from a :class:`SubmissionResult`.

The page is built from the result's fields only: it never opens a notebook or a test, so it
cannot leak what it never reads. Messages are still passed through :func:`scrub` because a
message is text some other code produced: a traceback quoting a hidden ``assert``, or a test
cell's own markers, must not reach a student even if a check lets one through (GRADING.md,
"Students see what failed and why, never the hidden tests' source").

The page has inline CSS only: no JavaScript and no external resources, so it opens the same
from a learning platform, an e-mail attachment or a file on disk.
"""

from __future__ import annotations

import re
from pathlib import Path

from autograder.drawing import is_safe_svg
from autograder.grading.escape import file_key, for_html
from autograder.grading.results import SubmissionResult, TestResult

MAX_MESSAGE_CHARS = 2_000
MAX_MESSAGE_LINES = 40
REMOVED = "[details from the grader's own code were removed]"
SHORTENED = "[... message shortened]"

STATUS_EXPLANATIONS = {
    "graded": "your notebook ran to the end and every test was checked.",
    "timed_out": (
        "your notebook was stopped because a cell ran too long. Tests after that cell were "
        "not run. Look for a loop that never ends, or training with too many epochs or too "
        "much data."
    ),
    "crashed": (
        "your notebook stopped unexpectedly: the Python process running it died (for example "
        "it ran out of memory, or the code called exit()). Tests after that point were not run."
    ),
    "malformed": (
        "your submission could not be read as a notebook: the file may be damaged, or there "
        "are several notebooks and none has the expected name."
    ),
    "missing": "no submission was found for you, so nothing could be graded.",
    "tampered": (
        "test cells or grading code in your notebook were changed or removed. It was graded "
        "with the original tests, and a teacher will review it."
    ),
}
HUMAN_REVIEW = "A teacher will look at this submission by hand before the grade is final."
GRAPH_CAPTION = (
    "Your model as a graph of layer calls. Red: the layers and connections this test is "
    "about; dashed: a connection the task needs that your model does not have."
)

OUTCOME_LABELS = {
    "passed": "passed",
    "failed": "failed",
    "not_run": "not run",
    "error": "not checked",
}
OUTCOME_EXPLANATIONS = {
    "not_run": "Your notebook stopped before it reached this test.",
    "error": "The grader could not check this test; a teacher will check it by hand.",
}

_ANSI = re.compile(r"\x1b\[[0-9;?]*[ -/]*[@-~]")
_TRACEBACK_START = re.compile(
    r"^(Traceback|File (\"|\S+:\d+, in )|\s+File |\s*---->|Cell In\[|-{20,}\s*$)"
    r"|Traceback \(most recent call"
    r"|^(During handling of the above exception|The above exception was the direct cause)"
)
_SECRET_START = re.compile(r"#+\s*BEGIN (HIDDEN TESTS|SOLUTION)", re.IGNORECASE)
_SECRET_END = re.compile(r"#+\s*END (HIDDEN TESTS|SOLUTION)", re.IGNORECASE)
_SECRET_MARK = re.compile(r"(BEGIN|END) (HIDDEN TESTS|SOLUTION)", re.IGNORECASE)


# -- scrubbing ------------------------------------------------------------------------------------


def scrub(text: object) -> str:
    """A message with tracebacks, hidden-test or solution regions removed, and length capped.

    Defence in depth: checks are meant to produce teaching messages only, but a traceback
    quotes the source lines around the failure, which may be a hidden test. A removed block is
    replaced by one placeholder line so the student knows something was left out.
    """
    lines = _ANSI.sub("", str(text or "")).replace("\r\n", "\n").replace("\r", "\n").split("\n")
    kept = _drop_tracebacks(_drop_secret_regions(lines))
    return _shorten("\n".join(kept).strip("\n"))


def _drop_secret_regions(lines: list[str]) -> list[str]:
    """Remove everything between BEGIN/END HIDDEN TESTS (or SOLUTION) markers, inclusive.

    A BEGIN without its END hides everything after it: half a hidden test is still a leak.
    """
    kept: list[str] = []
    inside = False
    for line in lines:
        if _SECRET_START.search(line):
            inside = True
            _add_placeholder(kept)
        elif inside:
            inside = not _SECRET_END.search(line)
        elif _SECRET_MARK.search(line):
            _add_placeholder(kept)  # a stray END marker or a marker in odd spelling
        else:
            kept.append(line)
    return kept


def _drop_tracebacks(lines: list[str]) -> list[str]:
    """Remove traceback headers, frame lines and the indented source lines they quote.

    A traceback ends at the first line that is not indented: in Python's format that is the
    ``SomeError: message`` line, which is kept because it says what went wrong.
    """
    kept: list[str] = []
    inside = False
    for line in lines:
        if _TRACEBACK_START.search(line):
            inside = True
            _add_placeholder(kept)
        elif inside and (not line.strip() or line[:1].isspace() or _is_numbered_source(line)):
            continue
        else:
            inside = False
            kept.append(line)
    return kept


def _is_numbered_source(line: str) -> bool:
    """IPython's traceback context lines look like ``      3 assert x == 1``."""
    return bool(re.match(r"^\s*\d+\s", line))


def _add_placeholder(kept: list[str]) -> None:
    if not kept or kept[-1] != REMOVED:
        kept.append(REMOVED)


def _shorten(text: str) -> str:
    """Cap a message so one runaway repr or printed array cannot bury the rest of the page."""
    lines = text.split("\n")
    shortened = len(lines) > MAX_MESSAGE_LINES or len(text) > MAX_MESSAGE_CHARS
    if not shortened:
        return text
    text = "\n".join(lines[:MAX_MESSAGE_LINES])[:MAX_MESSAGE_CHARS].rstrip()
    return f"{text}\n{SHORTENED}"


# -- small readable pieces ------------------------------------------------------------------------


def readable_grade_id(grade_id: str) -> str:
    """``residual_connections`` -> ``Residual connections``: ids are for machines."""
    words = re.sub(r"[_\-.]+", " ", str(grade_id)).strip()
    return words[:1].upper() + words[1:] if words else "(unnamed test)"


def format_points(value: float) -> str:
    """2.0 -> '2', 1.5 -> '1.5': no trailing zeros in front of students."""
    return f"{float(value):g}"


def explain_status(status: str) -> str:
    """The plain-words sentence a student reads about their status."""
    return STATUS_EXPLANATIONS.get(status, "this submission has an unusual status.")


def feedback_filename(student_id: str) -> str:
    """A file name that stays inside the output folder and is never another student's."""
    return f"{file_key(student_id)}.html"


# -- the page -------------------------------------------------------------------------------------


def write_feedback(result: SubmissionResult, out_dir: Path, title: str | None = None) -> Path:
    """Write ``out_dir/<student_id>.html`` for one student and return its path."""
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / feedback_filename(result.student_id)
    path.write_text(render_feedback(result, title), encoding="utf-8")
    return path


def render_feedback(result: SubmissionResult, title: str | None = None) -> str:
    """The whole HTML page for one student, as a string."""
    heading = title or f"Feedback: {result.assignment}"
    body = "\n".join(
        [
            f"<h1>{esc(heading)}</h1>",
            _header(result),
            _notes(result.notes),
            "<h2>Tests</h2>",
            *(_test_section(test) for test in result.tests),
            "" if result.tests else "<p>No tests were recorded for this submission.</p>",
        ]
    )
    return PAGE.format(title=esc(heading), css=CSS, body=body)


def _header(result: SubmissionResult) -> str:
    review = f"<p class='review'>{esc(HUMAN_REVIEW)}</p>" if result.needs_human else ""
    status_class = "ok" if result.status == "graded" and not result.needs_human else "warn"
    return (
        "<table class='header'>"
        f"<tr><th>Assignment</th><td>{esc(result.assignment)}</td></tr>"
        f"<tr><th>Student</th><td>{esc(result.student_id)}</td></tr>"
        f"<tr><th>Score</th><td class='score'>{format_points(result.score)} / "
        f"{format_points(result.max_score)}</td></tr>"
        f"<tr><th>Status</th><td><span class='status {status_class}'>"
        f"{esc(result.status.replace('_', ' '))}</span> &mdash; "
        f"{esc(explain_status(result.status))}</td></tr>"
        "</table>"
        f"{review}"
    )


def _notes(notes: list[str]) -> str:
    items = [scrub(note) for note in notes or []]
    items = [item for item in items if item.strip()]
    if not items:
        return ""
    listed = "".join(f"<li>{prose_html(item)}</li>" for item in items)
    return f"<h2>Notes</h2><ul class='notes'>{listed}</ul>"


def _test_section(test: TestResult) -> str:
    label = OUTCOME_LABELS.get(test.outcome, test.outcome)
    message = scrub(test.message)
    explanation = OUTCOME_EXPLANATIONS.get(test.outcome, "")
    parts = [
        f"<section class='test {esc(test.outcome)}'>",
        f"<h3>{esc(readable_grade_id(test.grade_id))} "
        f"<code class='gid'>{esc(test.grade_id)}</code></h3>",
        f"<p><span class='outcome {esc(test.outcome)}'>{esc(label)}</span> "
        f"{format_points(test.score)} / {format_points(test.points)} points</p>",
    ]
    if explanation:
        parts.append(f"<p class='why'>{esc(explanation)}</p>")
    if message:
        parts.append(f"<pre>{esc(message)}</pre>")
    parts.append(_graph_figure(test))
    parts.append("</section>")
    return "\n".join(parts)


def _graph_figure(test: TestResult) -> str:
    """The student's graph with the failing check's marks, when the checker could draw it."""
    if test.outcome != "failed" or not is_safe_svg(test.figure):
        return ""
    caption = f"<figcaption>{esc(GRAPH_CAPTION)}</figcaption>"
    return f"<figure class='graph'>{test.figure}{caption}</figure>"


def esc(text: object) -> str:
    return for_html(text)


_BACKTICKED = re.compile(r"`([^`\n]+)`")


def prose_html(text: object) -> str:
    """Escaped text in which `backticked` names (cells, inputs, layers) show as code."""
    return _BACKTICKED.sub(r"<code>\1</code>", esc(text))


PAGE = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title>
<style>{css}</style>
</head>
<body>
{body}
</body>
</html>
"""

CSS = """
body { font-family: system-ui, -apple-system, "Segoe UI", sans-serif; max-width: 52rem;
       margin: 2rem auto; padding: 0 1rem; color: #1d1d1f; line-height: 1.5; }
h1 { font-size: 1.6rem; } h2 { font-size: 1.25rem; margin-top: 2rem; }
h3 { font-size: 1.05rem; margin: 0 0 .3rem; }
table.header { border-collapse: collapse; margin: 1rem 0; }
table.header th { text-align: left; padding: .25rem 1rem .25rem 0; color: #555;
                  vertical-align: top; }
table.header td { padding: .25rem 0; }
.score { font-weight: bold; font-size: 1.2rem; }
.status, .outcome { display: inline-block; padding: 0 .5rem; border-radius: .3rem;
                    font-weight: bold; }
.status.ok, .outcome.passed { background: #dff3e3; color: #14532d; }
.status.warn, .outcome.error { background: #fff1cc; color: #713f12; }
.outcome.failed { background: #fde2e1; color: #7f1d1d; }
.outcome.not_run { background: #e8e8ec; color: #333; }
.review { background: #fff8e1; border-left: 4px solid #f0b400; padding: .5rem .8rem; }
section.test { border: 1px solid #ddd; border-radius: .4rem; padding: .8rem 1rem;
               margin: .8rem 0; }
section.test.passed { border-left: 5px solid #2e9d4f; }
section.test.failed { border-left: 5px solid #c9302c; }
section.test.not_run, section.test.error { border-left: 5px solid #999; }
code.gid { font-size: .8rem; color: #777; font-weight: normal; }
.why { color: #555; }
figure.graph { margin: .6rem 0; overflow-x: auto; }
figure.graph svg { max-width: 100%; height: auto; }
figcaption { color: #555; font-size: .85rem; }
pre { background: #f6f8fa; padding: .7rem; border-radius: .3rem; white-space: pre-wrap;
      word-break: break-word; font-size: .9rem; }
"""
