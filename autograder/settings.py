"""Every knob of a grading run in one place: the sandbox's limits, workers, caps and paths.

``limits``, ``workers``, ``use_sandbox``, ``out_folder``, ``progress`` and ``warm`` travel with
each run (``api.grade`` passes them down). The caps that the intake and the checker enforce
(``max_*_bytes``, ``checker_memory_bytes``) are read from ``DEFAULT`` by those modules, under
their old module-level names, so a test can still narrow one with ``monkeypatch``.

Contract others build on:

- ``Limits``: what one notebook may use inside the sandbox (``sandbox.run`` takes it).
  ``course_data`` lists the folders the sandbox shows read-only beside the workspace; the
  pipeline fills it from the course (``Course.sandbox_data``), never from this package's place.
- ``Settings``: the fields below; ``DEFAULT`` holds the defaults; ``Settings.worker_count``
  resolves ``workers=None`` to one per core.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field

MiB = 1024**2
GiB = 1024**3


@dataclass(frozen=True)
class Limits:
    """What one notebook may use while it runs in the sandbox."""

    cell_seconds: float = 120.0
    notebook_seconds: float = 600.0
    memory_bytes: int = 3 * GiB  # resident, whole process tree
    address_space_bytes: int = 8 * GiB  # per process (TensorFlow reserves a lot)
    cpu_seconds: int = 1200
    file_bytes: int = 200 * MiB
    output_bytes: int = 1 * MiB  # what we keep of the driver's raw stdout/stderr
    processes: int = 2048  # threads count too; TensorFlow starts dozens (per submission's uid)
    disk_bytes: int = 1 * GiB  # the tmpfs the notebook writes in, /tmp and /dev/shm each
    channel_bytes: int = 1 * GiB  # what the driver may send the grader (records, exports)
    course_data: tuple[str, ...] = ()  # folders shown read-only in the sandbox


DEFAULT_LIMITS = Limits()


@dataclass(frozen=True)
class Settings:
    """One grading run's settings; the defaults suit a 2-core laptop and this course."""

    limits: Limits = field(default_factory=Limits)
    workers: int | None = None  # notebooks graded at once; None: one per core
    use_sandbox: bool | None = None  # None: bubblewrap when it is installed
    checker_memory_bytes: int = 12 * GiB  # address space of each out-of-sandbox checker
    max_file_bytes: int = 20 * MiB  # a student's file larger than this is not copied
    max_notebook_bytes: int = 50 * MiB  # a larger notebook is not read (malformed)
    max_zip_bytes: int = 1 * GiB  # a class zip must unpack to less (big files left out)
    out_folder: str = "out"  # results go to COURSE/out/ASSIGNMENT unless told otherwise
    progress: bool = True  # a progress bar while grading a class
    warm: bool = True  # fork notebooks from one warm sandboxed server (grading/warm.py)

    @property
    def worker_count(self) -> int:
        return self.workers or os.cpu_count() or 1


DEFAULT = Settings()
