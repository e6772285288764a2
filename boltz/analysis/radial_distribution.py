"""The radial distribution function g(r) of particles in a 2D periodic box, with error bars.

g(r) = ⟨n(r)⟩ / (½ N (N − 1)/A · π[(r + Δr)² − r²]): the mean number of pairs whose
minimum-image distance falls in the shell [r, r + Δr), over the number an ideal gas of the
same N in the same box would put there. Normalising by N(N − 1)/2 pairs (not N²/2) makes
g ≡ 1 for uniform, independent positions at every N. Up to r = box/2 every shell is a full
annulus inside the box, so the 2D area π[(r + Δr)² − r²] is exact; beyond it the shells are
cut by the box, which is why r_max ≤ box/2.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import torch

from boltz.analysis.estimates import jackknife_of_means
from boltz.systems.lennard_jones import pair_displacements
from boltz.validation import check_int, check_real

__all__ = ["RadialDistribution", "pair_distances", "per_sample", "radial_distribution"]

SAMPLES_PER_CHUNK = 1024  # pair arrays of a long run (2·10⁵ samples of N = 64: 4·10⁸ pairs) do not fit in memory at once


@dataclass(frozen=True)
class RadialDistribution:
    """g(r) on ``bins`` shells: ``edges`` [K + 1], ``r`` (shell centres), ``g`` and its block-jackknife ``error`` [K]."""

    edges: np.ndarray
    r: np.ndarray
    g: np.ndarray
    error: np.ndarray
    n_samples: int


def pair_distances(positions: torch.Tensor, box: float) -> torch.Tensor:
    """Minimum-image distances of the N(N − 1)/2 pairs: ``[S, N, 2] → [S, N(N−1)/2]``."""
    return pair_displacements(positions, box).square().sum(-1).sqrt()


def per_sample(function, positions: torch.Tensor) -> torch.Tensor:
    """``function`` of ``positions`` [S, N, 2] → [S, …], evaluated SAMPLES_PER_CHUNK samples at a time."""
    return torch.cat([function(positions[start : start + SAMPLES_PER_CHUNK])
                      for start in range(0, max(positions.shape[0], 1), SAMPLES_PER_CHUNK)])


def radial_distribution(positions: torch.Tensor, box: float, *, bins: int = 100, r_max: float | None = None,
                        n_blocks: int | None = None) -> RadialDistribution:
    """g(r) of samples ``positions`` [S, N, 2] (time-ordered) in a box of side ``box``, for r < r_max ≤ box/2.

    The error of each shell is the block-jackknife error of its mean pair count, so it is
    honest for correlated MCMC samples as well as for iid ones.
    """
    if not isinstance(positions, torch.Tensor) or positions.ndim != 3 or positions.shape[-1] != 2:
        raise ValueError("positions must be a tensor [S, N, 2]")
    S, N, _ = positions.shape
    if N < 2 or S < 2:
        raise ValueError(f"g(r) needs at least 2 samples of at least 2 particles, got {S} of {N}")
    box = check_real("box", box, positive=True)
    bins = check_int("bins", bins, minimum=1, maximum=100_000)
    r_max = 0.5 * box if r_max is None else check_real("r_max", r_max, positive=True)
    if r_max > 0.5 * box * (1 + 1e-12):
        raise ValueError(f"r_max = {r_max:g} exceeds box/2 = {0.5 * box:g}, where the shells stop being full annuli")
    edges = np.linspace(0.0, r_max, bins + 1)

    def shell_counts(chunk: torch.Tensor) -> torch.Tensor:
        r = pair_distances(chunk.to(torch.float64), box).numpy()
        index = np.floor(r / (r_max / bins)).astype(np.int64)
        index[r >= r_max] = bins
        rows = np.repeat(np.arange(r.shape[0]), r.shape[1])
        counts = np.bincount(rows * (bins + 1) + index.ravel(), minlength=r.shape[0] * (bins + 1))
        return torch.from_numpy(counts.reshape(r.shape[0], bins + 1)[:, :bins].astype(np.float64))

    counts = per_sample(shell_counts, positions).numpy()
    ideal = 0.5 * N * (N - 1) / (box * box) * math.pi * np.diff(edges**2)
    estimates = [jackknife_of_means(counts[:, k], lambda mean: mean, n_blocks=n_blocks) for k in range(bins)]
    return RadialDistribution(
        edges=edges, r=0.5 * (edges[1:] + edges[:-1]),
        g=np.array([e.value for e in estimates]) / ideal,
        error=np.array([e.error for e in estimates]) / ideal,
        n_samples=S,
    )
