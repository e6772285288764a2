"""Checkerboard single-spin-flip Metropolis for the 2D Ising model (Metropolis et al. 1953).

B independent chains run in parallel (numba ``prange`` over chains). Spins are int8.
The acceptance probability min(1, exp(−ΔE/T)) depends only on (s_i, Σ_nn s_j), so it
is tabulated once per temperature as 32-bit integer thresholds and a proposal costs
one xorshift draw, one table lookup and one compare.

A sweep visits the sites of one checkerboard colour, then the other. Updates are
applied one site at a time with the current neighbours, so every single-site update
satisfies detailed balance and the sweep leaves the Boltzmann distribution invariant
for every L ≥ 2 (for odd L the two colours are not independent sets, which matters only
to a simultaneous update, not to this sequential one).

Invariance is not ergodicity. With the textbook rule (accept ΔE = 0 always) a fixed-order
sweep is reducible on small tori: on 2×2 the stripe states, on 3×3 other zero-field
patterns, flip deterministically into one another and never leave (the exact sweep matrix
has several unit-modulus eigenvalues). We accept ΔE = 0 with probability ½ instead. The
ratio a(ΔE)/a(−ΔE) = e^{−ΔE/T} still holds, so detailed balance is untouched, and the
sweep matrix has a single unit eigenvalue (tested exactly on 2×2 and 3×3).
"""

from __future__ import annotations

import math

import numpy as np
import torch
from numba import njit, prange

from boltz.mcmc.chain import MCMCSamples, burn_in as run_burn_in, collect
from boltz.mcmc.multispin import CHAINS_PER_WORD, MultiSpinMetropolis
from boltz.mcmc.rng import chain_states, next_state, uniform32
from boltz.validation import COUPLING, FIELD, REFINE, TEMPERATURE

_ALWAYS = 1 << 32  # a threshold no 32-bit draw reaches


def acceptance_table(*, T: float, J: float = 1.0, h: float = 0.0) -> np.ndarray:
    """min(1, e^{−ΔE/T}), ½ at ΔE = 0, with ΔE = 2 s (J n + h), for s ∈ {−1, +1} × n ∈ {−4, −2, 0, 2, 4}: ``[2, 5]``."""
    spin = np.array([-1.0, 1.0])[:, None]
    nsum = np.arange(-4, 5, 2, dtype=np.float64)[None, :]
    delta_e = 2.0 * spin * (J * nsum + h)
    return np.where(delta_e == 0.0, 0.5, np.exp(np.minimum(0.0, -delta_e / T)))


def _thresholds(table: np.ndarray) -> np.ndarray:
    """Acceptance probabilities as uint64 thresholds for a uniform 32-bit draw."""
    thresholds = np.floor(table * 2.0**32).astype(np.uint64)
    thresholds[table >= 1.0] = _ALWAYS
    return thresholds


@njit(parallel=True, cache=True, nogil=True)
def _sweeps(spins, thresholds, states, n_sweeps, accepted):
    """Run ``n_sweeps`` checkerboard sweeps on every chain in place. spins: [B, L, L] int8."""
    n_chains, L, _ = spins.shape
    for b in prange(n_chains):
        s = spins[b]
        x = states[b]
        n_accepted = 0
        for _ in range(n_sweeps):
            for colour in range(2):
                for i in range(L):
                    up = i - 1 if i > 0 else L - 1
                    down = i + 1 if i < L - 1 else 0
                    for j in range((i + colour) & 1, L, 2):
                        left = j - 1 if j > 0 else L - 1
                        right = j + 1 if j < L - 1 else 0
                        si = s[i, j]
                        nsum = s[up, j] + s[down, j] + s[i, left] + s[i, right]
                        x = next_state(x)
                        if uniform32(x) < thresholds[(si + 1) >> 1, (nsum + 4) >> 1]:
                            s[i, j] = -si
                            n_accepted += 1
        states[b] = x
        accepted[b] += n_accepted


class CheckerboardMetropolis:
    """Kernel state for B chains: spins, per-chain RNG streams and acceptance counts."""

    def __init__(self, spins: torch.Tensor, *, T: float, J: float, h: float, generator: torch.Generator | None):
        self.spins = np.array(spins.numpy(), dtype=np.int8, order="C")  # a copy: the caller keeps its start
        self.thresholds = _thresholds(acceptance_table(T=T, J=J, h=h))
        self.states = chain_states(self.spins.shape[0], generator)
        self.accepted = np.zeros(self.spins.shape[0], dtype=np.int64)
        self.attempted = 0

    def advance(self, sweeps: int) -> float:
        """Run ``sweeps`` sweeps on every chain; returns the sweeps done (the chain's time unit)."""
        _sweeps(self.spins, self.thresholds, self.states, sweeps, self.accepted)
        self.attempted += sweeps * self.spins[0].size
        return float(sweeps)

    def acceptance(self) -> float:
        return float(self.accepted.sum()) / max(1, self.attempted * self.spins.shape[0])


def metropolis_kernel(spins: torch.Tensor, *, T: float, J: float = 1.0, h: float = 0.0,
                      multispin: bool | None = None, generator: torch.Generator | None = None):
    """The Metropolis kernel for ``spins`` [B, L, L]: multi-spin coded when it applies (h = 0, J ≠ 0, B a multiple of 64)."""
    T = TEMPERATURE.check(T)
    J, h = COUPLING.check(J), FIELD.check(h)
    applies = h == 0.0 and J != 0.0 and spins.shape[0] % CHAINS_PER_WORD == 0
    if multispin is None:
        multispin = applies
    elif multispin and not applies:
        raise ValueError(f"the multi-spin kernel needs h = 0 and a multiple of {CHAINS_PER_WORD} chains")
    if multispin:
        return MultiSpinMetropolis(spins, T=T, J=J, generator=generator)
    return CheckerboardMetropolis(spins, T=T, J=J, h=h, generator=generator)


def refine(spins: torch.Tensor, *, sweeps: int, T: float, J: float = 1.0, h: float = 0.0,
           generator: torch.Generator | None = None) -> torch.Tensor:
    """``sweeps`` Metropolis sweeps applied to every configuration of ``spins`` [B, L, L]; returns new int8 spins."""
    sweeps = REFINE.check(sweeps)
    kernel = metropolis_kernel(spins, T=T, J=J, h=h, generator=generator)
    if sweeps:
        kernel.advance(sweeps)
    return torch.from_numpy(np.array(kernel.spins, copy=True))


def sample_metropolis(
    spins: torch.Tensor,
    *,
    T: float,
    J: float = 1.0,
    h: float = 0.0,
    n_samples: int,
    burn_in: int = 1000,
    thin: int = 1,
    multispin: bool | None = None,
    callback=None,
    generator: torch.Generator | None = None,
) -> MCMCSamples:
    """Checkerboard Metropolis from ``spins`` [B, L, L]: ``burn_in`` sweeps, then ``n_samples`` per chain every ``thin`` sweeps.

    ``multispin=None`` picks the multi-spin-coded kernel whenever it applies (h = 0 and B a
    multiple of 64); both kernels sample the same chain law, with different random streams.
    """
    kernel = metropolis_kernel(spins, T=T, J=J, h=h, multispin=multispin, generator=generator)
    done = run_burn_in(kernel, sweeps=burn_in, chunk=max(1, math.ceil(burn_in / 50)), callback=callback)
    return collect(kernel, n_samples=n_samples, thin=thin, J=J, h=h, burn_in_sweeps=done, callback=callback)
