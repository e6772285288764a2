import math

import numpy as np
import pytest
import torch

from boltz.analysis import Estimate, IsingObservables, ising_observables


def test_hand_computation_on_tiny_series():
    L, T = 2, 2.0
    N = L * L
    E = np.array([-8.0, -8.0, 0.0, 0.0])
    m = np.array([1.0, -1.0, 0.5, 0.0])
    obs = ising_observables(E, m, L=L, T=T)
    assert obs.energy.value == pytest.approx(-4.0 / N)
    assert obs.abs_magnetization.value == pytest.approx(2.5 / 4)
    assert obs.m2.value == pytest.approx(2.25 / 4)
    # ⟨E²⟩ − ⟨E⟩² = 32 − 16 = 16.
    assert obs.specific_heat.value == pytest.approx(16 / (N * T**2))
    assert obs.susceptibility.value == pytest.approx(N * (2.25 / 4 - (2.5 / 4) ** 2) / T)
    assert obs.binder.value == pytest.approx(1 - (2.0625 / 4) / (3 * (2.25 / 4) ** 2))
    d = obs.as_dict()
    assert set(d) == {"energy", "abs_magnetization", "m2", "specific_heat", "susceptibility", "binder"}
    assert d["m2"] == {"value": obs.m2.value, "error": obs.m2.error}


def test_specific_heat_of_iid_gaussian_energies():
    # E ~ N(μ, σ²) iid: c = σ²/(N T²), and its error ≈ √(2/n) c.
    rng = np.random.default_rng(50)
    L, T, sigma, n = 8, 2.5, 12.0, 40_000
    E = -100.0 + sigma * rng.standard_normal((n // 8, 8))
    m = rng.uniform(-1, 1, size=E.shape)
    c = ising_observables(E, m, L=L, T=T, n_blocks=100).specific_heat
    exact = sigma**2 / (L * L * T**2)
    assert abs(c.z_score(exact)) < 4
    assert c.error == pytest.approx(math.sqrt(2 / n) * exact, rel=0.2)


def test_binder_two_thirds_for_fixed_magnitude():
    rng = np.random.default_rng(51)
    m = 0.6 * rng.choice([-1.0, 1.0], size=(500, 4))
    obs = ising_observables(np.zeros_like(m), m, L=4, T=1.0)
    assert obs.binder.value == pytest.approx(2 / 3, abs=1e-14)
    assert obs.binder.error == pytest.approx(0.0, abs=1e-12)
    # |m| never fluctuates, so the |m| susceptibility vanishes.
    assert obs.susceptibility.value == pytest.approx(0.0, abs=1e-12)
    assert obs.specific_heat.value == 0.0


def test_binder_zero_for_gaussian_magnetization():
    rng = np.random.default_rng(52)
    m = 0.05 * rng.standard_normal(50_000)
    obs = ising_observables(np.zeros_like(m), m, L=16, T=3.0)
    assert abs(obs.binder.z_score(0.0)) < 4
    assert obs.binder.error < 0.02
    # Gaussian m: ⟨|m|⟩² = (2/π)σ², so χ = N σ² (1 − 2/π)/T.
    chi = 256 * 0.05**2 * (1 - 2 / math.pi) / 3.0
    assert abs(obs.susceptibility.z_score(chi)) < 4


def test_torch_inputs_and_result_types():
    E = torch.tensor([-8.0, -4.0, 0.0, -8.0], dtype=torch.float64)
    m = torch.tensor([1.0, 0.5, 0.0, -1.0], dtype=torch.float64)
    obs = ising_observables(E, m, L=2, T=1.5)
    assert isinstance(obs, IsingObservables)
    assert all(isinstance(v, Estimate) for v in vars(obs).values())
    ref = ising_observables(E.numpy(), m.numpy(), L=2, T=1.5)
    assert obs == ref


def test_rejects_bad_input():
    with pytest.raises(ValueError):
        ising_observables(np.zeros(4), np.zeros(5), L=2, T=1.0)
    with pytest.raises(ValueError):
        ising_observables(np.zeros(4), np.zeros(4), L=2, T=0.0)
    with pytest.raises(ValueError):
        ising_observables(np.zeros(4), np.zeros(4), L=1, T=1.0)


def test_variances_survive_a_large_offset():
    # Low-T energies sit near −2N with small spread: moments about a shift keep c exact.
    rng = np.random.default_rng(53)
    L, T = 64, 1.0
    dE = rng.choice([0.0, 8.0, 16.0], p=[0.9, 0.08, 0.02], size=5000)
    E = -2 * L * L + dE
    m = 1.0 - dE / (L * L)
    obs = ising_observables(E, m, L=L, T=T)
    assert obs.specific_heat.value == pytest.approx(np.var(dE) / (L * L * T**2), rel=1e-12)
    assert obs.susceptibility.value == pytest.approx(L * L * np.var(m) / T, rel=1e-10)
    assert obs.energy.value == pytest.approx(E.mean() / (L * L), rel=1e-15)
