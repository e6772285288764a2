"""Observables of a Lennard-Jones sample set with error bars, and its distance to a reference set (MCMC vs diffusion).

There is no exact solution to compare with, so a sample set is compared with another one
at the same (N, ρ, T): the difference of ⟨U/N⟩ in units of the combined error, max |Δg(r)|
over r < box/2, and the W1 distance between the two distributions of U/N.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass

import numpy as np
import torch

from boltz.analysis import lj_observables, radial_distribution, wasserstein_1
from boltz.analysis.radial_distribution import RadialDistribution, pair_distances, per_sample
from boltz.lj_jobs import check_state_point
from boltz.systems.lennard_jones import energy, potential_name, pressure

OVERLAP_DISTANCE = 0.7  # a pair closer than this (u > 250 ε) has no business in a sample at T ≲ 2


@dataclass(frozen=True)
class Comparison:
    """This set against a reference set: ΔU/N with its z-score, max |Δg(r)| (with the r it sits at), W1 of U/N."""

    energy_difference: float
    energy_z: float
    max_abs_delta_g: float
    r_of_max_delta_g: float
    energy_w1: float
    reference_samples: int


@dataclass(frozen=True)
class LJReport:
    N: int
    density: float
    T: float
    box: float
    potential: str
    n_samples: int
    energy_per_particle: tuple[float, float]
    pressure: tuple[float, float]
    excess_heat_capacity: tuple[float, float]
    tau_energy: float
    ess_energy: float
    overlap_fraction: float  # fraction of samples holding a pair with r < OVERLAP_DISTANCE
    gr: RadialDistribution
    comparison: Comparison | None = None

    def as_dict(self) -> dict:
        data = asdict(self)
        data["gr"] = {"r": self.gr.r.tolist(), "g": self.gr.g.tolist(), "error": self.gr.error.tolist()}
        return data


def _check_samples(positions: torch.Tensor, energies: torch.Tensor, *, N: int, box: float, shifted: bool) -> None:
    if positions.shape[1] != N:
        raise ValueError(f"the samples hold {positions.shape[1]} particles, not N = {N}")
    if bool((positions < 0).any()) or bool((positions >= box * (1 + 1e-9)).any()):
        raise ValueError(f"positions must lie in the box [0, {box:.6g}) of N = {N} at this density")
    expected = per_sample(lambda chunk: energy(chunk, box, shifted=shifted), positions)
    if not torch.allclose(expected, energies, atol=1e-6 * N, rtol=1e-8):
        raise ValueError(f"the energy column does not match the positions for the {potential_name(shifted)} at this "
                         "density: pass the N, density and potential the samples were drawn with")


def lj_report(
    positions: torch.Tensor, energies: torch.Tensor, *, N: int, density: float, T: float, shifted: bool = True,
    bins: int = 100, reference: tuple[torch.Tensor, torch.Tensor] | None = None,
) -> LJReport:
    """Observables of samples ``positions`` [S, N, 2] (time-ordered) with errors; against ``reference`` (positions, energies) if given."""
    N, density, T, box = check_state_point(N, density, T)
    _check_samples(positions, energies, N=N, box=box, shifted=shifted)

    def pressures(samples: torch.Tensor) -> np.ndarray:
        return per_sample(lambda chunk: pressure(chunk, box, T=T, shifted=shifted), samples).numpy()

    obs = lj_observables(energies.numpy(), pressures(positions), N=N, T=T)
    gr = radial_distribution(positions, box, bins=bins)
    close = per_sample(lambda chunk: (pair_distances(chunk, box) < OVERLAP_DISTANCE).any(-1), positions)
    comparison = None
    if reference is not None:
        ref_positions, ref_energies = reference
        _check_samples(ref_positions, ref_energies, N=N, box=box, shifted=shifted)
        ref_obs = lj_observables(ref_energies.numpy(), pressures(ref_positions), N=N, T=T)
        ref_gr = radial_distribution(ref_positions, box, bins=bins)
        delta = obs.energy.value - ref_obs.energy.value
        combined = math.hypot(obs.energy.error, ref_obs.energy.error)
        worst = int(np.argmax(np.abs(gr.g - ref_gr.g)))
        comparison = Comparison(
            energy_difference=delta, energy_z=delta / combined if combined > 0 else math.copysign(math.inf, delta),
            max_abs_delta_g=float(abs(gr.g[worst] - ref_gr.g[worst])), r_of_max_delta_g=float(gr.r[worst]),
            energy_w1=wasserstein_1(energies.numpy() / N, ref_energies.numpy() / N),
            reference_samples=int(ref_positions.shape[0]),
        )
    return LJReport(
        N=N, density=density, T=T, box=box, potential=potential_name(shifted), n_samples=int(positions.shape[0]),
        energy_per_particle=(obs.energy.value, obs.energy.error), pressure=(obs.pressure.value, obs.pressure.error),
        excess_heat_capacity=(obs.heat_capacity.value, obs.heat_capacity.error),
        tau_energy=obs.tau_energy, ess_energy=obs.ess_energy, overlap_fraction=float(close.double().mean()),
        gr=gr, comparison=comparison,
    )


def format_lj_report(report: LJReport) -> str:
    """A plain-text summary of ``report`` for the terminal."""
    lines = [
        f"Lennard-Jones N={report.N} density={report.density:g} T={report.T:g} box={report.box:.6g} "
        f"({report.potential}): {report.n_samples} samples",
        f"{'observable':<22} {'estimate':>12} {'± error':>10}",
    ]
    for name, (value, error) in (("U/N", report.energy_per_particle), ("pressure", report.pressure),
                                 ("excess c_v per particle", report.excess_heat_capacity)):
        lines.append(f"{name:<22} {value:>12.6f} {error:>10.2g}")
    lines.append(f"tau_int(U) {report.tau_energy:.3g} samples; ESS(U) {report.ess_energy:.0f}; "
                 f"samples with a pair closer than {OVERLAP_DISTANCE}: {report.overlap_fraction:.2%}")
    peak = int(np.argmax(report.gr.g))
    lines.append(f"g(r): first peak {report.gr.g[peak]:.3f} at r = {report.gr.r[peak]:.3f} ({report.gr.r.size} shells up to box/2)")
    c = report.comparison
    if c is not None:
        lines.append(f"vs reference ({c.reference_samples} samples): ΔU/N = {c.energy_difference:+.5f} "
                     f"(z = {c.energy_z:+.2f}), max |Δg| = {c.max_abs_delta_g:.3f} at r = {c.r_of_max_delta_g:.3f}, "
                     f"W1(U/N) = {c.energy_w1:.4f}")
    return "\n".join(lines)
