"""The dashboard under test: `python app.py` in its own process, with a job cache and user-models folder per test.

Its own process, as users run it: Dash forks a worker per background job, and a fork of a process whose
earlier work started torch's or numba's thread pools hangs in the child (../shared/notes/dash-background-jobs.md).
pytest's process has run every engine test by the time the browser tests start, so the app must not live in it.

``dashboard`` runs the jobs as the app does by default (DiskcacheManager); a test parametrized with
``@pytest.mark.parametrize("dashboard", ["celery"], indirect=True)`` gets the scale-out set-up instead: a
redis-server, one Celery worker and `python app.py --jobs celery`, with frames and results in Redis.
"""

from __future__ import annotations

import contextlib
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


@contextlib.contextmanager
def _celery_worker(env: dict, log):
    """One Celery worker (one job at a time) on the app's queue; yields once it answers a ping."""
    try:
        from celery import Celery
    except ImportError:
        pytest.fail("celery is not installed: `pip install -r requirements.txt` (scripts/test.sh does it)")
    command = [sys.executable, "-m", "celery", "-A", "app:celery_app", "worker", "--concurrency=1", "--loglevel=INFO"]
    with running(command, log, cwd=REPO, env=env) as worker, Celery(broker=env["BOLTZ_REDIS_URL"]) as probe:
        wait_until_ready(worker, log, "the Celery worker", lambda: bool(probe.control.ping(timeout=0.5)))
        yield worker


@pytest.fixture
def dashboard(request, dash_duo, tmp_path):
    """Start `python app.py` on a free port (and, for "celery", redis-server and a worker); return the dash_duo
    driving it. ``dash_duo.job_host`` is the process whose children run the jobs. Everything stops after the test."""
    jobs = getattr(request, "param", "diskcache")
    port = free_port()
    env = {**os.environ, "BOLTZ_CACHE_DIR": str(tmp_path / "cache"), "BOLTZ_MODELS": str(tmp_path / "user-models"),
           "BOLTZ_JOBS": jobs}
    command = [sys.executable, "app.py", "--port", str(port)]
    with contextlib.ExitStack() as stack:
        job_host = None  # the app itself, which forks the workers
        if jobs == "celery":
            env["BOLTZ_REDIS_URL"] = request.getfixturevalue("redis_url")  # fails, not skips, without redis-server
            job_host = stack.enter_context(_celery_worker(env, tmp_path / "worker.log"))
            command += ["--jobs", "celery", "--redis-url", env["BOLTZ_REDIS_URL"]]
        server = stack.enter_context(running(command, tmp_path / "app.log", cwd=REPO, env=env))
        url = f"http://127.0.0.1:{port}"
        wait_until_ready(server, tmp_path / "app.log", "app.py", lambda: _answers_health(url))
        dash_duo.job_host = psutil.Process((job_host or server).pid)
        dash_duo.server_url = url
        yield dash_duo
