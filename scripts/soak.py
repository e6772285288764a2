"""Soak the dashboard: ``python scripts/soak.py [--url URL] [--jobs 50] [--clients 5] [--max-jobs 2]``.

Starts one ``python app.py`` on a free loopback port (or uses the one at ``--url``, which must be on this machine
for the memory figures), then runs ``--jobs`` small Ising jobs (Metropolis, L = 8, 16 + i samples for job i, no
reference) from ``--clients`` headless Chromium tabs at once, each job on a freshly loaded page. It reports:

- completed / failed / lost: "done" on the progress bar; a failure alert; neither within ``--job-timeout`` s;
- mixed: jobs whose page saw anything of another job. Every callback response the page gets is read (``fetch`` is
  wrapped) for job ids: the job the form submitted, the live frames (their figure carries the frame's job id) and
  the finished job's id must all be the same one, and the result caption must show the job's own sample count;
- memory: RSS of the app's web process before, half-way and after, and the peak RSS of the web process and of
  its job workers together, sampled every 0.2 s (psutil);
- slots still held or queued in the job store at the end (0 when every job gave its slot back).

Bounded: ``--jobs`` jobs and ``--timeout`` seconds in all. Loopback only.
"""

from __future__ import annotations

import argparse
import contextlib
import itertools
import json
import queue
import sys
import threading
import time
import urllib.parse
from pathlib import Path

import psutil
from selenium.common.exceptions import TimeoutException

from dashboard_browser import ROOT, chromium, click, running_app, set_number, wait_for, wait_for_text

sys.path.insert(0, str(ROOT))
from boltz.frames import open_job_store  # noqa: E402 - the repository root is on the path only now

# Every _dash-update-component response body goes to window.responses (the renderer calls fetch at call time).
RECORD_RESPONSES = """
window.responses = [];
const original = window.fetch;
window.fetch = async (...args) => {
    const response = await original(...args);
    if (String(args[0]).includes('_dash-update-component')) {
        response.clone().text().then(text => window.responses.push(text));
    }
    return response;
};
"""
OUTCOME = """
const label = document.querySelector('#ising-progress .progress-bar').textContent;
const alert = document.querySelector('#ising-alert').textContent;
return label.startsWith('done') ? 'completed' : alert.includes('failed') ? 'failed' : null;
"""


def app_process(url: str) -> psutil.Process | None:
    """The process listening on the URL's port of this machine, or None."""
    port = urllib.parse.urlparse(url).port
    for connection in psutil.net_connections(kind="tcp"):
        if connection.status == psutil.CONN_LISTEN and connection.laddr.port == port and connection.pid:
            return psutil.Process(connection.pid)
    return None


class Memory:
    """Peak RSS of the web process and of its workers (all its descendants) together, sampled in a thread."""

    def __init__(self, app: psutil.Process | None):
        self.app, self.peak_app, self.peak_workers, self._stop = app, 0, 0, threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def rss(self) -> int:
        return self.app.memory_info().rss if self.app else 0

    def _sample(self) -> None:
        while not self._stop.wait(0.2):
            workers = 0
            for child in self.app.children(recursive=True):
                try:
                    workers += child.memory_info().rss
                except psutil.NoSuchProcess:
                    pass
            self.peak_app, self.peak_workers = max(self.peak_app, self.rss()), max(self.peak_workers, workers)

    def __enter__(self):
        if self.app:
            self._thread.start()
        return self

    def __exit__(self, *_):
        self._stop.set()


def run_job(driver, base: str, number: int, timeout: float) -> tuple[str, bool]:
    """One job on a fresh page: (completed | failed | lost, whether the page saw anything of another job)."""
    n = 16 + number
    driver.get(base + "/ising")
    driver.execute_script("sessionStorage.clear()")  # no last result of this tab's previous job
    driver.refresh()
    wait_for(driver, "#ising-sample")
    set_number(driver, "#ising-L", 8)
    set_number(driver, "#ising-n", n)
    driver.find_element("css selector", "#ising-sampler").send_keys("Metropolis")
    driver.find_element("css selector", "#ising-reference").send_keys("nothing")
    driver.execute_script(RECORD_RESPONSES)
    click(driver, "#ising-sample")
    deadline, outcome = time.monotonic() + timeout, None
    while outcome is None and time.monotonic() < deadline:
        time.sleep(0.2)
        outcome = driver.execute_script(OUTCOME)
    caption = ""
    if outcome == "completed":  # the result's table follows the end of the job; a foreign result never matches
        with contextlib.suppress(TimeoutException):
            wait_for_text(driver, "#ising-observables caption", f"metropolis: {n} samples", 30)
        caption = driver.find_element("css selector", "#ising-observables caption").text
    ids = set()
    for text in driver.execute_script("return window.responses"):
        ids |= set(_job_ids(json.loads(text))) if text else set()  # a 204 (nothing to update) has no body
    mixed = len(ids) > 1 or (outcome == "completed" and (len(ids) != 1 or f"metropolis: {n} samples" not in caption))
    if outcome != "completed" or mixed:
        label = driver.find_element("css selector", "#ising-progress").text
        alert = driver.find_element("css selector", "#ising-alert").text
        print(f"job {number}: {outcome or 'lost'}; job ids seen {sorted(ids)}; progress {label!r}; alert {alert!r}; "
              f"result caption {caption!r}", flush=True)
    return outcome or "lost", mixed


def _job_ids(value):
    """Every ``job_id`` in a JSON response (the job store, a live frame's figure meta, the last job)."""
    if isinstance(value, dict):
        for key, item in value.items():
            if key == "job_id" and isinstance(item, str):
                yield item
            else:
                yield from _job_ids(item)
    elif isinstance(value, list):
        for item in value:
            yield from _job_ids(item)


def client(base: str, numbers: queue.Queue, results: list, timeout: float, stop_at: float, done) -> None:
    with chromium() as driver:
        while time.monotonic() < stop_at:
            try:
                number = numbers.get_nowait()
            except queue.Empty:
                return
            try:
                results.append(run_job(driver, base, number, timeout))
            except Exception as error:  # noqa: BLE001 - a client error counts as a lost job, and the soak goes on
                print(f"job {number}: {type(error).__name__}: {error}", flush=True)
                results.append(("lost", False))
            done()


def held_slots(app: psutil.Process | None) -> str:
    """Slots still running or queued in the app's job store (when the app's --cache-dir is known)."""
    command = app.cmdline() if app else []
    if "--cache-dir" not in command:
        return "n/a"
    slots = open_job_store(Path(command[command.index("--cache-dir") + 1]) / "jobs").slots()
    return f"{len(slots['running'])} running, {len(slots['queued'])} queued"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--url", help="an app already running on this machine (default: start one)")
    parser.add_argument("--jobs", type=int, default=50)
    parser.add_argument("--clients", type=int, default=5)
    parser.add_argument("--max-jobs", type=int, default=2, help="the started app's --max-jobs")
    parser.add_argument("--job-timeout", type=float, default=180, help="seconds before a job counts as lost")
    parser.add_argument("--timeout", type=float, default=1800, help="seconds for the whole soak")
    options = parser.parse_args()
    if options.url and urllib.parse.urlparse(options.url).hostname not in ("127.0.0.1", "localhost", "::1"):
        parser.error("--url must be a loopback address")
    with running_app(options.url, env={"BOLTZ_MAX_JOBS": str(options.max_jobs)}) as base:
        app = app_process(base)
        numbers, results, lock, finished = queue.Queue(), [], threading.Lock(), itertools.count(1)
        for number in range(options.jobs):
            numbers.put(number)
        with Memory(app) as memory:
            before, half = memory.rss(), None

            def done():
                nonlocal half
                with lock:
                    if next(finished) == options.jobs // 2:
                        half = memory.rss()

            start = time.monotonic()
            threads = [threading.Thread(target=client, args=(base, numbers, results, options.job_timeout,
                                                              start + options.timeout, done))
                       for _ in range(options.clients)]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
            seconds = time.monotonic() - start
            time.sleep(1.0)  # the last workers exit
            after = memory.rss()
        counts = {outcome: sum(1 for result, _ in results if result == outcome) for outcome in ("completed", "failed", "lost")}
        counts["lost"] += options.jobs - len(results)  # never started within --timeout
        mb = 1 << 20
        print(f"{options.jobs} jobs from {options.clients} clients, --max-jobs {options.max_jobs}, {seconds:.0f} s: "
              f"{counts['completed']} completed, {counts['failed']} failed, {counts['lost']} lost, "
              f"{sum(1 for _, mixed in results if mixed)} mixed")
        if app:
            print(f"web process RSS: {before / mb:.0f} MB before, {(half or 0) / mb:.0f} MB after {options.jobs // 2} jobs, "
                  f"{after / mb:.0f} MB after; peak {memory.peak_app / mb:.0f} MB; "
                  f"job workers' peak RSS together {memory.peak_workers / mb:.0f} MB; "
                  f"live worker processes left: {sum(1 for child in app.children(recursive=True) if child.status() != psutil.STATUS_ZOMBIE)}")
        print(f"slots held at the end: {held_slots(app)}")


if __name__ == "__main__":
    main()
