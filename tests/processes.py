"""Servers the tests start in their own processes (the app, redis-server, a Celery worker): start, wait, stop."""

from __future__ import annotations

import contextlib
import socket
import subprocess
import time
from pathlib import Path

import psutil

START_TIMEOUT = 90.0


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextlib.contextmanager
def running(command: list[str], log: Path, **popen):
    """Run ``command`` with its output in ``log``; on the way out (also on failure) stop it and every process it started."""
    with open(log, "w") as output:
        process = subprocess.Popen(command, stdout=output, stderr=subprocess.STDOUT, **popen)
        try:
            yield process
        finally:
            _stop(process)


def wait_until_ready(process: subprocess.Popen, log: Path, what: str, ready) -> None:
    """Poll ``ready()`` until it is true; fail at once if ``process`` exits, or after START_TIMEOUT, with the end of its ``log``."""
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{what} exited with status {process.returncode} before it was ready; {_tail(log)}")
        if ready():
            return
        time.sleep(0.2)
    raise RuntimeError(f"{what} was not ready within {START_TIMEOUT:.0f} s; {_tail(log)}")


def _tail(log: Path, lines: int = 20) -> str:
    return f"the end of {log}:\n" + "\n".join(log.read_text(errors="replace").splitlines()[-lines:])


def _stop(process: subprocess.Popen) -> None:
    try:
        family = psutil.Process(process.pid).children(recursive=True)
    except psutil.NoSuchProcess:
        family = []
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
    for child in family:
        try:
            child.kill()
        except psutil.NoSuchProcess:
            pass
