"""Helpers the course notebooks share: session set-up, offline data and pictures.

Importing this package has no side effects: it loads neither TensorFlow nor Keras nor
matplotlib's pyplot. A lesson's Setup cell starts with::

    from autograder.course import quiet_tensorflow
    quiet_tensorflow()          # before the first `import keras`
    import keras

Modules, one idea each: :mod:`.session` (quiet TensorFlow, reset, grading mode),
:mod:`.data` (Fashion-MNIST subset, tabular tables, shapes with masks, pairs) and
:mod:`.plots` (model diagrams, training curves, images, masks).
"""

from .data import (
    CLASS_NAMES,
    FOOTWEAR_CLASSES,
    META_NAMES,
    TabularSplit,
    fashion_metadata,
    is_footwear,
    load_fashion_subset,
    load_tabular_two_inputs,
    make_pairs,
    make_shapes_segmentation,
)
from .plots import diagram_support, plot_history, show_images, show_masks, show_model
from .session import check_versions, grading_mode, quiet_tensorflow, reset

__all__ = [
    "CLASS_NAMES",
    "FOOTWEAR_CLASSES",
    "META_NAMES",
    "TabularSplit",
    "check_versions",
    "diagram_support",
    "fashion_metadata",
    "grading_mode",
    "is_footwear",
    "load_fashion_subset",
    "load_tabular_two_inputs",
    "make_pairs",
    "make_shapes_segmentation",
    "plot_history",
    "quiet_tensorflow",
    "reset",
    "show_images",
    "show_masks",
    "show_model",
]
