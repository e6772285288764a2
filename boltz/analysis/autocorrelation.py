"""Autocorrelation function and integrated autocorrelation time of Markov-chain series.

Series are ``[S]`` or ``[S, B]`` (S time steps × B independent chains).

Conventions:
- The mean subtracted is the GLOBAL mean over all chains and times, not each
  chain's own mean. Subtracting per-chain means would hide a sampler that is
  stuck: B chains frozen in different states (say m = ±1 below T_c) would each
  look uncorrelated about their own mean. With the global mean such chains give
  ρ(t) ≈ 1 at all lags, hence a huge τ_int — the honest answer. For chains in
  equilibrium the two choices differ by O(τ/S). Remove burn-in before calling.
- τ_int = ½ + Σ_{t≥1} ρ(t), so τ_int = ½ for uncorrelated data and the variance
  of the mean is 2 τ_int σ² / n.
- A series with zero variance (every value equal) carries no information on its
  own dynamics — it cannot tell a perfectly mixing sampler of a degenerate
  distribution from a frozen one. We take the pessimistic reading: ρ is all NaN,
  τ_int = inf (error NaN, window 0) and the effective sample size is 0.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from boltz.analysis.estimates import as_series
from boltz.validation import check_real

__all__ = [
    "AutocorrelationTime",
    "autocorrelation",
    "effective_sample_size",
    "integrated_autocorrelation_time",
]


@dataclass(frozen=True)
class AutocorrelationTime:
    """τ_int with its Madras–Sokal error and the summation window W that was used."""

    tau: float
    error: float
    window: int


def _is_constant(x: np.ndarray) -> bool:
    # Exact test: the variance of a constant float series can round to ~1e-33, not 0.
    return bool(np.all(x == x.flat[0]))


def autocorrelation(x) -> np.ndarray:
    """Normalized autocorrelation ρ(t) by zero-padded FFT (Wiener–Khinchin): ``[S] | [S, B] → [S]``.

    ρ(t) = C(t)/C(0) with C(t) = Σ_b Σ_{s<S−t} δx_{s,b} δx_{s+t,b} / (B (S − t)),
    δx = x − (global mean). The 1/(S − t) normalization (Sokal) makes each lag
    unbiased; ρ at lags near S is therefore noisy and only meant to be summed
    up to a window W ≪ S. Padding to ≥ 2S − 1 removes the circular wrap.
    Cost O(B S log S). Returns all NaN for a constant series.
    """
    x = as_series(x, name="x")
    S, B = x.shape
    if _is_constant(x):
        return np.full(S, np.nan)
    dx = x - x.mean()
    n_fft = 1 << (2 * S - 1).bit_length()
    spectrum = np.fft.rfft(dx, n=n_fft, axis=0)
    raw = np.fft.irfft(spectrum * spectrum.conj(), n=n_fft, axis=0)[:S].sum(axis=1)
    cov = raw / (B * np.arange(S, 0, -1))
    return cov / cov[0]


def integrated_autocorrelation_time(x, *, c: float = 5.0) -> AutocorrelationTime:
    """τ_int with Sokal's automatic window (Madras & Sokal 1988): ``[S] | [S, B] → AutocorrelationTime``.

    τ_int(W) = ½ + Σ_{t=1}^{W} ρ(t) and W is the smallest window with
    W ≥ c · τ_int(W) (c = 5 is fine for near-exponential decay; use larger c for
    slowly decaying tails). If no W < S satisfies it, W = S − 1 is returned:
    the series is too short for this τ and the estimate is a lower bound.
    The error is Madras–Sokal's √(2(2W + 1)/n) · τ_int with n = S·B samples.
    Strongly anti-correlated data can give τ_int < ½ (even ≤ 0).
    """
    c = check_real("c", c, positive=True)
    series = as_series(x, name="x")
    S, B = series.shape
    if S < 2:
        raise ValueError(f"x needs at least 2 time steps, got {S}")
    if _is_constant(series):
        return AutocorrelationTime(tau=math.inf, error=math.nan, window=0)
    rho = autocorrelation(series)
    taus = 0.5 + np.cumsum(rho[1:])  # taus[W − 1] = τ_int(W), W = 1..S−1
    windows = np.arange(1, S)
    ok = np.flatnonzero(windows >= c * taus)
    W = int(windows[ok[0]]) if ok.size else S - 1
    tau = float(taus[W - 1])
    error = math.sqrt(2.0 * (2 * W + 1) / (S * B)) * abs(tau)
    return AutocorrelationTime(tau=tau, error=error, window=W)


def effective_sample_size(x, *, c: float = 5.0) -> float:
    """n / (2 τ_int) with n = S·B total samples: ``[S] | [S, B] → float``.

    0 for a constant series (τ_int = inf); inf if the estimated τ_int ≤ 0.
    """
    n = as_series(x, name="x").size
    tau = integrated_autocorrelation_time(x, c=c).tau
    return math.inf if tau <= 0 else n / (2.0 * tau)
