"""``python -m boltz bench samplers``: Metropolis, Wolff and diffusion at one (L, T), equal compute, one table.

Each sampler's samples are scored the same way: cost (wall seconds, τ_int and ESS of |m| and e,
ESS per second) and fidelity (⟨e⟩ and c against Kaufman's exact finite-L values, ⟨|m|⟩, χ and the
axis C(r) against a long Wolff reference run, W1 of the energy distribution to Beale's exact P(E),
and the fraction of samples with m > 0). The MCMC samplers run for the diffusion sampler's wall
time (kernel time, with their burn-in inside the clock), so "ESS per second" compares equal compute.
"""

from __future__ import annotations

import json
import math
import time
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import torch

from boltz.analysis import (
    Estimate,
    axis_correlation,
    effective_sample_size,
    integrated_autocorrelation_time,
    ising_observables,
    wasserstein_1_to_distribution,
)
from boltz.diffusion.ising_sampling import DEFAULT_SOLVER, DEFAULT_STEPS
from boltz.exact import MAX_BEALE_L, energy_distribution, finite_lattice
from boltz.io import atomic_write
from boltz.io import cache_dir as default_cache_dir
from boltz.jobs import sample_ising
from boltz.mcmc.metropolis import metropolis_kernel
from boltz.mcmc.metropolis import refine as refine_spins
from boltz.mcmc.wolff import WolffClusters
from boltz.systems.ising import energy, magnetization, random_spins
from boltz.validation import LATTICE, TEMPERATURE, check_int, check_real

SCOREBOARD_SAMPLERS = ("metropolis", "wolff", "diffusion")
METROPOLIS_CHAINS = 128  # two 64-chain words of the multi-spin kernel: one per core
WOLFF_CHAINS = 2
RECORDS_PER_CHAIN = {"metropolis": 200, "wolff": 10_000}  # at most twice this is kept: bounded memory
REFERENCE_SAMPLES = 100_000
REFERENCE_SEED = 2_718_281


@dataclass(frozen=True)
class WolffReference:
    """Long-run Wolff estimates of what has no closed form on a finite torus: ⟨|m|⟩, χ and C(r) (r = 0..L/2)."""

    L: int
    T: float
    n_samples: int
    abs_magnetization: Estimate
    susceptibility: Estimate
    correlation: list[float]


def wolff_reference(L: int, T: float, *, n: int = REFERENCE_SAMPLES, cache_dir: Path | None = None) -> WolffReference:
    """The Wolff reference at (L, T) from ``n`` samples (seeded), computed once and cached as JSON."""
    L, T = LATTICE.check(L), TEMPERATURE.check(T)
    n = check_int("reference samples", n, minimum=100)
    folder = Path(cache_dir) if cache_dir is not None else default_cache_dir("reference")
    path = folder / f"wolff_L{L}_T{T:.6f}_n{n}_seed{REFERENCE_SEED}.json"
    if path.is_file():
        try:
            data = json.loads(path.read_text())
            estimates = [Estimate(float(data[name]["value"]), float(data[name]["error"]))
                         for name in ("abs_magnetization", "susceptibility")]
            correlation = [float(c) for c in data["correlation"]]
            if (data["L"], data["T"], data["n_samples"]) == (L, T, n) and len(correlation) == L // 2 + 1:
                return WolffReference(L, T, n, *estimates, correlation)
        except (OSError, ValueError, KeyError, TypeError):
            pass
        path.unlink(missing_ok=True)  # a damaged cache entry is recomputed, never trusted
    run = sample_ising("wolff", L=L, T=T, n=n, seed=REFERENCE_SEED, chains=WOLFF_CHAINS)
    per_chain = n // WOLFF_CHAINS

    def by_chain(x: torch.Tensor) -> torch.Tensor:
        """Chain-major [n] → [S, B], the series shape of boltz.analysis."""
        return x[: per_chain * WOLFF_CHAINS].reshape(WOLFF_CHAINS, per_chain).T

    obs = ising_observables(by_chain(run.energies), by_chain(run.magnetizations), L=L, T=T)
    reference = WolffReference(L=L, T=T, n_samples=n, abs_magnetization=obs.abs_magnetization,
                               susceptibility=obs.susceptibility,
                               correlation=axis_correlation(run.spins).tolist())
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        atomic_write(path, lambda partial: partial.write_text(json.dumps(asdict(reference))))
    except OSError:
        pass  # a cache that cannot be written (read-only, full disk) is not an error
    return reference


@dataclass(frozen=True)
class ScoreRow:
    """One sampler's cost and fidelity at (L, T). Relative deviations are (estimate − target) / target."""

    sampler: str
    settings: str
    seconds: float
    samples: int
    tau_abs_m: float
    tau_energy: float
    ess_abs_m: float
    ess_energy: float
    energy: Estimate
    energy_exact: float
    abs_magnetization: Estimate
    abs_magnetization_reference: Estimate
    specific_heat: Estimate
    specific_heat_exact: float
    susceptibility: Estimate
    susceptibility_reference: Estimate
    max_correlation_deviation: float
    energy_w1_exact: float | None
    positive_fraction: float

    @property
    def ess_per_second(self) -> float:
        """Independent samples per second, by the slower of |m| and e."""
        return min(self.ess_abs_m, self.ess_energy) / self.seconds

    @property
    def energy_z(self) -> float:
        return (self.energy.value - self.energy_exact) / self.energy.error if self.energy.error > 0 else math.inf


def score(sampler: str, settings: str, spins: torch.Tensor, *, seconds: float, L: int, T: float,
          reference: WolffReference) -> ScoreRow:
    """Score ``spins`` [S, B, L, L] (S steps of B chains; diffusion samples are one chain in draw order, so τ is measured)."""
    flat = spins.reshape(-1, L, L)
    E = energy(flat).reshape(spins.shape[:2]).numpy()
    m = magnetization(flat).reshape(spins.shape[:2]).numpy()
    e, abs_m = E / (L * L), np.abs(m)
    obs = ising_observables(E, m, L=L, T=T)
    exact = finite_lattice(L, T)
    w1 = None
    if L <= MAX_BEALE_L:
        levels, probabilities = energy_distribution(L, T)
        w1 = wasserstein_1_to_distribution(e.ravel(), levels / (L * L), probabilities)
    correlation = axis_correlation(flat)
    return ScoreRow(
        sampler=sampler, settings=settings, seconds=seconds, samples=int(e.size),
        tau_abs_m=integrated_autocorrelation_time(abs_m).tau, tau_energy=integrated_autocorrelation_time(e).tau,
        ess_abs_m=effective_sample_size(abs_m), ess_energy=effective_sample_size(e),
        energy=obs.energy, energy_exact=exact.energy,
        abs_magnetization=obs.abs_magnetization, abs_magnetization_reference=reference.abs_magnetization,
        specific_heat=obs.specific_heat, specific_heat_exact=exact.specific_heat,
        susceptibility=obs.susceptibility, susceptibility_reference=reference.susceptibility,
        max_correlation_deviation=float(np.max(np.abs(correlation - np.asarray(reference.correlation)))),
        energy_w1_exact=w1,
        # m = 0 (possible for even L²) has no sign: it counts half to each side.
        positive_fraction=float(np.mean(m > 0) + 0.5 * np.mean(m == 0)),
    )


def run_mcmc_for(sampler: str, *, L: int, T: float, seconds: float, generator: torch.Generator) -> tuple[torch.Tensor, str]:
    """Run an MCMC sampler for ``seconds`` of kernel time (burn-in included); returns spins [S, B, L, L] and its settings."""
    chains = METROPOLIS_CHAINS if sampler == "metropolis" else WOLFF_CHAINS
    start_spins = random_spins(chains, L, generator=generator)
    if sampler == "metropolis":
        kernel = metropolis_kernel(start_spins, T=T, generator=generator)
    else:
        kernel = WolffClusters(start_spins, T=T, J=1.0, generator=generator)
    # Burn-in as in `sample ising`: 1000 sweeps (Metropolis), ≥ 200 sweep-equivalents (Wolff), on the clock
    clock = time.perf_counter()
    if sampler == "metropolis":
        kernel.advance(1000)
        unit = 1  # sweep
    else:
        swept = 0.0
        while swept < 200:
            swept += kernel.advance(1 + L)
        unit = max(1, math.ceil(L * L / kernel.mean_cluster_size()))  # clusters ≈ one sweep-equivalent
    # Spread the records over the budget: time one record's worth of kernel work, then thin to fit.
    probe = time.perf_counter()
    kernel.advance(unit)
    per_unit = time.perf_counter() - probe
    elapsed = time.perf_counter() - clock
    remaining = max(0.0, seconds - elapsed)
    target = RECORDS_PER_CHAIN[sampler]
    thin = unit * max(1, math.floor(remaining / per_unit / target))
    records = []
    while elapsed < seconds or len(records) < 2:
        step = time.perf_counter()
        kernel.advance(thin)
        elapsed += time.perf_counter() - step
        records.append(np.array(kernel.spins, copy=True))  # recording is outside the clock
        if len(records) == 2 * target:
            # The probe misjudged the rate (the machine's load changed): keep every other record and
            # double the thinning, so memory stays bounded and the records stay evenly spaced.
            records, thin = records[1::2], 2 * thin
    unit_name = "sweeps" if sampler == "metropolis" else "clusters"
    settings = f"{chains} chains, thin {thin} {unit_name}"
    return torch.from_numpy(np.stack(records)), settings


def scoreboard(
    *,
    L: int,
    T: float,
    samplers: tuple[str, ...] = SCOREBOARD_SAMPLERS,
    n: int = 4000,
    solver: str = DEFAULT_SOLVER,
    steps: int = DEFAULT_STEPS,
    refine: int = 0,
    model=None,
    mcmc_seconds: float | None = None,
    reference_samples: int = REFERENCE_SAMPLES,
    seed: int = 0,
    device=None,
    precision: str = "auto",
    callback=None,
) -> list[ScoreRow]:
    """Score each sampler at (L, T) with J = 1, h = 0; MCMC gets ``mcmc_seconds`` (default: the raw diffusion run's wall time).

    With ``refine`` = K the diffusion samples are scored raw and after each of K Metropolis sweeps. The network
    runs on ``device`` (default CPU) in ``precision``; MCMC and the refinement sweeps always run on the CPU.
    """
    L, T = LATTICE.check(L), TEMPERATURE.check(T)
    unknown = [s for s in samplers if s not in SCOREBOARD_SAMPLERS]
    if unknown or not samplers:
        raise ValueError(f"samplers must be among {', '.join(SCOREBOARD_SAMPLERS)}, got {', '.join(unknown) or 'none'}")
    if mcmc_seconds is None and "diffusion" not in samplers:
        raise ValueError("without the diffusion sampler, whose wall time MCMC matches, give mcmc_seconds (--mcmc-seconds)")
    refine = check_int("refine", refine, minimum=0, maximum=100)
    if mcmc_seconds is not None:
        mcmc_seconds = check_real("mcmc seconds", mcmc_seconds, positive=True)
    reference = wolff_reference(L, T, n=reference_samples)
    diffusion_rows = []
    if "diffusion" in samplers:
        run = sample_ising("diffusion", L=L, T=T, n=n, seed=seed, solver=solver, steps=steps, model=model,
                           device=device, precision=precision, callback=callback)
        label = (f"{solver} {steps} steps, model L={run.details['trained_L']}, {run.details['device']}, "
                 f"{run.details['precision']}")
        spins, seconds = run.spins, run.seconds
        diffusion_rows.append(score("diffusion", label, spins.unsqueeze(1), seconds=seconds, L=L, T=T,
                                    reference=reference))
        # What each Metropolis sweep after the projection buys: one row per sweep, its time added
        sweep_generator = torch.Generator().manual_seed(seed + 1)
        for sweep in range(1, refine + 1):
            start = time.perf_counter()
            spins = refine_spins(spins, sweeps=1, T=T, generator=sweep_generator)
            seconds += time.perf_counter() - start
            diffusion_rows.append(score(f"diffusion+{sweep}", f"{label}, {sweep} Metropolis sweep(s)",
                                        spins.unsqueeze(1), seconds=seconds, L=L, T=T, reference=reference))
        mcmc_seconds = mcmc_seconds if mcmc_seconds is not None else run.seconds
    generator = torch.Generator().manual_seed(seed)
    mcmc_rows = []
    for sampler in ("metropolis", "wolff"):
        if sampler in samplers:
            spins, settings = run_mcmc_for(sampler, L=L, T=T, seconds=mcmc_seconds, generator=generator)
            mcmc_rows.append(score(sampler, settings, spins, seconds=mcmc_seconds, L=L, T=T, reference=reference))
    return mcmc_rows + diffusion_rows


def _percent(value: float, target: float) -> str:
    return f"{100 * (value - target) / abs(target):+.2f}%"


def _deviation(estimate: Estimate, target: float) -> str:
    """(estimate − target)/|target| with the estimate's error bar on the same scale, in percent."""
    return f"{100 * (estimate.value - target) / abs(target):+.1f}±{100 * estimate.error / abs(target):.1f}%"


def format_scoreboard(rows: list[ScoreRow], *, L: int, T: float) -> str:
    """The cost table and the fidelity table of one (L, T)."""
    first = rows[0]
    lines = [f"Samplers at L={L}, T={T:g} (J=1, h=0); equal compute: MCMC kernel time = diffusion wall time",
             f"{'sampler':<11} {'seconds':>8} {'samples':>8} {'τ|m|':>7} {'τe':>7} {'ESS|m|':>8} {'ESSe':>8} "
             f"{'ESS/s':>9}  settings"]
    for r in rows:
        lines.append(f"{r.sampler:<11} {r.seconds:>8.1f} {r.samples:>8} {r.tau_abs_m:>7.3g} {r.tau_energy:>7.3g} "
                     f"{r.ess_abs_m:>8.0f} {r.ess_energy:>8.0f} {r.ess_per_second:>9.3g}  {r.settings}")
    lines += ["",
              f"fidelity (Δ = (estimate − target)/|target| ± the estimate's error): e and c vs exact finite L (e = {first.energy_exact:.6f}, c = {first.specific_heat_exact:.5f}); "
              f"|m|, χ, C(r) vs Wolff reference (|m| = {first.abs_magnetization_reference.value:.5f}, "
              f"χ = {first.susceptibility_reference.value:.4g})",
              f"{'sampler':<11} {'e ± err':>20} {'Δe':>8} {'z_e':>7} {'Δ|m|':>13} {'Δc':>13} {'Δχ':>13} "
              f"{'max|ΔC|':>8} {'W1(e)':>8} {'m>0':>6}"]
    for r in rows:
        w1 = "—" if r.energy_w1_exact is None else f"{r.energy_w1_exact:.4f}"
        lines.append(
            f"{r.sampler:<11} {f'{r.energy.value:.5f} ± {r.energy.error:.5f}':>20} "
            f"{_percent(r.energy.value, r.energy_exact):>8} {r.energy_z:>+7.2f} "
            f"{_deviation(r.abs_magnetization, r.abs_magnetization_reference.value):>13} "
            f"{_deviation(r.specific_heat, r.specific_heat_exact):>13} "
            f"{_deviation(r.susceptibility, r.susceptibility_reference.value):>13} "
            f"{r.max_correlation_deviation:>8.4f} {w1:>8} {r.positive_fraction:>6.3f}")
    return "\n".join(lines)
