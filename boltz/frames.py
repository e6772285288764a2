"""A store for long jobs: the newest live frame, the result, cancel requests and output files, keyed by job id.

The process that runs a job writes; the process that shows it reads. One interface, two backends:
a diskcache folder (:class:`DiskJobStore`, the default: both processes share a filesystem) and
Redis (:class:`RedisJobStore`: job workers may run on other hosts). Frames and results are
JSON-ready dicts (lists, numbers, strings, None), never tensors, so a page can put them straight
into a figure; they are stored as JSON and files as bytes, so nothing read back is unpickled.

The store also caps how many jobs run at once (:meth:`JobStore.acquire_slot`, :func:`job_slot`): a table of
running and queued jobs, changed atomically (a diskcache transaction, a Redis WATCH/MULTI transaction), each
entry with its worker's host, PID and heartbeat, so a slot held by a dead worker is taken back.
"""

from __future__ import annotations

import contextlib
import functools
import json
import os
import re
import socket
import threading
import time
import uuid
from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from pathlib import Path

import diskcache
import psutil
import redis

# A job's frames, flags and files outlive it long enough for a reload or a late download, then go.
EXPIRE_SECONDS = 24 * 3600
_JOB_ID = re.compile(r"[0-9a-f]{32}")
# A plain file or folder name: no separator, no leading dot, nothing a path could climb out with.
PLAIN_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,63}")
REDIS_SCHEMES = ("redis://", "rediss://", "unix://")
# A running or queued job's entry lives this long without a heartbeat (a worker on another host that died
# silently, or clocks a little apart); on the worker's own host a dead PID frees it at once.
SLOT_TTL_SECONDS = 30.0
HEARTBEAT_SECONDS = 2.0
_SLOTS_KEY = "slots"


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

    @abstractmethod
    def _update(self, key: str, change):
        """Atomically replace the JSON value under ``key`` (None when there is none) by ``change(value)[0]``, for
        EXPIRE_SECONDS; return ``change(value)[1]``. ``change`` may run more than once (retried on a conflict)."""

    def _put_json(self, job_id: str, kind: str, value) -> None:
        self._put(f"{check_job_id(job_id)}:{kind}", json.dumps(value, separators=(",", ":")).encode())

    def _get_json(self, job_id: str, kind: str):
        data = self._get(f"{check_job_id(job_id)}:{kind}")
        return None if data is None else json.loads(data)

    def publish(self, job_id: str, frame: dict) -> None:
        """Make ``frame`` the newest frame of the job (earlier ones are dropped: viewers want the latest); it is
        stored with its ``job_id``, so a viewer can check whose frame it got."""
        self._put_json(job_id, "frame", {**frame, "job_id": job_id})

    def latest(self, job_id: str) -> dict | None:
        return self._get_json(job_id, "frame")

    def save_result(self, job_id: str, result: dict) -> None:
        """Keep a finished job's result for later views (a reload, a download, another page), with its ``job_id``."""
        self._put_json(job_id, "result", {**result, "job_id": job_id})

    def result(self, job_id: str):
        return self._get_json(job_id, "result")

    def request_cancel(self, job_id: str) -> None:
        self._put_json(job_id, "cancel", True)

    def cancel_requested(self, job_id: str) -> bool:
        return bool(self._get_json(job_id, "cancel"))

    def set_state(self, job_id: str, state: str) -> None:
        """Where the job is: "queued", "running", or finished as "done" or "failed" (see :func:`job_slot`)."""
        self._put_json(job_id, "state", state)

    def state(self, job_id: str) -> str | None:
        return self._get_json(job_id, "state")

    def acquire_slot(self, job_id: str, limit: int) -> int | None:
        """Take one of ``limit`` slots for the job: None when it holds one (now or already), else the number of
        queued jobs ahead of it, the job keeping its place in the queue. Entries of dead workers are dropped first."""
        def change(table):
            now = time.time()
            table = {part: {job: entry for job, entry in (table or {}).get(part, {}).items() if _alive(entry, now)}
                     for part in ("running", "queued")}
            running, queued = table["running"], table["queued"]
            if job_id in running:
                running[job_id] = _entry(now)
                return table, None
            since = queued.get(job_id, {}).get("since", now)
            ahead = sum(1 for job, entry in queued.items() if job != job_id and (entry["since"], job) < (since, job_id))
            if len(running) + ahead < limit:
                queued.pop(job_id, None)
                running[job_id] = _entry(now)
                return table, None
            queued[job_id] = {**_entry(now), "since": since}
            return table, ahead
        return self._update(_SLOTS_KEY, change)

    def beat(self, job_id: str) -> None:
        """Refresh the heartbeat of the job's slot (a worker that stops beating loses it after SLOT_TTL_SECONDS)."""
        def change(table):
            if table and job_id in table.get("running", {}):
                table["running"][job_id] = _entry(time.time())
            return table, None
        self._update(_SLOTS_KEY, change)

    def release_slot(self, job_id: str) -> None:
        """Give back the job's slot or place in the queue."""
        def change(table):
            for part in (table or {}).values():
                part.pop(job_id, None)
            return table, None
        self._update(_SLOTS_KEY, change)

    def slots(self) -> dict:
        """``{"running": [job ids], "queued": [job ids]}`` as the table holds them now, dead workers' entries included."""
        table = self._get(_SLOTS_KEY)
        table = json.loads(table) if table else {}
        return {part: sorted(table.get(part, {})) for part in ("running", "queued")}

    def save_file(self, job_id: str, name: str, data: bytes) -> None:
        """Keep an output file of the job (a CSV to download) under a plain ``name``."""
        # bytes(), as diskcache would pickle a bytearray or memoryview
        self._put(f"{check_job_id(job_id)}:file:{_check_file_name(name)}", bytes(data))

    def file(self, job_id: str, name: str) -> bytes | None:
        return self._get(f"{check_job_id(job_id)}:file:{_check_file_name(name)}")


def _entry(now: float) -> dict:
    """A slot-table entry for the calling process: where it runs and when it last said it was alive."""
    return {"host": socket.gethostname(), "pid": os.getpid(), "beat": now}


def _alive(entry: dict, now: float) -> bool:
    """An entry counts while it beats, and on this host only while its process lives (a zombie is dead)."""
    if now - entry["beat"] > SLOT_TTL_SECONDS:
        return False
    if entry["host"] != socket.gethostname():
        return True
    try:
        return psutil.Process(entry["pid"]).status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False


@contextlib.contextmanager
def job_slot(store: JobStore, job_id: str, limit: int, on_queued, poll_seconds: float = 0.5):
    """Run the block in one of ``limit`` slots: wait in the queue first (``on_queued(ahead)`` at every look), beat
    while the block runs, and give the slot back however it ends. The job's state goes "queued", then "running"; a
    worker killed while queued or running leaves its entry to be taken back (dead PID, or no heartbeat)."""
    try:
        store.set_state(job_id, "queued")
        while (ahead := store.acquire_slot(job_id, limit)) is not None:
            on_queued(ahead)
            time.sleep(poll_seconds)
        store.set_state(job_id, "running")
        stop = threading.Event()
        beating = threading.Thread(target=_beat, args=(store, job_id, stop), daemon=True)
        beating.start()
        try:
            yield
        finally:
            stop.set()
            beating.join()
    finally:
        store.release_slot(job_id)


def _beat(store: JobStore, job_id: str, stop: threading.Event) -> None:
    while not stop.wait(HEARTBEAT_SECONDS):
        store.beat(job_id)


class DiskJobStore(JobStore):
    """A diskcache folder: every process on this machine (or sharing the folder) sees the same jobs."""

    def __init__(self, directory):
        self._cache = diskcache.Cache(str(Path(directory) / "frames"))

    def _put(self, key: str, value: bytes) -> None:
        self._cache.set(key, value, expire=EXPIRE_SECONDS)

    def _get(self, key: str) -> bytes | None:
        return self._cache.get(key)

    def _update(self, key: str, change):
        with self._cache.transact():  # an exclusive SQLite transaction: one process at a time
            data = self._cache.get(key)
            value, answer = change(None if data is None else json.loads(data))
            self._put(key, json.dumps(value, separators=(",", ":")).encode())
        return answer


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

    def _update(self, key: str, change):
        name = self.PREFIX + key

        def attempt(pipe):  # WATCH name; read; MULTI; write; EXEC (redis-py retries when another client wrote between)
            data = pipe.get(name)
            value, answer = change(None if data is None else json.loads(data))
            pipe.multi()
            pipe.set(name, json.dumps(value, separators=(",", ":")), ex=EXPIRE_SECONDS)
            return answer

        return self._redis.transaction(attempt, name, value_from_callable=True)


def open_job_store(where: str) -> JobStore:
    """The store at ``where``: a Redis URL (redis://, rediss://, unix://) or a folder."""
    where = str(where)
    return RedisJobStore(where) if where.startswith(REDIS_SCHEMES) else _disk_job_store(where, os.getpid())


@functools.lru_cache(maxsize=8)
def _disk_job_store(directory: str, pid: int) -> DiskJobStore:
    """One per folder and process (``pid`` is part of the key, so a forked job worker opens its own and never uses
    its parent's SQLite connections). Opening a diskcache runs schema and PRAGMA statements that race with other
    processes' use of it: opened on every callback, a soak of 5 tabs hit "file is not a database" in a job worker."""
    return DiskJobStore(directory)


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
