"""``python -m boltz bench lj``: Metropolis moves per second, diffusion samples per second and ESS per second of U."""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

import numpy as np
import torch

from boltz.analysis import effective_sample_size, integrated_autocorrelation_time
from boltz.bench import timed
from boltz.mcmc.displacement import DisplacementMetropolis, tune_step_size
from boltz.systems.lennard_jones import box_side, energy, lattice_positions

STATE_POINTS = {"dense": (0.64, 0.7), "gas": (0.05, 1.0), "near-critical": (0.35, 0.55)}  # name: (ρ, T)
THROUGHPUT_SIZES = (16, 32, 64)
THROUGHPUT_CHAINS = 64
EFFICIENCY_N = 32
EFFICIENCY_CHAINS = 8


@dataclass(frozen=True)
class LJThroughput:
    sampler: str
    state: str
    N: int
    chains: int
    per_second: float
    unit: str


@dataclass(frozen=True)
class LJEfficiency:
    sampler: str
    state: str
    N: int
    chains: int
    samples: int
    seconds: float
    sweeps_per_sample: float
    tau_energy: float
    ess_energy: float
    setting: str = ""  # the diffusion sampler's solver and levels

    @property
    def ess_per_second(self) -> float:
        return self.ess_energy / self.seconds


def _equilibrated(state: str, N: int, chains: int, generator: torch.Generator) -> DisplacementMetropolis:
    density, T = STATE_POINTS[state]
    box = box_side(N, density)
    start = lattice_positions(chains, N, box)
    step = tune_step_size(start, box=box, T=T, sweeps=200, generator=generator)
    kernel = DisplacementMetropolis(start, box=box, T=T, step_size=step, generator=generator)
    kernel.advance(500)
    return kernel


def metropolis_throughput(N: int, *, seconds: float, generator: torch.Generator) -> LJThroughput:
    kernel = _equilibrated("dense", N, THROUGHPUT_CHAINS, generator)
    sweeps, elapsed = timed(kernel.advance, seconds)
    return LJThroughput("metropolis", "dense", N, THROUGHPUT_CHAINS, sweeps * N * THROUGHPUT_CHAINS / elapsed, "moves/s")


def metropolis_efficiency(state: str, *, seconds: float, generator: torch.Generator) -> LJEfficiency:
    """U every sweep of EFFICIENCY_CHAINS chains for ``seconds`` of kernel time; τ_int and ESS of that series."""
    kernel = _equilibrated(state, EFFICIENCY_N, EFFICIENCY_CHAINS, generator)
    energies, elapsed = [], 0.0
    while elapsed < seconds or len(energies) < 200:
        start = time.perf_counter()
        kernel.advance(1)
        elapsed += time.perf_counter() - start
        energies.append(energy(torch.from_numpy(kernel.positions), kernel.box).numpy())
    u = np.array(energies) / EFFICIENCY_N  # [S, B]
    return LJEfficiency("metropolis", state, EFFICIENCY_N, EFFICIENCY_CHAINS, u.size, elapsed, 1.0,
                        integrated_autocorrelation_time(u).tau, effective_sample_size(u))


def diffusion_efficiency(state: str, *, n: int, steps: int | None, generator: torch.Generator,
                         device=None) -> LJEfficiency | None:
    """``n`` iid diffusion samples at N = EFFICIENCY_N (one batch, the model's default sampler setting, with ``steps``
    levels if given); None without a model for the state."""
    from boltz.lj_jobs import sample_lj

    density, T = STATE_POINTS[state]
    try:
        run = sample_lj("diffusion", N=EFFICIENCY_N, density=density, T=T, n=n, steps=steps, batch_size=n, device=device,
                        seed=int(torch.randint(0, 2**31, (1,), generator=generator)))
    except ValueError:  # no trained model for this state point
        return None
    u = run.energies.numpy() / EFFICIENCY_N
    return LJEfficiency("diffusion", state, EFFICIENCY_N, n, n, run.details["denoise_seconds"], float("nan"),
                        integrated_autocorrelation_time(u).tau, effective_sample_size(u), run.details["sampling"])


def bench_lj(*, seconds: float = 1.0, seed: int = 0, diffusion_samples: int = 256,
             diffusion_steps: int | None = None, device=None) -> dict:
    """All LJ measurements of one run: Metropolis throughput at several N, τ_int/ESS of U at each default state
    point, and diffusion samples/s and ESS/s where a trained model exists."""
    if not 0 < seconds <= 600:
        raise ValueError(f"seconds must be in (0, 600], got {seconds}")
    generator = torch.Generator().manual_seed(seed)
    throughput = [metropolis_throughput(N, seconds=seconds, generator=generator) for N in THROUGHPUT_SIZES]
    efficiencies = [metropolis_efficiency(state, seconds=3 * seconds, generator=generator) for state in STATE_POINTS]
    for state in STATE_POINTS:
        measured = diffusion_efficiency(state, n=diffusion_samples, steps=diffusion_steps, generator=generator,
                                        device=device)
        if measured is not None:
            efficiencies.append(measured)
            throughput.append(LJThroughput("diffusion", state, EFFICIENCY_N, diffusion_samples,
                                           diffusion_samples / measured.seconds, f"samples/s ({measured.setting})"))
    return {"throughput": throughput, "efficiency": efficiencies}


def format_lj_bench(results: dict) -> str:
    lines = ["Lennard-Jones throughput (truncated-shifted LJ, r_c = 2.5; this machine, one run)",
             f"{'sampler':<11} {'state':<14} {'N':>4} {'chains':>6} {'rate':>12} unit"]
    for t in results["throughput"]:
        lines.append(f"{t.sampler:<11} {t.state:<14} {t.N:>4} {t.chains:>6} {t.per_second:>12.3e} {t.unit}")
    lines += ["", "Efficiency of U (τ_int in samples; seconds of sampler time, measuring U excluded; "
              "diffusion samples are iid, chains = batch)",
              f"{'sampler':<11} {'state':<14} {'N':>4} {'chains':>6} {'samples':>8} {'sweeps/smp':>10} "
              f"{'τU':>7} {'ESS U':>8} {'seconds':>8} {'ESS/s':>9}"]
    for e in results["efficiency"]:
        sweeps = "—" if math.isnan(e.sweeps_per_sample) else f"{e.sweeps_per_sample:.3g}"  # diffusion: no sweeps
        lines.append(f"{e.sampler:<11} {e.state:<14} {e.N:>4} {e.chains:>6} {e.samples:>8} {sweeps:>10} "
                     f"{e.tau_energy:>7.3g} {e.ess_energy:>8.0f} {e.seconds:>8.2f} {e.ess_per_second:>9.3g}")
    return "\n".join(lines)
