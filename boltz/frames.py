"""A store for long jobs: the newest live frame, cancel requests and output files, keyed by job id.

The process that runs a job (a forked worker of the dashboard, or any other process on the same
machine) writes; the process that shows it reads. It is a diskcache folder, so both only need to
share a filesystem. Frames are JSON-ready dicts (lists, numbers, strings), never tensors, so a
page can put them straight into a figure.
"""

from __future__ import annotations

import re
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import diskcache

# A job's frames and flags outlive it long enough for a reload or a late download, then go.
EXPIRE_SECONDS = 24 * 3600
_JOB_ID = re.compile(r"[0-9a-f]{32}")


def new_job_id() -> str:
    return uuid.uuid4().hex


def check_job_id(job_id) -> str:
    """Job ids come back from browsers: only the form ``new_job_id`` makes is accepted (it names a folder)."""
    if not isinstance(job_id, str) or not _JOB_ID.fullmatch(job_id):
        raise ValueError(f"not a job id: {job_id!r}")
    return job_id


class JobStore:
    """Live frames, results, cancel flags and files of jobs under ``directory``."""

    def __init__(self, directory):
        self.directory = Path(directory)
        self._cache = diskcache.Cache(str(self.directory / "frames"))

    def publish(self, job_id: str, frame: dict) -> None:
        """Make ``frame`` the newest frame of the job (earlier ones are dropped: viewers want the latest)."""
        self._cache.set(("frame", check_job_id(job_id)), frame, expire=EXPIRE_SECONDS)

    def latest(self, job_id: str) -> dict | None:
        return self._cache.get(("frame", check_job_id(job_id)))

    def save_result(self, job_id: str, result) -> None:
        """Keep a finished job's result for later views (a reload, a download, another page)."""
        self._cache.set(("result", check_job_id(job_id)), result, expire=EXPIRE_SECONDS)

    def result(self, job_id: str):
        return self._cache.get(("result", check_job_id(job_id)))

    def request_cancel(self, job_id: str) -> None:
        self._cache.set(("cancel", check_job_id(job_id)), True, expire=EXPIRE_SECONDS)

    def cancel_requested(self, job_id: str) -> bool:
        return bool(self._cache.get(("cancel", check_job_id(job_id)), False))

    def folder(self, job_id: str) -> Path:
        """The job's own folder for output files (created on first use)."""
        path = self.directory / "files" / check_job_id(job_id)
        path.mkdir(parents=True, exist_ok=True)
        return path


@dataclass
class Throttle:
    """True at most once per ``min_interval`` seconds, and always when forced: keeps disk writes off the hot loop."""

    min_interval: float = 0.2
    _last: float = field(default=-float("inf"), repr=False)

    def ready(self, force: bool = False) -> bool:
        now = time.perf_counter()
        if force or now - self._last >= self.min_interval:
            self._last = now
            return True
        return False
