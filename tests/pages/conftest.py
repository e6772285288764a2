"""The dashboard under test: `python app.py` in its own process, with a job cache and user-models folder per test.

Its own process, as users run it: Dash forks a worker per background job, and a fork of a process whose
earlier work started torch's or numba's thread pools hangs in the child (../shared/notes/dash-background-jobs.md).
pytest's process has run every engine test by the time the browser tests start, so the app must not live in it.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import psutil
import pytest

REPO = Path(__file__).resolve().parents[2]
START_TIMEOUT = 90.0


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _wait_until_healthy(server: subprocess.Popen, url: str) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"app.py exited with status {server.returncode} before answering {url}/health")
        try:
            with urllib.request.urlopen(f"{url}/health", timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"app.py did not answer {url}/health within {START_TIMEOUT:.0f} s")


def _stop(server: subprocess.Popen) -> None:
    """Stop the app and every job worker it forked."""
    try:
        family = psutil.Process(server.pid).children(recursive=True)
    except psutil.NoSuchProcess:
        family = []
    server.terminate()
    try:
        server.wait(timeout=10)
    except subprocess.TimeoutExpired:
        server.kill()
        server.wait()
    for child in family:
        try:
            child.kill()
        except psutil.NoSuchProcess:
            pass


@pytest.fixture
def dashboard(dash_duo, tmp_path):
    """Start `python app.py` on a free port and return the dash_duo driving it."""
    port = _free_port()
    env = {**os.environ, "BOLTZ_CACHE_DIR": str(tmp_path / "cache"), "BOLTZ_MODELS": str(tmp_path / "user-models")}
    log = open(tmp_path / "app.log", "w")
    server = subprocess.Popen([sys.executable, "app.py", "--port", str(port)], cwd=REPO, env=env,
                              stdout=log, stderr=subprocess.STDOUT)
    try:
        url = f"http://127.0.0.1:{port}"
        _wait_until_healthy(server, url)
        dash_duo.app_process = psutil.Process(server.pid)
        dash_duo.server_url = url
        yield dash_duo
    finally:
        _stop(server)
        log.close()
