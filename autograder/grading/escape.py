"""Make a name safe for where it is shown: a terminal, a CSV cell, an HTML page, a file name.

Student ids, notebook names and notes come from the submissions, so they are hostile text:
an OSC or CSI escape sequence in a file name can retitle or rewrite the instructor's terminal,
a cell starting with ``=`` is a formula to a spreadsheet, and two ids that differ only in a
character a file system dislikes (``kim lee``, ``kim_lee``) must not share one feedback file.
Every place that shows such text goes through one of these functions.
"""

from __future__ import annotations

import hashlib
import html
import re
import unicodedata

# C0 and C1 controls, DEL, and the Unicode format characters (bidi overrides, zero widths)
# that let text display as something other than what it is.
_CSI_OR_OSC = re.compile(r"\x1b(\[[0-?]*[ -/]*[@-~]|\][^\x07\x1b]*(\x07|\x1b\\)?|.)", re.DOTALL)
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\n")
_FILE_UNSAFE = re.compile(r"[^A-Za-z0-9._]+")
_PLAIN_KEY = re.compile(r"[a-z0-9_][a-z0-9_.]*")


def printable(text: object, keep_newlines: bool = False) -> str:
    """TEXT with escape sequences and control or format characters removed."""
    without_sequences = _CSI_OR_OSC.sub("", str(text))
    return "".join(
        ch
        for ch in without_sequences
        if (keep_newlines and ch == "\n") or unicodedata.category(ch) not in ("Cc", "Cf")
    )


def for_terminal(text: object) -> str:
    """One line an instructor's terminal shows literally, whatever the student named things."""
    return printable(text).replace("\t", " ")


def for_csv(text: object) -> str:
    """A cell a spreadsheet shows as text: no controls, and no leading formula character.

    OWASP's advice for CSV injection: prefix a cell that starts with ``= + - @``, a tab or a
    carriage return with a single quote, so Excel, LibreOffice and Sheets never evaluate it.
    Plain numbers (``-1.5``) stay numbers.
    """
    raw = str(text)
    if raw.startswith(_FORMULA_START) and not _is_number(raw):
        return "'" + printable(raw)
    return printable(raw)


def for_html(text: object) -> str:
    """Text for an HTML page: escaped, and without the controls a page would hide."""
    return html.escape(printable(text, keep_newlines=True), quote=True)


def file_key(student_id: object) -> str:
    """A file name stem for one student: readable, inside its folder, unique per raw id.

    A plain lower-case id (``ada``, ``s012``) is its own key. Any other id gets a readable
    slug plus a hash of the raw id, joined by ``-``; plain keys never contain ``-``, so the two
    kinds cannot meet, and ``kim lee`` and ``kim_lee`` no longer share ``kim_lee.html`` (nor do
    ``Kim`` and ``kim`` on a case-insensitive disk).
    """
    raw = str(student_id)
    if _PLAIN_KEY.fullmatch(raw) and len(raw) <= 80:
        return raw
    slug = _FILE_UNSAFE.sub("_", printable(raw)).strip("._")[:60] or "student"
    digest = hashlib.sha256(raw.encode("utf-8", "surrogateescape")).hexdigest()[:12]
    return f"{slug}-{digest}"


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return text.strip() == text
