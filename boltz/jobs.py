"""Sampling jobs as plain functions: the one path the CLI (and later the pages) take to the samplers."""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field

import torch

from boltz.mcmc.metropolis import sample_metropolis
from boltz.mcmc.wolff import sample_wolff
from boltz.systems.ising import random_spins
from boltz.validation import MAX_SAMPLES, check_int, check_lattice, check_real, check_temperature

# The UI and the CLI pick samplers by name.
ISING_SAMPLERS = {"metropolis": sample_metropolis, "wolff": sample_wolff}

MAX_SPINS_IN_MEMORY = 2_000_000_000  # int8 spins kept for the CSV: 2 GB


@dataclass(frozen=True)
class IsingSampleSet:
    """Samples of one run in chain-major order: ``spins`` [S, L, L] int8, ``energies`` (total E) and ``magnetizations`` [S]."""

    spins: torch.Tensor
    energies: torch.Tensor
    magnetizations: torch.Tensor
    sampler: str
    L: int
    T: float
    J: float
    h: float
    n_chains: int
    seconds: float
    details: dict = field(default_factory=dict)


def sample_ising(
    sampler: str,
    *,
    L: int,
    T: float,
    J: float = 1.0,
    h: float = 0.0,
    n: int = 1000,
    seed: int = 0,
    chains: int = 1,
    burn_in: int | None = None,
    thin: int | None = None,
    callback=None,
) -> IsingSampleSet:
    """Draw ``n`` Ising samples with the named sampler, from a random start seeded by ``seed``."""
    if sampler not in ISING_SAMPLERS:
        raise ValueError(f"unknown sampler {sampler!r}; choose one of {', '.join(ISING_SAMPLERS)}")
    L, T = check_lattice(L), check_temperature(T)
    J, h = check_real("J", J), check_real("h", h)
    n = check_int("n", n, minimum=1, maximum=MAX_SAMPLES)
    seed = check_int("seed", seed, minimum=0, maximum=2**63 - 1)
    chains = check_int("chains", chains, minimum=1, maximum=4096)
    if n * L * L > MAX_SPINS_IN_MEMORY:
        raise ValueError(f"n·L² = {n * L * L:.3g} spins would not fit in memory; ask for fewer samples")
    options = {"burn_in": burn_in} if burn_in is not None else {}
    if thin is not None:
        options["thin"] = thin
    generator = torch.Generator().manual_seed(seed)
    per_chain = math.ceil(n / chains)
    start = time.perf_counter()
    run = ISING_SAMPLERS[sampler](
        random_spins(chains, L, generator=generator),
        T=T, J=J, h=h, n_samples=per_chain, callback=callback, generator=generator, **options,
    )
    seconds = time.perf_counter() - start
    return IsingSampleSet(
        spins=run.flat_spins()[:n],
        energies=run.energies.T.reshape(-1)[:n],
        magnetizations=run.magnetizations.T.reshape(-1)[:n],
        sampler=sampler, L=L, T=T, J=J, h=h, n_chains=chains, seconds=seconds,
        details={"sweeps_per_sample": run.sweeps_per_sample, "burn_in_sweeps": run.burn_in_sweeps,
                 "acceptance": run.acceptance},
    )
