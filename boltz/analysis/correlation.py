"""Spin–spin correlation functions of L×L periodic lattices via FFT.

Spins are ``[B, L, L]`` with values ±1 (numpy or torch, any dtype). Displacements
are taken mod L: index k of an axis is the displacement k ≡ k − L, and G is the
average over all B·L² (site, sample) pairs

    G(d) = ⟨s_x s_{x+d}⟩,   so G(0) = 1 exactly.

``connected=True`` returns G(d) − ⟨s⟩², where ⟨s⟩ is the mean spin over every
site of every sample (= the batch mean of the per-sample magnetization): the
translation-invariant estimate of ⟨s_i⟩. At h = 0 an ergodic sampler has
⟨s⟩ ≈ 0 on a finite torus, so the two versions nearly coincide even below T_c;
a sampler stuck in one ordered state shows up as the difference. The connected
function is a covariance, so its value at d = 0 is 1 − ⟨s⟩², not 1.
"""

from __future__ import annotations

import numpy as np

from boltz.analysis.estimates import as_float64

__all__ = ["axis_correlation", "correlation_map", "radial_correlation"]


def _as_spins(spins) -> np.ndarray:
    s = as_float64(spins, name="spins")
    if s.ndim != 3 or s.shape[1] != s.shape[2] or s.shape[0] == 0:
        raise ValueError(f"spins must be shaped [B, L, L] with B ≥ 1, got {s.shape}")
    if not np.all(np.abs(s) == 1.0):
        raise ValueError("spins must be ±1")
    return s


def _correlation_map(s: np.ndarray, connected: bool) -> np.ndarray:
    L = s.shape[-1]
    f = np.fft.rfft2(s)
    # Wiener–Khinchin: irfft2(|ŝ|²)(d) = Σ_x s_x s_{x+d}; summing |ŝ|² over the
    # batch first costs one inverse FFT instead of B.
    power = (f.real**2 + f.imag**2).sum(axis=0)
    G = np.fft.irfft2(power, s=(L, L)) / (s.shape[0] * L * L)
    G[0, 0] = 1.0  # s_x² = 1 exactly; drop the FFT round-off
    if connected:
        G = G - s.mean() ** 2
    return G


def correlation_map(spins, *, connected: bool = False) -> np.ndarray:
    """G(d₀, d₁) = ⟨s_x s_{x+d}⟩ over sites and samples (Wiener–Khinchin): ``[B, L, L] → [L, L]``.

    ``G[d0, d1]`` is the displacement d0 along axis −2 and d1 along axis −1, both
    mod L. Cost O(B L² log L).
    """
    return _correlation_map(_as_spins(spins), connected)


def axis_correlation(spins, *, connected: bool = False) -> np.ndarray:
    """C(r) along the lattice axes, averaged over ±x and ±y: ``[B, L, L] → [L//2 + 1]``, r = 0..L//2."""
    G = correlation_map(spins, connected=connected)
    L = G.shape[0]
    r = np.arange(L // 2 + 1)
    back = (-r) % L
    return (G[r, 0] + G[back, 0] + G[0, r] + G[0, back]) / 4.0


def radial_correlation(spins, *, connected: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """C(|d|) averaged over all displacements with one minimum-image distance: ``[B, L, L] → (r [K], C [K])``.

    |d|² = min(d₀, L−d₀)² + min(d₁, L−d₁)²; every one of the L² displacement
    vectors of the torus has equal weight. r is sorted ascending, r[0] = 0.
    """
    G = correlation_map(spins, connected=connected)
    L = G.shape[0]
    k = np.arange(L)
    fold = np.minimum(k, L - k)
    # Group on the integer |d|², so equal distances are never split by rounding.
    r2 = (fold[:, None] ** 2 + fold[None, :] ** 2).ravel()
    levels, inverse, counts = np.unique(r2, return_inverse=True, return_counts=True)
    C = np.bincount(inverse, weights=G.ravel()) / counts
    return np.sqrt(levels.astype(np.float64)), C
