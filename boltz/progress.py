"""A terminal progress bar fed by the samplers' per-step callbacks."""

from __future__ import annotations

import sys
import time

LOG_INTERVAL = 30.0  # seconds between lines when stderr is a file (nohup, CI logs)


class ProgressBar:
    """Draws ``label [#####.....] step/total  elapsed  ETA`` on stderr: redrawn in place on a terminal, a line every 30 s in a log."""

    def __init__(self, label: str, *, stream=None, min_interval: float = 0.1):
        self.label = label
        self.stream = stream if stream is not None else sys.stderr
        self.terminal = self.stream.isatty()
        self.min_interval = min_interval if self.terminal else LOG_INTERVAL
        self.start = time.perf_counter()
        self._last = self.start if not self.terminal else 0.0
        self._first_done: float | None = None  # a resumed job starts part-way: its rate counts from here

    def update(self, done: float, total: float, note: str = "") -> None:
        now = time.perf_counter()
        if self._first_done is None:
            self._first_done = done
        if now - self._last < self.min_interval and done < total:
            return
        self._last = now
        fraction = min(1.0, done / total) if total else 1.0
        elapsed = now - self.start
        progressed = done - self._first_done
        eta = elapsed * (total - done) / progressed if progressed > 0 else float("nan")
        bar = "#" * int(30 * fraction) + "." * (30 - int(30 * fraction))
        line = f"{self.label} [{bar}] {fraction:6.1%} {elapsed:6.1f}s ETA {eta:5.1f}s {note}"
        self.stream.write(f"\r{line}" if self.terminal else f"{line}\n")
        self.stream.flush()

    def close(self) -> None:
        if self.terminal:
            self.stream.write("\n")
            self.stream.flush()
