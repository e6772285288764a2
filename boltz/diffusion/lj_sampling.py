"""Lennard-Jones configurations from a trained torus diffusion model: reverse process, wrap, optional Metropolis refinement."""

from __future__ import annotations

import time
from dataclasses import dataclass

import torch

from boltz.diffusion.checkpoint import DiffusionModel
from boltz.diffusion.sampling import CORRECTORS, SAMPLERS
from boltz.diffusion.torus import wrap
from boltz.diffusion.utils import random_normal
from boltz.mcmc.displacement import refine_lj, tune_step_size
from boltz.systems.lennard_jones import box_side, check_box
from boltz.validation import BATCH_SIZE, CORRECTOR_STEPS, PARTICLES, REFINE, SAMPLES, TEMPERATURE

REFINE_TUNING_SWEEPS = 10  # δ for --refine is tuned on a copy of (up to) 64 samples, then frozen
REFINE_TUNING_SAMPLES = 64


@dataclass(frozen=True)
class LJDiffusionRun:
    """``positions`` [n, N, 2] float64 in [0, box); seconds of denoising and of refinement; the refinement's δ (or None)."""

    positions: torch.Tensor
    denoise_seconds: float
    refine_seconds: float
    refine_step_size: float | None


def sample_lj_diffusion(
    model: DiffusionModel,
    *,
    N: int,
    density: float,
    T: float,
    n: int,
    solver: str = "sde",
    steps: int = 100,
    corrector_steps: int = 1,
    corrector: str = "lm",
    refine_sweeps: int = 0,
    shifted: bool = True,
    batch_size: int = 256,
    callback=None,
    generator: torch.Generator | None = None,
) -> LJDiffusionRun:
    """``n`` configurations of N particles at (ρ, T) from the model, ``batch_size`` at a time.

    ``corrector_steps`` Langevin steps per level and their integrator ``corrector``
    (:data:`~boltz.diffusion.sampling.CORRECTORS`) are the ``pc`` solver's; other solvers take the defaults.
    ``callback`` gets each sampler frame with ``phase="denoise"``, ``batch``, ``sample_offset``, ``total``
    and ``positions`` (the current x_t wrapped into the box, ``[b, N, 2]``) added. ``refine_sweeps``
    Metropolis sweeps at T follow, with a step size tuned on a copy of the first samples and then frozen.

    The solvers end on the posterior mean x̂_0 = E[x_0 | x_{t_min}], whose spread falls short of the data's by
    σ_min² = σ(t_min)² in every coordinate: a particle's vibration in its neighbours' cage (variance v ≈ 0.006 in
    the dense fluid) comes out v − σ_min², which cools the dense fluid by 0.6 % in U/N (README). The samples are
    instead drawn from p(x_0 | x_{t_min}) ≈ N(x̂_0, σ_min² I), exact to O(σ_min²/v) where every length of the
    data is ≫ σ_min, as here.
    """
    if model.config.get("system") != "lj":
        raise ValueError(f"{model.folder} is not a Lennard-Jones model (system {model.config.get('system')!r})")
    N = PARTICLES.check(N)
    box, T = check_box(box_side(N, density)), TEMPERATURE.check(T)
    n = SAMPLES.check(n)
    batch_size = BATCH_SIZE.check(batch_size)
    refine_sweeps = REFINE.check(refine_sweeps)
    if solver not in SAMPLERS:
        raise ValueError(f"unknown diffusion solver {solver!r}; choose one of {', '.join(SAMPLERS)}")
    corrector_steps = CORRECTOR_STEPS.check(corrector_steps)
    if solver != "pc" and corrector_steps != 1:
        raise ValueError(f"corrector steps are the pc solver's; the {solver} solver has none (got {corrector_steps})")
    if corrector not in CORRECTORS:
        raise ValueError(f"unknown corrector {corrector!r}; choose one of {', '.join(CORRECTORS)}")
    if solver != "pc" and corrector != "lm":
        raise ValueError(f"the corrector is the pc solver's; the {solver} solver has none (got {corrector!r})")
    options = {"corrector_steps": corrector_steps, "corrector": corrector} if solver == "pc" else {}
    trained = model.config["density"]
    if abs(trained - density) > 1e-9 * density:
        raise ValueError(f"the model {model.folder.name} was trained at density {trained:g}, not {density:g}")
    low, high = model.config["T_range"]
    if not low <= T <= high:
        raise ValueError(f"T = {T:g} is outside the model's training range [{low:g}, {high:g}]")
    network, schedule = model.network, model.schedule
    final_sigma = float(schedule.sigma(torch.tensor([schedule.t_min], dtype=torch.float64)))

    def score_model(x, t, temperature):
        return network(x, schedule.sigma(t), temperature, box=box)

    chunks, denoise_seconds, refine_seconds, step_size = [], 0.0, 0.0, None
    for batch, offset in enumerate(range(0, n, batch_size)):
        size = min(batch_size, n - offset)

        def frame(data: dict, batch=batch, offset=offset) -> None:
            if callback is not None:
                callback({**data, "phase": "denoise", "batch": batch, "sample_offset": offset, "total": n,
                          "positions": wrap(data["x"].detach().cpu().to(torch.float64), box)})

        start = time.perf_counter()
        # Reverse process from the uniform prior, then the torus point of the final lift
        x1 = schedule.prior_sample((size, N, 2), box=box, generator=generator, device=model.device)
        denoised = SAMPLERS[solver](score_model, x1, schedule, steps=steps,
                                    condition=torch.full((size,), T, device=model.device), callback=frame,
                                    generator=generator, **options)
        # Last step: a draw from p(x_0 | x_{t_min}) ≈ N(x̂_0, σ_min² I) instead of its mean x̂_0 (see the docstring)
        x0 = denoised + final_sigma * random_normal(denoised.shape, generator=generator, dtype=denoised.dtype,
                                                    device=denoised.device)
        positions = wrap(x0.cpu().to(torch.float64), box)
        denoise_seconds += time.perf_counter() - start
        # Optional hybrid: a few Metropolis sweeps at T with a tuned, then frozen, step size
        if refine_sweeps:
            start = time.perf_counter()
            if step_size is None:
                step_size = tune_step_size(positions[:REFINE_TUNING_SAMPLES], box=box, T=T, sweeps=REFINE_TUNING_SWEEPS,
                                           shifted=shifted, generator=generator)
            positions = refine_lj(positions, sweeps=refine_sweeps, box=box, T=T, step_size=step_size, shifted=shifted,
                                  generator=generator)
            refine_seconds += time.perf_counter() - start
        chunks.append(positions)
    return LJDiffusionRun(torch.cat(chunks), denoise_seconds, refine_seconds, step_size)
