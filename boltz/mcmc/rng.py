"""Per-chain random streams for the compiled MCMC kernels.

The kernels need a fast generator inside numba, but randomness must still be
passed in as a ``torch.Generator`` (house rule: no global RNG). We draw one 64-bit
seed per chain from the torch generator, whiten it with SplitMix64 (Steele et al.
2014), and run Marsaglia's xorshift64* (Vigna 2016) per chain inside the kernel.
"""

from __future__ import annotations

import numpy as np
import torch
from numba import njit, uint64

_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_MIX1 = np.uint64(0xBF58476D1CE4E5B9)
_MIX2 = np.uint64(0x94D049BB133111EB)
_STAR = uint64(0x2545F4914F6CDD1D)


def _splitmix64(z: np.ndarray) -> np.ndarray:
    """SplitMix64 finaliser applied elementwise to uint64 seeds."""
    with np.errstate(over="ignore"):
        z = z + _GOLDEN
        z = (z ^ (z >> np.uint64(30))) * _MIX1
        z = (z ^ (z >> np.uint64(27))) * _MIX2
        return z ^ (z >> np.uint64(31))


def chain_states(n_chains: int, generator: torch.Generator | None = None) -> np.ndarray:
    """One nonzero xorshift64* state per chain, ``[B]`` uint64, drawn from ``generator``."""
    seeds = torch.randint(0, 2**63 - 1, (n_chains,), generator=generator, dtype=torch.int64)
    states = _splitmix64(seeds.numpy().astype(np.uint64))
    states[states == 0] = _GOLDEN  # xorshift has a fixed point at 0
    return states


@njit(inline="always")
def next_state(x):
    """xorshift64 state transition (shifts 12, 25, 27)."""
    x ^= x >> uint64(12)
    x ^= x << uint64(25)
    x ^= x >> uint64(27)
    return x


@njit(inline="always")
def uniform32(x):
    """The high 32 bits of the xorshift64* output for state ``x``: a uniform integer in [0, 2³²)."""
    return (x * _STAR) >> uint64(32)
