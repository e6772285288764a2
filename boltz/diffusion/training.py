"""Denoising score matching for the temperature-conditioned diffusion models (Vincent 2011; Ho et al. 2020; Song et al. 2021).

The loop (``start_training`` + ``run_training``) is shared by every system; ``train_ising`` here and
``boltz.diffusion.lj_training.train_lj`` give it their data, network and loss.

Ising: the network predicts ε in x_t = α(t) x_0 + σ(t) ε, with t ~ U[t_min, 1] and the plain
ε-MSE. That is score matching weighted by λ(t) = σ(t)², the weighting under which the
loss is well scaled at every noise level, and the forward process is exactly the
``schedule`` the samplers reverse. Adam with linear warm-up and cosine decay, gradient-norm
clipping, an EMA of the weights (what sampling uses), periodic atomic checkpoints and
resume. Symmetries of the Ising measure enter as augmentation: global spin flip, random
translations, rotations by 90° and reflections.
"""

from __future__ import annotations

import math
import time
from dataclasses import asdict, dataclass
from pathlib import Path

import torch

from boltz.device import as_device
from boltz.diffusion.checkpoint import CONFIG, load_model, load_train_state, save_checkpoint, schedule_from_dict
from boltz.diffusion.data import DataCancelled, IsingDataConfig, load_or_generate
from boltz.diffusion.networks import PeriodicUNet, UNetConfig
from boltz.validation import BATCH_SIZE, SEED, TRAINING_STEPS, Parameter, check_int, check_real


@dataclass(frozen=True)
class TrainConfig:
    """Optimisation settings."""

    steps: int = 20_000
    batch_size: int = 128
    learning_rate: float = 2e-3
    warmup: int = 250
    final_lr_fraction: float = 0.05
    ema_decay: float = 0.999
    grad_clip: float = 1.0
    checkpoint_every: int = 500
    seed: int = 0

    def __post_init__(self):
        TRAINING_STEPS.check(self.steps)
        BATCH_SIZE.check(self.batch_size)
        Parameter("learning_rate", 0, 10, above=True).check(self.learning_rate)
        check_int("warmup", self.warmup, minimum=0, maximum=TRAINING_STEPS.maximum)
        check_int("checkpoint_every", self.checkpoint_every, minimum=1, maximum=TRAINING_STEPS.maximum)
        SEED.check(self.seed)
        if not 0 <= self.ema_decay < 1:
            raise ValueError(f"ema_decay must be in [0, 1), got {self.ema_decay}")


@dataclass(frozen=True)
class TrainResult:
    folder: Path
    step: int
    seconds: float
    loss: float
    cancelled: bool


def augment(spins: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
    """A random lattice symmetry and global flip per sample: ``[B, L, L]`` int8 → ``[B, 1, L, L]`` float32."""
    batch, L, _ = spins.shape
    # Translations: an independent (dy, dx) shift for every sample.
    shifts = torch.randint(0, L, (batch, 2), generator=generator)
    rows = (torch.arange(L)[None, :] + shifts[:, :1]) % L
    cols = (torch.arange(L)[None, :] + shifts[:, 1:]) % L
    x = spins[torch.arange(batch)[:, None, None], rows[:, :, None], cols[:, None, :]].float()
    # Point group of the square: a rotation by k·90° and an optional reflection.
    turns = torch.randint(0, 4, (batch,), generator=generator)
    for k in range(1, 4):
        chosen = turns == k
        x[chosen] = torch.rot90(x[chosen], k, dims=(-2, -1))
    reflect = torch.randint(0, 2, (batch,), generator=generator).bool()
    x[reflect] = x[reflect].transpose(-2, -1)
    # Z2: flip every spin of half the samples.
    sign = 2.0 * torch.randint(0, 2, (batch,), generator=generator).float() - 1.0
    return (x * sign[:, None, None])[:, None]


def check_t_band(schedule, band: tuple[float, float]) -> tuple[float, float]:
    """``band`` = (low, high) as floats if t_min ≤ low < high ≤ 1, else ValueError."""
    low, high = (float(value) for value in band)
    if not schedule.t_min <= low < high <= 1.0:
        raise ValueError(f"t band must satisfy t_min = {schedule.t_min:g} ≤ low < high ≤ 1, got ({low:g}, {high:g})")
    return low, high


def training_times(schedule, batch: int, generator: torch.Generator,
                   band: tuple[float, float] | None = None) -> torch.Tensor:
    """Noise levels t ``[batch]``: t ~ U[t_min, 1], or with ``band`` = (a, b) the mixture ½ U[t_min, 1] + ½ U[a, b].

    The band raises the loss weight of the levels where, measured by partial denoising of Wolff samples
    (``python -m boltz bench partial``), the L = 32 model's energy bias enters; every level keeps at least half
    its uniform weight.
    ``band`` is assumed checked (:func:`check_t_band`).
    """
    t = schedule.t_min + (1.0 - schedule.t_min) * torch.rand(batch, generator=generator)
    if band is None:
        return t
    low, high = band
    in_band = torch.rand(batch, generator=generator) < 0.5
    return torch.where(in_band, low + (high - low) * torch.rand(batch, generator=generator), t)


def dsm_loss(network, schedule, x0: torch.Tensor, temperature: torch.Tensor, generator: torch.Generator,
             *, t_band: tuple[float, float] | None = None, k0_weight: float | None = None) -> torch.Tensor:
    """E_{t, ε} ‖ε̂(α x_0 + σ ε, t, T) − ε‖²_W, t from :func:`training_times` (ε-prediction DSM, Ho et al. 2020 eq. 14).

    ``x0`` [B, 1, L, L]. By Parseval the plain per-site mean square weighs each of the L² Fourier modes of
    δ = ε̂ − ε equally, so the lattice mean (k = 0, the mode that carries the magnetization) holds 1/L² of
    the loss. ``k0_weight`` w multiplies that mode's weight: W adds (w − 1)·mean(δ)². Any positive
    weighting leaves the minimiser E[ε | x_t] unchanged; it moves where a finite network spends its error.
    """
    t = training_times(schedule, x0.shape[0], generator, t_band)
    eps = torch.randn(x0.shape, generator=generator)
    x0, t, eps, temperature = on_device_of(network, x0, t, eps, temperature)
    x_t = schedule.marginal(x0, t, eps)
    error = network(x_t, t, temperature) - eps
    loss = error.square().mean()
    if k0_weight is not None:
        loss = loss + (k0_weight - 1.0) * error.mean(dim=(-2, -1)).square().mean()
    return loss


def on_device_of(network: torch.nn.Module, *tensors: torch.Tensor) -> tuple[torch.Tensor, ...]:
    """The minibatch moved to the network's device (batches are drawn on the CPU generator, see boltz.device)."""
    device = next(network.parameters()).device
    return tuple(tensor.to(device) for tensor in tensors)


def learning_rate(step: int, config: TrainConfig) -> float:
    """Linear warm-up, then cosine decay to ``final_lr_fraction`` of the peak."""
    if step < config.warmup:
        return config.learning_rate * (step + 1) / config.warmup
    progress = (step - config.warmup) / max(1, config.steps - config.warmup)
    floor = config.final_lr_fraction
    return config.learning_rate * (floor + (1 - floor) * 0.5 * (1 + math.cos(math.pi * min(1.0, progress))))


def _settings(data: IsingDataConfig, network: UNetConfig, schedule: dict, train: TrainConfig,
              t_band: tuple[float, float] | None, k0_weight: float | None) -> dict:
    return {"system": "ising", "L": data.L, "T_range": [data.T_min, data.T_max], "network": network.to_dict(),
            "schedule": schedule, "data": asdict(data), "training": asdict(train),
            "t_band": list(t_band) if t_band else None, "k0_weight": k0_weight}


def _without_steps(settings: dict) -> dict:
    return {**settings, "training": {k: v for k, v in (settings.get("training") or {}).items() if k != "steps"}}


def train_ising(
    folder,
    *,
    data: IsingDataConfig = IsingDataConfig(),
    network: UNetConfig = UNetConfig(),
    schedule: dict | None = None,
    train: TrainConfig = TrainConfig(),
    t_band: tuple[float, float] | None = None,
    k0_weight: float | None = None,
    cache_dir="data",
    init_from=None,
    callback=None,
    device=None,
) -> TrainResult:
    """Train (or resume, if ``folder`` holds a checkpoint of the same settings) and checkpoint into ``folder``.

    The networks live on ``device`` (default CPU); checkpoints are device-free.
    ``callback(dict)`` is called every step with step, steps, loss, loss_avg, lr, elapsed, eta; returning
    True cancels: the run saves a checkpoint and returns with ``cancelled=True``. It also gets the
    ``{"phase": "data", …}`` frames of :func:`boltz.diffusion.data.generate_ising_dataset` first; True there
    cancels before the first step (see :func:`cancelled_before_training`). ``init_from`` starts from
    another checkpoint's EMA weights (same network config), e.g. a smaller lattice's model. ``t_band`` adds
    weight to a band of noise levels (:func:`training_times`); ``k0_weight`` to the lattice-mean mode of the
    ε error (:func:`dsm_loss`; None is the plain ε-MSE).
    """
    schedule = schedule or {"name": "linear", "beta_min": 0.1, "beta_max": 20.0, "t_min": 1e-3}
    sde = schedule_from_dict(schedule)
    if t_band is not None:
        t_band = check_t_band(sde, t_band)  # before any folder or data is written
    if k0_weight is not None:
        k0_weight = check_real("k0 weight", k0_weight, positive=True)
    settings = _settings(data, network, schedule, train, t_band, k0_weight)
    state = start_training(folder, settings=settings, make_network=lambda: PeriodicUNet(network), train=train,
                           init_from=init_from, device=device)
    try:
        dataset = load_or_generate(data, cache_dir, callback=callback)
    except DataCancelled:
        return cancelled_before_training(folder, state)
    n_data = dataset.spins.shape[0]

    def batch_loss(model, generator: torch.Generator) -> torch.Tensor:
        # Minibatch with a random symmetry per sample
        index = torch.randint(0, n_data, (train.batch_size,), generator=generator)
        x0 = augment(dataset.spins[index], generator)
        return dsm_loss(model, sde, x0, dataset.temperatures[index], generator, t_band=t_band, k0_weight=k0_weight)

    return run_training(state, folder, settings=settings, train=train, batch_loss=batch_loss, init_from=init_from,
                        callback=callback)


@dataclass
class TrainingState:
    """What the loop updates: raw and EMA networks, optimizer, the data generator, and progress so far."""

    model: torch.nn.Module
    ema: torch.nn.Module
    optimizer: torch.optim.Optimizer
    generator: torch.Generator
    step: int = 0
    seconds: float = 0.0
    loss_avg: float = float("nan")


def start_training(folder, *, settings: dict, make_network, train: TrainConfig, init_from=None,
                   device=None) -> TrainingState:
    """Fresh networks seeded by ``train.seed``, or the state of the checkpoint in ``folder`` when it has the same ``settings``.

    ``make_network()`` builds the (untrained) network; ``settings`` is everything that defines the run
    (it goes to config.json), with the network's config under ``"network"``. Resuming may extend the
    run (more steps); every other setting must match. ``init_from`` starts a fresh run from another
    checkpoint's EMA weights with the same network config.
    """
    folder = Path(folder)
    # nn.Module initialisers draw from torch's global generator: seed it inside a scope that restores it.
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(train.seed)
        model = make_network().to(as_device(device))
    ema = make_network().to(as_device(device))
    state = TrainingState(model, ema, torch.optim.Adam(model.parameters(), lr=train.learning_rate),
                          torch.Generator().manual_seed(train.seed))
    if (folder / CONFIG).exists():
        saved, ema_state, model_state, optimizer_state, rng = load_train_state(folder)
        if _without_steps({k: saved.get(k) for k in settings}) != _without_steps(settings):
            raise ValueError(f"{folder} holds a checkpoint trained with other settings; choose another --out")
        model.load_state_dict(model_state)
        ema.load_state_dict(ema_state)
        state.optimizer.load_state_dict(optimizer_state)
        state.generator.set_state(rng)
        state.step, state.seconds, state.loss_avg = saved["step"], saved["seconds"], saved["loss"]
    else:
        if init_from is not None:
            start = load_model(init_from)
            # Through the config class, so a checkpoint written before a field existed compares with its default
            if start.network.config.to_dict() != settings["network"]:
                raise ValueError(f"--init {init_from} has a different network config")
            model.load_state_dict(start.network.state_dict())
        ema.load_state_dict(model.state_dict())
    ema.requires_grad_(False)
    return state


def cancelled_before_training(folder, state: TrainingState) -> TrainResult:
    """A run cancelled while its data was drawn: nothing was written (no checkpoint, no data cache entry)."""
    return TrainResult(Path(folder), state.step, state.seconds, state.loss_avg, cancelled=True)


def run_training(state: TrainingState, folder, *, settings: dict, train: TrainConfig, batch_loss, init_from=None,
                 callback=None) -> TrainResult:
    """Adam steps on ``batch_loss(model, generator)`` until ``train.steps``, with EMA, checkpoints and cancellation.

    ``callback(dict)`` is called every step with step, steps, loss, loss_avg, lr, elapsed, eta; returning
    True cancels: the run saves a checkpoint and returns with ``cancelled=True``.
    """
    folder = Path(folder)
    model, ema, optimizer, generator = state.model, state.ema, state.optimizer, state.generator

    def checkpoint() -> None:
        config = {**settings, "step": state.step, "seconds": state.seconds, "loss": state.loss_avg,
                  "init_from": str(init_from) if init_from else None}
        save_checkpoint(folder, config=config, ema=ema.state_dict(), model=model.state_dict(),
                        optimizer=optimizer.state_dict(), rng=generator.get_state())

    cancelled = False
    start_time, start_step = time.perf_counter(), state.step
    while state.step < train.steps and not cancelled:
        step = state.step
        tick = time.perf_counter()
        loss = batch_loss(model, generator)
        # Adam step on the clipped gradient
        for group in optimizer.param_groups:
            group["lr"] = learning_rate(step, train)
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), train.grad_clip)
        optimizer.step()
        # EMA of the weights, with a short warm-up of the decay
        decay = min(train.ema_decay, (1 + step) / (10 + step))
        with torch.no_grad():
            for target, source in zip(ema.parameters(), model.parameters()):
                target.lerp_(source, 1 - decay)
            for target, source in zip(ema.buffers(), model.buffers()):
                target.copy_(source)
        state.step = step = step + 1
        state.seconds += time.perf_counter() - tick
        value = loss.item()
        state.loss_avg = value if math.isnan(state.loss_avg) else 0.98 * state.loss_avg + 0.02 * value
        if step % train.checkpoint_every == 0 or step == train.steps:
            checkpoint()
        if callback is not None:
            rate = (step - start_step) / max(1e-9, time.perf_counter() - start_time)
            cancelled = bool(callback({"phase": "train", "step": step, "steps": train.steps, "loss": value,
                                       "loss_avg": state.loss_avg, "lr": learning_rate(step - 1, train),
                                       "elapsed": state.seconds, "eta": (train.steps - step) / rate}))
    if cancelled and state.step % train.checkpoint_every and state.step != train.steps:
        checkpoint()
    return TrainResult(folder, state.step, state.seconds, state.loss_avg, cancelled)
