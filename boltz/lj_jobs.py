"""Lennard-Jones sampling jobs as plain functions: the one path the CLI (and the pages) take to the LJ samplers."""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field, replace

import torch

from boltz.mcmc.displacement import sample_lj_metropolis
from boltz.systems.lennard_jones import box_side, check_box, energy, lattice_positions, potential_name
from boltz.validation import (BATCH_SIZE, BURN_IN, CHAINS, CORRECTOR_STEPS, DENSITY, PARTICLES, REFINE, SAMPLES,
                              SEED, STEPS, TEMPERATURE, THIN, check_memory)

LJ_SAMPLERS = ("metropolis", "diffusion")
# Peak memory per coordinate of a run written as CSV, measured (growth of the peak RSS of `python -m boltz
# sample lj` from n = 50 000 to 150 000 at N = 32): the float64 samples, their copies and the CSV text.
BYTES_PER_COORDINATE = 400


@dataclass(frozen=True)
class LJSampleSet:
    """Samples of one run in chain-major order: ``positions`` [S, N, 2] float64 in [0, box), ``energies`` (total U) [S]."""

    positions: torch.Tensor
    energies: torch.Tensor
    sampler: str
    N: int
    density: float
    T: float
    box: float
    shifted: bool
    n_chains: int
    seconds: float
    details: dict = field(default_factory=dict)

    @property
    def potential(self) -> str:
        return potential_name(self.shifted)


def check_state_point(N, density, T) -> tuple[int, float, float, float]:
    """(N, ρ, T, box) of a valid state point: box = √(N/ρ) ≥ 2 r_c."""
    N = PARTICLES.check(N)
    box = check_box(box_side(N, density))
    return N, DENSITY.check(density), TEMPERATURE.check(T), box


def check_lj_memory(n: int, N: int) -> None:
    """Refuse, before sampling, ``n`` configurations of N particles that would not fit in the memory available now."""
    check_memory(f"2·n·N = {2 * n * N:.3g} coordinates", BYTES_PER_COORDINATE * 2 * n * N, "ask for fewer samples")


def sample_lj(
    sampler: str,
    *,
    N: int,
    density: float,
    T: float,
    n: int = 1000,
    seed: int = 0,
    shifted: bool = True,
    chains: int = 8,
    burn_in: int | None = None,
    thin: int | None = None,
    solver: str | None = None,
    steps: int | None = None,
    corrector_steps: int | None = None,
    corrector: str | None = None,
    refine: int = 0,
    model=None,
    batch_size: int = 256,
    device=None,
    callback=None,
) -> LJSampleSet:
    """Draw ``n`` Lennard-Jones samples at (N, ρ, T) with the named sampler, seeded by ``seed``.

    Metropolis starts ``chains`` chains from a square lattice, tunes its step during ``burn_in``
    sweeps (default 1000) and records every ``thin`` sweeps (default 10). The diffusion sampler
    uses ``solver``, ``steps``, ``corrector_steps`` and ``corrector`` (default: the model's tested setting,
    :func:`boltz.models.lj_sampling_for`, when no solver is named, else 100 steps and 1 ``lm`` corrector step),
    ``refine`` (Metropolis sweeps after the last step), ``model`` (a checkpoint folder or name; default:
    a model of this density and T range, trained closest to N), ``batch_size`` and ``device`` (where the
    network runs; default CPU).
    """
    if sampler not in LJ_SAMPLERS:
        raise ValueError(f"unknown sampler {sampler!r}; choose one of {', '.join(LJ_SAMPLERS)}")
    N, density, T, box = check_state_point(N, density, T)
    n, seed, chains = SAMPLES.check(n), SEED.check(seed), CHAINS.check(chains)
    if not isinstance(shifted, bool):
        raise ValueError(f"shifted must be true or false, got {shifted!r}")
    burn_in = 1000 if burn_in is None else BURN_IN.check(burn_in)
    thin = 10 if thin is None else THIN.check(thin)
    steps = None if steps is None else STEPS.check(steps)
    corrector_steps = None if corrector_steps is None else CORRECTOR_STEPS.check(corrector_steps)
    refine, batch_size = REFINE.check(refine), BATCH_SIZE.check(batch_size)
    check_lj_memory(n, N)
    generator = torch.Generator().manual_seed(seed)
    if sampler == "diffusion":
        return _sample_diffusion(N=N, density=density, T=T, box=box, n=n, shifted=shifted, solver=solver, steps=steps,
                                 corrector_steps=corrector_steps, corrector=corrector, refine_sweeps=refine, model=model,
                                 batch_size=batch_size, device=device, callback=callback, generator=generator)
    per_chain = math.ceil(n / chains)
    start = time.perf_counter()
    run = sample_lj_metropolis(
        lattice_positions(chains, N, box), box=box, T=T, n_samples=per_chain,
        burn_in=burn_in, thin=thin,
        shifted=shifted, callback=callback, generator=generator,
    )
    seconds = time.perf_counter() - start
    return LJSampleSet(
        positions=run.flat_positions()[:n], energies=run.energies.T.reshape(-1)[:n],
        sampler=sampler, N=N, density=density, T=T, box=box, shifted=shifted, n_chains=chains, seconds=seconds,
        details={"step_size": run.step_size, "acceptance": run.acceptance,
                 "sweeps_per_sample": run.sweeps_per_sample, "burn_in_sweeps": run.burn_in_sweeps},
    )


def _sample_diffusion(*, N, density, T, box, n, shifted, solver, steps, corrector_steps, corrector, refine_sweeps,
                      model, batch_size, device, callback, generator):
    from boltz.diffusion.lj_sampling import sample_lj_diffusion
    from boltz.models import SamplerSettings, lj_sampling_for, resolve_lj_model

    network = resolve_lj_model(N, density, T, model, device=device)
    if network.config.get("potential") != potential_name(shifted):
        raise ValueError(f"the model {network.folder.name} was trained on the {network.config.get('potential')}, "
                         f"not the {potential_name(shifted)}")
    # No solver named: the model's tested setting, any explicit steps or corrector steps taking precedence
    base = lj_sampling_for(network) if solver is None else SamplerSettings(solver)
    asked = {"steps": steps, "corrector_steps": corrector_steps, "corrector": corrector}
    settings = replace(base, **{name: value for name, value in asked.items() if value is not None})
    start = time.perf_counter()
    run = sample_lj_diffusion(network, N=N, density=density, T=T, n=n, solver=settings.solver, steps=settings.steps,
                              corrector_steps=settings.corrector_steps, corrector=settings.corrector,
                              refine_sweeps=refine_sweeps, shifted=shifted,
                              batch_size=batch_size, callback=callback, generator=generator)
    seconds = time.perf_counter() - start
    return LJSampleSet(
        positions=run.positions, energies=energy(run.positions, box, shifted=shifted), sampler="diffusion", N=N,
        density=density, T=T, box=box, shifted=shifted, n_chains=n, seconds=seconds,
        details={"model": str(network.folder), "trained_sizes": network.config["sizes"], "device": str(network.device),
                 "solver": settings.solver, "steps": settings.steps, "corrector_steps": settings.corrector_steps,
                 "corrector": settings.corrector,
                 "sampling": settings.describe(), "refine": refine_sweeps, "refine_step_size": run.refine_step_size,
                 "denoise_seconds": run.denoise_seconds, "refine_seconds": run.refine_seconds},
    )
