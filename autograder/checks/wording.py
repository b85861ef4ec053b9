"""How every check words numbers, lists and calls, so messages read alike across concepts.

Calls are shown by class and shape (``Conv2D (None, 16, 16, 8)``), which a student finds in
their own ``summary()``; automatic layer names never appear.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from autograder.graph import ModelGraph

_NUMBER_WORDS = ("no", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine")


def number(n: int) -> str:
    """Small numbers in words ("two"), larger ones in digits."""
    return _NUMBER_WORDS[n] if 0 <= n < len(_NUMBER_WORDS) else str(n)


def count(n: int | None, noun: str) -> str:
    """'1 sum', '3 sums'."""
    n = n or 0
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"


def spelled(n: int, noun: str) -> str:
    """'one input', 'two inputs'."""
    return f"{number(n)} {noun}" + ("" if n == 1 else "s")


def join(items: Iterable[str]) -> str:
    """'a', 'a and b', 'a, b and c'; 'none' when empty."""
    items = list(items)
    if not items:
        return "none"
    if len(items) == 1:
        return items[0]
    return ", ".join(items[:-1]) + " and " + items[-1]


def names(given: Sequence[str], noun: str = "") -> str:
    """`a`, `b` and `c`, after ``noun`` (plural when several); 'no <noun>' when empty."""
    if not given:
        return f"no {noun}".strip() if noun else "none"
    prefix = f"{noun}s " if noun and len(given) > 1 else (f"{noun} " if noun else "")
    return prefix + join(f"`{name}`" for name in given)


def described(graph: ModelGraph, cids: Iterable[str]) -> str:
    return ", ".join(graph.describe(c) for c in cids)


def resolution(spatial: tuple[int, ...]) -> str:
    return "x".join(str(d) for d in spatial) if spatial else "(?)"
