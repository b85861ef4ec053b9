"""Compile arguments of a multi-output model, keyed by output name.

Keras pairs a list of losses with outputs by position and dict outputs are sorted by name, so
a list that looks right can train the wrong head: every loss, weight and metric must be keyed
by output name.
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from autograder.checks.running import output_names
from autograder.errors import CheckFailure

# -- compile arguments by output name -------------------------------------------------------------

_LOSS_ALIASES = {
    "mse": "mean_squared_error",
    "mae": "mean_absolute_error",
    "mape": "mean_absolute_percentage_error",
    "msle": "mean_squared_logarithmic_error",
    "acc": "accuracy",
}
_WORD_BOUNDARY = re.compile(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])")


def _snake(name: str) -> str:
    """``SparseCategoricalCrossentropy`` -> ``sparse_categorical_crossentropy``; ``AUC`` -> ``auc``.

    Class names and configured names both identify a loss or metric.
    """
    return _WORD_BOUNDARY.sub("_", name).lower()


def _identifier_names(item: Any) -> set[str]:
    """Every name a loss or metric goes by: string alias, class, function and configured name."""
    names: set[str] = set()
    if isinstance(item, str):
        names.add(_LOSS_ALIASES.get(item.lower(), item.lower()))
        names.add(_snake(item) if item[:1].isupper() else item.lower())
    elif isinstance(item, Mapping):
        config = item.get("config")
        if item.get("class_name") == "function" and isinstance(config, str):
            names.add(config)
        elif item.get("class_name"):
            names.add(_snake(str(item["class_name"])))
        if isinstance(config, Mapping) and config.get("name"):
            names.add(str(config["name"]))
    elif item is not None:
        names.add(str(getattr(item, "__name__", "") or _snake(type(item).__name__)))
        if getattr(item, "name", None):
            names.add(str(item.name))
    return {_LOSS_ALIASES.get(name, name) for name in names}


def _matches(expected: str, item: Any) -> bool:
    wanted = _LOSS_ALIASES.get(expected.lower(), expected.lower())
    names = _identifier_names(item)
    if wanted == "accuracy":  # Keras picks the right accuracy for the loss
        return any(name.endswith("accuracy") for name in names)
    return wanted in names


def _compile_arguments(model: Any) -> dict[str, Any]:
    """The arguments given to ``compile``, from the public ``get_compile_config()``.

    Keras serializes them; a lambda warns while being serialized, which is not the student's
    concern here. Objects that cannot be serialized fall back to ``model.loss`` (public).
    """
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return dict(model.get_compile_config() or {})
    except Exception:
        return {"loss": model.loss}


def check_compiled_by_name(
    model: Any,
    losses: Mapping[str, str | None] | Sequence[str],
    loss_weights: Mapping[str, float] | None = None,
    metrics: Mapping[str, Sequence[str]] | None = None,
) -> None:
    """A multi-output model must be compiled with losses (and weights, metrics) keyed by name.

    Keras pairs a list of losses with the outputs in sorted-name order when the outputs are a
    dict, so a list that looks right can train each head with the wrong loss; a dict keyed by
    output name cannot. ``losses`` maps output name to the expected loss (``None``: any loss) or
    lists the outputs that need one; ``metrics`` maps output name to metric names that must
    appear ("accuracy" accepts any kind of accuracy).
    """
    if not getattr(model, "compiled", False):
        raise CheckFailure(
            "Compile",
            "a compiled model",
            "a model that was not compiled",
            "call model.compile(optimizer=..., loss={...}, metrics={...}) first",
        )
    arguments = _compile_arguments(model)
    outputs = output_names(model, len(getattr(model, "outputs", None) or []) or 1)
    wanted = dict(losses) if isinstance(losses, Mapping) else dict.fromkeys(losses)
    given = _keyed("loss", arguments.get("loss"), wanted, outputs)
    for name, expected in wanted.items():
        _check_one_loss(name, expected, given[name])
    if loss_weights is not None:
        _check_loss_weights(arguments, loss_weights, outputs)
    if metrics is not None:
        _check_metrics(arguments, metrics, outputs)


def _keyed(argument: str, value: Any, wanted: Mapping[str, Any], outputs: list[str]) -> dict:
    """The compile argument as a dict keyed by existing output names, or a CheckFailure."""
    example = ", ".join(f"'{name}': ..." for name in wanted)
    hint = f"pass a dict keyed by output name: {argument}={{{example}}}"
    if value is None or (isinstance(value, Mapping) and not value):
        raise CheckFailure(
            f"Compile `{argument}` by output name", f"{argument} for {list(wanted)}", "none", hint
        )
    if not isinstance(value, Mapping):
        if isinstance(value, (list, tuple)):
            shape = "a list (paired with outputs by position)"
        else:
            shape = "a single value for every output"
        raise CheckFailure(
            f"Compile `{argument}` by output name",
            f"a dict keyed by output name {sorted(wanted)}",
            f"{shape}: {_short(value)}",
            f"{hint}. With dict outputs Keras pairs a list in sorted-name order, not in yours; "
            "a dict keyed by name cannot be paired wrongly",
        )
    unknown = [key for key in value if key not in outputs]
    missing = [name for name in wanted if name not in value]
    if unknown or missing:
        raise CheckFailure(
            f"Compile `{argument}` by output name",
            f"keys {sorted(wanted)} (your outputs are {outputs})",
            f"keys {sorted(value)} (unknown {unknown}, missing {missing})",
            "the keys must be the names of the output layers, e.g. layers.Dense(..., name=...)",
        )
    return dict(value)


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 120 else text[:117] + "..."


def _check_one_loss(name: str, expected: str | None, given: Any) -> None:
    if expected is None or _matches(expected, given):
        return
    found = sorted(_identifier_names(given)) or [_short(given)]
    raise CheckFailure(
        f"Loss of output `{name}`",
        expected,
        " / ".join(found),
        "each output needs the loss that matches its activation and labels",
    )


def _check_loss_weights(
    arguments: Mapping[str, Any], loss_weights: Mapping[str, float], outputs: list[str]
) -> None:
    given = _keyed("loss_weights", arguments.get("loss_weights"), loss_weights, outputs)
    for name, weight in loss_weights.items():
        if not np.isclose(float(given[name]), float(weight)):
            raise CheckFailure(
                f"Loss weight of output `{name}`",
                f"{weight:g}",
                f"{float(given[name]):g}",
                "use the loss weights given in the task, keyed by output name",
            )


def _check_metrics(
    arguments: Mapping[str, Any], metrics: Mapping[str, Sequence[str]], outputs: list[str]
) -> None:
    given = _keyed("metrics", arguments.get("metrics"), metrics, outputs)
    for name, expected in metrics.items():
        items = given[name] if isinstance(given[name], (list, tuple)) else [given[name]]
        for metric in expected:
            if not any(_matches(metric, item) for item in items):
                raise CheckFailure(
                    f"Metrics of output `{name}`",
                    f"{metric!r} among the metrics of `{name}`",
                    _short(items),
                    f"add it: metrics={{'{name}': ['{metric}'], ...}}",
                )


# -- a loss that suits the labels -----------------------------------------------------------------


def check_loss_fits_labels(model_or_loss: Any, labels: Any, output: str | None = None) -> None:
    """The loss suits the labels: class ids need the sparse loss, one-hot rows the plain one.

    ``model_or_loss`` is a compiled model (its loss for ``output`` when keyed by name) or the
    loss itself, as passed to ``compile``. Keras's own error for the mismatch speaks of ranks
    and shapes; this one names the fault.
    """
    loss = _loss_of(model_or_loss, output)
    kind = _label_kind(np.asarray(labels))
    if kind == "class ids" and _matches("categorical_crossentropy", loss):
        raise CheckFailure(
            "Loss and labels",
            "integer labels (class ids) trained with sparse_categorical_crossentropy",
            "integer labels with categorical_crossentropy, which expects one-hot rows",
            'use loss="sparse_categorical_crossentropy" for class ids such as 0..9 (or one-hot '
            "encode the labels with keras.utils.to_categorical and keep categorical_crossentropy)",
        )
    if kind == "one-hot" and _matches("sparse_categorical_crossentropy", loss):
        raise CheckFailure(
            "Loss and labels",
            "one-hot labels trained with categorical_crossentropy",
            "one-hot labels with sparse_categorical_crossentropy, which expects class ids",
            'use loss="categorical_crossentropy" for one-hot rows (or pass '
            "`labels.argmax(axis=-1)` to keep the sparse loss)",
        )


def _loss_of(model_or_loss: Any, output: str | None) -> Any:
    loss = model_or_loss
    if hasattr(model_or_loss, "get_compile_config"):
        loss = _compile_arguments(model_or_loss).get("loss")
    if isinstance(loss, Mapping) and "class_name" not in loss:
        if output is None and len(loss) == 1:
            return next(iter(loss.values()))
        if output not in loss:
            raise ValueError(f"the loss is keyed by output ({sorted(loss)}): say which output")
        return loss[output]
    return loss


def _label_kind(labels: np.ndarray) -> str:
    """'class ids', 'one-hot' or 'other', from the values alone."""
    if labels.size == 0:
        return "other"
    integral = np.issubdtype(labels.dtype, np.integer) or bool(np.all(np.mod(labels, 1) == 0))
    if labels.ndim >= 2 and labels.shape[-1] > 1:
        binary = bool(np.all((labels == 0) | (labels == 1)))
        return "one-hot" if binary and np.all(labels.sum(axis=-1) == 1) else "other"
    return "class ids" if integral and labels.min() >= 0 else "other"
