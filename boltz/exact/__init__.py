"""Exact references for the 2D Ising ferromagnet at h = 0: Onsager (L = ∞), Kaufman (finite torus), Beale (g(E), L ≤ 32), enumeration (tiny L)."""

from boltz.exact.beale import MAX_BEALE_L, DensityOfStates, density_of_states, energy_distribution
from boltz.exact.enumeration import MAX_ENUMERATION_L, EnumeratedIsing, all_configurations, enumerate_ising
from boltz.exact.kaufman import (
    FiniteLatticeExact,
    finite_lattice,
    finite_lattice_energy,
    finite_lattice_log_z,
    finite_lattice_specific_heat,
)
from boltz.exact.onsager import (
    T_C,
    critical_temperature,
    elliptic_e,
    elliptic_k,
    onsager_energy,
    onsager_magnetization,
    onsager_specific_heat,
)

__all__ = [
    "MAX_BEALE_L",
    "DensityOfStates",
    "density_of_states",
    "energy_distribution",
    "MAX_ENUMERATION_L",
    "T_C",
    "EnumeratedIsing",
    "FiniteLatticeExact",
    "all_configurations",
    "critical_temperature",
    "elliptic_e",
    "elliptic_k",
    "enumerate_ising",
    "finite_lattice",
    "finite_lattice_energy",
    "finite_lattice_log_z",
    "finite_lattice_specific_heat",
    "onsager_energy",
    "onsager_magnetization",
    "onsager_specific_heat",
]
