"""The loop shared by the MCMC samplers: burn-in, then a fixed number of measured samples.

A kernel is any object with ``spins`` (a numpy ``[B, L, L]`` int8 array updated in place),
``advance(units) -> sweeps`` (run ``units`` of its own moves on every chain and return how
many sweeps, i.e. L² spin updates per chain, that was on average) and ``acceptance()``.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Callable, Protocol

import numpy as np
import torch

from boltz.systems.ising import energy, magnetization
from boltz.validation import BURN_IN, SAMPLES, THIN


class Kernel(Protocol):
    spins: np.ndarray

    def advance(self, units: int) -> float: ...

    def acceptance(self) -> float: ...


@dataclass(frozen=True)
class MCMCSamples:
    """Measured samples of B chains. ``spins`` [S, B, L, L] int8; ``energies`` (total E) and ``magnetizations`` (per spin) [S, B]."""

    spins: torch.Tensor
    energies: torch.Tensor
    magnetizations: torch.Tensor
    sweeps_per_sample: float
    burn_in_sweeps: float
    acceptance: float
    seconds: float

    def flat_spins(self) -> torch.Tensor:
        """Samples in chain-major order (all of chain 0, then chain 1, …): ``[S·B, L, L]``."""
        return self.spins.transpose(0, 1).reshape(-1, *self.spins.shape[-2:])


def burn_in(kernel: Kernel, *, sweeps: int, chunk: int, callback: Callable | None = None) -> float:
    """Advance every chain by at least ``sweeps`` sweeps, ``chunk`` kernel units at a time; returns the sweeps done."""
    sweeps = BURN_IN.check(sweeps, "burn_in")
    done, step = 0.0, 0
    while done < sweeps:
        done += kernel.advance(chunk)
        step += 1
        if callback is not None:
            callback({"phase": "burn_in", "step": step, "sweeps": done, "total_sweeps": sweeps,
                      "spins": torch.from_numpy(kernel.spins)})
    return done


def collect(
    kernel: Kernel,
    *,
    n_samples: int,
    thin: int,
    J: float,
    h: float,
    burn_in_sweeps: float = 0.0,
    callback: Callable | None = None,
) -> MCMCSamples:
    """Record ``n_samples`` states per chain, advancing ``thin`` kernel units between records."""
    n_samples = SAMPLES.check(n_samples, "n_samples")
    thin = THIN.check(thin)
    spins = np.empty((n_samples, *kernel.spins.shape), dtype=np.int8)
    sweeps = 0.0
    start = time.perf_counter()
    for step in range(n_samples):
        sweeps += kernel.advance(thin)
        spins[step] = kernel.spins
        if callback is not None:
            callback({"phase": "sample", "step": step + 1, "total": n_samples, "sweeps": sweeps,
                      "spins": torch.from_numpy(spins[step])})
    seconds = time.perf_counter() - start
    samples = torch.from_numpy(spins)
    flat = samples.reshape(-1, *samples.shape[-2:])
    return MCMCSamples(
        spins=samples,
        energies=energy(flat, J, h).reshape(samples.shape[:2]),
        magnetizations=magnetization(flat).reshape(samples.shape[:2]),
        sweeps_per_sample=sweeps / n_samples,
        burn_in_sweeps=burn_in_sweeps,
        acceptance=kernel.acceptance(),
        seconds=seconds,
    )
