"""Thermodynamic observables of the 2D Lennard-Jones fluid with block-jackknife error bars.

Inputs are per-sample TOTAL potential energies U and instantaneous virial pressures P
(``boltz.systems.lennard_jones.energy`` and ``pressure``), each ``[S]`` or ``[S, B]``
(S time steps × B independent chains). With k_B = 1:

    energy          u    = ⟨U⟩ / N
    pressure        P    = ⟨P⟩
    heat_capacity   c_ex = (⟨U²⟩ − ⟨U⟩²) / (N T²), the excess (configurational) heat capacity
                           per particle; the full c_v adds the ideal-gas d/2 = 1 of 2D.

τ_int and the ESS of U tell how many independent samples the error bars rest on.
"""

from __future__ import annotations

from dataclasses import dataclass

from boltz.analysis.autocorrelation import effective_sample_size, integrated_autocorrelation_time
from boltz.analysis.estimates import Estimate, as_series, jackknife_of_means
from boltz.validation import PARTICLES, TEMPERATURE

__all__ = ["LJObservables", "lj_observables"]


@dataclass(frozen=True)
class LJObservables:
    """⟨U⟩/N, P and the excess c_v as ``Estimate``s; τ_int (in samples) and ESS of U."""

    energy: Estimate
    pressure: Estimate
    heat_capacity: Estimate
    tau_energy: float
    ess_energy: float

    def as_dict(self) -> dict:
        return {
            "energy_per_particle": {"value": self.energy.value, "error": self.energy.error},
            "pressure": {"value": self.pressure.value, "error": self.pressure.error},
            "excess_heat_capacity": {"value": self.heat_capacity.value, "error": self.heat_capacity.error},
            "tau_energy": self.tau_energy,
            "ess_energy": self.ess_energy,
        }


def lj_observables(energies, pressures, *, N: int, T: float, n_blocks: int | None = None) -> LJObservables:
    """Observables of samples with total energies U and pressures P (each ``[S]`` or ``[S, B]``), errors by block jackknife."""
    N = PARTICLES.check(N)
    T = TEMPERATURE.check(T)
    U = as_series(energies, name="energies")
    P = as_series(pressures, name="pressures")
    if U.shape != P.shape:
        raise ValueError(f"energies and pressures must have one shape, got {U.shape} and {P.shape}")
    # Moments about the full-sample mean: ⟨δU²⟩ − ⟨δU⟩² does not cancel catastrophically.
    U0 = U.mean()
    dU = U - U0

    def jk(series, function) -> Estimate:
        return jackknife_of_means(series, function, n_blocks=n_blocks)

    u = U / N
    return LJObservables(
        energy=jk(dU, lambda mean: (U0 + mean) / N),
        pressure=jk(P, lambda mean: mean),
        heat_capacity=jk((dU, dU**2), lambda mo: (mo[1] - mo[0] ** 2) / (N * T**2)),
        tau_energy=integrated_autocorrelation_time(u).tau,
        ess_energy=effective_sample_size(u),
    )
