"""Checkpoints: weights as safetensors, everything else as JSON; written atomically, loaded without pickle.

A checkpoint is a folder:
  config.json              network, noise schedule, data and training settings, step, seconds, loss
  model.safetensors        EMA weights (what sampling uses)
  train_state.safetensors  raw weights, Adam moments and the data generator's state (what resume uses)
The three files are written to temporary names and, once all are written, renamed into place,
config.json last (a full disk leaves the previous checkpoint whole); both
safetensors files carry the step in their metadata, so a folder whose files disagree is
reported as inconsistent instead of being half-loaded.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import torch
from safetensors import SafetensorError
from safetensors.torch import load_file, save_file
from safetensors import safe_open

from boltz.device import as_device
from boltz.diffusion.networks import PeriodicUNet, UNetConfig
from boltz.diffusion.particle_network import ParticleNetConfig, ParticleScoreNet
from boltz.diffusion.sde import SCHEDULES
from boltz.diffusion.torus import WrappedVE
from boltz.io import atomic_write_all

FORMAT = 1
CONFIG, WEIGHTS, TRAIN_STATE = "config.json", "model.safetensors", "train_state.safetensors"


# Every schedule a checkpoint may name: the lattice ones and the torus one of the particle models.
CHECKPOINT_SCHEDULES = {**SCHEDULES, "wrapped_ve": WrappedVE}
# The network class and its config class for each system a checkpoint may hold.
NETWORKS = {"ising": (PeriodicUNet, UNetConfig), "lj": (ParticleScoreNet, ParticleNetConfig)}


def schedule_from_dict(data: dict):
    """The noise schedule named in a checkpoint: ``{"name": "linear", "beta_min": …, …}``."""
    params = dict(data)
    name = params.pop("name", None)
    if name not in CHECKPOINT_SCHEDULES:
        raise ValueError(f"unknown noise schedule {name!r}; known: {', '.join(CHECKPOINT_SCHEDULES)}")
    return CHECKPOINT_SCHEDULES[name](**params)


def save_checkpoint(folder, *, config: dict, ema: dict, model: dict, optimizer: dict, rng: torch.Tensor) -> Path:
    """Write one checkpoint into ``folder`` (created if needed); ``config`` must hold ``step``."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    meta = {"step": str(config["step"]), "format": str(FORMAT)}
    state = {f"model.{k}": v.cpu().contiguous() for k, v in model.items()}
    for index, slots in optimizer["state"].items():
        for key, value in slots.items():
            state[f"optim.{index}.{key}"] = torch.as_tensor(value).cpu().contiguous()
    state["rng"] = rng
    groups = [{k: v for k, v in group.items()} for group in optimizer["param_groups"]]
    full = {**config, "format": FORMAT, "optimizer_param_groups": groups}
    try:
        atomic_write_all({
            folder / TRAIN_STATE: lambda p: save_file(state, str(p), metadata=meta),
            folder / WEIGHTS: lambda p: save_file({k: v.cpu().contiguous() for k, v in ema.items()}, str(p), metadata=meta),
            folder / CONFIG: lambda p: p.write_text(json.dumps(full, indent=2)),
        })
    except OSError as error:
        raise ValueError(f"cannot save the checkpoint in {folder}: {error.strerror or error}; "
                         f"the previous one is kept") from None
    return folder


def read_config(folder) -> dict:
    """config.json of a checkpoint, with a one-line error if it is missing or unreadable."""
    path = Path(folder) / CONFIG
    if not path.is_file():
        raise ValueError(f"no checkpoint at {folder} (missing {CONFIG})")
    try:
        config = json.loads(path.read_text())
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        raise ValueError(f"checkpoint {folder} is corrupt: {CONFIG} is not valid JSON ({error})") from None
    if not isinstance(config, dict) or config.get("format") != FORMAT or "step" not in config:
        raise ValueError(f"checkpoint {folder} is corrupt: {CONFIG} is not a boltz checkpoint config")
    return config


def _load_tensors(folder: Path, name: str, step: int) -> dict:
    path = folder / name
    if not path.is_file():
        raise ValueError(f"checkpoint {folder} is incomplete: missing {name}")
    try:
        with safe_open(str(path), framework="pt") as handle:
            saved_step = (handle.metadata() or {}).get("step")
        tensors = load_file(str(path))
    except (SafetensorError, OSError, ValueError, RuntimeError) as error:
        raise ValueError(f"checkpoint {folder} is corrupt: cannot read {name} ({error})") from None
    if saved_step != str(step):
        raise ValueError(f"checkpoint {folder} is inconsistent: {name} is from step {saved_step}, config from {step}")
    return tensors


@dataclass
class DiffusionModel:
    """A trained model ready to sample: the EMA network (eval mode), its schedule and its config."""

    network: PeriodicUNet | ParticleScoreNet
    schedule: object
    config: dict
    folder: Path

    def __call__(self, x: torch.Tensor, t: torch.Tensor, condition) -> torch.Tensor:
        return self.network(x, t, condition)

    @property
    def device(self) -> torch.device:
        return next(self.network.parameters()).device


def load_model(folder, *, device=None) -> DiffusionModel:
    """The EMA network of the checkpoint in ``folder`` (no pickle: safetensors + JSON), on ``device`` (default CPU)."""
    folder = Path(folder)
    config = read_config(folder)
    try:
        network_class, config_class = NETWORKS[config.get("system", "ising")]
        network = network_class(config_class.from_dict(config["network"]))
        schedule = schedule_from_dict(config["schedule"])
    except (KeyError, TypeError) as error:
        raise ValueError(f"checkpoint {folder} is corrupt: config lacks {error}") from None
    weights = _load_tensors(folder, WEIGHTS, config["step"])
    try:
        network.load_state_dict(weights)
    except RuntimeError as error:
        first = str(error).splitlines()[0]
        raise ValueError(f"checkpoint {folder} does not match its network config ({first})") from None
    network.to(as_device(device)).eval()
    network.requires_grad_(False)
    return DiffusionModel(network, schedule, config, folder)


def load_train_state(folder) -> tuple[dict, dict, dict, dict, torch.Tensor]:
    """(config, ema weights, raw weights, optimizer state_dict, generator state) for resuming training."""
    folder = Path(folder)
    config = read_config(folder)
    ema = _load_tensors(folder, WEIGHTS, config["step"])
    state = _load_tensors(folder, TRAIN_STATE, config["step"])
    model = {k[len("model."):]: v for k, v in state.items() if k.startswith("model.")}
    slots: dict = {}
    for key, value in state.items():
        if key.startswith("optim."):
            _, index, name = key.split(".", 2)
            slots.setdefault(int(index), {})[name] = value
    optimizer = {"state": slots, "param_groups": config["optimizer_param_groups"]}
    return config, ema, model, optimizer, state["rng"]
