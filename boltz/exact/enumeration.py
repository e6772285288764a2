"""Brute-force Boltzmann statistics of tiny Ising tori by summing over all 2^(L²) states.

Z = Σ_s exp(−E(s)/T) with E from ``boltz.systems.ising.energy`` (same 2L²-bond convention),
so this is the ground truth the closed forms and the samplers are checked against.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch

from boltz.exact.onsager import check_coupling
from boltz.systems.ising import energy, magnetization
from boltz.validation import LATTICE, check_real

__all__ = ["MAX_ENUMERATION_L", "EnumeratedIsing", "all_configurations", "enumerate_ising"]

# 2^(4²) = 65 536 states is instant; 5×5 would already be 3.4·10⁷.
MAX_ENUMERATION_L = 4


@dataclass(frozen=True, eq=False)
class EnumeratedIsing:
    """Exact averages of one L×L torus at (T, J, h) from summing over every state (k_B = 1)."""

    L: int
    T: float
    J: float
    h: float
    log_z: float  # ln Z, total (not per spin)
    energy: float  # ⟨E⟩ / N
    specific_heat: float  # Var(E) / (N T²)
    abs_magnetization: float  # ⟨|m|⟩
    m2: float  # ⟨m²⟩
    m4: float  # ⟨m⁴⟩
    boltzmann_weights: torch.Tensor  # p(s) = e^{−E(s)/T}/Z, [2^N] float64 in all_configurations order


def all_configurations(L: int) -> torch.Tensor:
    """Every spin state of the L×L torus: ``[2^(L²), L, L]`` int8, state n has s_i = +1 iff bit i of n is set."""
    L = LATTICE.check(L)
    if L > MAX_ENUMERATION_L:
        raise ValueError(f"enumeration needs L <= {MAX_ENUMERATION_L} (2^(L²) states), got L={L}")
    n_sites = L * L
    index = torch.arange(2**n_sites, dtype=torch.int64)
    # Site i is row-major (i = row·L + column), so a reshape puts bit i at [i // L, i % L].
    bits = (index[:, None] >> torch.arange(n_sites, dtype=torch.int64)) & 1
    return (2 * bits - 1).to(torch.int8).reshape(-1, L, L)


def enumerate_ising(L: int, T: float, J: float = 1.0, h: float = 0.0) -> EnumeratedIsing:
    """Exact ln Z, ⟨E⟩/N, c, ⟨|m|⟩, ⟨m²⟩, ⟨m⁴⟩ and p(s) by direct summation over all states."""
    spins = all_configurations(L)
    T = check_real("T", T, positive=True)
    J = check_coupling(J)
    h = check_real("h", h)
    n_sites = L * L
    E = energy(spins, J=J, h=h)
    m = magnetization(spins)
    # log-sum-exp: at T = 0.1 the ground-state weight e^{2N J/T} would overflow a plain sum.
    log_w = -E / T
    log_z = torch.logsumexp(log_w, dim=0)
    p = torch.exp(log_w - log_z)
    mean_E = (p * E).sum()
    # Centred second moment: ⟨E²⟩ − ⟨E⟩² would cancel when the ground state dominates.
    var_E = (p * (E - mean_E) ** 2).sum()
    m2 = m * m
    return EnumeratedIsing(
        L=L,
        T=T,
        J=J,
        h=h,
        log_z=float(log_z),
        energy=float(mean_E) / n_sites,
        specific_heat=float(var_E) / (n_sites * T * T),
        abs_magnetization=float((p * m.abs()).sum()),
        m2=float((p * m2).sum()),
        m4=float((p * m2 * m2).sum()),
        boltzmann_weights=p,
    )
