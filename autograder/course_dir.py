"""The course being graded: where nbgrader's own config says its folders and gradebook are.

Any nbgrader course works: the layout is read once, from the course's ``nbgrader_config.py``
through nbgrader's own ``CourseDirectory`` (so its defaults, ``source/ release/ submitted/``,
apply where the config is silent), never from where this package is installed.

Contract others build on:

- ``Course.find(start=None)``: the nearest folder, from START (default: the working directory)
  upwards, that holds an ``nbgrader_config.py``, as nbgrader finds its course.
- ``Course.at(root)``: the course at ROOT (its config, or nbgrader's defaults without one).
- fields: ``root``, ``course_id``, ``db_url``, ``source_dir``, ``release_dir``,
  ``submitted_dir``, ``autograded_dir``, ``feedback_dir`` (absolute paths).
- ``assignments()``; ``notebooks(name)`` (the stems of an assignment's source notebooks, one
  or several); ``source(name)``, ``release(name)`` (folders); ``source_notebook(name, stem)``,
  ``release_notebook(name, stem)``; ``submitted(name)`` (student id -> folder, nbgrader's
  ``submitted/<student>/<assignment>/``); ``sandbox_data(name)`` (what the sandbox may read);
  ``out_dir(name, folder="out")``.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

CONFIG_FILE = "nbgrader_config.py"
DATA_FOLDER = "data"  # a course-wide data folder the notebooks read, if the course has one


@dataclass(frozen=True)
class Course:
    root: Path
    course_id: str
    db_url: str
    source_dir: Path
    release_dir: Path
    submitted_dir: Path
    autograded_dir: Path
    feedback_dir: Path

    @classmethod
    def find(cls, start: Path | None = None) -> Course:
        here = Path(start or Path.cwd()).resolve()
        for folder in [here, *here.parents]:
            if (folder / CONFIG_FILE).is_file():
                return cls.at(folder)
        raise FileNotFoundError(
            f"no {CONFIG_FILE} in {here} or any folder above it: run from inside an nbgrader "
            "course, or pass --course DIR"
        )

    @classmethod
    def at(cls, root: Path) -> Course:
        from nbgrader.coursedir import CourseDirectory

        root = Path(root).expanduser().resolve()
        if not root.is_dir():
            raise FileNotFoundError(f"no course folder at {root}")
        # The folder is the root whatever the config says, as ``nbgrader --CourseDirectory.root=.``
        layout = CourseDirectory(config=_load_config(root), root=str(root))
        return cls(
            root=root,
            course_id=layout.course_id,
            db_url=layout.db_url,
            source_dir=root / layout.source_directory,
            release_dir=root / layout.release_directory,
            submitted_dir=root / layout.submitted_directory,
            autograded_dir=root / layout.autograded_directory,
            feedback_dir=root / layout.feedback_directory,
        )

    # -- assignments -------------------------------------------------------------------------

    def assignments(self) -> list[str]:
        if not self.source_dir.is_dir():
            return []
        folders = (p for p in self.source_dir.iterdir() if p.is_dir())
        return sorted(p.name for p in folders if self.notebooks(p.name))

    def source(self, assignment: str) -> Path:
        return self.source_dir / assignment

    def release(self, assignment: str) -> Path:
        return self.release_dir / assignment

    def notebooks(self, assignment: str) -> list[str]:
        """The stems of the assignment's notebooks, in name order, as nbgrader releases them."""
        folder = self.source(assignment)
        return sorted(p.stem for p in folder.glob("*.ipynb")) if folder.is_dir() else []

    def source_notebook(self, assignment: str, notebook: str) -> Path:
        return self.source(assignment) / f"{notebook}.ipynb"

    def release_notebook(self, assignment: str, notebook: str) -> Path:
        return self.release(assignment) / f"{notebook}.ipynb"

    def require(self, assignment: str) -> list[str]:
        """The assignment's notebooks, or a clear error naming the assignments there are."""
        notebooks = self.notebooks(assignment)
        if not notebooks:
            known = ", ".join(self.assignments()) or "none"
            raise FileNotFoundError(
                f"no assignment {assignment!r} in {self.source_dir} (assignments: {known})"
            )
        return notebooks

    # -- submissions and results -------------------------------------------------------------

    def submitted(self, assignment: str) -> dict[str, Path]:
        """student id -> that student's folder of ASSIGNMENT, where ``nbgrader collect`` puts it."""
        if not self.submitted_dir.is_dir():
            return {}
        return {
            student.name: student / assignment
            for student in sorted(self.submitted_dir.iterdir())
            if (student / assignment).is_dir() and not student.name.startswith(".")
        }

    def sandbox_data(self, assignment: str) -> tuple[str, ...]:
        """What a student's notebook may read besides its own folder: the released files of
        the assignment (never the source: it holds the solutions) and the course's data."""
        found = [self.release(assignment), self.root / DATA_FOLDER]
        return tuple(str(p.resolve()) for p in found if p.is_dir())

    def out_dir(self, assignment: str, folder: str = "out") -> Path:
        return self.root / folder / assignment


def _load_config(root: Path):
    """The course's own config, loaded as nbgrader loads it (traitlets runs the file)."""
    from traitlets.config import Config
    from traitlets.config.loader import PyFileConfigLoader

    if not (root / CONFIG_FILE).is_file():
        return Config()
    return PyFileConfigLoader(CONFIG_FILE, path=str(root)).load_config()
