"""Denoising score matching for the Lennard-Jones model on the torus (Vincent 2011; Song et al. 2021, VE SDE).

The network predicts ε_eff, the wrapped-Gaussian noise with ∇ log p(x_t | x_0) = −ε_eff/σ
(:func:`boltz.diffusion.torus.wrapped_eps`), at log σ uniform in [log σ_min, log σ_max]: score
matching weighted by λ(σ) = σ², the ε-MSE of the Ising trainer. The optimisation loop, EMA,
checkpoints, resume and cancellation are the shared ones of :mod:`boltz.diffusion.training`.
Each step draws its minibatch from one particle number N (chosen at random among the data's
sizes) with a random symmetry of the periodic square box per sample: a translation, a quarter
turn and a reflection.
"""

from __future__ import annotations

import json
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

__all__ = ["augment_particles", "lj_settings", "torus_dsm_loss", "train_lj"]


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


def torus_dsm_loss(network, schedule: WrappedVE, x0: torch.Tensor, temperature: torch.Tensor, box: float,
                   generator: torch.Generator) -> torch.Tensor:
    """E_{t, ε} ‖ε̂(x_0 + σε, σ, T) − ε_eff(σε)‖², t ~ U[t_min, 1] (DSM with the exact wrapped-Gaussian target)."""
    t = schedule.t_min + (1.0 - schedule.t_min) * torch.rand(x0.shape[0], generator=generator)
    sigma = schedule.sigma(t)
    noise = torch.randn(x0.shape, generator=generator)
    x0, sigma, noise, temperature = on_device_of(network, x0, sigma, noise, temperature)
    displacement = append_dims(sigma, x0.ndim) * noise
    target = wrapped_eps(displacement, sigma, box)
    return (network(x0 + displacement, sigma, temperature, box=box) - target).square().mean()


def lj_settings(data: LJDataConfig, network: ParticleNetConfig, schedule: dict, train: TrainConfig) -> dict:
    """Everything that defines a run, as stored in config.json (JSON-normalised, so a resume compares like with like)."""
    settings = {"system": "lj", "sizes": list(data.sizes), "density": data.density, "T_range": [data.T_min, data.T_max],
                "potential": potential_name(data.shifted), "network": network.to_dict(), "schedule": schedule,
                "data": asdict(data), "training": asdict(train)}
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
) -> TrainResult:
    """Train (or resume, if ``folder`` holds a checkpoint of the same settings) and checkpoint into ``folder``.

    The default schedule runs σ from 0.01 to the largest training box, where the wrapped Gaussian
    is uniform. ``callback`` and cancellation as in :func:`boltz.diffusion.training.run_training`;
    data generation reports ``{"phase": "data", …}`` frames first, and True there cancels before the first step.
    """
    boxes = {N: box_side(N, data.density) for N in data.sizes}
    schedule = schedule or {"name": "wrapped_ve", "sigma_min": 0.01, "sigma_max": max(boxes.values()), "t_min": 0.0}
    sde = schedule_from_dict(schedule)
    if not isinstance(sde, WrappedVE):
        raise ValueError(f"the Lennard-Jones model needs the wrapped_ve schedule, got {schedule.get('name')!r}")
    settings = lj_settings(data, network, schedule, train)
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
        return torus_dsm_loss(model, sde, x0, dataset.temperatures[index], dataset.box, generator)

    return run_training(state, folder, settings=settings, train=train, batch_loss=batch_loss, init_from=init_from,
                        callback=callback)
