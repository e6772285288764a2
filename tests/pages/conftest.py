"""The dashboard under test: its job cache and user-models folder are per test, so runs never see each other."""

from __future__ import annotations

import pytest
from dash.testing.application_runners import import_app


@pytest.fixture
def dashboard(dash_duo, tmp_path, monkeypatch):
    """Start app.py (read afresh, as `python app.py` would) and return the dash_duo driving it."""
    monkeypatch.setenv("BOLTZ_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("BOLTZ_MODELS", str(tmp_path / "user-models"))
    dash_duo.start_server(import_app("app"))
    return dash_duo
