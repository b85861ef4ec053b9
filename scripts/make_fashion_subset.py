"""Make data/fashion_mnist_subset.npz: a stratified Fashion-MNIST subset the course commits.

Reads the four original idx files (gzip) that Debian's package ``dataset-fashion-mnist`` installs
under /usr/share/datasets/fashion-mnist/, keeps a fixed number of images per class from each split
(chosen with a fixed seed) and saves them with ``np.savez_compressed``.

    python scripts/make_fashion_subset.py [--source DIR] [--out FILE]

Not run by the tests: its output is committed. Running it again gives the same arrays.
"""

from __future__ import annotations

import argparse
import gzip
from pathlib import Path

import numpy as np

SOURCE = Path("/usr/share/datasets/fashion-mnist")
OUT = Path(__file__).resolve().parents[1] / "data" / "fashion_mnist_subset.npz"
TRAIN_PER_CLASS = 1000
TEST_PER_CLASS = 200
SEED = 2017
N_CLASSES = 10


def read_idx(path: Path) -> np.ndarray:
    """Read one gzip-compressed idx file (the MNIST format) into a uint8 array."""
    with gzip.open(path, "rb") as f:
        raw = f.read()
    zero, dtype_code, ndim = raw[0] * 256 + raw[1], raw[2], raw[3]
    if zero != 0 or dtype_code != 0x08:
        raise ValueError(f"{path}: not an unsigned-byte idx file")
    shape = tuple(int.from_bytes(raw[4 + 4 * i : 8 + 4 * i], "big") for i in range(ndim))
    data = np.frombuffer(raw, dtype=np.uint8, offset=4 + 4 * ndim)
    return data.reshape(shape)


def stratified_indices(labels: np.ndarray, per_class: int, rng: np.random.Generator) -> np.ndarray:
    """Pick ``per_class`` indices of each class at random, then shuffle them together."""
    picked = [
        rng.choice(np.flatnonzero(labels == c), size=per_class, replace=False)
        for c in range(N_CLASSES)
    ]
    return rng.permutation(np.concatenate(picked))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--source", type=Path, default=SOURCE)
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args()

    rng = np.random.default_rng(SEED)
    arrays = {}
    for split, prefix, per_class in [
        ("train", "train", TRAIN_PER_CLASS),
        ("test", "t10k", TEST_PER_CLASS),
    ]:
        images = read_idx(args.source / f"{prefix}-images-idx3-ubyte.gz")
        labels = read_idx(args.source / f"{prefix}-labels-idx1-ubyte.gz")
        idx = stratified_indices(labels, per_class, rng)
        arrays[f"x_{split}"] = images[idx]
        arrays[f"y_{split}"] = labels[idx]

    args.out.parent.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(args.out, **arrays)
    size_mb = args.out.stat().st_size / 1e6
    for key, value in arrays.items():
        print(f"{key}: {value.shape} {value.dtype}")
    print(f"wrote {args.out} ({size_mb:.1f} MB)")


if __name__ == "__main__":
    main()
