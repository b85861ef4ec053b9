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


def pytest_collection_modifyitems(config, items):
    """Keep the tests that share an expensive fixture on one xdist worker.

    With ``-n 2 --dist loadgroup`` (``make test``) each module runs on one worker, so its
    module- and session-scoped fixtures (a graded class, a JupyterLab server, a Dask cluster)
    are built once; the assignments are split per assignment and the lessons per lesson, the
    two largest shares of the suite's time, so both cores stay busy.
    """
    for item in items:
        group = _worker_group(item)
        if group:
            item.add_marker(pytest.mark.xdist_group(group))


def _worker_group(item) -> str | None:
    module = item.module.__name__.rsplit(".", 1)[-1]
    if module == "test_lessons":
        return None
    params = getattr(getattr(item, "callspec", None), "params", {})
    if module == "test_assignments" and "assignment" in params:
        return f"assignment-{params['assignment']}"
    return item.module.__name__
