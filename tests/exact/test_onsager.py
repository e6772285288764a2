"""Onsager's infinite-lattice solution: exact values, limits, critical behaviour and the L → ∞ limit of Kaufman."""

from __future__ import annotations

import math

import numpy as np
import pytest

from boltz.exact import (
    T_C,
    critical_temperature,
    elliptic_e,
    elliptic_k,
    finite_lattice,
    onsager_energy,
    onsager_magnetization,
    onsager_specific_heat,
)

K_C = math.log1p(math.sqrt(2.0)) / 2.0
# Amplitude of the logarithmic divergence c ≈ −(8K_c²/π) ln|1 − T/T_c| (Onsager 1944).
LOG_AMPLITUDE = 8.0 * K_C**2 / math.pi


def test_critical_temperature_is_self_dual_point():
    assert T_C == pytest.approx(2.269185314213022, rel=1e-15)
    assert math.sinh(2.0 / T_C) == pytest.approx(1.0, rel=1e-15)
    assert critical_temperature(J=0.7) == pytest.approx(0.7 * T_C, rel=1e-15)


def test_elliptic_integrals_special_values():
    assert elliptic_k(0.0) == pytest.approx(math.pi / 2, rel=1e-15)
    assert elliptic_e(0.0) == pytest.approx(math.pi / 2, rel=1e-15)
    assert elliptic_e(1.0) == 1.0
    assert elliptic_k(1.0) == math.inf
    # K(1/√2) = Γ(1/4)² / (4√π), the lemniscatic case.
    assert elliptic_k(1.0 / math.sqrt(2.0)) == pytest.approx(math.gamma(0.25) ** 2 / (4.0 * math.sqrt(math.pi)), rel=1e-14)


@pytest.mark.parametrize("k", [0.05, 0.3, 0.7, 0.95, 0.999999, 1.0 - 1e-12])
def test_legendre_relation(k):
    # E K' + E' K − K K' = π/2 ties the integrals at k to those at the complementary modulus.
    kp = math.sqrt((1.0 - k) * (1.0 + k))
    K, E, Kp, Ep = elliptic_k(k), elliptic_e(k), elliptic_k(kp), elliptic_e(kp)
    assert E * Kp + Ep * K - K * Kp == pytest.approx(math.pi / 2, rel=1e-13)


def test_elliptic_integrals_match_quadrature():
    # The integrands are smooth and π-periodic in θ, so the trapezoid rule over a period converges geometrically.
    k = np.array([0.1, 0.4, 0.7, 0.9])
    theta = np.linspace(0.0, np.pi, 4001)[:-1]
    root = np.sqrt(1.0 - (k[:, None] * np.sin(theta)) ** 2)
    step = np.pi / theta.size
    np.testing.assert_allclose(elliptic_k(k), 0.5 * step * (1.0 / root).sum(-1), rtol=1e-14)
    np.testing.assert_allclose(elliptic_e(k), 0.5 * step * root.sum(-1), rtol=1e-14)


@pytest.mark.parametrize("J", [1.0, 0.7])
def test_values_at_critical_point(J):
    Tc = critical_temperature(J)
    assert onsager_energy(Tc, J) == pytest.approx(-math.sqrt(2.0) * J, rel=1e-15)
    assert onsager_specific_heat(Tc, J) == math.inf
    assert onsager_magnetization(Tc, J) == 0.0
    # u is continuous through T_c even though c diverges.
    for T in (Tc * (1 - 1e-12), Tc * (1 + 1e-12)):
        assert onsager_energy(T, J) == pytest.approx(-math.sqrt(2.0) * J, abs=1e-9)


@pytest.mark.parametrize("T", [1.0, 1.5, 2.0, 2.6, 3.0, 5.0, 10.0])
def test_specific_heat_is_derivative_of_energy(T):
    # Five-point central difference: truncation O(h⁴), round-off O(ε/h).
    h = 1e-3 * T
    u = lambda x: onsager_energy(x)  # noqa: E731
    du_dT = (-u(T + 2 * h) + 8 * u(T + h) - 8 * u(T - h) + u(T - 2 * h)) / (12 * h)
    assert onsager_specific_heat(T) == pytest.approx(du_dT, rel=1e-7)


def test_low_temperature_limit():
    assert onsager_energy(0.1) == pytest.approx(-2.0, abs=1e-15)
    assert onsager_magnetization(0.1) == 1.0
    # Leading excitation: one flipped spin costs 8J, so u + 2J ≈ 8J e^{−8K} and c ≈ 64K² e^{−8K}.
    T = 0.5
    K = 1.0 / T
    assert onsager_energy(T) + 2.0 == pytest.approx(8.0 * math.exp(-8 * K), rel=5 * math.exp(-4 * K))
    assert onsager_specific_heat(T) == pytest.approx(64 * K**2 * math.exp(-8 * K), rel=5 * math.exp(-4 * K))


@pytest.mark.parametrize("T", [20.0, 50.0, 100.0])
def test_high_temperature_series(T):
    # ln Z/N = ln 2 + 2 ln cosh K + t⁴ + O(t⁶), t = tanh K (closed loops of 4 bonds), so
    # u = −2J t − 4J t³ + O(t⁵) and c = −K² du/dK /J = 2K² sech²K (1 + 6t²) + O(K² t⁴).
    K = 1.0 / T
    t = math.tanh(K)
    assert onsager_energy(T) == pytest.approx(-2 * t - 4 * t**3, abs=3 * 4 * t**5)
    assert onsager_specific_heat(T) == pytest.approx(2 * K**2 * (1 + 6 * t**2) / math.cosh(K) ** 2, rel=25 * t**4)
    assert abs(onsager_energy(1e4)) < 3e-4


def test_yang_magnetization_low_temperature_series():
    # m = 1 − 2x⁴ − 8x⁶ − 34x⁸ − O(x¹⁰) with x = e^{−2K} (Yang 1952 expanded).
    x = math.exp(-2.0 / 0.5)
    m = onsager_magnetization(0.5)
    assert 1.0 - m == pytest.approx(2 * x**4 + 8 * x**6 + 34 * x**8, rel=1e-7)


def test_magnetization_vanishes_above_critical_point():
    T = np.array([T_C, T_C * (1 + 1e-12), 2.5, 3.0, 10.0])
    np.testing.assert_array_equal(onsager_magnetization(T), np.zeros(5))
    m = onsager_magnetization(np.linspace(0.5, T_C * (1 - 1e-9), 50))
    assert np.all(np.diff(m) < 0) and np.all(m > 0)


def test_critical_exponents():
    # m ∝ (1 − T/T_c)^{1/8}: the log-log slope over two decades.
    m6, m8 = onsager_magnetization(T_C * (1 - 1e-6)), onsager_magnetization(T_C * (1 - 1e-8))
    assert math.log(m6 / m8) / math.log(100.0) == pytest.approx(0.125, rel=1e-5)
    # c ≈ −A ln|1 − T/T_c| with the same A on both sides of T_c.
    for side in (1.0, -1.0):
        c6, c8 = onsager_specific_heat(T_C * (1 - side * 1e-6)), onsager_specific_heat(T_C * (1 - side * 1e-8))
        assert (c8 - c6) / (2 * math.log(10.0)) == pytest.approx(LOG_AMPLITUDE, rel=1e-5)


@pytest.mark.parametrize("T", [1.5, 4.0])
def test_infinite_lattice_is_limit_of_kaufman(T):
    # Away from T_c finite-size corrections decay like e^{−L/ξ}: at L = 256 they are below rounding.
    exact = finite_lattice(256, T)
    assert exact.energy == pytest.approx(onsager_energy(T), abs=1e-9)
    assert exact.specific_heat == pytest.approx(onsager_specific_heat(T), abs=1e-9)


def test_scaling_with_coupling():
    # J only sets the energy scale: u(T; J) = J u(T/J; 1), c(T; J) = c(T/J; 1).
    T = np.array([0.8, 1.7, 3.5])
    np.testing.assert_allclose(onsager_energy(T, J=0.7), 0.7 * onsager_energy(T / 0.7), rtol=1e-14)
    np.testing.assert_allclose(onsager_specific_heat(T, J=0.7), onsager_specific_heat(T / 0.7), rtol=1e-13)


def test_scalar_in_scalar_out_array_in_array_out():
    T = np.array([1.0, 2.0, 3.0])
    for f in (onsager_energy, onsager_specific_heat, onsager_magnetization):
        assert isinstance(f(2.0), float)
        assert isinstance(f(np.float64(2.0)), float)
        out = f(T)
        assert isinstance(out, np.ndarray) and out.shape == (3,)
        np.testing.assert_array_equal(out, [f(1.0), f(2.0), f(3.0)])


@pytest.mark.parametrize(
    "T, J",
    [(0.0, 1.0), (-1.0, 1.0), (math.nan, 1.0), (math.inf, 1.0), (2.0, 0.0), (2.0, -1.0), (2.0, math.nan),
     (np.array([1.0, 0.0]), 1.0), (np.ones((2, 2)), 1.0), ("hot", 1.0)],
)
def test_bad_input_raises(T, J):
    for f in (onsager_energy, onsager_specific_heat, onsager_magnetization):
        with pytest.raises(ValueError):
            f(T, J)


def test_bad_coupling_message():
    with pytest.raises(ValueError, match="exact references need J > 0"):
        critical_temperature(0.0)
    with pytest.raises(ValueError):
        elliptic_k(1.5)
