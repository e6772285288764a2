"""Kaufman's finite-torus solution: equal to brute-force enumeration, stable for large L, right finite-size physics."""

from __future__ import annotations

import dataclasses
import math
import warnings

import numpy as np
import pytest

from boltz.exact import (
    T_C,
    FiniteLatticeExact,
    critical_temperature,
    enumerate_ising,
    finite_lattice,
    finite_lattice_energy,
    finite_lattice_log_z,
    finite_lattice_specific_heat,
    onsager_energy,
)

K_C = math.log1p(math.sqrt(2.0)) / 2.0
TEMPERATURES = [0.1, 0.5, 1.0, 2.0, 2.269185314213022, 3.0, 10.0]
STABILITY_T = np.sort(np.concatenate([np.linspace(0.5, 10.0, 96), [T_C, T_C * (1 - 1e-9), T_C * (1 + 1e-9)]]))


@pytest.mark.parametrize("J", [1.0, 0.7])
@pytest.mark.parametrize("T", TEMPERATURES)
@pytest.mark.parametrize("L", [2, 3, 4])
def test_matches_enumeration(L, T, J):
    exact, brute = finite_lattice(L, T, J), enumerate_ising(L, T, J)
    assert exact.log_z == pytest.approx(brute.log_z, rel=1e-12)
    assert exact.energy == pytest.approx(brute.energy, abs=1e-10)
    assert exact.specific_heat == pytest.approx(brute.specific_heat, abs=1e-10)


@pytest.mark.parametrize("T", [0.7, T_C, 4.0])
def test_two_by_two_closed_form(T):
    # L = 2 with doubled bonds: energies −8J (2 states), 0 (12 states), +8J (2 states).
    K = 1.0 / T
    assert finite_lattice(2, T).log_z == pytest.approx(math.log(2 * math.exp(8 * K) + 12 + 2 * math.exp(-8 * K)), rel=1e-14)


def test_exactly_critical_gamma_zero_is_regular():
    # This J makes γ_0 = 2K + ln tanh K round to exactly 0 at T = 1, so Z_4 = 0 and coth(Lγ_0/2) = ∞:
    # the regularised weights must still give the enumerated answer, without NaN or warnings.
    J, T = 0.4406867935097715, 1.0
    assert 2 * J + np.log(np.tanh(J)) == 0.0  # numpy's rounding, as in the implementation
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        exact = finite_lattice(3, T, J)
        big = finite_lattice(512, T, J)
    brute = enumerate_ising(3, T, J)
    assert exact.log_z == pytest.approx(brute.log_z, rel=1e-12)
    assert exact.energy == pytest.approx(brute.energy, abs=1e-10)
    assert exact.specific_heat == pytest.approx(brute.specific_heat, abs=1e-10)
    assert all(math.isfinite(v) for v in (big.log_z, big.energy, big.specific_heat))


@pytest.mark.parametrize("L", [8, 64, 256, 512])
def test_stable_on_temperature_grid(L):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        log_z = finite_lattice_log_z(L, STABILITY_T)
        u = finite_lattice_energy(L, STABILITY_T)
        c = finite_lattice_specific_heat(L, STABILITY_T)
    assert np.all(np.isfinite(log_z)) and np.all(np.isfinite(u)) and np.all(np.isfinite(c))
    assert np.all(c > 0)
    assert np.all((u > -2.0) & (u < 0.0))
    # c = du/dT > 0, so u rises with T, even across the 1e-9 steps around T_c.
    assert np.all(np.diff(u) > 0)
    # ln Z ≥ ln(ground-state degeneracy 2) + 2N K and ≤ N ln 2 + 2N K.
    N, K = L * L, 1.0 / STABILITY_T
    assert np.all(log_z >= math.log(2) + 2 * N * K - 1e-9 * N) and np.all(log_z <= N * math.log(2) + 2 * N * K)


@pytest.mark.parametrize("T", [1.0, 2.0, T_C, 2.5, 6.0])
def test_derivatives_are_consistent(T):
    # ⟨E⟩ = −∂ln Z/∂β and c = ∂u/∂T on a lattice too large to enumerate (L = 64).
    L, h = 64, 1e-4
    beta = 1.0 / T
    lz = finite_lattice_log_z(L, 1.0 / np.array([beta + 2 * h, beta + h, beta - h, beta - 2 * h]))
    dlogz = (-lz[0] + 8 * lz[1] - 8 * lz[2] + lz[3]) / (12 * h)
    assert finite_lattice_energy(L, T) == pytest.approx(-dlogz / L**2, rel=1e-8)
    dT = 1e-4 * T
    u = finite_lattice_energy(L, T + dT * np.array([2.0, 1.0, -1.0, -2.0]))
    du_dT = (-u[0] + 8 * u[1] - 8 * u[2] + u[3]) / (12 * dT)
    assert finite_lattice_specific_heat(L, T) == pytest.approx(du_dT, rel=1e-6)


@pytest.mark.parametrize("T", [1.5, 4.0])
def test_large_lattice_reaches_onsager(T):
    assert finite_lattice_energy(256, T) == pytest.approx(onsager_energy(T), abs=1e-9)


def _peak(L):
    """Location and height of the specific-heat maximum, refined by a parabola through the top 3 points."""
    T = np.linspace(2.25, 2.40, 601)
    c = finite_lattice_specific_heat(L, T)
    i = int(np.argmax(c))
    y0, y1, y2 = c[i - 1 : i + 2]
    return T[i] + (T[1] - T[0]) * (y0 - y2) / (2 * (y0 - 2 * y1 + y2)), y1


def test_specific_heat_peak_finite_size_scaling():
    sizes = [16, 32, 64, 128]
    peaks = [_peak(L) for L in sizes]
    shifts = [T_peak - T_C for T_peak, _ in peaks]
    # The torus peak sits above T_c and approaches it as 1/L: T_peak/T_c − 1 → 0.36/L (Ferdinand & Fisher 1969).
    assert all(s > 0 for s in shifts)
    assert all(a > b for a, b in zip(shifts, shifts[1:]))
    for L, s in zip(sizes, shifts):
        assert 0.33 < L * s / T_C < 0.365
    # The height grows like (8K_c²/π) ln L, the finite-size echo of Onsager's log divergence.
    growth = peaks[-1][1] - peaks[-2][1]
    assert growth == pytest.approx(8 * K_C**2 / math.pi * math.log(2.0), rel=0.02)


def test_scaling_with_coupling():
    T = np.array([0.9, 1.6, 5.0])
    np.testing.assert_allclose(finite_lattice_energy(16, T, J=0.7), 0.7 * finite_lattice_energy(16, T / 0.7), rtol=1e-13)
    np.testing.assert_allclose(
        finite_lattice_specific_heat(16, T, J=0.7), finite_lattice_specific_heat(16, T / 0.7), rtol=1e-12
    )
    assert finite_lattice(16, critical_temperature(0.7), J=0.7).energy == pytest.approx(
        0.7 * finite_lattice(16, T_C).energy, rel=1e-13
    )


def test_result_types():
    exact = finite_lattice(8, 2.0)
    assert isinstance(exact, FiniteLatticeExact) and (exact.L, exact.T, exact.J) == (8, 2.0, 1.0)
    with pytest.raises(dataclasses.FrozenInstanceError):
        exact.energy = 0.0
    for f, field in ((finite_lattice_energy, "energy"), (finite_lattice_specific_heat, "specific_heat"),
                     (finite_lattice_log_z, "log_z")):
        assert f(8, 2.0) == getattr(exact, field)
        out = f(8, np.array([2.0, 3.0]))
        assert isinstance(out, np.ndarray) and out.shape == (2,) and out[0] == getattr(exact, field)


@pytest.mark.parametrize(
    "L, T, J",
    [(1, 2.0, 1.0), (2.5, 2.0, 1.0), (2, 0.0, 1.0), (2, -1.0, 1.0), (2, math.nan, 1.0), (2, math.inf, 1.0),
     (2, 2.0, 0.0), (2, 2.0, -1.0), (2, 1e-3, 1.0)],
)
def test_bad_input_raises(L, T, J):
    with pytest.raises(ValueError):
        finite_lattice(L, T, J)
    for f in (finite_lattice_energy, finite_lattice_specific_heat, finite_lattice_log_z):
        with pytest.raises(ValueError):
            f(L, np.array([2.0, T]), J)
