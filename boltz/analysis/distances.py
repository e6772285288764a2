"""Exact 1-D Wasserstein-1 distances between empirical samples and discrete distributions.

W₁(P, Q) = ∫ |F_P(x) − F_Q(x)| dx, evaluated exactly: both CDFs are step
functions, so the integral is a finite sum over the merged sorted support.
Cost O((n + m) log(n + m)).
"""

from __future__ import annotations

import numpy as np

from boltz.analysis.estimates import as_float64

__all__ = ["wasserstein_1", "wasserstein_1_to_distribution"]


def _sample(x, *, name: str) -> np.ndarray:
    x = as_float64(x, name=name).ravel()
    if x.size == 0:
        raise ValueError(f"{name} must not be empty")
    return x


def _w1_discrete(xa: np.ndarray, wa: np.ndarray, xb: np.ndarray, wb: np.ndarray) -> float:
    """W₁ between two discrete distributions (atoms ``[n]``, weights ``[n]`` summing to 1)."""
    grid = np.sort(np.concatenate((xa, xb)))

    def cdf_on_grid(x: np.ndarray, w: np.ndarray) -> np.ndarray:
        order = np.argsort(x, kind="stable")
        cum = np.concatenate(([0.0], np.cumsum(w[order])))
        # F(g) = total weight of atoms ≤ g, for every grid point except the last.
        return cum[np.searchsorted(x[order], grid[:-1], side="right")]

    gaps = np.diff(grid)
    return float(np.sum(np.abs(cdf_on_grid(xa, wa) - cdf_on_grid(xb, wb)) * gaps))


def wasserstein_1(a, b) -> float:
    """Exact W₁ between two empirical samples of any sizes: ``([n], [m]) → float`` (inputs are flattened)."""
    a = _sample(a, name="a")
    b = _sample(b, name="b")
    return _w1_discrete(a, np.full(a.size, 1.0 / a.size), b, np.full(b.size, 1.0 / b.size))


def wasserstein_1_to_distribution(samples, support, probabilities) -> float:
    """Exact W₁ between an empirical sample and a discrete law: ``([n], [K], [K]) → float``.

    ``support`` need not be sorted or distinct; ``probabilities`` must be ≥ 0
    and sum to 1 within 1e-9 (they are then renormalized exactly), e.g. the exact
    P(E) of a finite lattice.
    """
    x = _sample(samples, name="samples")
    support = _sample(support, name="support")
    p = as_float64(probabilities, name="probabilities").ravel()
    if p.shape != support.shape:
        raise ValueError(f"probabilities must match support, got {p.shape} and {support.shape}")
    if np.any(p < 0) or abs(p.sum() - 1.0) > 1e-9:
        raise ValueError("probabilities must be non-negative and sum to 1")
    return _w1_discrete(x, np.full(x.size, 1.0 / x.size), support, p / p.sum())
