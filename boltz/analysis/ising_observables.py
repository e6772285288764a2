"""Thermodynamic observables of the 2D Ising model with block-jackknife error bars.

Inputs are per-sample TOTAL energies E and per-spin magnetizations m (as returned
by ``boltz.systems.ising.energy`` and ``magnetization``), each ``[S]`` or
``[S, B]`` (S time steps × B independent chains). With N = L² and k_B = 1:

    energy            e  = ⟨E⟩ / N
    abs_magnetization    ⟨|m|⟩
    m2                   ⟨m²⟩
    specific_heat     c  = (⟨E²⟩ − ⟨E⟩²) / (N T²)
    susceptibility    χ  = N (⟨m²⟩ − ⟨|m|⟩²) / T
    binder            U4 = 1 − ⟨m⁴⟩ / (3 ⟨m²⟩²)

χ uses |m|: on a finite torus at h = 0, ⟨m⟩ = 0 exactly by symmetry, so the
"connected" N(⟨m²⟩ − ⟨m⟩²)/T = N⟨m²⟩/T would grow like N below T_c instead of measuring
fluctuations inside one ordered state. The |m| convention (Binder & Heermann)
stays O(1) below T_c and peaks near T_c; above T_c, where m is nearly Gaussian,
it is about (1 − 2/π) times N⟨m²⟩/T. Exact references must use the same convention.
"""

from __future__ import annotations

from dataclasses import dataclass, fields

import numpy as np

from boltz.analysis.estimates import Estimate, as_series, jackknife_of_means
from boltz.validation import LATTICE, TEMPERATURE

__all__ = ["IsingObservables", "ising_observables"]


@dataclass(frozen=True)
class IsingObservables:
    """The standard Ising observables, each an ``Estimate`` (see module docstring)."""

    energy: Estimate
    abs_magnetization: Estimate
    m2: Estimate
    specific_heat: Estimate
    susceptibility: Estimate
    binder: Estimate

    def as_dict(self) -> dict[str, dict[str, float]]:
        """``{name: {"value": v, "error": e}}`` for JSON output."""
        return {
            f.name: {"value": getattr(self, f.name).value, "error": getattr(self, f.name).error}
            for f in fields(self)
        }


def ising_observables(
    energies,
    magnetizations,
    *,
    L: int,
    T: float,
    n_blocks: int | None = None,
) -> IsingObservables:
    """Ising observables from samples, errors by block jackknife (``jackknife_of_means``).

    Args:
        energies: total energies E, ``[S]`` or ``[S, B]``.
        magnetizations: per-spin magnetizations m, same shape as ``energies``.
        L: lattice side (N = L²).
        T: temperature in units of J/k_B.
        n_blocks: jackknife blocks, as in ``block_jackknife``.

    Cost O(S·B): every observable is a function of sample moments.
    """
    L = LATTICE.check(L)
    T = TEMPERATURE.check(T)
    E = as_series(energies, name="energies")
    m = as_series(magnetizations, name="magnetizations")
    if E.shape != m.shape:
        raise ValueError(f"energies and magnetizations must have one shape, got {E.shape} and {m.shape}")
    N = L * L

    # Variances come from moments about a fixed shift (the full-sample mean), so
    # ⟨x²⟩ − ⟨x⟩² does not cancel catastrophically when |⟨x⟩| ≫ std(x), e.g.
    # E ≈ −2N at low T or |m| ≈ 1 below T_c.
    E0 = E.mean()
    dE = E - E0
    abs_m = np.abs(m)
    a0 = abs_m.mean()
    da = abs_m - a0

    def jk(series, function) -> Estimate:
        return jackknife_of_means(series, function, n_blocks=n_blocks)

    def binder(moments) -> float:
        m2, m4 = moments
        # m ≡ 0 (possible for even N) leaves U4 undefined rather than −inf.
        return 1.0 - m4 / (3.0 * m2**2) if m2 > 0 else float("nan")

    return IsingObservables(
        energy=jk(dE, lambda mean: (E0 + mean) / N),
        abs_magnetization=jk(da, lambda mean: a0 + mean),
        m2=jk(m**2, lambda mean: mean),
        specific_heat=jk((dE, dE**2), lambda mo: (mo[1] - mo[0] ** 2) / (N * T**2)),
        susceptibility=jk((da, da**2), lambda mo: N * (mo[1] - mo[0] ** 2) / T),
        binder=jk((m**2, m**4), binder),
    )
