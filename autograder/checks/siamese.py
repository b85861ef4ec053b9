"""Siamese networks by behaviour: the properties of a distance, and a contrastive loss's label
convention.

A true distance of one tower's embeddings gives d(x, x) = 0, symmetry and d >= 0 for any
weights, so they are checked on the untrained model; a contrastive loss is checked on fixed
(label, distance) cases, so its convention (which label means "similar") is explicit.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from autograder.checks.running import (
    InputSlot,
    describe_exception,
    input_slots,
    random_array,
    require_finite,
    run_model,
    to_numpy,
)
from autograder.errors import CheckFailure, Marks
from autograder.graph import as_graph, format_shape

# -- Siamese distance -----------------------------------------------------------------------------


def check_siamese_distance(
    model: Any,
    probe_a: np.ndarray | None = None,
    probe_b: np.ndarray | None = None,
    atol: float = 1e-3,
    seed: int = 0,
) -> None:
    """A Siamese model must return a distance: d(x, x) = 0, symmetric, >= 0, not constant.

    These hold for any weights when one tower embeds both inputs and the distance is a true
    distance of the embeddings, so they are checked on the untrained model. ``probe_a`` and
    ``probe_b`` are batches of single inputs (without the pair axis); by default ``probe_a`` is
    random and ``probe_b`` is ``probe_a`` shifted by one row (other examples of the same data).
    """
    first, _, pack = _pair_feeder(model)
    probe_a, probe_b = _probes(first, probe_a, probe_b, seed)

    def distance(left: np.ndarray, right: np.ndarray) -> np.ndarray:
        return _distance_values(model, pack(left, right), len(left))

    same, d_ab, d_ba = (
        distance(probe_a, probe_a),
        distance(probe_a, probe_b),
        distance(probe_b, probe_a),
    )
    _require_not_constant(np.concatenate([same, d_ab]), atol)
    _require_zero_self_distance(same, atol)
    _require_symmetry(d_ab, d_ba, atol)
    _require_non_negative(np.concatenate([d_ab, d_ba]), atol)
    _require_separation(d_ab, atol)


def _pair_feeder(model: Any) -> tuple[InputSlot, InputSlot, Callable[[Any, Any], Any]]:
    """The two inputs, and a function that packs a pair the way the model wants it."""
    kind, slots = input_slots(model)
    if len(slots) != 2:
        names = [slot.name for slot in slots]
        raise CheckFailure(
            "Siamese inputs",
            "two inputs, one per item of the pair",
            f"{len(slots)} input(s) {names}",
            "build the model with keras.Model([input_a, input_b], distance)",
        )
    first, second = slots
    if kind == "dict":
        return first, second, lambda a, b: {first.name: a, second.name: b}
    return first, second, lambda a, b: [a, b]


def _probes(
    slot: InputSlot, probe_a: np.ndarray | None, probe_b: np.ndarray | None, seed: int
) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    if probe_a is None:
        probe_a = random_array(slot, 8, rng)
    probe_a = np.asarray(probe_a)
    if probe_b is None:
        probe_b = np.roll(probe_a, 1, axis=0) if len(probe_a) > 1 else random_array(slot, 1, rng)
    return probe_a, np.asarray(probe_b)


def _distance_values(model: Any, pair: Any, batch: int) -> np.ndarray:
    outputs = run_model(model, pair, "Siamese forward pass")
    if len(outputs) != 1:
        raise CheckFailure(
            "Siamese output",
            "one output: the distance",
            f"{len(outputs)} outputs {sorted(outputs)}",
            "return only the distance from the Siamese model",
        )
    value = next(iter(outputs.values()))
    if value.shape not in ((batch,), (batch, 1)):
        raise CheckFailure(
            "Siamese distance shape",
            f"one number per pair: {format_shape((batch, 1))} or {format_shape((batch,))}",
            format_shape(value.shape),
            "reduce over the embedding axis only: keras.ops.sum(..., axis=1, keepdims=True)",
        )
    value = value.reshape(batch).astype("float64")
    require_finite("distance", value)
    return value


def _require_not_constant(distances: np.ndarray, atol: float) -> None:
    if np.ptp(distances) > atol:
        return
    raise CheckFailure(
        "Siamese distance depends on the inputs",
        "different pairs give different distances",
        f"the same distance {distances[0]:.4g} for every pair, identical or not",
        "the distance must be computed from the two embeddings, e.g. the Euclidean distance "
        "sqrt(sum((e_a - e_b)**2)); a layer that ignores them (or zero weights) makes it constant",
    )


def _require_zero_self_distance(same: np.ndarray, atol: float) -> None:
    if np.max(np.abs(same)) <= atol:
        return
    if np.ptp(same) <= atol:
        found = f"d(x, x) = {same[0]:.4g} for every x: a constant is added to the distance"
        hint = (
            "the distance of an input to itself must be 0; remove the bias or constant added "
            "to it (a Dense layer after |e_a - e_b| adds its bias; an epsilon belongs inside "
            "the square root, e.g. sqrt(maximum(sum, 1e-7)))"
        )
    else:
        found = f"d(x, x) between {same.min():.4g} and {same.max():.4g}"
        hint = (
            "the same input gives two different embeddings, so the two inputs go through "
            "different weights: build one tower (a model or the same layers) and call it on both "
            "inputs instead of building two towers"
        )
    raise CheckFailure("Siamese distance of an input to itself", "d(x, x) = 0", found, hint)


def _require_symmetry(d_ab: np.ndarray, d_ba: np.ndarray, atol: float) -> None:
    gap = float(np.max(np.abs(d_ab - d_ba)))
    if gap <= atol + 1e-4 * float(np.max(np.abs(d_ab))):
        return
    raise CheckFailure(
        "Siamese distance symmetry",
        "d(x, y) = d(y, x)",
        f"d(x, y) and d(y, x) differ by up to {gap:.4g}",
        "a distance must not depend on the order of the pair: square or take the absolute value "
        "of e_a - e_b before summing, and use the same tower for both inputs",
    )


def _require_non_negative(distances: np.ndarray, atol: float) -> None:
    if float(distances.min()) >= -atol:
        return
    raise CheckFailure(
        "Siamese distance sign",
        "distances >= 0",
        f"a distance of {distances.min():.4g}",
        "a distance is never negative: use sqrt(sum(square(e_a - e_b))) or sum(abs(e_a - e_b)), "
        "without a minus sign or a trainable layer on top",
    )


def _require_separation(d_ab: np.ndarray, atol: float) -> None:
    apart = int(np.count_nonzero(d_ab > atol))
    if apart * 2 >= len(d_ab):
        return
    raise CheckFailure(
        "Siamese distance separates inputs",
        "different inputs usually at a distance > 0",
        f"only {apart} of {len(d_ab)} different pairs have a distance above {atol}",
        "the embeddings of different inputs coincide: check that the tower's output depends on "
        "its input and that the distance compares the two embeddings",
    )


# -- contrastive loss -----------------------------------------------------------------------------


@dataclass(frozen=True)
class _LossCase:
    """One hand-made pair: its kind, its distance (in margins), and whether it should cost."""

    kind: str  # "similar" or "dissimilar"
    distance_in_margins: float
    should_cost: bool
    why: str


_LOSS_CASES = (
    _LossCase("similar", 0.0, False, "similar pairs already together cost nothing"),
    _LossCase("similar", 1.0, True, "similar pairs apart must cost, to pull them together"),
    _LossCase("dissimilar", 0.0, True, "dissimilar pairs together must cost (margin**2)"),
    _LossCase("dissimilar", 0.5, True, "dissimilar pairs closer than the margin must cost"),
    _LossCase("dissimilar", 1.5, False, "dissimilar pairs beyond the margin cost nothing"),
    _LossCase("dissimilar", 3.0, False, "dissimilar pairs beyond the margin cost nothing"),
)


def check_contrastive_loss(
    loss_fn: Callable[[Any, Any], Any],
    convention: str = "similar=1",
    margin: float = 1.0,
    atol: float = 1e-4,
) -> None:
    """Evaluate the student's contrastive loss on hand-made (label, distance) pairs.

    ``loss_fn(y_true, distance)`` is called with arrays of shape (2, 1). The contrastive loss
    is y * d**2 + (1 - y) * max(margin - d, 0)**2 when 1 means similar; any positive scale
    passes. When the loss would pass with the labels the other way round, the message says so.
    """
    if convention not in ("similar=1", "similar=0"):
        raise ValueError("convention must be 'similar=1' or 'similar=0'")
    similar_label = 1.0 if convention == "similar=1" else 0.0
    problems = _loss_problems(loss_fn, similar_label, margin, atol)
    if not problems:
        return
    if not _loss_problems(loss_fn, 1.0 - similar_label, margin, atol):
        raise CheckFailure(
            "Contrastive loss label convention",
            f"label {int(similar_label)} = similar pair (this course: {convention})",
            f"your loss treats label {int(similar_label)} as dissimilar",
            "swap the two terms: the distance term d**2 goes with the similar label, the margin "
            "term max(margin - d, 0)**2 with the dissimilar one",
        )
    case, cost = problems[0]
    raise CheckFailure(
        "Contrastive loss",
        f"{case.why}: a {case.kind} pair at distance {case.distance_in_margins * margin:g} "
        f"costs {'more than 0' if case.should_cost else '0'}",
        f"it costs {cost:.4g}",
        _loss_hint(case, cost, margin),
    )


def _loss_value(loss_fn: Callable[[Any, Any], Any], label: float, distance: float) -> float:
    y_true = np.full((2, 1), label, dtype="float32")
    y_pred = np.full((2, 1), distance, dtype="float32")
    try:
        value = to_numpy(loss_fn(y_true, y_pred))
    except Exception as exc:  # the student's code may raise anything
        raise CheckFailure(
            "Contrastive loss runs",
            "loss_fn(y_true, distance) returns a number",
            f"an error: {describe_exception(exc)}",
            "test it on y_true = np.ones((2, 1)) and a distance of the same shape",
        ) from None
    return float(np.mean(value))


def _loss_problems(
    loss_fn: Callable[[Any, Any], Any], similar_label: float, margin: float, atol: float
) -> list[tuple[_LossCase, float]]:
    problems = []
    for case in _LOSS_CASES:
        label = similar_label if case.kind == "similar" else 1.0 - similar_label
        cost = _loss_value(loss_fn, label, case.distance_in_margins * margin)
        costs = np.isfinite(cost) and cost > atol
        if not np.isfinite(cost) or cost < -atol or costs != case.should_cost:
            problems.append((case, cost))
    return problems


def _loss_hint(case: _LossCase, cost: float, margin: float) -> str:
    if not np.isfinite(cost):
        return "a log, division or sqrt of zero gives NaN or inf; add a small epsilon"
    if cost < 0:
        return "a loss is never negative: the dissimilar term must be max(margin - d, 0)**2"
    if case.kind == "similar" and not case.should_cost:
        return "the similar term is d**2 and nothing else: no constant, no margin in it"
    if case.kind == "similar":
        return "the similar term d**2 is missing, so similar pairs are never pulled together"
    if case.should_cost and case.distance_in_margins == 0.0:
        return (
            f"the margin term is missing: a dissimilar pair at distance 0 should cost "
            f"max({margin:g} - 0, 0)**2 = {margin**2:g}"
        )
    if case.should_cost:
        return f"use the margin you were given ({margin:g}), not a number written in the loss"
    return (
        "clip the margin term at zero, max(margin - d, 0)**2: without the max, pairs already far "
        "apart keep costing (and the margin must be the one you were given)"
    )




def contrastive_cases(margin: float = 1.0) -> list[tuple[np.ndarray, np.ndarray]]:
    """The (y_true, distance) pairs to call a contrastive loss on, both labels per distance."""
    return [
        (np.full((2, 1), label, "float32"),
         np.full((2, 1), case.distance_in_margins * margin, "float32"))
        for case in _LOSS_CASES
        for label in (1.0, 0.0)
    ]


def check_contrastive_loss_values(
    values: Sequence[Any],
    convention: str = "similar=1",
    margin: float = 1.0,
    atol: float = 1e-4,
) -> None:
    """:func:`check_contrastive_loss` on the loss's values for :func:`contrastive_cases`."""
    cases = contrastive_cases(margin)
    if not isinstance(values, (list, tuple)) or len(values) != len(cases):
        length = len(values) if hasattr(values, "__len__") else "?"
        raise CheckFailure(
            "Contrastive loss runs",
            f"one loss value for each of the {len(cases)} test pairs",
            f"{type(values).__name__} of length {length}",
            "your loss must take (y_true, distance) and return the loss",
        )
    table = {
        (float(y[0, 0]), float(d[0, 0])): float(np.mean(to_numpy(v)))
        for (y, d), v in zip(cases, values, strict=True)
    }

    def recorded(y_true: Any, distance: Any) -> float:
        return table[(float(np.asarray(y_true)[0, 0]), float(np.asarray(distance)[0, 0]))]

    check_contrastive_loss(recorded, convention, margin, atol)


# -- the distance in the graph --------------------------------------------------------------------


def check_no_lambda(model_or_graph: Any, what: str = "the distance") -> None:
    """``what`` is computed by keras.ops (or a registered layer), not a ``Lambda``.

    A ``Lambda`` stores Python code: Keras refuses to reload it in safe mode, and nothing can
    read what it computes from the saved model. The same few ops called on Keras tensors stay
    in the graph and reload anywhere.
    """
    graph = as_graph(model_or_graph)
    lambdas = [call.id for call in graph.calls_of_class("Lambda")]
    if not lambdas:
        return
    raise CheckFailure(
        "Siamese distance",
        f"{what} computed with keras.ops on the tensors, inside the graph",
        f"{what} written in a Lambda layer ({', '.join(graph.describe(c) for c in lambdas)})",
        "a Lambda keeps Python code that Keras will not reload safely; call keras.ops on the "
        "embeddings directly: `squared = ops.sum(ops.square(a - b), axis=1, keepdims=True)`, "
        "`distance = ops.sqrt(ops.maximum(squared, 1e-7))`",
        Marks(calls=tuple(lambdas), note=f"{what} in a Lambda", graph=graph),
    )
