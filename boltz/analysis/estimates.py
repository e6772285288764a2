"""Estimates with error bars: the ``Estimate`` record and the block jackknife.

Shape convention for every series in ``boltz.analysis``: ``[S]`` (one chain of S
time steps) or ``[S, B]`` (S time steps × B independent chains). An iid batch of
B samples from a diffusion model is ``[B]`` or, equivalently, ``[1, B]``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Callable, Union

import numpy as np

from boltz.validation import check_int

__all__ = ["DEFAULT_BLOCKS", "Estimate", "block_jackknife", "jackknife_of_means", "mean_estimate"]

# 32 blocks: the relative error of a jackknife error bar is ≈ 1/√(2(g−1)) ≈ 13 %,
# while blocks stay long (S·B/32 samples) compared with the autocorrelation time.
DEFAULT_BLOCKS = 32

Series = Union[np.ndarray, tuple]


@dataclass(frozen=True)
class Estimate:
    """A value with its one-standard-deviation statistical error."""

    value: float
    error: float

    def z_score(self, reference: float) -> float:
        """(value − reference) / error; ±inf (or 0 when equal) if the error is zero."""
        diff = self.value - float(reference)
        if self.error == 0.0:
            # A zero error claims exactness: agreement is perfect, any miss is infinite.
            return 0.0 if diff == 0.0 else math.copysign(math.inf, diff)
        return diff / self.error

    def __str__(self) -> str:
        return f"{self.value:.6g} ± {self.error:.2g}"


def as_float64(x, *, name: str) -> np.ndarray:
    """numpy or (CPU/GPU) torch input → finite float64 numpy array."""
    if hasattr(x, "detach"):
        x = x.detach().cpu()
    arr = np.asarray(x, dtype=np.float64)
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"{name} must be finite")
    return arr


def as_series(x, *, name: str) -> np.ndarray:
    """A series as ``[S, B]`` float64 (``[S]`` becomes ``[S, 1]``)."""
    arr = as_float64(x, name=name)
    if arr.ndim == 1:
        arr = arr[:, None]
    if arr.ndim != 2 or arr.size == 0:
        raise ValueError(f"{name} must be a non-empty array shaped [S] or [S, B], got shape {arr.shape}")
    return arr


def _prepare(series: Series, n_blocks: int | None) -> tuple[bool, list[np.ndarray], np.ndarray]:
    """Validate, flatten chain-major and cut into blocks: (is_tuple, flats [n] each, bounds [g+1])."""
    is_tuple = isinstance(series, tuple)
    arrays = [as_series(x, name="series") for x in (series if is_tuple else (series,))]
    if not arrays:
        raise ValueError("series must hold at least one array")
    shape = arrays[0].shape
    if any(a.shape != shape for a in arrays):
        raise ValueError(f"all series must have one shape, got {[a.shape for a in arrays]}")
    n = shape[0] * shape[1]
    if n < 2:
        raise ValueError("the jackknife needs at least 2 samples")
    g = DEFAULT_BLOCKS if n_blocks is None else check_int("n_blocks", n_blocks, minimum=2)
    g = min(g, n)
    # Chain-major flattening: each chain's time series is contiguous in `flat`.
    flats = [a.T.reshape(-1) for a in arrays]
    return is_tuple, flats, (np.arange(g + 1) * n) // g


def _jackknife_estimate(full: float, leave_out: np.ndarray, bounds: np.ndarray) -> Estimate:
    """Delete-m_j jackknife error from the full and the leave-one-block-out values."""
    n, g = int(bounds[-1]), bounds.size - 1
    sizes = np.diff(bounds).astype(np.float64)
    # Pseudo-values h θ̂ − (h − 1) θ̂_{−j} with h = n/m_j; for the mean they are
    # exactly the block means, whatever the block sizes.
    h = n / sizes
    jack = g * full - np.sum((1.0 - sizes / n) * leave_out)
    pseudo = h * full - (h - 1.0) * leave_out
    variance = np.sum((pseudo - jack) ** 2 / (h - 1.0)) / g
    return Estimate(value=float(full), error=float(np.sqrt(variance)))


def block_jackknife(
    series: Series,
    statistic: Callable,
    *,
    n_blocks: int | None = None,
) -> Estimate:
    """Delete-one-block jackknife (Quenouille–Tukey; unequal blocks after Busing et al. 1999).

    Args:
        series: array ``[S]`` or ``[S, B]``, or a tuple of such arrays of one shape
            (several observables measured on the same samples).
        statistic: maps data of the same structure — one 1-D array, or a tuple of
            1-D arrays — holding the kept samples, to a float. It must not depend
            on the order of the samples (a function of the empirical distribution).
        n_blocks: number of jackknife blocks g; default ``min(32, S·B)``, and
            values above S·B are lowered to S·B.

    Blocks: the chains are laid end to end (chain-major, time order kept inside
    each chain) and cut into g contiguous pieces whose sizes differ by at most
    one. A block is therefore a run of consecutive time steps of one chain, or
    the end of one chain plus the start of the next, which are independent — so
    the error is honest for autocorrelated data once S·B/g ≫ τ_int. For an iid
    batch (``S = 1``) the blocks are simply groups of samples.

    Returns:
        ``Estimate(value=statistic(all data), error=jackknife error)``. The value
        is the plain full-data estimate, not the bias-corrected one: the jackknife
        bias is O(1/n) while the correction adds noise of the size of the error.
        Cost: g + 1 calls of ``statistic`` on ≈ n samples; when the statistic is
        a function of sample means, ``jackknife_of_means`` does the same in O(n).
    """
    is_tuple, flats, bounds = _prepare(series, n_blocks)

    def evaluate(data: list[np.ndarray]) -> float:
        return float(statistic(tuple(data) if is_tuple else data[0]))

    full = evaluate(flats)
    leave_out = np.array(
        [
            evaluate([np.concatenate((f[: bounds[j]], f[bounds[j + 1] :])) for f in flats])
            for j in range(bounds.size - 1)
        ]
    )
    return _jackknife_estimate(full, leave_out, bounds)


def jackknife_of_means(
    series: Series,
    function: Callable,
    *,
    n_blocks: int | None = None,
) -> Estimate:
    """Block jackknife of f(sample means), each leave-out mean from block sums in O(1).

    Same blocks, value and error as ``block_jackknife(series, lambda d: f(means of d))``
    but in O(n) instead of O(g·n). ``function`` receives the mean of each series,
    in the same structure: one float, or a tuple of floats.
    """
    is_tuple, flats, bounds = _prepare(series, n_blocks)
    n = float(bounds[-1])
    kept = n - np.diff(bounds)
    totals = [f.sum() for f in flats]
    loo_means = [(t - np.add.reduceat(f, bounds[:-1])) / kept for t, f in zip(totals, flats)]

    def evaluate(means: list[float]) -> float:
        return float(function(tuple(means) if is_tuple else means[0]))

    full = evaluate([t / n for t in totals])
    leave_out = np.array([evaluate([float(lm[j]) for lm in loo_means]) for j in range(bounds.size - 1)])
    return _jackknife_estimate(full, leave_out, bounds)


def mean_estimate(series, *, n_blocks: int | None = None) -> Estimate:
    """Sample mean of a ``[S]`` or ``[S, B]`` series with its block-jackknife error."""
    return jackknife_of_means(series, lambda mean: mean, n_blocks=n_blocks)
