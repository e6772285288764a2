"""Training data for the Ising diffusion model: Wolff samples on a temperature grid, cached on disk as npz."""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import torch

from boltz.io import write_npz
from boltz.mcmc.wolff import sample_wolff
from boltz.systems.ising import random_spins
from boltz.validation import check_int, check_lattice, check_temperature


@dataclass(frozen=True)
class IsingDataConfig:
    """Which samples to draw: ``n_temperatures`` points evenly spaced in [T_min, T_max], each from ``chains`` Wolff chains."""

    L: int = 16
    T_min: float = 1.5
    T_max: float = 3.5
    n_temperatures: int = 41
    samples_per_temperature: int = 2048
    chains: int = 8
    burn_in: int = 200
    seed: int = 0

    def __post_init__(self):
        check_lattice(self.L)
        if not check_temperature(self.T_min) < check_temperature(self.T_max):
            raise ValueError(f"T_min must be < T_max, got {self.T_min} and {self.T_max}")
        check_int("n_temperatures", self.n_temperatures, minimum=1, maximum=10_000)
        check_int("samples_per_temperature", self.samples_per_temperature, minimum=1, maximum=10_000_000)
        check_int("chains", self.chains, minimum=1, maximum=4096)

    def temperatures(self) -> np.ndarray:
        return np.linspace(self.T_min, self.T_max, self.n_temperatures)

    def key(self) -> str:
        return hashlib.sha256(json.dumps(asdict(self), sort_keys=True).encode()).hexdigest()[:16]


@dataclass(frozen=True)
class IsingDataset:
    """``spins`` [M, L, L] int8 and the temperature of each sample ``temperatures`` [M] float32."""

    spins: torch.Tensor
    temperatures: torch.Tensor


class DataCancelled(Exception):
    """The callback asked to stop while training data was drawn; nothing was cached."""


def report_data(callback, **frame) -> None:
    """Give ``callback`` a ``{"phase": "data", **frame}`` frame; a True answer stops the generation (:class:`DataCancelled`)."""
    if callback is not None and callback({"phase": "data", **frame}):
        raise DataCancelled("cancelled while the training data was drawn")


def generate_ising_dataset(config: IsingDataConfig, *, callback=None) -> IsingDataset:
    """Draw the samples of ``config`` with the Wolff sampler (each temperature seeded from ``config.seed``).

    ``callback`` gets ``{"phase": "data", "step": temperatures done, "total", "T"}`` while each temperature is
    drawn (at every Wolff burn-in chunk and sample) and when it is done; returning True raises :class:`DataCancelled`.
    """
    spins, temps = [], []
    per_chain = -(-config.samples_per_temperature // config.chains)
    for index, T in enumerate(config.temperatures()):
        frame = {"total": config.n_temperatures, "T": float(T)}
        generator = torch.Generator().manual_seed(config.seed * 100_003 + index)
        run = sample_wolff(random_spins(config.chains, config.L, generator=generator), T=float(T),
                           n_samples=per_chain, burn_in=config.burn_in, generator=generator,
                           callback=lambda _sweep: report_data(callback, step=index, **frame))
        spins.append(run.flat_spins()[: config.samples_per_temperature])
        temps.append(torch.full((spins[-1].shape[0],), float(T), dtype=torch.float32))
        report_data(callback, step=index + 1, **frame)
    return IsingDataset(torch.cat(spins), torch.cat(temps))


def load_or_generate(config: IsingDataConfig, cache_dir: str | os.PathLike, *, callback=None) -> IsingDataset:
    """The dataset of ``config`` from ``cache_dir`` if cached (npz, no pickle), else generated and cached atomically
    (a :class:`DataCancelled` generation caches nothing)."""
    path = Path(cache_dir) / f"ising_L{config.L}_{config.key()}.npz"
    if path.is_file():
        try:
            with np.load(path, allow_pickle=False) as data:
                return IsingDataset(torch.from_numpy(data["spins"]), torch.from_numpy(data["temperatures"]))
        except (OSError, ValueError, KeyError):
            path.unlink(missing_ok=True)  # a corrupt cache entry is regenerated, never trusted
    dataset = generate_ising_dataset(config, callback=callback)
    path.parent.mkdir(parents=True, exist_ok=True)
    write_npz(path, spins=dataset.spins.numpy(), temperatures=dataset.temperatures.numpy())
    return dataset
