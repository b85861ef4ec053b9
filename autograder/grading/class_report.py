"""The instructor's view of a grading run: one self-contained HTML page, and a terminal table.

It answers the questions asked after grading a class: how did the class do, which tests were
hard, what did the failing students get wrong (the most common messages), and which
submissions a human must look at before the grades go out. The figures (score histogram,
pass rate per test, the concepts students failed most) are drawn with Matplotlib's own
canvases (no pyplot, so no global backend state and no display needed), embedded as inline
SVG so the page travels as one file and stays sharp, and also saved as PNGs beside it for
slides or e-mail.
"""

from __future__ import annotations

import io
import re
import statistics
from collections import Counter
from pathlib import Path

from autograder.grading.escape import for_terminal
from autograder.grading.feedback import (
    PAGE,
    REMOVED,
    esc,
    explain_status,
    format_points,
    prose_html,
    readable_grade_id,
    scrub,
)
from autograder.grading.results import STATUSES, SubmissionResult

MESSAGES_PER_TEST = 5
NOTE_WIDTH = 60
SCORE_FIGURE = "score_distribution.png"
PASS_RATE_FIGURE = "pass_rate.png"
CONCEPTS_FIGURE = "failing_concepts.png"
CONCEPTS_SHOWN = 8


# -- the page -------------------------------------------------------------------------------------


def write_class_report(results: list[SubmissionResult], out_dir: Path, assignment: str) -> Path:
    """Write ``out_dir/report.html`` (and its figures as PNGs beside it); return the page."""
    out_dir.mkdir(parents=True, exist_ok=True)
    charts = {
        SCORE_FIGURE: score_histogram(results),
        PASS_RATE_FIGURE: pass_rate_chart(results),
        CONCEPTS_FIGURE: failing_concepts_chart(results),
    }
    inline = {name: _svg(fig) for name, fig in charts.items()}
    for name, fig in charts.items():
        (out_dir / name).write_bytes(_png(fig))
    body = "\n".join(
        [
            f"<h1>Class report: {esc(assignment)}</h1>",
            _sandbox_banner(results),
            f"<p class='summary'>{esc(summary_line(results))}</p>",
            "<h2>Statuses</h2>",
            _status_table(results),
            "<h2>Submissions that need a human</h2>",
            _needs_human_table(results),
            "<h2>Score distribution</h2>",
            _figure(inline[SCORE_FIGURE], "Histogram of scores"),
            f"<p class='caption'>{esc(_histogram_caption(results))}</p>",
            "<h2>Pass rate per test</h2>",
            _figure(inline[PASS_RATE_FIGURE], "Pass rate per test"),
            "<p class='caption'>Submitted notebooks only; a test that was not run counts as "
            "not passed.</p>",
            "<h2>Most common failing concept</h2>",
            _figure(inline[CONCEPTS_FIGURE], "Students per failing concept"),
            "<p class='caption'>The concept each failed check names (a student counts once "
            "per concept); the messages behind them are listed below.</p>",
            "<h2>Most common failure messages</h2>",
            _failure_table(results),
        ]
    )
    path = out_dir / "report.html"
    path.write_text(
        PAGE.format(title=esc(f"Class report: {assignment}"), css=CSS, body=body), encoding="utf-8"
    )
    return path


def summary_line(results: list[SubmissionResult]) -> str:
    """Counts and central scores; mean and median over graded submissions only.

    Missing, crashed or timed-out submissions would drag the mean towards zero for reasons
    that are not about the class's understanding, so they are counted but not averaged.
    """
    graded = [r.score for r in results if r.status == "graded"]
    top = format_points(max_score(results))
    if graded:
        centre = (
            f"mean {statistics.mean(graded):.2f} / {top}, "
            f"median {statistics.median(graded):g} / {top}"
        )
    else:
        centre = "no graded submissions to average"
    needs = sum(r.needs_human for r in results)
    return f"{len(results)} submissions, {len(graded)} graded: {centre}; {needs} need a human."


def max_score(results: list[SubmissionResult]) -> float:
    """The assignment's total points, as the largest total any result records."""
    return max((r.max_score for r in results), default=0.0)


def _sandbox_banner(results: list[SubmissionResult]) -> str:
    unsandboxed = [r.student_id for r in results if not r.sandboxed]
    if not unsandboxed:
        return ""
    names = ", ".join(unsandboxed)
    return (
        f"<p class='banner'>Warning: {len(unsandboxed)} submission(s) were graded without "
        f"a sandbox: the student's code could read the tests and the solutions. "
        f"({esc(names)})</p>"
    )


def _status_table(results: list[SubmissionResult]) -> str:
    counts = status_counts(results)
    rows = [
        (status.replace("_", " "), str(count), explain_status(status))
        for status, count in counts.items()
    ]
    return _table(("status", "submissions", "meaning (as students read it)"), rows)


def status_counts(results: list[SubmissionResult]) -> dict[str, int]:
    """Every known status, zeros included (a zero is news too), then any unknown ones."""
    counts = Counter(r.status for r in results)
    ordered = {status: counts.get(status, 0) for status in STATUSES}
    ordered.update({s: n for s, n in sorted(counts.items()) if s not in ordered})
    return ordered


def needs_human(results: list[SubmissionResult]) -> list[tuple[str, str, str]]:
    """(student, status, reason) for every submission a human must look at."""
    return [(r.student_id, r.status, human_reason(r)) for r in results if r.needs_human]


def human_reason(result: SubmissionResult) -> str:
    """Why a human must look: the notes, and the tests the grader itself could not check."""
    reasons = [scrub(note) for note in result.notes if str(note).strip()]
    errored = [t.grade_id for t in result.tests if t.outcome == "error"]
    if errored:
        reasons.append("grader error in: " + ", ".join(errored))
    return "; ".join(reasons) or explain_status(result.status)


def _needs_human_table(results: list[SubmissionResult]) -> str:
    rows = needs_human(results)
    if not rows:
        return "<p>None: every submission was graded automatically.</p>"
    rows = [(student, status, prose_html(reason)) for student, status, reason in rows]
    return _table(("student", "status", "reason"), rows, css_class="needs-human", raw_last=True)


def failure_groups(results: list[SubmissionResult]) -> dict[str, list[tuple[str, int]]]:
    """grade_id -> [(first two lines of a failure message, how many students got it)].

    Grouping by the first two lines puts together messages that differ only in details
    further down (the exact shapes found, say), which is what a lecture can address.
    """
    counts: dict[str, Counter[str]] = {}
    for result in results:
        for test in result.tests:
            if test.outcome not in ("failed", "error"):
                continue
            key = "\n".join(scrub(test.message).strip().split("\n")[:2]) or "(no message)"
            counts.setdefault(test.grade_id, Counter())[key] += 1
    return {
        gid: sorted(c.items(), key=lambda item: (-item[1], item[0]))[:MESSAGES_PER_TEST]
        for gid, c in counts.items()
    }


def _failure_table(results: list[SubmissionResult]) -> str:
    groups = failure_groups(results)
    if not groups:
        return "<p>No failures.</p>"
    rows = [
        (gid, str(count), f"<pre>{esc(message)}</pre>")
        for gid, messages in groups.items()
        for message, count in messages
    ]
    return _table(("test", "students", "message (first two lines)"), rows, raw_last=True)


def _histogram_caption(results: list[SubmissionResult]) -> str:
    left_out = sum(r.status == "missing" for r in results)
    caption = "Graded submissions, with the other statuses stacked on top."
    if left_out:
        caption += f" Left out: {left_out} missing submission{'s' if left_out > 1 else ''}."
    return caption


# -- figures --------------------------------------------------------------------------------------


def score_histogram(results: list[SubmissionResult]):
    """Scores of graded submissions, with other present submissions stacked in another colour."""
    top = max_score(results) or 1.0
    groups = [
        ("graded", [r.score for r in results if r.status == "graded"], "#3b7dd8"),
        (
            "other status",
            [r.score for r in results if r.status not in ("graded", "missing")],
            "#f0a202",
        ),
    ]
    groups = [g for g in groups if g[1]]
    edges = _bin_edges(top)
    fig, ax = _new_figure(6.4, 3.4)
    if groups:
        ax.hist(
            [g[1] for g in groups],
            bins=edges,
            stacked=True,
            label=[g[0] for g in groups],
            color=[g[2] for g in groups],
            edgecolor="white",
        )
        ax.legend(frameon=False)
    else:
        _say(ax, "no scores to show")
    ax.set_xlim(edges[0], edges[-1])
    ax.set_xlabel(f"score (out of {format_points(top)})")
    ax.set_ylabel("submissions")
    ax.yaxis.get_major_locator().set_params(integer=True)
    return fig


def _bin_edges(top: float) -> list[float]:
    """One bar centred on each whole score for small whole totals, else 20 equal bins.

    Centring matters: with edges on whole numbers a full score of 6 would share the 5-6 bar.
    """
    if float(top).is_integer() and 1 <= top <= 30:
        return [k - 0.5 for k in range(int(top) + 2)]
    return [top * k / 20 for k in range(21)]


def pass_rates(results: list[SubmissionResult]) -> dict[str, tuple[int, int]]:
    """grade_id -> (passed, submitted notebooks that have the test), in order of appearance.

    Missing submissions are left out: they say nothing about how hard a test is. A test that
    was not run (the notebook crashed or timed out first) counts as not passed.
    """
    rates: dict[str, list[int]] = {}
    for result in results:
        if result.status == "missing":
            continue
        for test in result.tests:
            counts = rates.setdefault(test.grade_id, [0, 0])
            counts[0] += test.passed
            counts[1] += 1
    return {gid: (passed, total) for gid, (passed, total) in rates.items()}


def pass_rate_chart(results: list[SubmissionResult]):
    """A horizontal bar per test: the share of submissions that passed it."""
    rates = pass_rates(results)
    shares = {name: (100 * p / total, f"{p}/{total}") for name, (p, total) in rates.items()}
    fig = _bar_chart(shares, "#2e9d4f", "no tests recorded")
    fig.axes[0].set_xlim(0, 100)
    fig.axes[0].set_xlabel("submissions that passed (%)")
    return fig


_CONCEPT = re.compile(r"^\s*(?:CheckFailure\s*)?\[([^\]\n]{1,60})\]")


def failing_concepts(results: list[SubmissionResult]) -> list[tuple[str, int]]:
    """(concept, students who failed a test on it), most common first.

    A check's message starts with its concept in brackets (``[Residual shortcut]``); a failure
    without one (a plain ``assert``) counts under its test's name. A student counts once per
    concept, however many tests failed on it, so one mistake does not look like many.
    """
    students: dict[str, set[str]] = {}
    for result in results:
        for test in result.tests:
            if test.outcome == "failed":
                shown = scrub(test.message).replace(REMOVED, "").strip()
                match = _CONCEPT.match(shown)
                concept = match.group(1).strip() if match else readable_grade_id(test.grade_id)
                students.setdefault(concept, set()).add(result.student_id)
    counted = [(concept, len(ids)) for concept, ids in students.items()]
    return sorted(counted, key=lambda item: (-item[1], item[0]))[:CONCEPTS_SHOWN]


def failing_concepts_chart(results: list[SubmissionResult]):
    """A horizontal bar per concept: how many students failed a test on it."""
    counts = {concept: (n, str(n)) for concept, n in failing_concepts(results)}
    fig = _bar_chart(counts, "#c9302c", "no failed tests")
    fig.axes[0].set_xlabel("students who failed a test on it")
    fig.axes[0].xaxis.get_major_locator().set_params(integer=True)
    return fig


def _bar_chart(bars: dict[str, tuple[float, str]], colour: str, empty: str):
    """Horizontal bars, first at the top, each labelled with its own text at its end."""
    fig, ax = _new_figure(6.4, max(2.0, 0.45 * len(bars) + 1.0))
    if not bars:
        _say(ax, empty)
        ax.set_yticks([])
        return fig
    names = list(bars)[::-1]
    drawn = ax.barh(names, [bars[n][0] for n in names], color=colour)
    widest = max(value for value, _ in bars.values()) or 1
    for bar, name in zip(drawn, names, strict=True):
        ax.text(
            bar.get_width() + widest * 0.01,
            bar.get_y() + bar.get_height() / 2,
            bars[name][1],
            va="center",
            fontsize=8,
        )
    ax.set_xlim(0, widest * 1.12)
    return fig


def _say(ax, text: str) -> None:
    ax.text(0.5, 0.5, text, ha="center", va="center", transform=ax.transAxes)


def _new_figure(width: float, height: float):
    from matplotlib.figure import Figure

    fig = Figure(figsize=(width, height), dpi=100)
    return fig, fig.add_subplot()


def _png(fig) -> bytes:
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    FigureCanvasAgg(fig)
    fig.tight_layout()
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", metadata={"Software": None})
    return buffer.getvalue()


def _svg(fig) -> str:
    """The figure as an inline ``<svg>``: text stays text (searchable, sharp at any zoom)."""
    import matplotlib
    from matplotlib.backends.backend_svg import FigureCanvasSVG

    FigureCanvasSVG(fig)
    fig.tight_layout()
    buffer = io.StringIO()
    with matplotlib.rc_context({"svg.fonttype": "none", "svg.hashsalt": "report"}):
        fig.savefig(buffer, format="svg", metadata={"Date": None, "Creator": None})
    svg = buffer.getvalue()
    return svg[svg.index("<svg") :]


def _figure(svg: str, alt: str) -> str:
    return f"<figure class='chart' role='img' aria-label='{esc(alt)}'>{svg}</figure>"


# -- terminal table -------------------------------------------------------------------------------


def format_table(results: list[SubmissionResult]) -> str:
    """A plain-text table, one row per submission, for printing after a grading run."""
    header = ("student", "score", "status", "note")
    rows = [
        (
            for_terminal(r.student_id),
            f"{format_points(r.score)}/{format_points(r.max_score)}",
            r.status,
            for_terminal(short_note(r)),
        )
        for r in results
    ]
    widths = [max(len(row[i]) for row in [header, *rows]) for i in range(3)]
    lines = [
        _text_row(header, widths),
        _text_row(tuple("-" * w for w in widths) + ("-" * 4,), widths),
    ]
    lines += [_text_row(row, widths) for row in rows]
    return "\n".join(lines)


def short_note(result: SubmissionResult) -> str:
    """The first reason on one short line; empty when there is nothing to say."""
    reason = (
        human_reason(result)
        if result.needs_human
        else "; ".join(scrub(n) for n in result.notes if str(n).strip())
    )
    line = " ".join(reason.split())
    return line if len(line) <= NOTE_WIDTH else line[: NOTE_WIDTH - 3] + "..."


def _text_row(cells: tuple[str, ...], widths: list[int]) -> str:
    padded = [cell.ljust(width) for cell, width in zip(cells[: len(widths)], widths, strict=True)]
    return "  ".join(padded + list(cells[len(widths) :])).rstrip()


# -- html helpers ---------------------------------------------------------------------------------


def _table(
    header: tuple[str, ...],
    rows: list[tuple[str, ...]],
    css_class: str = "",
    raw_last: bool = False,
) -> str:
    """An HTML table; every cell is escaped except the last one when RAW_LAST says it is HTML."""
    head = "".join(f"<th>{esc(h)}</th>" for h in header)
    body = "".join(
        "<tr>"
        + "".join(
            f"<td>{cell if raw_last and i == len(row) - 1 else esc(cell)}</td>"
            for i, cell in enumerate(row)
        )
        + "</tr>"
        for row in rows
    )
    attribute = f" class='{css_class}'" if css_class else ""
    return f"<table{attribute}><tr>{head}</tr>{body}</table>"


CSS = """
body { font-family: system-ui, -apple-system, "Segoe UI", sans-serif; max-width: 60rem;
       margin: 2rem auto; padding: 0 1rem; color: #1d1d1f; line-height: 1.45; }
h1 { font-size: 1.6rem; } h2 { font-size: 1.2rem; margin-top: 2rem; }
.summary { font-size: 1.05rem; }
.banner { background: #fde2e1; border: 2px solid #c9302c; color: #7f1d1d; padding: .6rem .9rem;
          font-weight: bold; border-radius: .3rem; }
.caption { color: #555; font-size: .9rem; }
table { border-collapse: collapse; margin: .5rem 0; }
th, td { border: 1px solid #ddd; padding: .3rem .6rem; text-align: left; vertical-align: top; }
th { background: #f3f3f5; }
pre { margin: 0; white-space: pre-wrap; word-break: break-word; font-size: .85rem; }
figure.chart { margin: .5rem 0; }
figure.chart svg { max-width: 100%; height: auto; }
"""
