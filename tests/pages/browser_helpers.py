"""Helpers for the dash_duo tests: waiting, typing, watching texts and job workers."""

from __future__ import annotations

import os
import sys
import time

import psutil


def open_page(duo, path: str, ready_selector: str) -> None:
    duo.wait_for_page(url=duo.server_url + path)
    duo.wait_for_element(ready_selector, timeout=10)


def job_workers(duo) -> list[psutil.Process]:
    """Background-job workers: the Python processes the job host started (the app's forks, or a Celery worker's
    pool; Chromium is not one)."""
    python = os.path.realpath(sys.executable)
    return [child for child in duo.job_host.children(recursive=True)
            if child.is_running() and child.status() != psutil.STATUS_ZOMBIE and child.exe() == python]


def set_number(duo, selector: str, value) -> None:
    element = duo.find_element(selector)
    duo.clear_input(element)
    if value != "":
        element.send_keys(str(value))


def record_texts(duo, selector: str) -> None:
    """Collect every text the element shows from now on into window.seenTexts (polling would miss short-lived ones)."""
    duo.driver.execute_script(
        """
        const element = document.querySelector(arguments[0]);
        window.seenTexts = [];
        new MutationObserver(() => window.seenTexts.push(element.textContent))
            .observe(element, {childList: true, subtree: true, characterData: true});
        """,
        selector,
    )


def wait_until(predicate, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


def click(duo, selector: str) -> None:
    """Scroll the element to the middle of the window first (instantly: Bootstrap makes scrolling smooth), as a click outside it is intercepted."""
    element = duo.find_element(selector)
    duo.driver.execute_script("arguments[0].scrollIntoView({block: 'center', behavior: 'instant'});", element)
    element.click()
