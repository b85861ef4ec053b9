"""Split each test cell into what must run beside the student's code and what must not.

A test cell is ordinary Python, written once for both places it runs:

- in the student's kernel (Validate, plain ``nbgrader autograde``) it runs as it is;
- in our grader, the statements that *use the student's code* run in the sandbox and their
  values are exported (see :mod:`autograder.grading.values`); every other statement, the
  checks, runs later in a clean process where those names are bound to the rebuilt values.

The convention that makes this possible (enforced by :func:`split_test_cell`): a statement
that uses a name the student's cells define must be a plain ``name = expression`` assignment.
Every other statement (checks, asserts, ``model.predict(...)`` on such a value) runs outside,
on the rebuilt value.
"""

from __future__ import annotations

import ast
import builtins
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Probe:
    """A statement run in the sandbox: ``target = source``, its value exported."""

    target: str
    source: str


@dataclass
class TestPlan:
    __test__ = False  # not a pytest test class, whatever its name says

    grade_id: str
    points: float
    source: str  # the whole cell, hidden tests included
    probes: list[Probe] = field(default_factory=list)
    checks: str = ""  # the rest of the cell, probes replaced by placeholders
    imports: str = ""  # the cell's import statements: probes may use what they bring


class ConventionError(ValueError):
    """A test cell that cannot be split safely; an authoring error, caught by the tests."""


def defined_names(sources: list[str]) -> set[str]:
    """Top-level names bound by the given cells (functions, classes, variables, imports)."""
    names: set[str] = set()
    for source in sources:
        try:
            tree = ast.parse(_strip_magics(source))
        except SyntaxError:
            continue
        for node in tree.body:
            names |= _bound_by(node)
    return names


def split_test_cell(grade_id: str, points: float, source: str, student_names: set[str]) -> TestPlan:
    tree = ast.parse(source)
    plan = TestPlan(grade_id, points, source)
    kept: list[str] = []
    for node in tree.body:
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            plan.imports += ast.unparse(node) + "\n"
        used = {n.id for n in ast.walk(node) if isinstance(n, ast.Name)}
        if not used & student_names:
            kept.append(ast.get_source_segment(source, node) or ast.unparse(node))
            continue
        target = _single_name_target(node)
        if target is None:
            line = ast.get_source_segment(source, node) or ast.unparse(node)
            raise ConventionError(
                f"test {grade_id}: a statement that uses the student's code must be "
                f"`name = expression`: {line.splitlines()[0]!r}"
            )
        plan.probes.append(Probe(target, ast.get_source_segment(source, node.value) or ""))
        kept.append(f"{target} = __student_value__({target!r})")
    plan.checks = "\n".join(kept)
    return plan


def _single_name_target(node: ast.stmt) -> str | None:
    if isinstance(node, ast.Assign) and len(node.targets) == 1:
        target = node.targets[0]
        if isinstance(target, ast.Name):
            return target.id
    return None


def _bound_by(node: ast.stmt) -> set[str]:
    if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
        return {node.name}
    if isinstance(node, (ast.Import, ast.ImportFrom)):
        return set()  # imports are the same on both sides
    names = set()
    for child in ast.walk(node):
        if isinstance(child, ast.Name) and isinstance(child.ctx, ast.Store):
            names.add(child.id)
    return names - set(dir(builtins))


def _strip_magics(source: str) -> str:
    """Lines IPython would transform (``%time``, ``!ls``) are not Python; drop them."""
    return "\n".join(
        "" if line.lstrip().startswith(("%", "!")) else line for line in source.splitlines()
    )
