"""Observables of an Ising sample set with error bars, beside the exact values they should match."""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass

import numpy as np
import torch

from boltz.analysis import (
    effective_sample_size,
    integrated_autocorrelation_time,
    ising_observables,
    wasserstein_1_to_distribution,
)
from boltz.exact import (
    MAX_BEALE_L,
    energy_distribution,
    finite_lattice,
    onsager_energy,
    onsager_magnetization,
    onsager_specific_heat,
)
from boltz.systems.ising import energy
from boltz.validation import COUPLING, FIELD, LATTICE, TEMPERATURE


@dataclass(frozen=True)
class ReportRow:
    """One observable: the estimate, its error bar, the exact finite-L value (if known) and its z-score."""

    name: str
    value: float
    error: float
    exact: float | None = None
    z: float | None = None
    onsager: float | None = None


@dataclass(frozen=True)
class IsingReport:
    L: int
    T: float
    J: float
    h: float
    n_samples: int
    rows: list[ReportRow]
    tau_abs_m: float
    tau_energy: float
    ess_abs_m: float
    ess_energy: float
    energy_w1_exact: float | None  # W1 between the sampled and the exact P(e), per spin (Beale's g(E))

    def as_dict(self) -> dict:
        return asdict(self)


def _z(value: float, error: float, exact: float) -> float:
    return (value - exact) / error if error > 0 else (0.0 if value == exact else math.inf)


def ising_report(
    spins: torch.Tensor, energies: torch.Tensor, magnetizations: torch.Tensor, *, L: int, T: float,
    J: float = 1.0, h: float = 0.0,
) -> IsingReport:
    """Observables of samples ``spins`` [S, L, L] (time-ordered) with errors; exact finite-L (Kaufman) and L = ∞ (Onsager) where they exist."""
    L, T = LATTICE.check(L), TEMPERATURE.check(T)
    J, h = COUPLING.check(J), FIELD.check(h)
    if spins.shape[-1] != L:
        raise ValueError(f"the samples are {spins.shape[-1]}×{spins.shape[-1]} lattices, not L = {L}")
    if not torch.allclose(energy(spins, J, h), energies.to(torch.float64), atol=1e-6 * L * L, rtol=1e-9):
        raise ValueError(f"the energy column does not match the spins for J = {J}, h = {h}: pass the J and h the samples were drawn with")
    obs = ising_observables(energies.numpy(), magnetizations.numpy(), L=L, T=T)
    exact = finite_lattice(L, T, J) if h == 0.0 and J > 0 else None
    infinite = h == 0.0 and J > 0
    rows = [
        ReportRow("e", obs.energy.value, obs.energy.error,
                  exact.energy if exact else None, _z(obs.energy.value, obs.energy.error, exact.energy) if exact else None,
                  float(onsager_energy(T, J)) if infinite else None),
        ReportRow("|m|", obs.abs_magnetization.value, obs.abs_magnetization.error,
                  onsager=float(onsager_magnetization(T, J)) if infinite else None),
        ReportRow("m^2", obs.m2.value, obs.m2.error),
        ReportRow("c", obs.specific_heat.value, obs.specific_heat.error,
                  exact.specific_heat if exact else None,
                  _z(obs.specific_heat.value, obs.specific_heat.error, exact.specific_heat) if exact else None,
                  float(onsager_specific_heat(T, J)) if infinite else None),
        ReportRow("chi", obs.susceptibility.value, obs.susceptibility.error),
        ReportRow("U4", obs.binder.value, obs.binder.error),
    ]
    abs_m = np.abs(magnetizations.numpy())
    e = energies.numpy() / (L * L)
    w1 = None
    if exact and L <= MAX_BEALE_L:
        levels, probabilities = energy_distribution(L, T, J)
        w1 = wasserstein_1_to_distribution(e, levels / (L * L), probabilities)
    return IsingReport(
        L=L, T=T, J=J, h=h, n_samples=int(spins.shape[0]), rows=rows,
        tau_abs_m=integrated_autocorrelation_time(abs_m).tau,
        tau_energy=integrated_autocorrelation_time(e).tau,
        ess_abs_m=effective_sample_size(abs_m),
        ess_energy=effective_sample_size(e),
        energy_w1_exact=w1,
    )


def _cell(x: float | None, digits: int = 6) -> str:
    return "—" if x is None else f"{x:.{digits}g}"


def format_report(report: IsingReport) -> str:
    """A plain-text table of ``report`` for the terminal."""
    lines = [
        f"Ising L={report.L} T={report.T:g} J={report.J:g} h={report.h:g}: {report.n_samples} samples",
        f"{'observable':<10} {'estimate':>12} {'± error':>10} {'exact (L)':>12} {'z':>7} {'Onsager (∞)':>12}",
    ]
    for row in report.rows:
        lines.append(
            f"{row.name:<10} {row.value:>12.6f} {row.error:>10.2g} {_cell(row.exact, 8):>12} "
            f"{'—' if row.z is None else f'{row.z:+.2f}':>7} {_cell(row.onsager, 8):>12}"
        )
    lines.append(
        f"tau_int: |m| {report.tau_abs_m:.3g}, e {report.tau_energy:.3g} (samples); "
        f"ESS: |m| {report.ess_abs_m:.0f}, e {report.ess_energy:.0f}"
    )
    if report.energy_w1_exact is not None:
        lines.append(f"W1(P(e), exact P(e) from g(E)) = {report.energy_w1_exact:.3g} per spin")
    return "\n".join(lines)
