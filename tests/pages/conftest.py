"""The dashboard under test: `python app.py` in its own process, with a job cache and user-models folder per test.

Its own process, as users run it: Dash forks a worker per background job, and a fork of a process whose
earlier work started torch's or numba's thread pools hangs in the child (../shared/notes/dash-background-jobs.md).
pytest's process has run every engine test by the time the browser tests start, so the app must not live in it.
"""

from __future__ import annotations

import os
import sys
import urllib.request
from pathlib import Path

import psutil
import pytest

from processes import free_port, running, wait_until_ready

REPO = Path(__file__).resolve().parents[2]


def _answers_health(url: str) -> bool:
    try:
        with urllib.request.urlopen(f"{url}/health", timeout=2) as response:
            return response.status == 200
    except OSError:
        return False


@pytest.fixture
def dashboard(dash_duo, tmp_path):
    """Start `python app.py` on a free port and return the dash_duo driving it; the app and its job workers
    stop after the test."""
    port = free_port()
    env = {**os.environ, "BOLTZ_CACHE_DIR": str(tmp_path / "cache"), "BOLTZ_MODELS": str(tmp_path / "user-models")}
    command = [sys.executable, "app.py", "--port", str(port)]
    with running(command, tmp_path / "app.log", cwd=REPO, env=env) as server:
        url = f"http://127.0.0.1:{port}"
        wait_until_ready(server, tmp_path / "app.log", "app.py", lambda: _answers_health(url))
        dash_duo.app_process = psutil.Process(server.pid)
        dash_duo.server_url = url
        yield dash_duo
