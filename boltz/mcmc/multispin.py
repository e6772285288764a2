"""Multi-spin-coded checkerboard Metropolis for the zero-field 2D Ising model (Jacobs & Rebbi 1981).

Bit r of word ``[w, i, j]`` holds the spin of chain 64w + r at site (i, j) (1 = +1), so one
64-bit word carries 64 *independent* chains and each site update is a handful of bitwise
operations. With h = 0 only the number d of unsatisfied bonds around a spin matters:
ΔE = 2|J|(4 − 2d), so d ≥ 3 always flips, d = 2 (ΔE = 0) flips with ½ (the tie rule of
``metropolis``, which keeps small tori ergodic), d = 1 with p = e^{−4|J|/T} and d = 0 with
p² = e^{−8|J|/T}. Every chain gets its own random bits: a Bernoulli(p) mask is built from
fresh 64-bit words by comparing, chain by chain, a uniform binary fraction with the binary
expansion of p, most significant digit first, stopping once every chain is decided
(≈ log2 64 + 1 words). p² is the AND of two independent Bernoulli(p) masks.
Probabilities are quantised to 2⁻³² as in the scalar kernel.
"""

from __future__ import annotations

import math

import numpy as np
import torch
from numba import njit, prange, uint64

from boltz.mcmc.rng import chain_states

CHAINS_PER_WORD = 64
_ALL = uint64(0xFFFFFFFFFFFFFFFF)
_GAMMA = uint64(0x9E3779B97F4A7C15)
_M1 = uint64(0xBF58476D1CE4E5B9)
_M2 = uint64(0x94D049BB133111EB)


@njit(inline="always")
def _splitmix(state):
    """One SplitMix64 step (Steele, Lea & Flood 2014): returns (new state, 64 random bits)."""
    state = state + _GAMMA
    z = state
    z = (z ^ (z >> uint64(30))) * _M1
    z = (z ^ (z >> uint64(27))) * _M2
    return state, z ^ (z >> uint64(31))


@njit(inline="always")
def _bernoulli(p_bits, wanted, state):
    """A mask whose bits in ``wanted`` are independently 1 with probability p = p_bits / 2³² (p < 1)."""
    result = uint64(0)
    undecided = wanted
    k = 31
    while undecided != uint64(0) and k >= 0:
        state, u = _splitmix(state)
        if (p_bits >> uint64(k)) & uint64(1):
            result |= undecided & ~u  # digit of U is 0 < 1: U < p for these chains
            undecided &= u
        else:
            undecided &= ~u  # digit of U is 1 > 0: U > p
        k -= 1
    return result, state


@njit(parallel=True, cache=True, nogil=True)
def _sweeps(words, p_bits, antiferro, states, n_sweeps):
    """``n_sweeps`` checkerboard sweeps in place on packed spins ``words`` [W, L, L] uint64."""
    n_words, L, _ = words.shape
    flip_bond = _ALL if antiferro else uint64(0)
    for w in prange(n_words):
        s = words[w]
        state = states[w]
        for _ in range(n_sweeps):
            for colour in range(2):
                for i in range(L):
                    up = i - 1 if i > 0 else L - 1
                    down = i + 1 if i < L - 1 else 0
                    for j in range((i + colour) & 1, L, 2):
                        left = j - 1 if j > 0 else L - 1
                        right = j + 1 if j < L - 1 else 0
                        si = s[i, j]
                        # Unsatisfied-bond indicators x_k, summed bitwise into d = b0 + 2 b1 + 4 b2.
                        x1 = si ^ s[up, j] ^ flip_bond
                        x2 = si ^ s[down, j] ^ flip_bond
                        x3 = si ^ s[i, left] ^ flip_bond
                        x4 = si ^ s[i, right] ^ flip_bond
                        s12 = x1 ^ x2
                        s34 = x3 ^ x4
                        c12 = x1 & x2
                        c34 = x3 & x4
                        b0 = s12 ^ s34
                        b1 = c12 ^ c34 ^ (s12 & s34)
                        b2 = c12 & c34
                        # d ≥ 3 flips; d = 2 with ½; d = 1 with p; d = 0 with p² (two independent masks).
                        state, half = _splitmix(state)
                        r1, state = _bernoulli(p_bits, ~(b1 | b2), state)
                        r2, state = _bernoulli(p_bits, r1 & ~b0, state)
                        accept = b2 | (b1 & b0) | (b1 & ~b0 & half) | (r1 & b0) | r2
                        s[i, j] = si ^ accept
        states[w] = state


@njit(parallel=True, cache=True)
def _pack(spins, words):
    n_words, L, _ = words.shape
    for w in prange(n_words):
        for i in range(L):
            for j in range(L):
                word = uint64(0)
                for r in range(CHAINS_PER_WORD):
                    if spins[w * CHAINS_PER_WORD + r, i, j] > 0:
                        word |= uint64(1) << uint64(r)
                words[w, i, j] = word


@njit(parallel=True, cache=True)
def _unpack(words, spins):
    n_words, L, _ = words.shape
    for w in prange(n_words):
        for i in range(L):
            for j in range(L):
                word = words[w, i, j]
                for r in range(CHAINS_PER_WORD):
                    spins[w * CHAINS_PER_WORD + r, i, j] = 1 if (word >> uint64(r)) & uint64(1) else -1


class MultiSpinMetropolis:
    """Kernel state for B = 64·W chains at h = 0: packed spins and one SplitMix64 stream per word."""

    def __init__(self, spins: torch.Tensor, *, T: float, J: float, generator: torch.Generator | None):
        n_chains, L, _ = spins.shape
        if n_chains % CHAINS_PER_WORD:
            raise ValueError(f"multi-spin coding needs a multiple of {CHAINS_PER_WORD} chains, got {n_chains}")
        self.words = np.empty((n_chains // CHAINS_PER_WORD, L, L), dtype=np.uint64)
        _pack(np.ascontiguousarray(spins.numpy(), dtype=np.int8), self.words)
        if J == 0.0:
            raise ValueError("multi-spin coding needs J ≠ 0")
        self.p_bits = np.uint64(math.floor(math.exp(-4.0 * abs(J) / T) * 2.0**32))
        self.antiferro = J < 0
        self.states = chain_states(self.words.shape[0], generator)
        self._spins = np.empty((n_chains, L, L), dtype=np.int8)
        self._fresh = False

    @property
    def spins(self) -> np.ndarray:
        """The chains as ``[B, L, L]`` int8 (unpacked on demand)."""
        if not self._fresh:
            _unpack(self.words, self._spins)
            self._fresh = True
        return self._spins

    def advance(self, sweeps: int) -> float:
        _sweeps(self.words, self.p_bits, self.antiferro, self.states, sweeps)
        self._fresh = False
        return float(sweeps)

    def acceptance(self) -> float:
        return float("nan")  # not counted: a popcount per site would cost as much as the update
