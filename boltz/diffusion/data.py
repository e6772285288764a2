"""Training data for the Ising diffusion model: Wolff samples on a temperature grid, cached on disk as npz."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from boltz.io import cache_key, read_npz_cache, write_npz_cache
from boltz.mcmc.wolff import sample_wolff
from boltz.systems.ising import random_spins
from boltz.validation import (BURN_IN, CHAINS, LATTICE, SAMPLES_PER_TEMPERATURE, SEED, TEMPERATURE,
                              TEMPERATURES)


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
        LATTICE.check(self.L)
        if not TEMPERATURE.check(self.T_min, "T_min") < TEMPERATURE.check(self.T_max, "T_max"):
            raise ValueError(f"T_min must be < T_max, got {self.T_min} and {self.T_max}")
        TEMPERATURES.check(self.n_temperatures)
        SAMPLES_PER_TEMPERATURE.check(self.samples_per_temperature)
        CHAINS.check(self.chains)
        BURN_IN.check(self.burn_in)
        SEED.check(self.seed)

    def temperatures(self) -> np.ndarray:
        return np.linspace(self.T_min, self.T_max, self.n_temperatures)


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
    path = Path(cache_dir) / f"ising_L{config.L}_{cache_key(config)}.npz"

    def valid(data: dict) -> bool:
        spins, temperatures = data["spins"], data["temperatures"]
        return (spins.dtype == np.int8 and spins.ndim == 3 and spins.shape[1:] == (config.L, config.L)
                and temperatures.shape == spins.shape[:1] and bool(np.all(np.abs(spins) == 1)))

    cached = read_npz_cache(path, ("spins", "temperatures"), valid)
    if cached is not None:
        return IsingDataset(torch.from_numpy(cached["spins"]), torch.from_numpy(cached["temperatures"]))
    dataset = generate_ising_dataset(config, callback=callback)
    write_npz_cache(path, {"spins": dataset.spins.numpy(), "temperatures": dataset.temperatures.numpy()})
    return dataset
