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
from boltz.validation import MAX_SAMPLES, check_int, check_lattice, check_real, check_temperature

# The UI and the CLI pick samplers by name.
MCMC_SAMPLERS = {"metropolis": sample_metropolis, "wolff": sample_wolff}
ISING_SAMPLERS = (*MCMC_SAMPLERS, "diffusion")

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
    solver: str = DEFAULT_SOLVER,
    steps: int = DEFAULT_STEPS,
    refine: int = 0,
    model=None,
    batch_size: int = 500,
    device=None,
    callback=None,
) -> IsingSampleSet:
    """Draw ``n`` Ising samples with the named sampler, seeded by ``seed``.

    MCMC samplers start from a random configuration and use ``chains``, ``burn_in`` and ``thin``;
    the diffusion sampler uses ``solver``, ``steps``, ``refine`` (Metropolis sweeps after the
    projection), ``model`` (a checkpoint folder or name; default: the model trained closest to L),
    ``batch_size`` and ``device`` (where the network runs; default CPU).
    """
    if sampler not in ISING_SAMPLERS:
        raise ValueError(f"unknown sampler {sampler!r}; choose one of {', '.join(ISING_SAMPLERS)}")
    L, T = check_lattice(L), check_temperature(T)
    J, h = check_real("J", J), check_real("h", h)
    n = check_int("n", n, minimum=1, maximum=MAX_SAMPLES)
    seed = check_int("seed", seed, minimum=0, maximum=2**63 - 1)
    chains = check_int("chains", chains, minimum=1, maximum=4096)
    if n * L * L > MAX_SPINS_IN_MEMORY:
        raise ValueError(f"n·L² = {n * L * L:.3g} spins would not fit in memory; ask for fewer samples")
    generator = torch.Generator().manual_seed(seed)
    if sampler == "diffusion":
        return _sample_diffusion(L=L, T=T, J=J, h=h, n=n, solver=solver, steps=steps, refine_sweeps=refine,
                                 model=model, batch_size=batch_size, device=device, callback=callback,
                                 generator=generator)
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


def _sample_diffusion(*, L, T, J, h, n, solver, steps, refine_sweeps, model, batch_size, device, callback, generator):
    from boltz.diffusion.ising_sampling import sample_ising_diffusion
    from boltz.models import resolve_ising_model

    if J != 1.0 or h != 0.0:
        raise ValueError("the Ising diffusion models are trained at J = 1, h = 0")
    network = resolve_ising_model(L, model, device=device)
    start = time.perf_counter()
    run = sample_ising_diffusion(network, L=L, T=T, n=n, solver=solver, steps=steps, refine_sweeps=refine_sweeps,
                                 batch_size=batch_size, callback=callback, generator=generator)
    seconds = time.perf_counter() - start
    return IsingSampleSet(
        spins=run.spins, energies=energy(run.spins), magnetizations=magnetization(run.spins),
        sampler="diffusion", L=L, T=T, J=J, h=h, n_chains=n, seconds=seconds,
        details={"model": str(network.folder), "trained_L": network.config["L"], "device": str(network.device),
                 "solver": solver, "steps": steps,
                 "refine": refine_sweeps, "denoise_seconds": run.denoise_seconds,
                 "refine_seconds": run.refine_seconds},
    )
