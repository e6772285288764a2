"""A store for long jobs: the newest live frame, the result, cancel requests and output files, keyed by job id.

The process that runs a job writes; the process that shows it reads. One interface, two backends:
a diskcache folder (:class:`DiskJobStore`, the default: both processes share a filesystem) and
Redis (:class:`RedisJobStore`: job workers may run on other hosts). Frames and results are
JSON-ready dicts (lists, numbers, strings, None), never tensors, so a page can put them straight
into a figure; they are stored as JSON and files as bytes, so nothing read back is unpickled.
"""

from __future__ import annotations

import functools
import json
import re
import time
import uuid
from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from pathlib import Path

import diskcache
import redis

# A job's frames, flags and files outlive it long enough for a reload or a late download, then go.
EXPIRE_SECONDS = 24 * 3600
_JOB_ID = re.compile(r"[0-9a-f]{32}")
# A plain file or folder name: no separator, no leading dot, nothing a path could climb out with.
PLAIN_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,63}")
REDIS_SCHEMES = ("redis://", "rediss://", "unix://")


def new_job_id() -> str:
    return uuid.uuid4().hex


def check_job_id(job_id) -> str:
    """Job ids come back from browsers: only the form ``new_job_id`` makes is accepted (it is part of every key)."""
    if not isinstance(job_id, str) or not _JOB_ID.fullmatch(job_id):
        raise ValueError(f"not a job id: {job_id!r}")
    return job_id


def _check_file_name(name) -> str:
    if not isinstance(name, str) or not PLAIN_NAME.fullmatch(name):
        raise ValueError(f"not a job file name: {name!r}")
    return name


class JobStore(ABC):
    """Live frames, results, cancel flags and files of jobs; a backend only stores bytes under string keys."""

    @abstractmethod
    def _put(self, key: str, value: bytes) -> None:
        """Store ``value`` under ``key`` for EXPIRE_SECONDS."""

    @abstractmethod
    def _get(self, key: str) -> bytes | None:
        """The value under ``key``, or None when there is none (never written, or expired)."""

    def _put_json(self, job_id: str, kind: str, value) -> None:
        self._put(f"{check_job_id(job_id)}:{kind}", json.dumps(value, separators=(",", ":")).encode())

    def _get_json(self, job_id: str, kind: str):
        data = self._get(f"{check_job_id(job_id)}:{kind}")
        return None if data is None else json.loads(data)

    def publish(self, job_id: str, frame: dict) -> None:
        """Make ``frame`` the newest frame of the job (earlier ones are dropped: viewers want the latest)."""
        self._put_json(job_id, "frame", frame)

    def latest(self, job_id: str) -> dict | None:
        return self._get_json(job_id, "frame")

    def save_result(self, job_id: str, result) -> None:
        """Keep a finished job's result for later views (a reload, a download, another page)."""
        self._put_json(job_id, "result", result)

    def result(self, job_id: str):
        return self._get_json(job_id, "result")

    def request_cancel(self, job_id: str) -> None:
        self._put_json(job_id, "cancel", True)

    def cancel_requested(self, job_id: str) -> bool:
        return bool(self._get_json(job_id, "cancel"))

    def save_file(self, job_id: str, name: str, data: bytes) -> None:
        """Keep an output file of the job (a CSV to download) under a plain ``name``."""
        # bytes(), as diskcache would pickle a bytearray or memoryview
        self._put(f"{check_job_id(job_id)}:file:{_check_file_name(name)}", bytes(data))

    def file(self, job_id: str, name: str) -> bytes | None:
        return self._get(f"{check_job_id(job_id)}:file:{_check_file_name(name)}")


class DiskJobStore(JobStore):
    """A diskcache folder: every process on this machine (or sharing the folder) sees the same jobs."""

    def __init__(self, directory):
        self._cache = diskcache.Cache(str(Path(directory) / "frames"))

    def _put(self, key: str, value: bytes) -> None:
        self._cache.set(key, value, expire=EXPIRE_SECONDS)

    def _get(self, key: str) -> bytes | None:
        return self._cache.get(key)


@functools.lru_cache(maxsize=8)
def _redis_pool(url: str) -> redis.ConnectionPool:
    # One pool per URL and process (redis-py opens fresh connections in a forked child).
    return redis.ConnectionPool.from_url(url)


class RedisJobStore(JobStore):
    """A Redis database (``redis://host:port/db``): job workers on any host that reaches it share the jobs."""

    PREFIX = "boltz:job:"

    def __init__(self, url: str):
        self._redis = redis.Redis(connection_pool=_redis_pool(url))

    def _put(self, key: str, value: bytes) -> None:
        self._redis.set(self.PREFIX + key, value, ex=EXPIRE_SECONDS)

    def _get(self, key: str) -> bytes | None:
        return self._redis.get(self.PREFIX + key)


def open_job_store(where: str) -> JobStore:
    """The store at ``where``: a Redis URL (redis://, rediss://, unix://) or a folder."""
    where = str(where)
    return RedisJobStore(where) if where.startswith(REDIS_SCHEMES) else DiskJobStore(where)


@dataclass
class Throttle:
    """True at most once per ``min_interval`` seconds, and always when forced: keeps store writes off the hot loop."""

    min_interval: float = 0.2
    _last: float = field(default=-float("inf"), repr=False)

    def ready(self, force: bool = False) -> bool:
        now = time.perf_counter()
        if force or now - self._last >= self.min_interval:
            self._last = now
            return True
        return False
