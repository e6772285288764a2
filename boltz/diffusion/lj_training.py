"""Denoising score matching for the Lennard-Jones model on the torus (Vincent 2011; Song et al. 2021, VE SDE).

The network predicts ε_eff, the wrapped-Gaussian noise with ∇ log p(x_t | x_0) = −ε_eff/σ
(:func:`boltz.diffusion.torus.wrapped_eps`), at log σ uniform in [log σ_min, log σ_max]: score
matching weighted by λ(σ) = σ², the ε-MSE of the Ising trainer. ``sigma_sampling="cage"`` draws
half of each batch's σ from a log-normal around the nearest-neighbour cage scale instead (see
:func:`training_sigmas`). The optimisation loop, EMA,
checkpoints, resume and cancellation are the shared ones of :mod:`boltz.diffusion.training`.
Each step draws its minibatch from one particle number N (chosen at random among the data's
sizes) with a random symmetry of the periodic square box per sample: a translation, a quarter
turn and a reflection.
"""

from __future__ import annotations

import json
import math
from dataclasses import asdict

import torch

from boltz.diffusion.checkpoint import schedule_from_dict
from boltz.diffusion.data import DataCancelled
from boltz.diffusion.lj_data import LJDataConfig, load_or_generate_lj
from boltz.diffusion.particle_network import ParticleNetConfig, ParticleScoreNet
from boltz.diffusion.torus import WrappedVE, wrap, wrapped_eps
from boltz.diffusion.training import (TrainConfig, TrainResult, cancelled_before_training, on_device_of, run_training,
                                     start_training)
from boltz.diffusion.utils import append_dims
from boltz.systems.lennard_jones import box_side, potential_name

__all__ = ["SIGMA_SAMPLINGS", "augment_particles", "lj_settings", "torus_dsm_loss", "train_lj", "training_sigmas"]

SIGMA_SAMPLINGS = ("log_uniform", "cage")
# The nearest-neighbour cage of the dense fluid: where the log-uniform model's score was worst (README).
CAGE_SIGMA = 0.3


def augment_particles(positions: torch.Tensor, box: float, generator: torch.Generator) -> torch.Tensor:
    """A random symmetry of the periodic square box per sample: ``[B, N, 2] → [B, N, 2]`` in [0, box)."""
    batch = positions.shape[0]
    x = positions.clone()
    # Quarter turns (x, y) → (−y, x) and the reflection (x, y) → (y, x) map the torus onto itself.
    turns = torch.randint(0, 4, (batch,), generator=generator)
    for _ in range(3):
        turning = turns > 0
        x[turning] = torch.stack([-x[turning][..., 1], x[turning][..., 0]], dim=-1)
        turns = turns - 1
    reflect = torch.randint(0, 2, (batch,), generator=generator).bool()
    x[reflect] = x[reflect].flip(-1)
    # Translation: one uniform shift per sample
    shift = box * torch.rand(batch, 1, 2, generator=generator, dtype=x.dtype)
    return wrap(x + shift, box)


def training_sigmas(schedule: WrappedVE, batch: int, generator: torch.Generator, how: str = "log_uniform") -> torch.Tensor:
    """Noise levels of one batch ``[batch]``: σ(t) with t ~ U[t_min, 1], i.e. log-uniform on [σ_min, σ_max];
    with ``how="cage"`` each sample instead takes, with probability ½, ln σ ~ N(ln 0.3, 1) clipped to that range
    (the EDM-style log-normal of Karras et al. 2022 centred on the cage scale, the rest left log-uniform so the
    large-σ score near the uniform prior keeps its share)."""
    if how not in SIGMA_SAMPLINGS:
        raise ValueError(f"sigma sampling must be one of {', '.join(SIGMA_SAMPLINGS)}, got {how!r}")
    t = schedule.t_min + (1.0 - schedule.t_min) * torch.rand(batch, generator=generator)
    sigma = schedule.sigma(t)
    if how == "cage":
        log_normal = torch.exp(math.log(CAGE_SIGMA) + torch.randn(batch, generator=generator))
        low, high = float(schedule.sigma(torch.tensor([schedule.t_min]))), schedule.sigma_max
        sigma = torch.where(torch.rand(batch, generator=generator) < 0.5, log_normal.clamp(low, high), sigma)
    return sigma


def torus_dsm_loss(network, schedule: WrappedVE, x0: torch.Tensor, temperature: torch.Tensor, box: float,
                   generator: torch.Generator, sigma_sampling: str = "log_uniform") -> torch.Tensor:
    """E_{σ, ε} ‖ε̂(x_0 + σε, σ, T) − ε_eff(σε)‖², σ from :func:`training_sigmas` (DSM with the exact wrapped-Gaussian target)."""
    sigma = training_sigmas(schedule, x0.shape[0], generator, sigma_sampling)
    noise = torch.randn(x0.shape, generator=generator)
    x0, sigma, noise, temperature = on_device_of(network, x0, sigma, noise, temperature)
    displacement = append_dims(sigma, x0.ndim) * noise
    target = wrapped_eps(displacement, sigma, box)
    return (network(x0 + displacement, sigma, temperature, box=box) - target).square().mean()


def lj_settings(data: LJDataConfig, network: ParticleNetConfig, schedule: dict, train: TrainConfig,
                sigma_sampling: str = "log_uniform") -> dict:
    """Everything that defines a run, as stored in config.json (JSON-normalised, so a resume compares like with like)."""
    settings = {"system": "lj", "sizes": list(data.sizes), "density": data.density, "T_range": [data.T_min, data.T_max],
                "potential": potential_name(data.shifted), "network": network.to_dict(), "schedule": schedule,
                "data": asdict(data), "training": asdict(train), "sigma_sampling": sigma_sampling}
    return json.loads(json.dumps(settings))


def train_lj(
    folder,
    *,
    data: LJDataConfig = LJDataConfig(),
    network: ParticleNetConfig = ParticleNetConfig(),
    schedule: dict | None = None,
    train: TrainConfig = TrainConfig(),
    cache_dir="data",
    init_from=None,
    callback=None,
    device=None,
    sigma_sampling: str = "log_uniform",
) -> TrainResult:
    """Train (or resume, if ``folder`` holds a checkpoint of the same settings) and checkpoint into ``folder``.

    The default schedule runs σ from 0.01 to the largest training box, where the wrapped Gaussian
    is uniform. ``callback`` and cancellation as in :func:`boltz.diffusion.training.run_training`;
    data generation reports ``{"phase": "data", …}`` frames first, and True there cancels before the first step.
    """
    boxes = {N: box_side(N, data.density) for N in data.sizes}
    if 2 * network.r_cut > min(boxes.values()) * (1 + 1e-12):
        raise ValueError(f"r_cut {network.r_cut:g} is more than half the smallest training box "
                         f"{min(boxes.values()):.4g} (N = {min(boxes, key=boxes.get)}, density {data.density:g})")
    schedule = schedule or {"name": "wrapped_ve", "sigma_min": 0.01, "sigma_max": max(boxes.values()), "t_min": 0.0}
    sde = schedule_from_dict(schedule)
    if not isinstance(sde, WrappedVE):
        raise ValueError(f"the Lennard-Jones model needs the wrapped_ve schedule, got {schedule.get('name')!r}")
    if sigma_sampling not in SIGMA_SAMPLINGS:
        raise ValueError(f"sigma sampling must be one of {', '.join(SIGMA_SAMPLINGS)}, got {sigma_sampling!r}")
    settings = lj_settings(data, network, schedule, train, sigma_sampling)
    state = start_training(folder, settings=settings, make_network=lambda: ParticleScoreNet(network), train=train,
                           init_from=init_from, device=device)
    try:
        datasets = load_or_generate_lj(data, cache_dir, callback=callback)
    except DataCancelled:
        return cancelled_before_training(folder, state)

    def batch_loss(model, generator: torch.Generator) -> torch.Tensor:
        # Minibatch of one N, with a random box symmetry per sample
        dataset = datasets[int(torch.randint(0, len(datasets), (1,), generator=generator))]
        index = torch.randint(0, dataset.positions.shape[0], (train.batch_size,), generator=generator)
        x0 = augment_particles(dataset.positions[index], dataset.box, generator)
        return torus_dsm_loss(model, sde, x0, dataset.temperatures[index], dataset.box, generator, sigma_sampling)

    return run_training(state, folder, settings=settings, train=train, batch_loss=batch_loss, init_from=init_from,
                        callback=callback)
