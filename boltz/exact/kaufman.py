"""Exact partition function of the L×L Ising torus at h = 0 (Kaufman 1949; Ferdinand & Fisher 1969).

    Z = ½ (2 sinh 2K)^{L²/2} (Z_1 + Z_2 + Z_3 + Z_4),   K = βJ,
    Z_1 = Π_{r=0}^{L−1} 2 cosh(L γ_{2r+1}/2),   Z_2 = Π_{r=0}^{L−1} 2 sinh(L γ_{2r+1}/2),
    Z_3 = Π_{r=0}^{L−1} 2 cosh(L γ_{2r}/2),     Z_4 = Π_{r=0}^{L−1} 2 sinh(L γ_{2r}/2),
    cosh γ_l = cosh 2K coth 2K − cos(πl/L)  (l ≥ 1),   γ_0 = 2K + ln tanh K.

γ_0 changes sign at T_c (it is negative above), so Z_4 does too. Everything is carried as
log-magnitudes and signs and recombined with a signed log-sum-exp, and ⟨E⟩ and Var(E) use
analytic β-derivatives of γ_l. The one singular factor, 2 sinh(Lγ_0/2), which vanishes at
T_c, is folded into regular weights so that T = T_c exactly gives no NaN.
Bond convention: 2L² bonds, so for L = 2 each neighbouring pair is bonded twice.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from boltz.exact.onsager import as_temperatures, check_coupling, shaped
from boltz.validation import LATTICE, check_real

__all__ = [
    "FiniteLatticeExact",
    "finite_lattice",
    "finite_lattice_energy",
    "finite_lattice_log_z",
    "finite_lattice_specific_heat",
]

# sinh 2K overflows float64 for K ≳ 355; stay clear of it. Below T = J/MAX_K the torus
# is in its ground state to far better than double precision anyway.
_MAX_K = 300.0


@dataclass(frozen=True)
class FiniteLatticeExact:
    """Exact h = 0 thermodynamics of one L×L torus at one temperature (k_B = 1)."""

    L: int
    T: float
    J: float
    log_z: float  # ln Z, total (not per spin)
    energy: float  # ⟨E⟩ / L²
    specific_heat: float  # Var(E) / (L² T²)


def _log_2cosh(x: np.ndarray) -> np.ndarray:
    """ln(2 cosh x) = |x| + ln(1 + e^{−2|x|}), finite for any x."""
    ax = np.abs(x)
    return ax + np.log1p(np.exp(-2.0 * ax))


def _log_abs_2sinh(x: np.ndarray) -> np.ndarray:
    """ln|2 sinh x| = |x| + ln(1 − e^{−2|x|}); −inf at x = 0."""
    ax = np.abs(x)
    with np.errstate(divide="ignore"):
        return ax + np.log(-np.expm1(-2.0 * ax))


def _sech2(x: np.ndarray) -> np.ndarray:
    """sech² x = 4e^{−2|x|}/(1 + e^{−2|x|})², without overflowing cosh."""
    e = np.exp(-2.0 * np.abs(x))
    return 4.0 * e / (1.0 + e) ** 2


def _csch2(x: np.ndarray) -> np.ndarray:
    """csch² x = 4e^{−2|x|}/(1 − e^{−2|x|})² for x ≠ 0."""
    e = np.exp(-2.0 * np.abs(x))
    return 4.0 * e / np.expm1(-2.0 * np.abs(x)) ** 2


def _coth(x: np.ndarray) -> np.ndarray:
    """coth x for x ≠ 0."""
    return 1.0 / np.tanh(x)


def _gamma_l(l: np.ndarray, L: int, K: np.ndarray):
    """γ_l, dγ_l/dK and d²γ_l/dK² for l ≥ 1 from cosh γ_l = s + 1/s − cos(πl/L), s = sinh 2K."""
    s = np.sinh(2.0 * K)
    ch = np.cosh(2.0 * K)
    # cosh γ_l − 1 = (s − 1)²/s + 2 sin²(πl/2L) ≥ 2 sin²(π/2L) > 0: written this way the
    # acosh argument near 1 (T ≈ T_c, small l, large L) keeps its relative precision.
    w = (s - 1.0) ** 2 / s + 2.0 * np.sin(0.5 * np.pi * l / L) ** 2
    sinh_g = np.sqrt(w) * np.sqrt(w + 2.0)
    gamma = np.log1p(w + sinh_g)
    # F(K) = s + 1/s − cos θ: F' = 2 cosh 2K (1 − 1/s²), F'' = 4s + 4/s + 8/s³.
    F1 = 2.0 * ch * (1.0 - 1.0 / s**2)
    F2 = 4.0 * s + 4.0 / s + 8.0 / s**3
    # sinh γ γ' = F'  and  cosh γ γ'² + sinh γ γ'' = F''.
    g1 = F1 / sinh_g
    g2 = (F2 - (1.0 + w) * g1 * g1) / sinh_g
    return gamma, g1, g2


def _gamma_0(K: np.ndarray):
    """Signed γ_0 = 2K + ln tanh K with dγ_0/dK = 2 + 2/sinh 2K and d²γ_0/dK² = −4 cosh 2K/sinh² 2K."""
    s = np.sinh(2.0 * K)
    gamma = 2.0 * K + np.log(np.tanh(K))
    return gamma, 2.0 + 2.0 / s, -4.0 * np.cosh(2.0 * K) / s**2


def _kaufman(L: int, T: np.ndarray, J: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """ln Z, ⟨E⟩/L² and Var(E)/(L² T²) for an array of temperatures."""
    K = J / T
    if np.any(K > _MAX_K):
        raise ValueError(f"finite-lattice reference needs T > J/{_MAX_K:g}, got T={T[K > _MAX_K][0]}")
    N = L * L
    Kc = K[:, None]
    r = np.arange(L)
    # x_l = L γ_l / 2 and its β-derivatives (d/dβ = J d/dK).
    g, g1, g2 = _gamma_l(2 * r + 1, L, Kc)
    x_odd, dx_odd, ddx_odd = 0.5 * L * g, 0.5 * L * J * g1, 0.5 * L * J * J * g2
    g, g1, g2 = _gamma_l(2 * r[1:], L, Kc)
    x_even, dx_even, ddx_even = 0.5 * L * g, 0.5 * L * J * g1, 0.5 * L * J * J * g2
    g, g1, g2 = _gamma_0(K)
    x0, dx0, ddx0 = 0.5 * L * g, 0.5 * L * J * g1, 0.5 * L * J * J * g2

    # log-magnitudes of Z_1..Z_4; Z_4 carries the sign of γ_0, the others are positive.
    log_cosh_odd = _log_2cosh(x_odd).sum(-1)
    log_sinh_odd = _log_abs_2sinh(x_odd).sum(-1)
    log_cosh_even = _log_2cosh(x_even).sum(-1)
    log_sinh_even = _log_abs_2sinh(x_even).sum(-1)
    log_z = np.stack(
        [
            log_cosh_odd,
            log_sinh_odd,
            _log_2cosh(x0) + log_cosh_even,
            _log_abs_2sinh(x0) + log_sinh_even,
        ]
    )
    sign = np.stack([np.ones_like(x0), np.ones_like(x0), np.ones_like(x0), np.sign(x0)])
    # |Z_2| ≤ Z_1 and |Z_4| ≤ Z_3, so the largest term is Z_1 or Z_3; the signed sum is
    # positive because Z_3 + Z_4 ≥ 0 for either sign of γ_0.
    top = np.maximum(log_z[0], log_z[2])
    scaled = sign * np.exp(log_z - top)
    total = scaled.sum(0)
    weight = scaled / total  # w_i = ±|Z_i| / ΣZ, summing to 1
    # w̃_4 = w_4 coth(x_0) = 2cosh(x_0) Π_{r≥1} 2sinh(x_{2r}) / ΣZ stays finite when x_0 → 0.
    weight_4_regular = np.exp(_log_2cosh(x0) + log_sinh_even - top) / total
    log_z_total = -np.log(2.0) + 0.5 * N * (2.0 * K + np.log(-np.expm1(-4.0 * K))) + top + np.log(total)

    # First and second β-derivatives of ln|Z_i|: Σ g(x) x' and Σ [g'(x) x'² + g(x) x''] with
    # g = tanh (cosh factors) or coth (sinh factors); the x_0 sinh factor is kept apart.
    t_odd, ct_odd = np.tanh(x_odd), _coth(x_odd)
    t_even, ct_even = np.tanh(x_even), _coth(x_even)
    D = np.stack(
        [
            (t_odd * dx_odd).sum(-1),
            (ct_odd * dx_odd).sum(-1),
            np.tanh(x0) * dx0 + (t_even * dx_even).sum(-1),
            (ct_even * dx_even).sum(-1),  # a: Z_4 without its x_0 factor
        ]
    )
    H = np.stack(
        [
            (_sech2(x_odd) * dx_odd**2 + t_odd * ddx_odd).sum(-1),
            (-_csch2(x_odd) * dx_odd**2 + ct_odd * ddx_odd).sum(-1),
            _sech2(x0) * dx0**2 + np.tanh(x0) * ddx0 + (_sech2(x_even) * dx_even**2 + t_even * ddx_even).sum(-1),
            (-_csch2(x_even) * dx_even**2 + ct_even * ddx_even).sum(-1),  # b
        ]
    )
    # d ln ΣZ/dβ = Σ_i w_i D_i, where for Z_4, w_4 (a + coth(x_0) x_0') = w_4 a + w̃_4 x_0'.
    mean = (weight * D).sum(0) + weight_4_regular * dx0
    # Law of total variance over the signed mixture: Σ_i w_i [(D_i − D̄)² + H_i]. For Z_4 the
    # coth² − csch² = 1 identity leaves w_4[(a − D̄)² + x_0'² + b] + w̃_4[2(a − D̄)x_0' + x_0''].
    spread = (D - mean) ** 2 + H
    spread[3] += dx0**2
    variance = (weight * spread).sum(0) + weight_4_regular * (2.0 * (D[3] - mean) * dx0 + ddx0)

    # Prefactor (L²/2) ln(2 sinh 2βJ): β-derivatives L² J coth 2K and −2 L² J² / sinh² 2K.
    s = np.sinh(2.0 * K)
    mean_energy = -(N * J / np.tanh(2.0 * K) + mean)
    var_energy = variance - 2.0 * N * J * J / s**2
    return log_z_total, mean_energy / N, var_energy / (N * T * T)


def finite_lattice(L: int, T: float, J: float = 1.0) -> FiniteLatticeExact:
    """Exact ln Z, ⟨E⟩/L² and c of the L×L torus at one temperature (Kaufman 1949)."""
    L = LATTICE.check(L)
    T = check_real("T", T, positive=True)
    J = check_coupling(J)
    log_z, energy, specific_heat = _kaufman(L, np.array([T]), J)
    return FiniteLatticeExact(
        L=L, T=T, J=J, log_z=float(log_z[0]), energy=float(energy[0]), specific_heat=float(specific_heat[0])
    )


def finite_lattice_log_z(L: int, T, J: float = 1.0):
    """ln Z of the L×L torus (total, not per spin) for a float or 1-D array of T."""
    L, J = LATTICE.check(L), check_coupling(J)
    T, scalar = as_temperatures(T)
    return shaped(_kaufman(L, T, J)[0], scalar)


def finite_lattice_energy(L: int, T, J: float = 1.0):
    """Exact energy per spin ⟨E⟩/L² = −(1/L²) ∂ln Z/∂β of the L×L torus for a float or 1-D array of T."""
    L, J = LATTICE.check(L), check_coupling(J)
    T, scalar = as_temperatures(T)
    return shaped(_kaufman(L, T, J)[1], scalar)


def finite_lattice_specific_heat(L: int, T, J: float = 1.0):
    """Exact specific heat per spin (∂²ln Z/∂β²)/(L² T²) of the L×L torus for a float or 1-D array of T."""
    L, J = LATTICE.check(L), check_coupling(J)
    T, scalar = as_temperatures(T)
    return shaped(_kaufman(L, T, J)[2], scalar)
