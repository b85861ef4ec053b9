"""Offline data for the lessons: the committed Fashion-MNIST subset and small generated sets.

Nothing is downloaded. The Fashion-MNIST subset lives in the repository's ``data/`` folder;
the tabular sets come from the tables bundled inside scikit-learn; shapes and pairs are drawn
from ``numpy.random.default_rng(seed)``, so the same seed always gives the same arrays.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

DATA_DIR = Path(__file__).resolve().parents[2] / "data"
FASHION_FILE = DATA_DIR / "fashion_mnist_subset.npz"

CLASS_NAMES = (
    "T-shirt/top",
    "Trouser",
    "Pullover",
    "Dress",
    "Coat",
    "Sandal",
    "Shirt",
    "Sneaker",
    "Bag",
    "Ankle boot",
)
FOOTWEAR_CLASSES = (5, 7, 9)  # Sandal, Sneaker, Ankle boot
META_NAMES = ("ink", "height", "width", "symmetry")


# --------------------------------------------------------------------------- Fashion-MNIST


def _stratified_prefix(labels: np.ndarray, n: int) -> np.ndarray:
    """Indices of ``n`` samples taking classes in turn (first of each class, then second...).

    With ``n`` a multiple of the number of classes every class gets exactly ``n / k`` samples.
    The indices come back in file order, which is already shuffled.
    """
    if n > len(labels):
        raise ValueError(f"asked for {n} samples but only {len(labels)} are available")
    rank = np.empty(len(labels), dtype=np.int64)
    for c in np.unique(labels):
        where = np.flatnonzero(labels == c)
        rank[where] = np.arange(len(where))
    order = np.lexsort((np.arange(len(labels)), rank))  # by rank, then position
    return np.sort(order[:n])


def load_fashion_subset(
    n_train: int | None = None,
    n_test: int | None = None,
    normalize: bool = True,
) -> tuple[tuple[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]:
    """Load the committed Fashion-MNIST subset as ``(x_train, y_train), (x_test, y_test)``.

    Images have shape ``(n, 28, 28)``; labels are uint8 class indices 0-9 (see
    :data:`CLASS_NAMES`). The full file holds 10,000 training images (1000 per class) and 2,000
    test images (200 per class).

    Args:
        n_train: keep only this many training images, balanced across classes (exactly
            balanced when it is a multiple of 10). ``None`` keeps all.
        n_test: the same for the test images.
        normalize: scale pixels to float32 in [0, 1]; ``False`` keeps the raw uint8 values.
    """
    if not FASHION_FILE.exists():
        raise FileNotFoundError(
            f"The Fashion-MNIST subset is missing: expected {FASHION_FILE}. It is committed to "
            "the repository's data/ folder; restore it with `git checkout -- data/`, or rebuild "
            "it with scripts/make_fashion_subset.py (needs Debian's dataset-fashion-mnist)."
        )
    with np.load(FASHION_FILE) as f:
        x_train, y_train = f["x_train"], f["y_train"]
        x_test, y_test = f["x_test"], f["y_test"]
    if n_train is not None:
        keep = _stratified_prefix(y_train, n_train)
        x_train, y_train = x_train[keep], y_train[keep]
    if n_test is not None:
        keep = _stratified_prefix(y_test, n_test)
        x_test, y_test = x_test[keep], y_test[keep]
    if normalize:
        x_train = x_train.astype("float32") / 255.0
        x_test = x_test.astype("float32") / 255.0
    return (x_train, y_train), (x_test, y_test)


def is_footwear(labels: np.ndarray) -> np.ndarray:
    """1.0 where the Fashion-MNIST label is a sandal, sneaker or ankle boot, else 0.0."""
    return np.isin(labels, FOOTWEAR_CLASSES).astype("float32")


def fashion_metadata(images: np.ndarray) -> np.ndarray:
    """Four numbers measured on each image, a stand-in for a product's catalogue record.

    Columns (see :data:`META_NAMES`): ``ink`` (mean brightness, 0-1), ``height`` and ``width``
    (rows and columns the item covers, in pixels, 0-28) and ``symmetry`` (1 minus the mean
    difference between the image and its mirror image: shoes, which face sideways, score low).
    The columns live on very different scales, which is what a Normalization layer is for.
    """
    x = np.asarray(images, dtype="float32")
    if x.ndim == 4:
        x = x[..., 0]
    if x.max() > 1.0:
        x = x / 255.0
    on = x > 0.1
    ink = x.mean(axis=(1, 2))
    height = on.any(axis=2).sum(axis=1)
    width = on.any(axis=1).sum(axis=1)
    symmetry = 1.0 - np.abs(x - x[:, :, ::-1]).mean(axis=(1, 2))
    return np.stack([ink, height, width, symmetry], axis=1).astype("float32")


# --------------------------------------------------------------------------- tabular data

# Two groups of columns of a different nature for each bundled table.
TABULAR_GROUPS: dict[str, dict[str, tuple[str, ...]]] = {
    # Cell-nucleus measurements: how big the nuclei are ("size") vs. what their outline and
    # texture look like ("form"), each as a mean, a standard error and a worst value.
    "breast_cancer": {
        "size": ("radius", "perimeter", "area"),
        "form": (
            "texture",
            "smoothness",
            "compactness",
            "concavity",
            "concave points",
            "symmetry",
            "fractal dimension",
        ),
    },
    # Wine analysis: what the chemistry lab measures vs. what the eye and the photometer see.
    "wine": {
        "chemistry": (
            "alcohol",
            "malic_acid",
            "ash",
            "alcalinity_of_ash",
            "magnesium",
            "total_phenols",
            "flavanoids",
            "nonflavanoid_phenols",
            "proanthocyanins",
        ),
        "appearance": ("color_intensity", "hue", "od280/od315_of_diluted_wines"),
    },
}


@dataclass
class TabularSplit:
    """A train/test split whose features are a dict keyed by input name."""

    x_train: dict[str, np.ndarray]
    y_train: np.ndarray
    x_test: dict[str, np.ndarray]
    y_test: np.ndarray
    feature_names: dict[str, list[str]] = field(default_factory=dict)
    target_names: list[str] = field(default_factory=list)


def _matches(column: str, keys: Sequence[str]) -> bool:
    """Breast-cancer columns read 'mean radius', 'worst concave points'...; wine's are bare."""
    words = column.removeprefix("mean ").removeprefix("worst ").removesuffix(" error")
    return words in keys


def load_tabular_two_inputs(
    name: str = "breast_cancer",
    groups: Mapping[str, Sequence[str]] | None = None,
    test_size: float = 0.25,
    seed: int = 0,
) -> TabularSplit:
    """Load a table bundled with scikit-learn, split into train/test and two named inputs.

    Args:
        name: ``"breast_cancer"`` (569 tumours, 30 features, benign = 1 / malignant = 0) or
            ``"wine"`` (178 wines, 13 features, 3 cultivars).
        groups: input name -> feature names to put in it (for breast_cancer a bare measurement
            such as ``"radius"`` takes its mean, error and worst columns). Defaults to
            :data:`TABULAR_GROUPS` for the table.
        test_size: fraction kept for testing, stratified by class.
        seed: the split's random seed.

    The features are float32 and *not* scaled: scaling belongs in the model (a Normalization
    layer adapted on the training data).
    """
    from sklearn import datasets
    from sklearn.model_selection import train_test_split

    loaders = {"breast_cancer": datasets.load_breast_cancer, "wine": datasets.load_wine}
    if name not in loaders:
        raise ValueError(f"unknown table {name!r}; choose one of {sorted(loaders)}")
    bunch = loaders[name]()  # bundled with scikit-learn: no download
    columns = [str(c) for c in bunch.feature_names]
    groups = dict(groups if groups is not None else TABULAR_GROUPS[name])

    selected: dict[str, list[int]] = {}
    for group, keys in groups.items():
        picked = [i for i, col in enumerate(columns) if col in keys or _matches(col, keys)]
        if not picked:
            raise ValueError(f"group {group!r} matches no column of {name}: {columns}")
        selected[group] = picked

    x = bunch.data.astype("float32")
    y = bunch.target.astype("int64")
    train_idx, test_idx = train_test_split(
        np.arange(len(y)), test_size=test_size, random_state=seed, stratify=y
    )
    return TabularSplit(
        x_train={g: x[np.ix_(train_idx, cols)] for g, cols in selected.items()},
        y_train=y[train_idx],
        x_test={g: x[np.ix_(test_idx, cols)] for g, cols in selected.items()},
        y_test=y[test_idx],
        feature_names={g: [columns[i] for i in cols] for g, cols in selected.items()},
        target_names=[str(t) for t in bunch.target_names],
    )


# --------------------------------------------------------------------------- generated data


def make_shapes_segmentation(
    n: int,
    size: int = 32,
    seed: int = 0,
    noise: float = 0.1,
    max_shapes: int = 3,
) -> tuple[np.ndarray, np.ndarray]:
    """Noisy grey images of circles and squares, with the binary mask of where the shapes are.

    Returns ``(images, masks)``, both float32 of shape ``(n, size, size, 1)``: images in
    [0, 1] (a dim background, brighter shapes, Gaussian noise), masks exactly 0 or 1 (1 on a
    shape). Each image holds 1 to ``max_shapes`` shapes, which may overlap.
    """
    rng = np.random.default_rng(seed)
    rows, cols = np.mgrid[0:size, 0:size]
    images = np.empty((n, size, size), dtype="float32")
    masks = np.zeros((n, size, size), dtype=bool)
    for i in range(n):
        image = np.full((size, size), rng.uniform(0.0, 0.3), dtype="float32")
        for _ in range(rng.integers(1, max_shapes + 1)):
            radius = rng.uniform(size / 10, size / 5)
            cy, cx = rng.uniform(radius, size - radius, size=2)
            if rng.random() < 0.5:  # circle
                shape = (rows - cy) ** 2 + (cols - cx) ** 2 <= radius**2
            else:  # axis-aligned square
                shape = (np.abs(rows - cy) <= radius) & (np.abs(cols - cx) <= radius)
            image[shape] = rng.uniform(0.6, 1.0)
            masks[i] |= shape
        images[i] = image
    images += rng.normal(0.0, noise, size=images.shape).astype("float32")
    np.clip(images, 0.0, 1.0, out=images)
    return images[..., None], masks[..., None].astype("float32")


def make_pairs(
    x: np.ndarray,
    y: np.ndarray,
    n_pairs: int,
    seed: int = 0,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Draw pairs of samples for a Siamese network: ``(x_a, x_b, label)``.

    Label convention: **1 = similar** (both samples of the same class), 0 = dissimilar. Half
    of the pairs (rounded up) are similar; their order is shuffled. A similar pair never
    pairs a sample with itself when its class has another sample.
    """
    x, y = np.asarray(x), np.asarray(y)
    if len(x) != len(y):
        raise ValueError(f"x has {len(x)} samples but y has {len(y)} labels")
    classes = np.unique(y)
    if len(classes) < 2:
        raise ValueError("dissimilar pairs need at least two classes in y")
    rng = np.random.default_rng(seed)
    by_class = {c: np.flatnonzero(y == c) for c in classes}

    n_same = (n_pairs + 1) // 2
    a = rng.integers(0, len(y), size=n_pairs)
    b = np.empty(n_pairs, dtype=np.int64)
    for k in range(n_pairs):
        own = by_class[y[a[k]]]
        if k < n_same:
            choices = own[own != a[k]] if len(own) > 1 else own
        else:
            other = rng.choice(classes[classes != y[a[k]]])
            choices = by_class[other]
        b[k] = rng.choice(choices)
    labels = (y[a] == y[b]).astype("float32")
    order = rng.permutation(n_pairs)
    a, b, labels = a[order], b[order], labels[order]
    return x[a], x[b], labels
