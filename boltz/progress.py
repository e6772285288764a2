"""A terminal progress bar fed by the samplers' per-step callbacks."""

from __future__ import annotations

import sys
import time


class ProgressBar:
    """Draws ``label [#####.....] step/total  elapsed  ETA`` on stderr when it is a terminal."""

    def __init__(self, label: str, *, stream=None, min_interval: float = 0.1):
        self.label = label
        self.stream = stream if stream is not None else sys.stderr
        self.enabled = self.stream.isatty()
        self.min_interval = min_interval
        self.start = time.perf_counter()
        self._last = 0.0

    def update(self, done: float, total: float, note: str = "") -> None:
        now = time.perf_counter()
        if not self.enabled or (now - self._last < self.min_interval and done < total):
            return
        self._last = now
        fraction = min(1.0, done / total) if total else 1.0
        elapsed = now - self.start
        eta = elapsed * (1 - fraction) / fraction if fraction > 0 else float("nan")
        bar = "#" * int(30 * fraction) + "." * (30 - int(30 * fraction))
        self.stream.write(f"\r{self.label} [{bar}] {fraction:6.1%} {elapsed:6.1f}s ETA {eta:5.1f}s {note}")
        self.stream.flush()

    def close(self) -> None:
        if self.enabled:
            self.stream.write("\n")
            self.stream.flush()
