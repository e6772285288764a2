"""Sampling jobs as plain functions: the one path the CLI (and later the pages) take to the samplers."""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field

import torch

from boltz.diffusion.ising_sampling import DEFAULT_SOLVER, DEFAULT_STEPS
from boltz.mcmc.metropolis import sample_metropolis
from boltz.mcmc.wolff import sample_wolff
from boltz.systems.ising import energy, magnetization, random_spins
from boltz.validation import (BATCH_SIZE, BURN_IN, CHAINS, COUPLING, FIELD, LATTICE, REFINE, SAMPLES, SEED, STEPS,
                              TEMPERATURE, THIN, check_memory)

# The UI and the CLI pick samplers by name.
MCMC_SAMPLERS = {"metropolis": sample_metropolis, "wolff": sample_wolff}
ISING_SAMPLERS = (*MCMC_SAMPLERS, "diffusion")

# Peak memory per spin of a run written as CSV, measured (growth of the peak RSS of `python -m boltz sample
# ising` from n = 4000 to 16000 at L = 64): the int8 samples, their copies and the CSV text built in memory.
BYTES_PER_SPIN = 32


def check_ising_memory(n: int, L: int) -> None:
    """Refuse, before sampling, ``n`` L×L samples that would not fit in the memory available now."""
    check_memory(f"n·L² = {n * L * L:.3g} spins", BYTES_PER_SPIN * n * L * L, "ask for fewer samples")


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
    solver: str = DEFAULT_SOLVER,
    steps: int = DEFAULT_STEPS,
    refine: int = 0,
    model=None,
    batch_size: int = 500,
    device=None,
    precision: str = "auto",
    callback=None,
) -> IsingSampleSet:
    """Draw ``n`` Ising samples with the named sampler, seeded by ``seed``.

    MCMC samplers start from a random configuration and use ``chains``, ``burn_in`` and ``thin``;
    the diffusion sampler uses ``solver``, ``steps``, ``refine`` (Metropolis sweeps after the
    projection), ``model`` (a checkpoint folder or name; default: the model trained closest to L),
    ``batch_size``, ``device`` (where the network runs; default CPU) and ``precision`` (its arithmetic,
    ``boltz.device.PRECISIONS``).
    """
    if sampler not in ISING_SAMPLERS:
        raise ValueError(f"unknown sampler {sampler!r}; choose one of {', '.join(ISING_SAMPLERS)}")
    L, T = LATTICE.check(L), TEMPERATURE.check(T)
    J, h = COUPLING.check(J), FIELD.check(h)
    n, seed, chains = SAMPLES.check(n), SEED.check(seed), CHAINS.check(chains)
    burn_in = None if burn_in is None else BURN_IN.check(burn_in)
    thin = None if thin is None else THIN.check(thin)
    steps, refine, batch_size = STEPS.check(steps), REFINE.check(refine), BATCH_SIZE.check(batch_size)
    check_ising_memory(n, L)
    generator = torch.Generator().manual_seed(seed)
    if sampler == "diffusion":
        return _sample_diffusion(L=L, T=T, J=J, h=h, n=n, solver=solver, steps=steps, refine_sweeps=refine,
                                 model=model, batch_size=batch_size, device=device, precision=precision,
                                 callback=callback, generator=generator)
    options = {"burn_in": burn_in} if burn_in is not None else {}
    if thin is not None:
        options["thin"] = thin
    per_chain = math.ceil(n / chains)
    start = time.perf_counter()
    run = MCMC_SAMPLERS[sampler](
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


def _sample_diffusion(*, L, T, J, h, n, solver, steps, refine_sweeps, model, batch_size, device, precision, callback,
                      generator):
    from boltz.diffusion.ising_sampling import sample_ising_diffusion
    from boltz.models import resolve_ising_model

    if J != 1.0 or h != 0.0:
        raise ValueError("the Ising diffusion models are trained at J = 1, h = 0")
    network = resolve_ising_model(L, model, device=device)
    start = time.perf_counter()
    run = sample_ising_diffusion(network, L=L, T=T, n=n, solver=solver, steps=steps, refine_sweeps=refine_sweeps,
                                 batch_size=batch_size, precision=precision, callback=callback, generator=generator)
    seconds = time.perf_counter() - start
    return IsingSampleSet(
        spins=run.spins, energies=energy(run.spins), magnetizations=magnetization(run.spins),
        sampler="diffusion", L=L, T=T, J=J, h=h, n_chains=n, seconds=seconds,
        details={"model": str(network.folder), "trained_L": network.config["L"], "device": str(network.device),
                 "precision": run.precision, "solver": solver, "steps": steps,
                 "refine": refine_sweeps, "denoise_seconds": run.denoise_seconds,
                 "refine_seconds": run.refine_seconds},
    )
