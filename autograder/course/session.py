"""Session set-up for the lessons: a quiet TensorFlow, reproducible models, a grading switch.

Nothing here runs at import time; call the functions from a notebook's Setup cell, and call
:func:`quiet_tensorflow` *before* importing ``tensorflow`` or ``keras``.
"""

from __future__ import annotations

import contextlib
import io
import logging
import os
import sys
import warnings

# Warnings that libraries raise about themselves, not about the learner's code.
_LIBRARY_MODULES = r"(tensorflow|tf_keras|absl|google\.protobuf|h5py|jax|ml_dtypes)(\..*)?"


@contextlib.contextmanager
def _stderr_silenced():
    """Send both ``sys.stderr`` and the process's file descriptor 2 to nowhere for a while.

    TensorFlow's C++ runtime logs a few lines while it loads, before its own log level applies;
    those are written straight to descriptor 2, which Jupyter shows as red text in the cell.
    """
    sys.stderr.flush()
    try:
        saved_fd = os.dup(2)
    except OSError:  # no descriptor 2 (rare embedded interpreters): silence Python only
        saved_fd = None
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        if saved_fd is not None:
            os.dup2(devnull, 2)
        with contextlib.redirect_stderr(io.StringIO()):
            yield
    finally:
        sys.stderr.flush()
        if saved_fd is not None:
            os.dup2(saved_fd, 2)
            os.close(saved_fd)
        os.close(devnull)


def quiet_tensorflow() -> None:
    """Keep TensorFlow's start-up and library chatter out of notebook cells.

    Sets ``TF_CPP_MIN_LOG_LEVEL=3`` (C++ errors only), imports TensorFlow with standard error
    silenced (its loader logs before that level takes effect), lowers the Python loggers of
    TensorFlow and absl to errors, and hides deprecation and future warnings that libraries
    emit about themselves. Warnings that Keras raises about *your* code stay visible.

    Call it once, before the first ``import keras`` or ``import tensorflow``; calling it again
    is harmless. If TensorFlow was imported already, its start-up lines have been printed, but
    everything else still applies.
    """
    os.environ["TF_CPP_MIN_LOG_LEVEL"] = "3"
    os.environ.setdefault("KERAS_BACKEND", "tensorflow")
    for category in (DeprecationWarning, PendingDeprecationWarning, FutureWarning):
        warnings.filterwarnings("ignore", category=category)
    warnings.filterwarnings("ignore", module=_LIBRARY_MODULES)

    if "tensorflow" not in sys.modules:
        with _stderr_silenced():
            import tensorflow  # noqa: F401

    logging.getLogger("tensorflow").setLevel(logging.ERROR)
    try:
        from absl import logging as absl_logging

        absl_logging.set_verbosity(absl_logging.ERROR)
    except ImportError:  # absl ships with TensorFlow; be tolerant anyway
        pass


def reset(seed: int = 0) -> None:
    """Start a model from a clean slate: clear the Keras session and seed every generator.

    Clearing the session resets automatic layer names (``dense``, ``dense_1``...) and frees old
    models; :func:`keras.utils.set_random_seed` seeds Python, NumPy and the backend, so the same
    cell builds the same initial weights every time.
    """
    import keras

    keras.utils.clear_session()
    keras.utils.set_random_seed(seed)


def grading_mode() -> bool:
    """True while nbgrader (or the test suite) executes the notebook.

    nbgrader sets ``NBGRADER_EXECUTION`` in the kernel's environment when it validates or
    autogrades; notebooks use this to train for fewer epochs without changing any code path.
    """
    return bool(os.environ.get("NBGRADER_EXECUTION"))


def check_versions(min_keras: tuple[int, int] = (3, 7)) -> str:
    """Return a one-line version report; raise if Keras is older than the course needs.

    Keras 3.7 fixed losses given as a dict on models with several outputs, which the course
    relies on.
    """
    import keras
    import tensorflow as tf

    found = tuple(int(part) for part in keras.__version__.split(".")[:2])
    if found < tuple(min_keras):
        wanted = ".".join(map(str, min_keras))
        raise RuntimeError(
            f"This course needs Keras >= {wanted}, found {keras.__version__}. "
            "Run `make setup` (or `pip install -e .`) in the repository to get the right versions."
        )
    python = ".".join(map(str, sys.version_info[:3]))
    return f"Python {python}, TensorFlow {tf.__version__}, Keras {keras.__version__}"
