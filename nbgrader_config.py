"""nbgrader configuration: the repository root is the course directory.

`solutions/` holds the instructor source of each assignment (solutions and hidden tests);
`nbgrader generate_assignment` writes the student version to `assignments/`.
"""

from pathlib import Path

c = get_config()  # noqa: F821  (injected by traitlets when nbgrader loads this file)

c.CourseDirectory.root = str(Path(__file__).resolve().parent)
c.CourseDirectory.course_id = "functional-api"
c.CourseDirectory.source_directory = "solutions"
c.CourseDirectory.release_directory = "assignments"
c.CourseDirectory.db_url = f"sqlite:///{Path(__file__).resolve().parent / 'gradebook.db'}"

# What students see where a solution was removed.
c.ClearSolutions.code_stub = {"python": "# YOUR CODE HERE\nraise NotImplementedError()"}
c.ClearSolutions.text_stub = "YOUR ANSWER HERE"

# Training cells need more than nbgrader's default 30 s on a 2-core laptop.
c.Execute.timeout = 120
