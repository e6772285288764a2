"""Shared test set-up: headless Debian Chromium for the dash_duo browser tests."""

from __future__ import annotations

import shutil

from selenium.webdriver.chrome.options import Options


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
