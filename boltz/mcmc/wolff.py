"""Wolff single-cluster updates for the zero-field 2D Ising model (Wolff, PRL 62, 361 (1989)).

A cluster grows from a uniformly chosen seed; each bond to an aligned neighbour is
added with probability p_add = 1 − exp(−2J/T), and the whole cluster is flipped.
Spins are flipped as they join, which doubles as the "visited" mark. For L = 2 a
neighbour appears twice in the four-neighbour list, i.e. two bonds, as in the energy.

Samples are recorded after a *fixed* number of clusters (``thin``). A state-dependent
rule (say, "until L² spins were flipped") would bias averages, because large clusters
are correlated with the state. With ``thin=None`` the count is set from the mean
cluster size seen during burn-in, ⌈L²/⟨|C|⟩⌉, and then frozen before measuring.
"""

from __future__ import annotations

import math

import numpy as np
import torch
from numba import njit, prange, uint64

from boltz.mcmc.chain import MCMCSamples, burn_in as run_burn_in, collect
from boltz.mcmc.rng import chain_states, next_state, uniform32
from boltz.validation import COUPLING, FIELD, TEMPERATURE, THIN


@njit(parallel=True, cache=True, nogil=True)
def _clusters(spins, add_threshold, states, n_clusters, flipped, stacks):
    """Grow and flip ``n_clusters`` Wolff clusters per chain in place. spins: [B, N] int8 with N = L²."""
    n_chains, n_sites = spins.shape
    L = int(round(math.sqrt(n_sites)))
    for b in prange(n_chains):
        s = spins[b]
        stack = stacks[b]
        x = states[b]
        n_flipped = 0
        for _ in range(n_clusters):
            # Seed: a uniform site, flipped at once.
            x = next_state(x)
            seed = (uniform32(x) * uint64(n_sites)) >> uint64(32)
            s0 = s[seed]
            s[seed] = -s0
            stack[0] = seed
            top = 1
            n_flipped += 1
            # Growth: test each bond from a cluster site to an aligned neighbour once.
            while top > 0:
                top -= 1
                site = stack[top]
                i = site // L
                j = site - i * L
                row = i * L
                for k in range(4):
                    if k == 0:
                        nb = row + (j + 1 if j < L - 1 else 0)
                    elif k == 1:
                        nb = row + (j - 1 if j > 0 else L - 1)
                    elif k == 2:
                        nb = (i + 1 if i < L - 1 else 0) * L + j
                    else:
                        nb = (i - 1 if i > 0 else L - 1) * L + j
                    if s[nb] == s0:
                        x = next_state(x)
                        if uniform32(x) < add_threshold:
                            s[nb] = -s0
                            stack[top] = nb
                            top += 1
                            n_flipped += 1
        states[b] = x
        flipped[b] += n_flipped


def add_probability(*, T: float, J: float = 1.0) -> float:
    """Bond activation probability p_add = 1 − e^{−2J/T} (Fortuin–Kasteleyn)."""
    return -math.expm1(-2.0 * J / T)


class WolffClusters:
    """Kernel state for B chains: spins, RNG streams, cluster stacks and counts."""

    def __init__(self, spins: torch.Tensor, *, T: float, J: float, generator: torch.Generator | None):
        self.spins = np.array(spins.numpy(), dtype=np.int8, order="C")  # a copy: the caller keeps its start
        n_chains, L, _ = self.spins.shape
        self.add_threshold = np.uint64(math.floor(add_probability(T=T, J=J) * 2.0**32))
        self.states = chain_states(n_chains, generator)
        self.stacks = np.empty((n_chains, L * L), dtype=np.int64)
        self.flipped = np.zeros(n_chains, dtype=np.int64)
        self.clusters = 0

    def advance(self, clusters: int) -> float:
        """Flip ``clusters`` clusters on every chain; returns the sweep-equivalents (flipped spins / L²) per chain."""
        before = self.flipped.sum()
        flat = self.spins.reshape(self.spins.shape[0], -1)
        _clusters(flat, self.add_threshold, self.states, clusters, self.flipped, self.stacks)
        self.clusters += clusters
        return float(self.flipped.sum() - before) / self.spins[0].size / self.spins.shape[0]

    def mean_cluster_size(self) -> float:
        return float(self.flipped.sum()) / max(1, self.clusters * self.spins.shape[0])

    def acceptance(self) -> float:
        """Mean cluster size as a fraction of the lattice (Wolff moves are always accepted)."""
        return self.mean_cluster_size() / self.spins[0].size


def sample_wolff(
    spins: torch.Tensor,
    *,
    T: float,
    J: float = 1.0,
    h: float = 0.0,
    n_samples: int,
    burn_in: int = 200,
    thin: int | None = None,
    callback=None,
    generator: torch.Generator | None = None,
) -> MCMCSamples:
    """Wolff clusters from ``spins`` [B, L, L]: ≥ ``burn_in`` sweep-equivalents, then ``n_samples`` per chain every ``thin`` clusters."""
    T = TEMPERATURE.check(T)
    J = COUPLING.check(J)
    if FIELD.check(h) != 0.0:
        raise ValueError("the Wolff sampler needs h = 0 (use --sampler metropolis for a field)")
    if J <= 0:
        raise ValueError("the Wolff sampler needs a ferromagnet, J > 0")
    kernel = WolffClusters(spins, T=T, J=J, generator=generator)
    done = run_burn_in(kernel, sweeps=burn_in, chunk=1 + spins.shape[-1], callback=callback)
    if thin is None:
        # Burn-in of 0 sweeps gives no cluster statistics: fall back to one cluster per sample.
        thin = max(1, math.ceil(kernel.spins[0].size / kernel.mean_cluster_size())) if kernel.clusters else 1
    thin = THIN.check(thin)
    return collect(kernel, n_samples=n_samples, thin=thin, J=J, h=0.0, burn_in_sweeps=done, callback=callback)
