"""A real JupyterLab and a real Chromium for the browser tests, shared by the whole session.

Playwright drives Debian's ``chromium`` through ``executable_path``: browsers are never
downloaded at run time. JupyterLab serves a temporary copy of what a student receives, on
127.0.0.1 with a random token, with its own settings so that nothing from the machine's own
JupyterLab (open tabs, news pop-ups, virtual scrolling of cells) changes what the tests see.
The grading run the feedback tests read starts with the session and runs beside the lab tests.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import nbformat
import pytest

from autograder.samples import answers, filled
from tests.submissions import wrong_for

REPO = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",  # this closed network refuses Google's services
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
STUDENT_FILES = ("assignments", "course", "data", "nbgrader_config.py")
GRADED = "05_skip_connections_resnet"
EVIL_STUDENT = "<img src=x onerror=alert(1)>"
LAB_SETTINGS = {
    "@jupyterlab/notebook-extension/tracker.jupyterlab-settings": {"windowingMode": "none"},
    "@jupyterlab/apputils-extension/notification.jupyterlab-settings": {
        "fetchNews": "false",
        "checkForUpdates": False,
    },
}


def pytest_collection_modifyitems(items):
    for item in items:
        if "tests/browser" in str(item.fspath).replace(os.sep, "/"):
            item.add_marker(pytest.mark.browser)
            item.add_marker(pytest.mark.slow)  # `make test-fast` leaves them out
            # JupyterLab's timing on a loaded 2-core machine (a kernel that says idle before it
            # takes requests, a dialog raised late) can fail a step a student would just retry;
            # a test that fails three times running is a real failure.
            item.add_marker(pytest.mark.flaky(reruns=2, reruns_delay=5))


def _playwright():
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.skip("playwright is not installed (pip install -e '.[dev]')")
    if not Path(CHROMIUM).exists():
        pytest.skip("Debian's chromium is not installed (scripts/install-system-deps.sh as root)")
    return sync_playwright


def tool_env() -> dict[str, str]:
    """The environment of the course's own tools: the venv first on PATH, TensorFlow quiet."""
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3", PYTHONWARNINGS="ignore")
    env["PATH"] = f"{BIN}{os.pathsep}{env.get('PATH', '')}"
    return env


@pytest.fixture(scope="session")
def shots(tmp_path_factory) -> Path:
    """Where the tests save their screenshots (the README's come from here)."""
    return tmp_path_factory.mktemp("screenshots")


@pytest.fixture(scope="session")
def student_course(tmp_path_factory) -> Path:
    """A copy of what students receive, so the tests never write into the repository."""
    root = tmp_path_factory.mktemp("course")
    for name in STUDENT_FILES:
        source = REPO / name
        if source.is_dir():
            shutil.copytree(source, root / name)
        else:
            shutil.copy2(source, root / name)
    return root


def write_answers(course: Path, assignment: str, name: str, replace: dict[str, str]) -> str:
    """Write the release of ASSIGNMENT, every task answered right except REPLACE; return its path
    relative to the course (the lab's URL path)."""
    folder = course / "assignments" / assignment
    release = nbformat.read(str(folder / f"{assignment}.ipynb"), 4)
    source = nbformat.read(str(REPO / "solutions" / assignment / f"{assignment}.ipynb"), 4)
    nbformat.write(filled(release, {**answers(source), **replace}), str(folder / name))
    return f"assignments/{assignment}/{name}"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait_until_up(url: str, server: subprocess.Popen, log: Path, seconds: float = 90) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"JupyterLab exited with {server.returncode}:\n{log.read_text()}")
        try:
            with urllib.request.urlopen(url, timeout=2) as reply:
                if reply.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    raise RuntimeError(f"JupyterLab did not answer within {seconds:.0f} s:\n{log.read_text()}")


@pytest.fixture(scope="session")
def lab(student_course, tmp_path_factory):
    """A running JupyterLab at the root of the student's course: (base URL, token)."""
    _playwright()
    home = tmp_path_factory.mktemp("lab")
    for name, values in LAB_SETTINGS.items():
        target = home / "settings" / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(json.dumps(values))
    port, token = _free_port(), secrets.token_hex(16)
    env = tool_env()
    env.update(
        JUPYTERLAB_SETTINGS_DIR=str(home / "settings"),
        JUPYTERLAB_WORKSPACES_DIR=str(home / "workspaces"),
        JUPYTER_RUNTIME_DIR=str(home / "runtime"),
    )
    log = home / "server.log"
    with log.open("w") as out:
        server = subprocess.Popen(
            [
                str(BIN / "jupyter"), "lab", "--no-browser",
                "--ServerApp.ip=127.0.0.1", f"--ServerApp.port={port}",
                f"--IdentityProvider.token={token}", f"--ServerApp.root_dir={student_course}",
                "--LabApp.news_url=None", "--ServerApp.allow_root=True",
                "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
            ],
            cwd=student_course, env=env, stdout=out, stderr=subprocess.STDOUT,
        )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    try:
        _wait_until_up(f"{base}/api/status?token={token}", server, log)
        yield base, token
    finally:
        server.terminate()
        try:
            server.wait(timeout=15)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


@pytest.fixture(scope="session")
def browser():
    sync_playwright = _playwright()
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    report = yield
    if report.when == "call":
        item.failed_in_call = report.failed
    return report


@pytest.fixture
def page(browser, shots, request):
    """A fresh browser tab; a test that fails leaves a screenshot of it beside the others."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(60_000)
    yield page
    if getattr(request.node, "failed_in_call", False):
        page.screenshot(path=str(shots / f"failed-{request.node.name}.png"))
    context.close()


@pytest.fixture(scope="session", autouse=True)
def grading_run(tmp_path_factory):
    """`autograder grade` of a small class, started at once so it runs beside the lab tests.

    Two students of assignment 05: one right, one whose shortcut leaves from inside the block
    and whose id is an HTML tag (it must show as text). Yields a function that waits for the
    run and returns its output folder.
    """
    _playwright()
    root = tmp_path_factory.mktemp("grading")
    wrong = next(w for w in wrong_for(GRADED) if w.name == "identity_skip_after_first_conv")
    release = nbformat.read(str(REPO / "assignments" / GRADED / f"{GRADED}.ipynb"), 4)
    right = answers(nbformat.read(str(REPO / "solutions" / GRADED / f"{GRADED}.ipynb"), 4))
    for student, replace in (("ada", {}), (EVIL_STUDENT, wrong.replace)):
        (root / "submissions" / student).mkdir(parents=True)
        notebook = filled(release, {**right, **replace})
        nbformat.write(notebook, str(root / "submissions" / student / f"{GRADED}.ipynb"))
    out, log = root / "out", (root / "grade.log").open("w")
    command = [str(BIN / "autograder"), "grade", GRADED, str(root / "submissions")]
    run = subprocess.Popen(
        [*command, "--out", str(out), "--no-gradebook", "--workers", "2"],
        cwd=REPO, env=tool_env(), stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
    )  # fmt: skip

    def finished() -> Path:
        code = run.wait(timeout=600)
        log.flush()
        assert code == 0, (root / "grade.log").read_text()
        return out

    yield finished
    if run.poll() is None:  # a failed session must not leave its sandboxes running
        os.killpg(run.pid, signal.SIGKILL)
    run.wait()
    log.close()
