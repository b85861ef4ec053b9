"""Splitting a test cell: what runs beside the student's code, and what runs in the checker.

A statement that uses the student's names must be ``name = expression`` (a probe, run in the
sandbox, its value exported); everything else (the checks) runs outside on the rebuilt value.
"""

from __future__ import annotations

import pytest

from autograder.grading.plan import ConventionError, Probe, defined_names, split_test_cell

STUDENT = {"build_model", "squares"}


def test_defined_names_are_the_top_level_bindings_of_the_cells():
    cells = [
        "import numpy as np\ndef build_model(n):\n    inner = 1\n    return n",
        "class Block:\n    pass\nx, (y, z) = 1, (2, 3)\nfor i in range(3):\n    pass",
    ]
    assert defined_names(cells) == {"build_model", "Block", "x", "y", "z", "i"}


def test_defined_names_skip_magics_builtins_and_broken_cells():
    cells = ["%time model = 1\n!ls\nresult = 2", "list = [1]", "def broken(:\n    pass"]
    assert defined_names(cells) == {"result"}  # `list` is a builtin both sides share


def test_a_statement_using_the_students_code_becomes_a_probe():
    source = "import math\nmodel = build_model(3)\nassert model.count_params() == 12, 'size'"
    plan = split_test_cell("t1", 2.0, source, STUDENT)
    assert plan.probes == [Probe("model", "build_model(3)")]
    assert plan.checks.splitlines() == [
        "import math",
        "model = __student_value__('model')",
        "assert model.count_params() == 12, 'size'",
    ]
    assert plan.imports == "import math\n" and (plan.grade_id, plan.points) == ("t1", 2.0)


def test_hidden_tests_are_split_like_the_visible_ones():
    source = (
        "got = squares(3)\nassert got == [0, 1, 4]\n### BEGIN HIDDEN TESTS\n"
        "more = squares(5)\nassert len(more) == 5\n### END HIDDEN TESTS"
    )
    plan = split_test_cell("t", 1.0, source, STUDENT)
    assert [p.target for p in plan.probes] == ["got", "more"]
    assert "squares" not in plan.checks  # the student's function never runs in the checker


def test_a_check_that_calls_the_students_code_directly_is_an_authoring_error():
    with pytest.raises(ConventionError, match=r"test t2: .* `name = expression`: 'assert squ"):
        split_test_cell("t2", 1.0, "assert squares(2) == [0, 1]", STUDENT)


def test_a_tuple_target_cannot_be_exported_and_is_refused():
    with pytest.raises(ConventionError, match="a, b = squares"):
        split_test_cell("t3", 1.0, "a, b = squares(2)", STUDENT)


def test_a_cell_without_the_students_names_has_no_probe():
    plan = split_test_cell("t4", 1.0, "assert 1 + 1 == 2", STUDENT)
    assert plan.probes == [] and plan.checks == "assert 1 + 1 == 2"
