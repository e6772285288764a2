"""``python -m boltz bench mcmc``: throughput of the MCMC kernels and their efficiency at T_c, measured in one run."""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np
import torch

from boltz.analysis import effective_sample_size, integrated_autocorrelation_time
from boltz.exact import T_C
from boltz.mcmc.metropolis import CheckerboardMetropolis
from boltz.mcmc.multispin import MultiSpinMetropolis
from boltz.mcmc.wolff import WolffClusters
from boltz.systems.ising import energy, magnetization, random_spins

METROPOLIS_SIZES = (16, 32, 64, 128)
METROPOLIS_CHAINS = 64
MULTISPIN_CHAINS = 128  # two 64-bit words: one per core
EFFICIENCY_L = 32


@dataclass(frozen=True)
class Throughput:
    sampler: str
    L: int
    chains: int
    per_second: float  # spin-flip attempts (Metropolis) or clusters (Wolff) per second
    unit: str
    flips_per_second: float  # spins actually visited per second: attempts, or flipped cluster spins


@dataclass(frozen=True)
class Efficiency:
    sampler: str
    L: int
    chains: int
    samples: int
    seconds: float
    sweeps_per_sample: float
    tau_abs_m: float
    tau_energy: float
    ess_abs_m: float
    ess_energy: float

    @property
    def independent_per_second(self) -> float:
        """Independent samples per second, by the slower of the two observables."""
        return min(self.ess_abs_m, self.ess_energy) / self.seconds


def timed(advance, budget: float) -> tuple[int, float]:
    """Call ``advance(units)`` with growing ``units`` until ``budget`` seconds pass; returns (units, seconds)."""
    advance(1)  # compile and warm caches outside the clock
    units, chunk, start = 0, 1, time.perf_counter()
    while (elapsed := time.perf_counter() - start) < budget:
        advance(chunk)
        units += chunk
        chunk *= 2 if elapsed < budget / 4 else 1
    return units, time.perf_counter() - start


def _metropolis(multispin: bool, L: int, chains: int, generator: torch.Generator):
    spins = random_spins(chains, L, generator=generator)
    if multispin:
        return MultiSpinMetropolis(spins, T=T_C, J=1.0, generator=generator)
    return CheckerboardMetropolis(spins, T=T_C, J=1.0, h=0.0, generator=generator)


def metropolis_throughput(L: int, *, multispin: bool, seconds: float, generator: torch.Generator) -> Throughput:
    chains = MULTISPIN_CHAINS if multispin else METROPOLIS_CHAINS
    kernel = _metropolis(multispin, L, chains, generator)
    sweeps, elapsed = timed(kernel.advance, seconds)
    rate = sweeps * chains * L * L / elapsed
    name = "multispin" if multispin else "metropolis"
    return Throughput(name, L, chains, rate, "flip attempts/s", rate)


def wolff_throughput(L: int, *, chains: int, seconds: float, generator: torch.Generator) -> Throughput:
    kernel = WolffClusters(random_spins(chains, L, generator=generator), T=T_C, J=1.0, generator=generator)
    kernel.advance(100)
    flipped_before = kernel.flipped.sum()
    clusters, elapsed = timed(kernel.advance, seconds)
    flipped = kernel.flipped.sum() - flipped_before
    return Throughput("wolff", L, chains, clusters * chains / elapsed, "clusters/s", flipped / elapsed)


def efficiency(name: str, kernel, *, thin: int, seconds: float, burn_in_units: int) -> Efficiency:
    """Run ``kernel`` for ``seconds`` of kernel time, recording e and |m| every ``thin`` units; τ_int and ESS from that series."""
    kernel.advance(burn_in_units)
    L = kernel.spins.shape[-1]
    energies, abs_m, sweeps, elapsed = [], [], 0.0, 0.0
    while elapsed < seconds or len(energies) < 100:
        start = time.perf_counter()
        sweeps += kernel.advance(thin)
        elapsed += time.perf_counter() - start
        spins = torch.from_numpy(kernel.spins)
        energies.append(energy(spins).numpy() / (L * L))
        abs_m.append(magnetization(spins).abs().numpy())
    e, m = np.array(energies), np.array(abs_m)  # [S, B]
    return Efficiency(
        sampler=name, L=L, chains=kernel.spins.shape[0], samples=e.size, seconds=elapsed,
        sweeps_per_sample=sweeps / len(energies),
        tau_abs_m=integrated_autocorrelation_time(m).tau, tau_energy=integrated_autocorrelation_time(e).tau,
        ess_abs_m=effective_sample_size(m), ess_energy=effective_sample_size(e),
    )


def bench_mcmc(*, seconds: float = 1.0, seed: int = 0) -> dict:
    """All MCMC measurements of one run: throughput at several L, and τ_int/ESS at T_c for both samplers."""
    if not 0 < seconds <= 600:
        raise ValueError(f"seconds must be in (0, 600], got {seconds}")
    generator = torch.Generator().manual_seed(seed)
    throughput = [metropolis_throughput(L, multispin=multispin, seconds=seconds, generator=generator)
                  for multispin in (False, True) for L in METROPOLIS_SIZES]
    throughput += [wolff_throughput(EFFICIENCY_L, chains=chains, seconds=seconds, generator=generator)
                   for chains in (1, 2)]
    L = EFFICIENCY_L
    wolff = WolffClusters(random_spins(2, L, generator=generator), T=T_C, J=1.0, generator=generator)
    wolff.advance(200)
    wolff_thin = max(1, round(L * L / wolff.mean_cluster_size()))
    efficiencies = [
        efficiency("metropolis", _metropolis(False, L, 2, generator), thin=1, seconds=3 * seconds, burn_in_units=2000),
        efficiency("multispin", _metropolis(True, L, MULTISPIN_CHAINS, generator), thin=1, seconds=3 * seconds,
                   burn_in_units=2000),
        efficiency("wolff", wolff, thin=wolff_thin, seconds=3 * seconds, burn_in_units=100),
    ]
    return {"throughput": throughput, "efficiency": efficiencies}


def format_bench(results: dict) -> str:
    lines = ["MCMC throughput at T_c (this machine, one run)",
             f"{'sampler':<11} {'L':>4} {'chains':>6} {'rate':>12} {'unit':<17} {'spins visited/s':>15}"]
    for t in results["throughput"]:
        lines.append(f"{t.sampler:<11} {t.L:>4} {t.chains:>6} {t.per_second:>12.3e} {t.unit:<17} {t.flips_per_second:>15.3e}")
    lines += ["", f"Efficiency at T_c = {T_C:.6f} (τ_int in samples; seconds of kernel time, measuring e and |m| excluded)",
              f"{'sampler':<11} {'L':>4} {'chains':>6} {'samples':>8} {'sweeps/smp':>10} {'τ|m|':>7} {'τe':>7} "
              f"{'ESS|m|':>8} {'ESSe':>8} {'seconds':>8} {'indep./s':>9}"]
    for e in results["efficiency"]:
        lines.append(f"{e.sampler:<11} {e.L:>4} {e.chains:>6} {e.samples:>8} {e.sweeps_per_sample:>10.3g} "
                     f"{e.tau_abs_m:>7.3g} {e.tau_energy:>7.3g} {e.ess_abs_m:>8.0f} {e.ess_energy:>8.0f} "
                     f"{e.seconds:>8.2f} {e.independent_per_second:>9.3g}")
    return "\n".join(lines)
