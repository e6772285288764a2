"""A job is data a browser sends back: the Training page checks again what would name a folder."""

import importlib

import pytest

from boltz.frames import new_job_id


@pytest.mark.parametrize("name", ["../x", "/etc/x", "a/../../b", "x\0y"])
def test_a_forged_training_job_cannot_leave_the_models_folder(monkeypatch, tmp_path, name):
    monkeypatch.setenv("BOLTZ_MODELS", str(tmp_path / "models"))
    importlib.import_module("app")  # the app registers the pages
    from pages.training import train

    alert = train(lambda progress: None, {"job_id": new_job_id(), "name": name, "system": "ising"})[1]
    assert "The job failed" in str(alert) and "model name" in str(alert)
    assert list(tmp_path.iterdir()) == []
