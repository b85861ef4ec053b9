"""The grader's half of the results channel: what the sandboxed driver sends, read safely.

The driver sends JSON lines on a pipe: ``cell_start``, then (for a test cell) the files its
probes exported, each as a ``file`` line followed by its bytes, then the cell's ``record``,
then ``cell_end``; and ``done`` after the last cell. This reader writes what it accepts into
the submission's records folder, which the sandbox cannot see: ``cells.jsonl`` and
``exports/``, the only things the checker reads.

The student's code runs in the driver's process and could write to the same pipe, so the
reader accepts only that exact sequence for the cells of the job, each cell once, and reads
with bounded lines and a bounded total: a line without an end, a flood or a message out of
order stops it from accepting anything more, and :data:`PROBLEMS_FILE` says why (the
submission is then ``tampered``). It keeps reading to the end, discarding, so the driver never
blocks on a full pipe.
"""

from __future__ import annotations

import json
import os
import re
import threading
import time
from pathlib import Path
from typing import BinaryIO

MAX_LINE_BYTES = 8 * 1024**2  # a cell's record: its capped output and its probes' values
MAX_EXPORT_BYTES = 512 * 1024**2  # one exported file (a model's weights)
PROBLEMS_FILE = "channel.json"
LOG_FILE = "cells.jsonl"
EXPORTS = "exports"
_CHUNK = 1 << 20
_FILE_NAME = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.-]{0,200}")


class Forged(Exception):
    """A message the driver would never send: the channel accepts nothing after it."""


class ChannelReader(threading.Thread):
    """Reads the channel in a thread; ``running_cell`` tells the watcher which cell runs."""

    def __init__(self, fd: int, kinds: list[str], records: Path, total_bytes: int) -> None:
        super().__init__(daemon=True)
        self.stream: BinaryIO = os.fdopen(fd, "rb", buffering=_CHUNK)
        self.kinds, self.records, self.left = kinds, records, total_bytes
        (records / EXPORTS).mkdir(parents=True, exist_ok=True)
        self.log = (records / LOG_FILE).open("w")
        self.current: tuple[int, float] | None = None
        self.next_index = 0
        self.has_record = False
        self.finished = False
        self.problems: list[str] = []
        self.start()

    def running_cell(self) -> tuple[int, float] | None:
        return self.current

    def run(self) -> None:
        try:
            while not self.finished:
                line = self._line()
                if line is None:
                    break
                self._accept(line)
            if self.finished and self.stream.read(1):
                raise Forged("the results channel carried messages after the last cell")
        except Forged as why:
            self.problems.append(str(why))
            self.current = None
        finally:
            self._drain()
            self.log.close()
            if self.problems:
                (self.records / PROBLEMS_FILE).write_text(json.dumps({"problems": self.problems}))

    # -- reading, bounded ----------------------------------------------------------------------

    def _read(self, size: int) -> bytes:
        if size > self.left:
            raise Forged("the results channel carried more than the grader accepts")
        data = self.stream.read(size)
        self.left -= len(data)
        return data

    def _line(self) -> bytes | None:
        line = self.stream.readline(min(MAX_LINE_BYTES, self.left) + 1)
        self.left -= len(line)
        if not line:
            return None
        if not line.endswith(b"\n"):
            if len(line) > MAX_LINE_BYTES:
                raise Forged("the results channel carried a message too long to be the grader's")
            if self.left <= 0:
                raise Forged("the results channel carried more than the grader accepts")
            raise Forged("the results channel ended in the middle of a message")
        return line

    def _drain(self) -> None:
        try:
            while self.stream.read(_CHUNK):
                pass
        except (OSError, ValueError):
            pass
        self.stream.close()

    # -- the one order the driver sends --------------------------------------------------------

    def _accept(self, line: bytes) -> None:
        try:
            message = json.loads(line)
        except (json.JSONDecodeError, UnicodeDecodeError):
            raise Forged("the results channel carried a line the grader did not write") from None
        if not isinstance(message, dict):
            raise Forged("the results channel carried a line the grader did not write")
        handler = {
            "cell_start": self._cell_start,
            "file": self._file,
            "record": self._record,
            "cell_end": self._cell_end,
            "done": self._done,
        }.get(message.get("event"))
        if handler is None:
            raise Forged("the results channel carried a message the grader does not send")
        handler(message)

    def _cell_start(self, message: dict) -> None:
        index = message.get("index")
        if self.current is not None or index != self.next_index or index >= len(self.kinds):
            raise Forged("the results channel reported a cell out of order")
        self.current, self.has_record = (index, time.time()), False

    def _file(self, message: dict) -> None:
        name, size = message.get("name"), message.get("size")
        if self.current is None or self.kinds[self.current[0]] != "probe" or self.has_record:
            raise Forged("the results channel carried a file outside a test cell")
        if not isinstance(name, str) or not _FILE_NAME.fullmatch(name):
            raise Forged("the results channel carried a file with a name the grader never uses")
        if not isinstance(size, int) or not 0 <= size <= MAX_EXPORT_BYTES:
            raise Forged("the results channel carried a file larger than the grader accepts")
        target = self.records / EXPORTS / name
        if target.exists():
            raise Forged("the results channel carried the same file twice")
        with target.open("wb") as out:
            left = size
            while left:
                chunk = self._read(min(left, _CHUNK))
                if not chunk:
                    raise Forged("the results channel ended in the middle of a file")
                out.write(chunk)
                left -= len(chunk)

    def _record(self, message: dict) -> None:
        record = message.get("record")
        index = self.current[0] if self.current else None
        if (
            index is None
            or self.has_record
            or not isinstance(record, dict)
            or record.get("index") != index
            or record.get("kind") != self.kinds[index]
        ):
            raise Forged("the results channel carried a cell record the grader did not send")
        self.log.write(json.dumps(record) + "\n")
        self.log.flush()
        self.has_record = True

    def _cell_end(self, message: dict) -> None:
        if self.current is None or message.get("index") != self.current[0] or not self.has_record:
            raise Forged("the results channel ended a cell out of order")
        self.current, self.next_index = None, self.next_index + 1

    def _done(self, message: dict) -> None:
        if self.current is not None or self.next_index != len(self.kinds):
            raise Forged("the results channel said done before the last cell")
        self.log.write(json.dumps({"done": True}) + "\n")
        self.finished = True


def problems_in(records: Path) -> list[str]:
    """Why the channel of the submission in RECORDS stopped accepting messages, if it did."""
    path = records / PROBLEMS_FILE
    if not path.is_file():
        return []
    try:
        problems = json.loads(path.read_text()).get("problems", [])
    except (json.JSONDecodeError, AttributeError):
        return ["the grader's record of the results channel is damaged"]
    return [str(p) for p in problems]
