"""Pictures for the lessons: model diagrams, training curves, images and masks.

Matplotlib, Keras and IPython are imported inside the functions, so importing this module has
no side effects (and does not load TensorFlow before :func:`quiet_tensorflow` runs).
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from .data import CLASS_NAMES


def diagram_support() -> str | None:
    """``None`` when model diagrams can be drawn, else a sentence saying what is missing."""
    try:
        import pydot  # noqa: F401
    except ImportError:
        return (
            "Model diagram skipped: the Python package pydot is not installed "
            "(`pip install pydot`). model.summary() shows the same layers as text."
        )
    if shutil.which("dot") is None:
        return (
            "Model diagram skipped: Graphviz's `dot` program is not on the PATH "
            "(Debian/Ubuntu: `sudo apt-get install graphviz`; conda: "
            "`conda install -c conda-forge graphviz`). model.summary() shows the same "
            "layers as text."
        )
    return None


def show_model(
    model: Any,
    *,
    show_shapes: bool = True,
    show_layer_names: bool = True,
    show_layer_activations: bool = False,
    expand_nested: bool = False,
    rankdir: str = "TB",
    dpi: int = 64,
    to_file: str | Path | None = None,
) -> None:
    """Draw a Keras model as a graph of layers, with shapes, and display it in the notebook.

    A thin wrapper around :func:`keras.utils.plot_model` that never raises because drawing is
    impossible: when pydot or Graphviz is missing, or drawing fails, it prints one clear
    sentence instead, so a lesson keeps running. ``rankdir="LR"`` draws left to right;
    ``expand_nested=True`` opens up models used as layers. The picture goes to a temporary
    file unless ``to_file`` is given.
    """
    reason = diagram_support()
    if reason is not None:
        print(reason)
        return
    import keras

    with tempfile.TemporaryDirectory() as tmp:
        target = Path(to_file) if to_file is not None else Path(tmp) / "model.png"
        try:
            keras.utils.plot_model(
                model,
                to_file=str(target),
                show_shapes=show_shapes,
                show_layer_names=show_layer_names,
                show_layer_activations=show_layer_activations,
                expand_nested=expand_nested,
                rankdir=rankdir,
                dpi=dpi,
            )
            data = target.read_bytes()
        except (ImportError, OSError, AssertionError, RuntimeError) as error:
            print(f"Model diagram skipped: plot_model failed ({error}).")
            return
    try:
        from IPython.display import Image, display
    except ImportError:
        print(f"Model diagram drawn ({len(data)} bytes) but IPython is not available to show it.")
        return
    display(Image(data=data, format="png"))


def _history_dict(history: Any) -> dict[str, list[float]]:
    """Accept a ``History`` object (what ``fit`` returns) or its ``.history`` dict."""
    values = getattr(history, "history", history)
    if not isinstance(values, Mapping):
        raise TypeError("plot_history expects what model.fit returned, or its .history dict")
    return {key: list(v) for key, v in values.items()}


def plot_history(
    history: Any,
    metrics: Sequence[str] | str | None = None,
    title: str | None = None,
) -> None:
    """Plot training curves, one panel per metric, with the validation curve when there is one.

    Args:
        history: what ``model.fit`` returned (or its ``.history`` dict).
        metrics: names as they appear in the history, such as ``"loss"``, ``"accuracy"`` or,
            on a model with several outputs, ``"category_accuracy"``. ``None`` plots every
            metric that is not a ``val_`` copy.
        title: a title over the panels.
    """
    import matplotlib.pyplot as plt

    values = _history_dict(history)
    if metrics is None:
        metrics = [key for key in values if not key.startswith("val_")]
    elif isinstance(metrics, str):
        metrics = [metrics]
    unknown = [m for m in metrics if m not in values]
    if unknown:
        raise KeyError(f"not in the history: {unknown}; it has {sorted(values)}")

    fig, axes = plt.subplots(1, len(metrics), figsize=(4 * len(metrics), 3), squeeze=False)
    for ax, metric in zip(axes[0], metrics, strict=True):
        epochs = np.arange(1, len(values[metric]) + 1)
        ax.plot(epochs, values[metric], "o-", label="train")
        if f"val_{metric}" in values:
            ax.plot(epochs, values[f"val_{metric}"], "s--", label="validation")
        ax.set_xlabel("epoch")
        ax.set_title(metric)
        ax.grid(alpha=0.3)
        ax.legend()
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    plt.show()


def show_images(
    images: np.ndarray,
    labels: Sequence[int] | np.ndarray | None = None,
    predictions: Sequence[int] | np.ndarray | None = None,
    class_names: Sequence[str] | None = CLASS_NAMES,
    n: int = 10,
    ncols: int = 10,
    cmap: str = "gray",
) -> None:
    """Show the first ``n`` images in a grid, titled with their labels.

    With ``predictions`` the title reads "predicted (true)" and wrong predictions are drawn in
    red. Labels are looked up in ``class_names`` when given (Fashion-MNIST names by default).
    """
    import matplotlib.pyplot as plt

    images = np.asarray(images)
    n = min(n, len(images))
    ncols = max(1, min(ncols, n))
    nrows = -(-n // ncols)

    def name(k: int) -> str:
        return str(class_names[int(k)]) if class_names is not None else str(int(k))

    fig, axes = plt.subplots(nrows, ncols, figsize=(1.3 * ncols, 1.5 * nrows), squeeze=False)
    for i, ax in enumerate(axes.flat):
        ax.axis("off")
        if i >= n:
            continue
        image = images[i][..., 0] if images[i].ndim == 3 else images[i]
        ax.imshow(image, cmap=cmap)
        if predictions is not None and labels is not None:
            ok = int(predictions[i]) == int(labels[i])
            ax.set_title(
                f"{name(predictions[i])}\n({name(labels[i])})",
                fontsize=8,
                color="black" if ok else "red",
            )
        elif labels is not None:
            ax.set_title(name(labels[i]), fontsize=8)
    fig.tight_layout()
    plt.show()


def show_masks(
    images: np.ndarray,
    true_masks: np.ndarray,
    pred_masks: np.ndarray | None = None,
    n: int = 4,
    threshold: float | None = 0.5,
) -> None:
    """Show images beside their true masks and, if given, predicted masks (one row each).

    Predicted masks are probabilities; with ``threshold`` they are shown as 0/1 at that cut,
    with ``threshold=None`` as they are.
    """
    import matplotlib.pyplot as plt

    def flat(a: np.ndarray) -> np.ndarray:
        return a[..., 0] if a.ndim == 3 else a

    panels = [("image", images), ("true mask", true_masks)]
    if pred_masks is not None:
        shown = pred_masks if threshold is None else (np.asarray(pred_masks) > threshold)
        panels.append(("predicted mask", shown))
    n = min(n, len(images))
    fig, axes = plt.subplots(n, len(panels), figsize=(2.2 * len(panels), 2.2 * n), squeeze=False)
    for row in range(n):
        for col, (title, arrays) in enumerate(panels):
            ax = axes[row, col]
            ax.imshow(flat(np.asarray(arrays[row], dtype="float32")), cmap="gray", vmin=0, vmax=1)
            ax.axis("off")
            if row == 0:
                ax.set_title(title, fontsize=9)
    fig.tight_layout()
    plt.show()
