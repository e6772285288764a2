import csv
import time
from pathlib import Path

import pytest
import torch

from boltz.device import native_bfloat16
from boltz.io import ising_header
from browser_helpers import click, job_workers, open_page, record_texts, set_number, wait_until

pytestmark = pytest.mark.browser
# The same steps with jobs in the app's own forks and on a Celery worker with frames and files in Redis.
BOTH_JOB_MANAGERS = pytest.mark.parametrize("dashboard", ["diskcache", "celery"], indirect=True)


def fill(duo, **values):
    for name, value in values.items():
        set_number(duo, f"#ising-{name}", value)


def progress(duo):
    bar = duo.find_element("#ising-progress .progress-bar")
    return int(float(bar.get_attribute("aria-valuenow"))), bar.text


@BOTH_JOB_MANAGERS
def test_a_diffusion_job_streams_frames_fills_the_page_and_downloads_its_samples(dashboard):
    duo = dashboard
    open_page(duo, "/ising", "#ising-sample")
    fill(duo, L=16, n=64, steps=40)  # the denoising outlasts a few 0.4 s polls of the live view, even on an idle machine
    record_texts(duo, "#ising-live-text")
    click(duo, "#ising-sample")
    duo.wait_for_contains_text("#ising-progress", "done", timeout=60)
    assert progress(duo) == (100, progress(duo)[1])
    # Several frames of the denoising were shown while the job ran, each with its noise level.
    seen = duo.driver.execute_script("return window.seenTexts")
    denoising = {text for text in seen if text.startswith("diffusion: denoising")}
    assert len(denoising) >= 2, seen
    # The observables table: every estimate with an error bar, the exact finite-L values beside them.
    table = duo.wait_for_element("#ising-observables", timeout=10)
    rows = [[cell.text for cell in row.find_elements("css selector", "td")]
            for row in table.find_elements("css selector", "tbody tr")]
    assert [row[0] for row in rows] == ["⟨e⟩", "⟨|m|⟩", "c", "χ", "U4"]
    assert all("±" in row[1] and "±" in row[2] for row in rows)
    assert float(rows[0][3]) < 0 and float(rows[2][3]) > 0  # exact e and c at L = 16
    caption = duo.find_element("#ising-observables caption").text
    assert "diffusion: 64 samples" in caption and "40 steps" in caption and "W1 to the exact P(e)" in caption
    assert ("bfloat16" if native_bfloat16(torch.device("cpu")) else "float32") in caption  # the network's arithmetic
    # The animation plays in the browser from the first denoising level to the last.
    duo.wait_for_contains_text("#ising-anim-caption", "level 1/40", timeout=10)
    shown = "return document.querySelector('#ising-animation .js-plotly-plot').data[0].z"
    noise = duo.driver.execute_script(shown)
    click(duo, "#ising-anim-play")
    duo.wait_for_contains_text("#ising-anim-caption", "level 40/40", timeout=15)
    denoised = duo.driver.execute_script(shown)
    assert len(denoised) == 16 and denoised != noise
    assert max(abs(x) for row in noise for x in row) > 1.5  # pure noise at t = 1, not spins yet
    duo.wait_for_text_to_equal("#ising-anim-play", "▶ Play", timeout=5)
    click(duo, "#ising-anim-back")
    duo.wait_for_contains_text("#ising-anim-caption", "level 39/40", timeout=5)
    # The samples CSV follows the engine's contract: header, one row per sample.
    click(duo, "#ising-download-samples")
    path = Path(duo.download_path) / "ising_diffusion_L16_T2.27_samples.csv"
    wait_until(path.exists, 10, "the samples download")
    with open(path) as handle:
        rows = list(csv.reader(handle))
    assert rows[0] == ising_header(256) and len(rows) == 1 + 64
    assert duo.get_logs() == []


@BOTH_JOB_MANAGERS
def test_cancel_stops_the_worker(dashboard):
    duo = dashboard
    open_page(duo, "/ising", "#ising-sample")
    fill(duo, L=16, n=4000, steps=1000)
    click(duo, "#ising-sample")
    duo.wait_for_contains_text("#ising-live-text", "denoising", timeout=30)
    running = job_workers(duo)
    assert running, "the job runs in a worker process"
    click(duo, "#ising-cancel")
    duo.wait_for_contains_text("#ising-alert", "Cancelled", timeout=5)
    # The process that ran the job ends (a Celery worker then starts a fresh one for the next job).
    wait_until(lambda: not set(running) & set(job_workers(duo)), 10, "the worker to be stopped")
    wait_until(lambda: duo.find_element("#ising-sample").is_enabled(), 5, "Sample to be enabled again")
    assert duo.find_element("#ising-table").text == ""
    assert duo.get_logs() == []


def test_invalid_input_shows_messages_and_starts_nothing(dashboard):
    duo = dashboard
    open_page(duo, "/ising", "#ising-sample")
    fill(duo, L="", n=0, J=2)
    click(duo, "#ising-sample")
    duo.wait_for_text_to_equal("#ising-L-feedback", "required", timeout=5)
    duo.wait_for_text_to_equal("#ising-n-feedback", "must be between 1 and 100000", timeout=5)
    assert "is-invalid" in duo.find_element("#ising-n").get_attribute("class")
    assert "is-invalid" not in duo.find_element("#ising-J").get_attribute("class")
    time.sleep(1.0)
    assert not job_workers(duo) and not duo.find_element("#ising-cancel").is_enabled()
    assert progress(duo) == (0, "")
    # Fixing the fields clears the messages.
    fill(duo, L=8, n=4)
    duo.find_element("#ising-sampler").send_keys("Wolff")
    click(duo, "#ising-sample")
    duo.wait_for_contains_text("#ising-progress", "done", timeout=30)
    assert duo.find_element("#ising-L-feedback").text == ""
    # A reload shows the tab's last finished result again.
    duo.driver.refresh()
    duo.wait_for_contains_text("#ising-table", "wolff", timeout=15)
    assert duo.get_logs() == []


def test_two_tabs_run_jobs_at_once_without_mixing_frames(dashboard):
    duo = dashboard
    tabs = {}
    for sampler, fields in (("diffusion", {"L": 16, "n": 48, "steps": 60}), ("wolff", {"L": 32, "n": 3000})):
        if tabs:
            duo.driver.switch_to.new_window("tab")
        tabs[sampler] = duo.driver.current_window_handle
        open_page(duo, "/ising", "#ising-sample")
        fill(duo, **fields)
        duo.find_element("#ising-sampler").send_keys(sampler.capitalize())
        duo.find_element("#ising-reference").send_keys("nothing")
        record_texts(duo, "#ising-live-text")
    for handle in tabs.values():
        duo.driver.switch_to.window(handle)
        click(duo, "#ising-sample")
    for sampler, handle in tabs.items():
        duo.driver.switch_to.window(handle)
        duo.wait_for_contains_text("#ising-progress", "done", timeout=60)
        seen = duo.driver.execute_script("return window.seenTexts")
        assert seen and all(text.startswith(sampler) for text in seen if text != "starting…"), seen
        duo.wait_for_element("#ising-observables", timeout=10)
        header = duo.find_element("#ising-observables thead").text
        assert sampler in header and not ({"diffusion", "wolff"} - {sampler}) & set(header.split())
    assert duo.get_logs() == []


def test_a_failing_job_shows_an_alert_and_leaves_the_page_usable(dashboard):
    duo = dashboard
    open_page(duo, "/ising", "#ising-sample")
    fill(duo, L=8, n=4, steps=5, h=0.5)  # the diffusion models are trained at h = 0
    click(duo, "#ising-sample")
    duo.wait_for_contains_text("#ising-alert", "trained at J = 1, h = 0", timeout=30)
    assert "Traceback" not in duo.find_element("body").text
    wait_until(lambda: duo.find_element("#ising-sample").is_enabled(), 5, "Sample to be enabled again")
    assert duo.get_logs() == []
