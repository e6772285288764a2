"""Empirical distributions of the magnetization and the energy, normalized to probabilities."""

from __future__ import annotations

import numpy as np

from boltz.analysis.estimates import as_float64
from boltz.validation import LATTICE

__all__ = ["energy_histogram", "magnetization_histogram"]

# |m·N − M| allowed before m is declared not to come from an L×L ±1 lattice;
# float64 rounding of m = ΣM/N is ~N·1e-16 ≤ 1e-10 for L ≤ 1024.
_M_TOLERANCE = 1e-6


def magnetization_histogram(magnetizations, *, L: int) -> tuple[np.ndarray, np.ndarray]:
    """P(M) of the total magnetization M = L² m: ``any shape → (M [N+1] int64, P [N+1])``.

    M runs over every allowed value −N, −N+2, …, N (N = L²), including those
    never seen (P = 0), so histograms of different samplers and the exact P(M)
    line up. Per-spin m is rounded to the nearest allowed M; values farther
    than 1e-6 from one, or of the wrong parity, raise ``ValueError``.
    """
    L = LATTICE.check(L)
    N = L * L
    m = as_float64(magnetizations, name="magnetizations").ravel()
    if m.size == 0:
        raise ValueError("magnetizations must not be empty")
    total = m * N
    M = np.rint(total).astype(np.int64)
    if np.any(np.abs(total - M) > _M_TOLERANCE) or np.any(np.abs(M) > N) or np.any((M + N) % 2):
        raise ValueError(f"magnetizations are not per-spin magnetizations of an L={L} lattice")
    counts = np.bincount((M + N) // 2, minlength=N + 1)
    return np.arange(-N, N + 1, 2, dtype=np.int64), counts / m.size


def energy_histogram(energies, *, bins: int | np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """P(E) for plotting: ``any shape → (x [K], P [K])`` with P summing to 1.

    ``bins=None`` (default) gives the exact discrete distribution over the
    distinct observed energies (values closer than 1e-9·max(1, max|E|) are merged
    and represented by their mean) — Ising energies are discrete, and fixed-width
    bins would alias their level spacing. An int or an array of edges is passed
    to ``np.histogram``; x are then the bin centres.
    """
    E = as_float64(energies, name="energies").ravel()
    if E.size == 0:
        raise ValueError("energies must not be empty")
    if bins is not None:
        counts, edges = np.histogram(E, bins=bins)
        total = counts.sum()
        if total == 0:
            raise ValueError("no energy falls inside the bins")
        return 0.5 * (edges[:-1] + edges[1:]), counts / total
    E = np.sort(E)
    tol = 1e-9 * max(1.0, float(np.abs(E).max()))
    starts = np.concatenate(([0], np.flatnonzero(np.diff(E) > tol) + 1))
    counts = np.diff(np.append(starts, E.size))
    return np.add.reduceat(E, starts) / counts, counts / E.size
