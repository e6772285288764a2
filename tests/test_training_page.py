"""The Training page's message about a finished run, from the summary the job store keeps (no browser)."""

import importlib

import pytest

from boltz.frames import new_job_id, open_job_store


@pytest.fixture
def show(monkeypatch, tmp_path):
    """``show(summary)``: the alert text the page shows for a kept ``summary``."""
    monkeypatch.setenv("BOLTZ_MODELS", str(tmp_path / "user-models"))
    server = importlib.import_module("app").server
    monkeypatch.setitem(server.config, "BOLTZ_JOB_STORE", str(tmp_path / "jobs"))
    page = importlib.import_module("pages.training")

    def show(summary: dict) -> str:
        job = new_job_id()
        open_job_store(str(tmp_path / "jobs")).save_result(job, {"job_id": job, **summary})
        alert, _figure, _models = page.show_result({"job_id": job})
        return "".join(alert.children)

    return show


def summary(**changes) -> dict:
    return {"name": "tiny", "system": "ising", "folder": "/models/tiny", "step": 60, "steps": 60, "seconds": 1.0,
            "loss": 0.25, "cancelled": False, "curve": {"step": [60], "loss": [0.25], "loss_avg": [0.25]}, **changes}


def test_a_finished_run_names_its_step_loss_and_folder(show):
    assert show(summary()).startswith("tiny: finished at step 60 (loss 0.2500), saved in /models/tiny")


def test_a_run_without_a_finite_loss_says_so(show):
    # JSON has no NaN: a diverged run's loss is kept as None.
    assert "finished at step 60 (loss n/a), saved in" in show(summary(loss=None))


def test_a_run_cancelled_while_its_data_was_drawn_saved_nothing(show):
    text = show(summary(step=0, loss=None, cancelled=True, curve={"step": [], "loss": [], "loss_avg": []}))
    assert text == "tiny: cancelled while the training data was drawn; nothing was saved."
