"""The server's cap on concurrent jobs (--max-jobs) and a job whose worker is killed, seen from the browser."""

import signal

import pytest

from browser_helpers import click, job_workers, open_page, set_number, wait_until

pytestmark = pytest.mark.browser


@pytest.fixture
def one_job_at_a_time(monkeypatch):
    """The app under test (and its workers) run one job at a time: `BOLTZ_MAX_JOBS=1`."""
    monkeypatch.setenv("BOLTZ_MAX_JOBS", "1")


def ising_job(duo, sampler: str, **fields) -> None:
    open_page(duo, "/ising", "#ising-sample")
    for name, value in fields.items():
        set_number(duo, f"#ising-{name}", value)
    duo.find_element("#ising-sampler").send_keys(sampler)
    duo.find_element("#ising-reference").send_keys("nothing")


def progress_label(duo) -> str:
    return duo.find_element("#ising-progress .progress-bar").text


@pytest.mark.usefixtures("one_job_at_a_time")
def test_with_one_slot_a_second_job_waits_queued_can_be_cancelled_and_runs_when_the_first_ends(dashboard):
    duo = dashboard
    first = duo.driver.current_window_handle
    ising_job(duo, "Diffusion", L=16, n=256, steps=100)  # long enough to still run while the second tab queues
    duo.driver.switch_to.new_window("tab")
    second = duo.driver.current_window_handle
    ising_job(duo, "Wolff", L=8, n=20)
    duo.driver.switch_to.window(first)
    click(duo, "#ising-sample")
    duo.wait_for_contains_text("#ising-live-text", "denoising", timeout=60)
    duo.driver.switch_to.window(second)
    # Queued: it says so, and Cancel takes it out of the queue.
    click(duo, "#ising-sample")
    duo.wait_for_contains_text("#ising-progress", "queued: 0 jobs ahead, waiting for a free slot", timeout=20)
    click(duo, "#ising-cancel")
    duo.wait_for_contains_text("#ising-alert", "Cancelled", timeout=10)
    wait_until(lambda: duo.find_element("#ising-sample").is_enabled(), 5, "Sample to be enabled again")
    # Queued again; it starts once the first job is done, and the first tab's job was never held up.
    click(duo, "#ising-sample")
    duo.wait_for_contains_text("#ising-progress", "queued", timeout=20)
    duo.driver.switch_to.window(first)
    duo.wait_for_contains_text("#ising-progress", "done", timeout=120)
    duo.driver.switch_to.window(second)
    duo.wait_for_contains_text("#ising-progress", "done", timeout=60)
    duo.wait_for_contains_text("#ising-table", "wolff", timeout=15)
    assert duo.get_logs() == []


@pytest.mark.usefixtures("one_job_at_a_time")
def test_a_worker_killed_mid_job_fails_the_job_and_frees_its_slot(dashboard):
    duo = dashboard
    ising_job(duo, "Diffusion", L=16, n=4000, steps=1000)
    click(duo, "#ising-sample")
    duo.wait_for_contains_text("#ising-live-text", "denoising", timeout=60)
    workers = job_workers(duo)
    assert workers, "the job runs in a worker process"
    for worker in workers:  # kill -9: no Python code of the job runs any more, no finally, no result
        worker.send_signal(signal.SIGKILL)
    duo.wait_for_contains_text("#ising-alert", "its worker stopped before it finished", timeout=15)
    assert progress_label(duo) == "failed" and "Traceback" not in duo.find_element("body").text
    wait_until(lambda: duo.find_element("#ising-sample").is_enabled(), 5, "Sample to be enabled again")
    # The one slot the dead worker held is taken back: a new job runs to the end.
    ising_job(duo, "Wolff", L=8, n=20)
    click(duo, "#ising-sample")
    duo.wait_for_contains_text("#ising-progress", "done", timeout=60)
    duo.wait_for_contains_text("#ising-table", "wolff", timeout=15)
    assert duo.find_element("#ising-alert").text == ""
