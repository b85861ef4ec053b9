"""Shared test set-up: quiet TensorFlow, and a fresh Keras session per test."""

import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import keras  # noqa: E402
import pytest  # noqa: E402


@pytest.fixture(autouse=True)
def fresh_session():
    """Automatic layer names depend on session counters; tests must not depend on each other."""
    keras.utils.clear_session(free_memory=False)  # resets name counters; a full gc is slow
    keras.utils.set_random_seed(0)
    yield
