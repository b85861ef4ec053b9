"""Checks on a model's graph. Each raises :class:`autograder.errors.CheckFailure` on failure."""
