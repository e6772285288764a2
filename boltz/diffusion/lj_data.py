"""Training data for the Lennard-Jones diffusion model: Metropolis samples on a temperature grid, per N, cached on disk as npz."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from boltz.diffusion.data import report_data
from boltz.io import cache_key, read_npz_cache, write_npz_cache
from boltz.mcmc.displacement import sample_lj_metropolis
from boltz.systems.lennard_jones import box_side, check_box, lattice_positions
from boltz.validation import (BURN_IN, CHAINS, DENSITY, PARTICLES, SAMPLES_PER_TEMPERATURE, SEED,
                              TEMPERATURE, TEMPERATURES, THIN)


@dataclass(frozen=True)
class LJDataConfig:
    """``n_temperatures`` points evenly spaced in [T_min, T_max] at density ρ, for each N in ``sizes``, from ``chains`` Metropolis chains."""

    sizes: tuple[int, ...] = (16, 32)
    density: float = 0.64
    T_min: float = 0.65
    T_max: float = 0.9
    n_temperatures: int = 6
    samples_per_temperature: int = 4096
    chains: int = 16
    burn_in: int = 2000
    thin: int = 10
    shifted: bool = True
    seed: int = 0

    def __post_init__(self):
        sizes = self.sizes
        if isinstance(sizes, (str, bytes)) or not hasattr(sizes, "__iter__") or not len(sizes):
            raise ValueError(f"sizes must be a non-empty sequence of particle numbers, got {sizes!r}")
        sizes = tuple(sorted({PARTICLES.check(N) for N in sizes}))
        object.__setattr__(self, "sizes", sizes)
        DENSITY.check(self.density)
        for N in sizes:
            check_box(box_side(N, self.density))
        if not TEMPERATURE.check(self.T_min, "T_min") <= TEMPERATURE.check(self.T_max, "T_max"):
            raise ValueError(f"T_min must be <= T_max, got {self.T_min} and {self.T_max}")
        TEMPERATURES.check(self.n_temperatures)
        SAMPLES_PER_TEMPERATURE.check(self.samples_per_temperature)
        CHAINS.check(self.chains)
        BURN_IN.check(self.burn_in)
        THIN.check(self.thin)
        SEED.check(self.seed)

    def temperatures(self) -> np.ndarray:
        return np.linspace(self.T_min, self.T_max, self.n_temperatures)


@dataclass(frozen=True)
class LJDataset:
    """One N: ``positions`` [M, N, 2] float32 in [0, box), the temperature of each sample ``temperatures`` [M] float32."""

    N: int
    box: float
    positions: torch.Tensor
    temperatures: torch.Tensor


def generate_lj_dataset(config: LJDataConfig, N: int, *, callback=None) -> LJDataset:
    """Draw the samples of ``config`` for N particles (each temperature seeded from ``config.seed``, N and its index).

    ``callback`` as in :func:`boltz.diffusion.data.generate_ising_dataset`, its frames with ``N`` too: True raises
    :class:`~boltz.diffusion.data.DataCancelled`.
    """
    box = box_side(N, config.density)
    per_chain = -(-config.samples_per_temperature // config.chains)
    positions, temps = [], []
    for index, T in enumerate(config.temperatures()):
        frame = {"total": config.n_temperatures, "T": float(T), "N": N}
        generator = torch.Generator().manual_seed(config.seed * 100_003 + N * 1009 + index)
        run = sample_lj_metropolis(lattice_positions(config.chains, N, box), box=box, T=float(T), n_samples=per_chain,
                                   burn_in=config.burn_in, thin=config.thin, shifted=config.shifted, generator=generator,
                                   callback=lambda _sweep: report_data(callback, step=index, **frame))
        positions.append(run.flat_positions()[: config.samples_per_temperature].float())
        temps.append(torch.full((positions[-1].shape[0],), float(T), dtype=torch.float32))
        report_data(callback, step=index + 1, **frame)
    return LJDataset(N, box, torch.cat(positions), torch.cat(temps))


def load_or_generate_lj(config: LJDataConfig, cache_dir: str | os.PathLike, *, callback=None) -> list[LJDataset]:
    """One dataset per N of ``config``, from ``cache_dir`` if cached (npz, no pickle), else generated and cached atomically
    (a cancelled generation caches nothing of its N)."""
    datasets = []
    for N in config.sizes:
        path = Path(cache_dir) / f"lj_N{N}_{cache_key(config)}.npz"

        def valid(data: dict, N=N) -> bool:
            positions, temperatures = data["positions"], data["temperatures"]
            return (positions.ndim == 3 and positions.shape[1:] == (N, 2) and temperatures.shape == positions.shape[:1]
                    and bool(np.all(np.isfinite(positions))))

        cached = read_npz_cache(path, ("positions", "temperatures"), valid)
        if cached is not None:
            datasets.append(LJDataset(N, box_side(N, config.density), torch.from_numpy(cached["positions"]),
                                      torch.from_numpy(cached["temperatures"])))
            continue
        dataset = generate_lj_dataset(config, N, callback=callback)
        write_npz_cache(path, {"positions": dataset.positions.numpy(), "temperatures": dataset.temperatures.numpy()})
        datasets.append(dataset)
    return datasets
