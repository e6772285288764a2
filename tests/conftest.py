"""Shared test set-up: headless Debian Chromium for the dash_duo browser tests, a throwaway redis-server."""

from __future__ import annotations

import shutil

import pytest
import redis
from selenium.webdriver.chrome.options import Options

from processes import free_port, running, wait_until_ready


def pytest_setup_options():
    """Chrome options dash.testing uses to build its driver (called by dash's pytest plugin)."""
    options = Options()
    binary = shutil.which("chromium") or "/usr/bin/chromium"
    options.binary_location = "/usr/lib/chromium/chromium" if binary == "/usr/bin/chromium" else binary
    # The network is closed: keep Chromium from reaching for Google's services at every start.
    for flag in (
        "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--window-size=1280,1000",
        "--disable-background-networking", "--disable-component-update", "--disable-sync",
        "--no-first-run", "--disable-quic", "--disable-default-apps", "--disable-extensions",
    ):
        options.add_argument(flag)
    return options


@pytest.fixture
def redis_url(tmp_path):
    """A throwaway redis-server on a free port of 127.0.0.1, nothing saved to disk; stopped after the test, also on failure."""
    executable = shutil.which("redis-server")
    if executable is None:
        pytest.fail("redis-server is not installed: `apt-get install -y redis-server` (scripts/test.sh does it)")
    port, log = free_port(), tmp_path / "redis.log"
    command = [executable, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"]
    with running(command, log) as server:
        client = redis.Redis(port=port)

        def answers() -> bool:
            try:
                return client.ping()
            except redis.ConnectionError:
                return False

        wait_until_ready(server, log, "redis-server", answers)
        client.close()
        yield f"redis://127.0.0.1:{port}/0"
