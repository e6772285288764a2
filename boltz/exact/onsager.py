"""Onsager's solution of the infinite square-lattice Ising ferromagnet at h = 0 (Onsager 1944; Yang 1952).

Everything is per spin with k_B = 1. With K = βJ, t = tanh 2K and the elliptic modulus
k = 2 sinh 2K / cosh² 2K, the complementary modulus is k' = √(1 − k²) = |2t² − 1|, which
vanishes exactly at the critical point sinh 2K_c = 1.

The complete elliptic integrals come from the arithmetic–geometric mean M = AGM(1, k'):
K(k) = π / (2M) and K(k) − E(k) = K(k) Σ_{n≥0} 2^{n−1} c_n² (Abramowitz & Stegun 17.6).
Onsager's u and c are rewritten in terms of M, 1 − M and that sum so that every term is
positive and nothing cancels catastrophically, neither near T_c nor at low or high T.
"""

from __future__ import annotations

import math

import numpy as np

from boltz.validation import check_real

__all__ = [
    "T_C",
    "critical_temperature",
    "elliptic_e",
    "elliptic_k",
    "onsager_energy",
    "onsager_magnetization",
    "onsager_specific_heat",
]

# The AGM converges quadratically: 64 halvings are far more than any k' > 0 needs
# (k' = 1e-300 takes about 16), and keep k' = 0 (where it never converges) bounded.
_MAX_AGM_STEPS = 64


def check_coupling(J) -> float:
    """The ferromagnetic coupling J > 0, finite."""
    J = check_real("J", J)
    if J <= 0:
        raise ValueError(f"exact references need J > 0, got J={J}")
    return J


def as_temperatures(T) -> tuple[np.ndarray, bool]:
    """T as a checked float64 1-D array, and whether the caller passed a scalar."""
    if np.ndim(T) == 0:
        # numpy scalars and 0-d arrays count as plain numbers.
        value = T.item() if isinstance(T, (np.ndarray, np.generic)) else T
        return np.array([check_real("T", value, positive=True)]), True
    try:
        values = np.asarray(T, dtype=np.float64)
    except (TypeError, ValueError):
        raise ValueError(f"T must be a number or a 1-D array of numbers, got {T!r}") from None
    if values.ndim != 1:
        raise ValueError(f"T must be a number or a 1-D array, got shape {values.shape}")
    bad = ~(np.isfinite(values) & (values > 0))
    if bad.any():
        check_real("T", float(values[bad][0]), positive=True)  # raises the shared one-line message
    return values, False


def shaped(values: np.ndarray, scalar: bool):
    """Hand back a float for a scalar argument, the array otherwise."""
    return float(values[0]) if scalar else values


def critical_temperature(J: float = 1.0) -> float:
    """T_c = 2J / ln(1 + √2), the self-dual point sinh(2J/T_c) = 1 (Kramers & Wannier 1941)."""
    J = check_coupling(J)
    return 2.0 * J / math.log1p(math.sqrt(2.0))


T_C = critical_temperature()


def _agm(kp: np.ndarray, one_minus_kp: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """M = AGM(1, k'), 1 − M and Σ_{n≥1} 2^{n−1} c_n² (Gauss; A&S 17.6.3–4), given k' and 1 − k'."""
    # 1 − a_n and 1 − b_n are carried alongside a_n, b_n so that 1 − M keeps full relative
    # precision when M → 1 (k' → 1, i.e. T → 0 or T → ∞), where 1 − a_n would cancel.
    a, b = np.ones_like(kp), kp.copy()
    da, db = np.zeros_like(kp), one_minus_kp.copy()
    live = kp > 0
    c = one_minus_kp / 2.0  # c_1 = (a_0 − b_0)/2, exact from 1 − k'
    tail = np.zeros_like(kp)
    weight = 1.0  # 2^{n−1} for the c_n being added
    for step in range(_MAX_AGM_STEPS):
        a_next = 0.5 * (a + b)
        b_next = np.sqrt(a * b)
        da_next = 0.5 * (da + db)
        # 1 − ab = (1 − a) + a(1 − b) is a sum of non-negative terms, so no cancellation.
        db_next = (da + a * db) / (1.0 + b_next)
        if step > 0:
            # c_{n+1} = (a_n − b_n)/2 = c_n² / (4 a_{n+1}): the difference form would cancel.
            c = c * c / (4.0 * a_next)
        a, b, da, db = a_next, b_next, da_next, db_next
        tail = tail + weight * c * c
        weight *= 2.0
        if np.all((c <= 1e-18 * a) | ~live):
            break
    # k' = 0 is k = 1: the AGM tends to 0 and K(k) diverges logarithmically.
    M = np.where(live, a, 0.0)
    one_minus_M = np.where(live, da, 1.0)
    return M, one_minus_M, tail


def _as_moduli(k) -> tuple[np.ndarray, bool]:
    """The modulus k as a checked float64 1-D array with 0 ≤ k ≤ 1, and whether it was a scalar."""
    scalar = np.ndim(k) == 0
    try:
        values = np.atleast_1d(np.asarray(k, dtype=np.float64))
    except (TypeError, ValueError):
        raise ValueError(f"k must be a number or a 1-D array of numbers, got {k!r}") from None
    if values.ndim != 1:
        raise ValueError(f"k must be a number or a 1-D array, got shape {np.shape(k)}")
    if not np.all((values >= 0) & (values <= 1)):
        raise ValueError("elliptic modulus k must lie in [0, 1]")
    return values, scalar


def elliptic_k(k):
    """Complete elliptic integral of the first kind K(k) = ∫_0^{π/2} dθ/√(1 − k² sin²θ) = π/(2 AGM(1, k'))."""
    k, scalar = _as_moduli(k)
    kp = np.sqrt((1.0 - k) * (1.0 + k))
    M, _, _ = _agm(kp, k * k / (1.0 + kp))
    return shaped(np.where(M > 0, 0.5 * np.pi / np.where(M > 0, M, 1.0), np.inf), scalar)


def elliptic_e(k):
    """Complete elliptic integral of the second kind E(k) = ∫_0^{π/2} √(1 − k² sin²θ) dθ via the AGM (A&S 17.6.4)."""
    k, scalar = _as_moduli(k)
    kp = np.sqrt((1.0 - k) * (1.0 + k))
    M, _, tail = _agm(kp, k * k / (1.0 + kp))
    safe_M = np.where(M > 0, M, 1.0)
    # E = K (1 − Σ_{n≥0} 2^{n−1} c_n²) with c_0 = k; at k = 1 the limit is E = 1.
    E = 0.5 * np.pi / safe_M * (1.0 - 0.5 * k * k - tail)
    return shaped(np.where(M > 0, E, 1.0), scalar)


def _onsager_terms(T: np.ndarray, J: float):
    """K = βJ, t = tanh 2K, sinh 2K and the AGM pieces for k' = |2t² − 1|."""
    K = J / T
    with np.errstate(over="ignore"):
        s = np.sinh(2.0 * K)
    t = np.tanh(2.0 * K)
    e = np.exp(-4.0 * K)
    sech2 = 4.0 * e / (1.0 + e) ** 2  # 1 − t² without cancellation at low T
    t2 = t * t
    ordered = t2 >= 0.5  # T ≤ T_c
    # q = 2t² − 1 = 1 − 2 sech² 2K; each form is accurate on its side of T_c.
    q = np.where(ordered, 1.0 - 2.0 * sech2, 2.0 * t2 - 1.0)
    kp = np.abs(q)
    one_minus_kp = np.where(ordered, 2.0 * sech2, 2.0 * t2)
    M, one_minus_M, tail = _agm(kp, one_minus_kp)
    return K, s, t, q, M, one_minus_M, tail


def onsager_energy(T, J: float = 1.0):
    """Internal energy per spin u = −J coth 2K [1 + (2/π)(2t² − 1) K(k)] (Onsager 1944)."""
    J = check_coupling(J)
    T, scalar = as_temperatures(T)
    K, s, t, q, M, one_minus_M, _ = _onsager_terms(T, J)
    # 1 + (2/π) q K(k) = (M + q)/M. Above T_c, q = −k' and M + q = 2t² − (1 − M) avoids the
    # cancellation of M against k' ≈ 1 at high T.
    numerator = np.where(q >= 0, M + q, 2.0 * t * t - one_minus_M)
    # At k' = 0 (T_c) M → 0 faster than q, so the bracket tends to 1: u(T_c) = −J coth 2K_c = −√2 J.
    bracket = np.divide(numerator, M, out=np.ones_like(M), where=M > 0)
    u = -J * bracket / t
    u = np.where(T == critical_temperature(J), -math.sqrt(2.0) * J, u)
    return shaped(u, scalar)


def onsager_specific_heat(T, J: float = 1.0):
    """Specific heat per spin c = du/dT of Onsager's u; diverges as −ln|1 − T/T_c| at T_c."""
    J = check_coupling(J)
    T, scalar = as_temperatures(T)
    K, s, t, q, M, one_minus_M, tail = _onsager_terms(T, J)
    # Differentiating u gives c = 2(K coth 2K)² [(K−E)(2/π) − sech² 2K (1 + (2/π) q K)];
    # with the AGM sums the bracket collapses to sech² 2K (1 − M) + Σ_{n≥1} 2^{n−1} c_n²,
    # all non-negative, so the low-T exponential smallness of c survives rounding.
    with np.errstate(over="ignore", invalid="ignore"):
        inner = one_minus_M / (s * s) + tail / (t * t)
        c = np.divide(2.0 * K * K * inner, M, out=np.full_like(M, np.inf), where=M > 0)
    c = np.where(T == critical_temperature(J), np.inf, c)
    return shaped(c, scalar)


def onsager_magnetization(T, J: float = 1.0):
    """Spontaneous magnetization m = (1 − sinh⁻⁴ 2K)^{1/8} below T_c, 0 at and above (Yang 1952)."""
    J = check_coupling(J)
    T, scalar = as_temperatures(T)
    K = J / T
    ordered = T < critical_temperature(J)
    with np.errstate(over="ignore"):
        # 1 − s⁻⁴ = −expm1(−4 ln s) keeps precision as T → 0 where s⁻⁴ underflows smoothly.
        log_s = np.log(np.sinh(2.0 * np.where(ordered, K, 1.0)))
    m = np.clip(-np.expm1(-4.0 * log_s), 0.0, None) ** 0.125
    return shaped(np.where(ordered, m, 0.0), scalar)
