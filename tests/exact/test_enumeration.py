"""Brute-force enumeration: state ordering, hand-counted Z, Boltzmann weights, thermodynamic identities and limits."""

from __future__ import annotations

import math

import pytest
import torch

from boltz.exact import MAX_ENUMERATION_L, EnumeratedIsing, all_configurations, enumerate_ising
from boltz.systems.ising import energy, magnetization


@pytest.mark.parametrize("L", [2, 3, 4])
def test_configurations_cover_every_state_once(L):
    spins = all_configurations(L)
    N = L * L
    assert spins.shape == (2**N, L, L) and spins.dtype == torch.int8
    assert set(spins.unique().tolist()) == {-1, 1}
    assert torch.unique(spins.reshape(2**N, N), dim=0).shape[0] == 2**N


def test_configuration_order_is_binary_row_major():
    spins = all_configurations(3)
    assert torch.all(spins[0] == -1) and torch.all(spins[-1] == 1)
    # n = 1 sets bit 0 → site (0, 0); n = 2^4 sets bit 4 → site (1, 1); n = 2^5 + 1 sets sites 0 and 5 → (1, 2).
    for n, sites in ((1, [(0, 0)]), (2**4, [(1, 1)]), (2**5 + 1, [(0, 0), (1, 2)])):
        expected = -torch.ones(3, 3, dtype=torch.int8)
        for row, col in sites:
            expected[row, col] = 1
        assert torch.equal(spins[n], expected)


@pytest.mark.parametrize("T", [0.7, 2.269185314213022, 4.0])
def test_two_by_two_hand_count(T):
    # L = 2 with doubled bonds: energies −8J (2 states), 0 (12 states), +8J (2 states).
    K = 1.0 / T
    z = 2 * math.exp(8 * K) + 12 + 2 * math.exp(-8 * K)
    result = enumerate_ising(2, T)
    assert result.log_z == pytest.approx(math.log(z), rel=1e-14)
    assert result.energy == pytest.approx((-8 * 2 * math.exp(8 * K) + 8 * 2 * math.exp(-8 * K)) / z / 4, abs=1e-14)


@pytest.mark.parametrize("h", [0.0, 0.3])
def test_weights_are_normalised_boltzmann_factors(h):
    T, J = 1.7, 0.8
    result = enumerate_ising(3, T, J, h)
    p = result.boltzmann_weights
    assert p.dtype == torch.float64 and p.shape == (2**9,)
    assert float(p.sum()) == pytest.approx(1.0, abs=1e-14)
    E = energy(all_configurations(3), J=J, h=h)
    # p(s)/p(s') = exp(−(E(s) − E(s'))/T) for every pair, checked against the all-down state.
    torch.testing.assert_close(torch.log(p / p[0]), -(E - E[0]) / T, rtol=0, atol=1e-11)


@pytest.mark.parametrize("T", [1.0, 2.3, 5.0])
def test_thermodynamic_identities(T):
    # ⟨E⟩ = −∂ln Z/∂β and c = ∂u/∂T, by five-point differences.
    L, h = 3, 1e-4
    beta = 1.0 / T
    lz = [enumerate_ising(L, 1.0 / (beta + k * h)).log_z for k in (2, 1, -1, -2)]
    assert enumerate_ising(L, T).energy == pytest.approx(
        -(-lz[0] + 8 * lz[1] - 8 * lz[2] + lz[3]) / (12 * h) / L**2, rel=1e-9
    )
    dT = 1e-4 * T
    u = [enumerate_ising(L, T + k * dT).energy for k in (2, 1, -1, -2)]
    assert enumerate_ising(L, T).specific_heat == pytest.approx((-u[0] + 8 * u[1] - 8 * u[2] + u[3]) / (12 * dT), rel=1e-7)


@pytest.mark.parametrize("L", [2, 3, 4])
def test_low_temperature_is_ground_state(L):
    result = enumerate_ising(L, 0.1)
    assert all(math.isfinite(v) for v in (result.log_z, result.energy, result.specific_heat))
    assert result.energy == pytest.approx(-2.0, abs=1e-12)
    assert result.abs_magnetization == pytest.approx(1.0, abs=1e-12)
    assert result.m2 == pytest.approx(1.0, abs=1e-12) and result.m4 == pytest.approx(1.0, abs=1e-12)
    assert result.log_z == pytest.approx(math.log(2.0) + 2 * L * L / 0.1, rel=1e-14)


@pytest.mark.parametrize("L", [2, 3, 4])
def test_high_temperature_is_uncorrelated(L):
    # Independent spins: ⟨m²⟩ = 1/N and ⟨m⁴⟩ = (3N − 2)/N³, and Z → 2^N.
    N = L * L
    result = enumerate_ising(L, 1e7)
    assert result.m2 == pytest.approx(1.0 / N, rel=1e-5)
    assert result.m4 == pytest.approx((3 * N - 2) / N**3, rel=1e-5)
    assert result.log_z == pytest.approx(N * math.log(2.0), rel=1e-6)


def test_moments_are_ordered():
    # Jensen: ⟨|m|⟩² ≤ ⟨m²⟩ ≤ √⟨m⁴⟩, and the Binder ratio ⟨m⁴⟩/⟨m²⟩² lies in [1, 3].
    for T in (1.0, 2.3, 5.0):
        r = enumerate_ising(4, T)
        assert r.abs_magnetization**2 <= r.m2 <= math.sqrt(r.m4)
        assert 1.0 <= r.m4 / r.m2**2 <= 3.0


def test_field_breaks_symmetry_but_not_its_mirror():
    T = 2.0
    up, down = enumerate_ising(3, T, h=0.2), enumerate_ising(3, T, h=-0.2)
    assert up.log_z == pytest.approx(down.log_z, rel=1e-14)
    assert up.energy == pytest.approx(down.energy, abs=1e-14)
    assert up.abs_magnetization == pytest.approx(down.abs_magnetization, abs=1e-14)
    m = magnetization(all_configurations(3))
    assert float((up.boltzmann_weights * m).sum()) > 0 > float((down.boltzmann_weights * m).sum())
    assert float((enumerate_ising(3, T).boltzmann_weights * m).sum()) == pytest.approx(0.0, abs=1e-15)


def test_result_type():
    result = enumerate_ising(2, 2.0, 0.7, 0.1)
    assert isinstance(result, EnumeratedIsing)
    assert (result.L, result.T, result.J, result.h) == (2, 2.0, 0.7, 0.1)


@pytest.mark.parametrize(
    "L, T, J, h",
    [(1, 2.0, 1.0, 0.0), (MAX_ENUMERATION_L + 1, 2.0, 1.0, 0.0), (2, 0.0, 1.0, 0.0), (2, math.nan, 1.0, 0.0),
     (2, 2.0, 0.0, 0.0), (2, 2.0, 1.0, math.inf)],
)
def test_bad_input_raises(L, T, J, h):
    with pytest.raises(ValueError):
        enumerate_ising(L, T, J, h)


def test_refuses_large_lattices():
    with pytest.raises(ValueError, match="L <= 4"):
        all_configurations(5)
