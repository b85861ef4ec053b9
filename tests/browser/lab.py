"""What a student does in JupyterLab, as Playwright steps: open, run, read a cell, press a button.

Cells are found by their place in the notebook (the settings turn off virtual scrolling, so
every cell is in the page) and read by their prompt: ``[*]`` while running, ``[7]`` once done.
"""

from __future__ import annotations

import re
import uuid

from playwright.sync_api import Locator, Page
from playwright.sync_api import TimeoutError as PlaywrightTimeout

KERNEL_START_MS = 90_000
RUN_MS = 180_000


def open_notebook(page: Page, lab: tuple[str, str], path: str) -> Locator:
    """Open PATH in the lab, wait for its kernel to be idle, return the notebook panel."""
    base, token = lab
    workspace = uuid.uuid4().hex  # a new, empty workspace: no tab of an earlier test reopens
    page.goto(f"{base}/lab/workspaces/{workspace}/tree/{path}?token={token}")
    panel = page.locator(".jp-NotebookPanel:visible").first
    panel.locator(".jp-Notebook .jp-Cell").first.wait_for()
    idle = panel.locator(".jp-Notebook-ExecutionIndicator[data-status='idle']")
    idle.wait_for(timeout=KERNEL_START_MS)
    return panel


def cell(panel: Locator, index: int) -> Locator:
    return panel.locator(".jp-Notebook .jp-Cell").nth(index)


def menu(page: Page, top: str, item: str) -> None:
    """Choose TOP > ITEM from the lab's menu bar, as a student would."""
    accept_kernel_dialog(page)
    page.locator(".lm-MenuBar-itemLabel", has_text=re.compile(f"^{top}$")).click()
    page.locator(".lm-Menu-itemLabel", has_text=re.compile(f"^{re.escape(item)}$")).click()


def accept_kernel_dialog(page: Page) -> None:
    """Take the offered kernel if a "Select Kernel" dialog covers the page, as a student would.

    JupyterLab can raise it over a notebook whose kernel is already idle (seen with 4.6 under
    load); it is not what these tests are about, and it swallows every click behind it.
    """
    dialog = page.locator(".jp-Dialog", has_text="Select Kernel")
    if dialog.count() and dialog.first.is_visible():
        dialog.first.locator("button", has_text=re.compile("^Select$")).click()
        dialog.first.wait_for(state="detached")


def run_cells(page: Page, panel: Locator, item: str = "Run All Cells", tries: int = 3) -> None:
    """Run > ITEM, again if no cell was queued: a kernel that has just started can say idle
    before it takes requests, and then the first request is dropped (seen with JupyterLab 4.6).
    """
    started = panel.locator(".jp-InputPrompt", has_text=re.compile(r"\[(\*|\d+)\]"))
    for _ in range(tries):
        menu(page, "Run", item)
        try:
            started.first.wait_for(timeout=15_000)
            return
        except PlaywrightTimeout:
            continue
    raise AssertionError(f"Run > {item} queued no cell in {tries} tries")


def wait_until_run(panel: Locator, index: int, timeout: float = RUN_MS) -> Locator:
    """Wait until cell INDEX has run (its prompt shows a number) and return it."""
    target = cell(panel, index)
    prompt = target.locator(".jp-InputPrompt")
    prompt.filter(has_text=re.compile(r"\[\d+\]")).wait_for(timeout=timeout)
    return target


def wait_until_idle(panel: Locator, timeout: float = RUN_MS) -> None:
    """Wait until no cell is queued or running (no ``[*]`` prompt is left)."""
    busy = panel.locator(".jp-InputPrompt", has_text="[*]")
    busy.first.wait_for(state="detached", timeout=timeout)


def errors_of(target: Locator) -> list[str]:
    """The error outputs of a cell, as text (what the student reads under it)."""
    stderr = "[data-mime-type='application/vnd.jupyter.stderr']"
    return target.locator(f".jp-OutputArea-output{stderr}").all_inner_texts()
