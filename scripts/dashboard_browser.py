"""A running dashboard and a headless Chromium on it, for the screenshot and measurement scripts."""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import psutil
from selenium import webdriver
from selenium.webdriver.chrome.options import Options
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions
from selenium.webdriver.support.ui import WebDriverWait

ROOT = Path(__file__).resolve().parent.parent


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextlib.contextmanager
def running_app(url: str | None = None, env: dict | None = None):
    """The app at ``url``, or a fresh ``python app.py`` on a free port with its own cache folder and ``env`` added to
    its environment (stopped afterwards)."""
    if url:
        yield url.rstrip("/")
        return
    port = _free_port()
    with tempfile.TemporaryDirectory() as cache:
        # Models trained from these scripts go to the temporary folder, not the user's own.
        env = {**os.environ, "OMP_NUM_THREADS": os.environ.get("OMP_NUM_THREADS", "1"),
               "BOLTZ_MODELS": str(Path(cache) / "user-models"), **(env or {})}
        server = subprocess.Popen([sys.executable, "app.py", "--port", str(port), "--cache-dir", cache], cwd=ROOT,
                                  env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            base = f"http://127.0.0.1:{port}"
            deadline = time.monotonic() + 60
            while True:
                try:
                    urllib.request.urlopen(base + "/health", timeout=1)
                    break
                except OSError:
                    if time.monotonic() > deadline or server.poll() is not None:
                        raise RuntimeError("the app did not start") from None
                    time.sleep(0.2)
            yield base
        finally:
            workers = psutil.Process(server.pid).children(recursive=True)  # the job workers it forked
            server.terminate()
            server.wait(timeout=10)
            for worker in workers:
                with contextlib.suppress(psutil.NoSuchProcess):
                    worker.kill()


@contextlib.contextmanager
def chromium(width: int = 1400, height: int = 1000):
    """Headless Debian Chromium (the options the browser tests use)."""
    options = Options()
    binary = shutil.which("chromium") or "/usr/bin/chromium"
    options.binary_location = "/usr/lib/chromium/chromium" if binary == "/usr/bin/chromium" else binary
    for flag in ("--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", f"--window-size={width},{height}",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run",
                 "--disable-quic", "--disable-default-apps", "--disable-extensions", "--hide-scrollbars"):
        options.add_argument(flag)
    driver = webdriver.Chrome(options=options)
    try:
        yield driver
    finally:
        driver.quit()


def wait_for(driver, selector: str, timeout: float = 30):
    return WebDriverWait(driver, timeout).until(expected_conditions.presence_of_element_located((By.CSS_SELECTOR, selector)))


def wait_for_text(driver, selector: str, text: str, timeout: float = 300) -> None:
    WebDriverWait(driver, timeout).until(expected_conditions.text_to_be_present_in_element((By.CSS_SELECTOR, selector), text))


def set_number(driver, selector: str, value) -> None:
    element = driver.find_element(By.CSS_SELECTOR, selector)
    element.send_keys("\ue009a\ue003")  # Ctrl+A, Backspace: empty the field the way a user does
    element.send_keys(str(value))


def click(driver, selector: str) -> None:
    element = driver.find_element(By.CSS_SELECTOR, selector)
    driver.execute_script("arguments[0].scrollIntoView({block: 'center', behavior: 'instant'});", element)
    element.click()
