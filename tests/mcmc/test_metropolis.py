import math

import numpy as np
import pytest
import torch

from boltz.exact.enumeration import all_configurations
from boltz.mcmc.metropolis import acceptance_table, sample_metropolis
from boltz.systems.ising import energy, neighbour_sum, random_spins


def _boltzmann(configs, T, J, h):
    log_w = -energy(configs, J, h).numpy() / T
    w = np.exp(log_w - log_w.max())
    return w / w.sum()


def _site_matrix(configs, site, T, J, h):
    """Exact transition matrix of one Metropolis update of ``site``, built from the kernel's acceptance table."""
    n_states, L, _ = configs.shape
    i, j = divmod(site, L)
    table = acceptance_table(T=T, J=J, h=h)
    s = configs[:, i, j].long()
    n = neighbour_sum(configs)[:, i, j].long()
    accept = table[(s + 1) // 2, (n + 4) // 2]
    target = np.arange(n_states) ^ (1 << site)  # configuration index with that spin flipped
    P = np.zeros((n_states, n_states))
    P[np.arange(n_states), target] = accept
    P[np.arange(n_states), np.arange(n_states)] = 1 - accept
    return P


@pytest.mark.parametrize("L", [2, 3])
@pytest.mark.parametrize("T,J,h", [(1.0, 1.0, 0.0), (2.5, 1.0, 0.3), (0.7, -0.5, -0.2)])
def test_single_site_updates_satisfy_detailed_balance_exactly(L, T, J, h):
    configs = all_configurations(L)
    pi = _boltzmann(configs, T, J, h)
    sweep = np.eye(len(pi))
    for site in [r * L + c for colour in (0, 1) for r in range(L) for c in range(L) if (r + c) % 2 == colour]:
        P = _site_matrix(configs, site, T, J, h)
        flow = pi[:, None] * P
        np.testing.assert_allclose(flow, flow.T, rtol=1e-12, atol=1e-300)
        sweep = sweep @ P
    # A checkerboard sweep (a product of the site updates in kernel order) keeps π stationary.
    np.testing.assert_allclose(pi @ sweep, pi, rtol=1e-10, atol=1e-15)
    # ... and, with the ½ tie rule at ΔE = 0, it is ergodic: a single eigenvalue of modulus 1.
    moduli = np.abs(np.linalg.eigvals(sweep))
    assert (moduli > 1 - 1e-9).sum() == 1


def test_textbook_tie_rule_would_trap_the_two_by_two_stripes():
    # With ΔE = 0 always accepted, a stripe on the 2×2 torus has zero field at every site,
    # so a fixed-order sweep maps stripes to stripes deterministically: a closed class.
    stripe = torch.tensor([[[1, 1], [-1, -1]]], dtype=torch.int8)
    assert bool((neighbour_sum(stripe) == 0).all())
    assert acceptance_table(T=2.0)[:, 2].tolist() == [0.5, 0.5]


@pytest.mark.parametrize("L,T,J,h,multispin", [
    (2, 2.0, 1.0, 0.0, False), (2, 2.0, 1.0, 0.5, False), (3, 2.5, 1.0, 0.0, False), (3, 2.2, 1.0, 0.4, False), (3, 1.5, -0.8, 0.0, False),
    (4, 3.0, 1.0, 0.0, False), (2, 2.0, 1.0, 0.0, True), (3, 2.5, 1.0, 0.0, True), (3, 1.5, -0.8, 0.0, True),
    (4, 3.0, 0.5, 0.0, True),
])
def test_kernel_visits_states_with_boltzmann_frequencies(L, T, J, h, multispin, assert_boltzmann_frequencies):
    pi = _boltzmann(all_configurations(L), T, J, h)
    run = sample_metropolis(random_spins(256, L, generator=torch.Generator().manual_seed(1)), T=T, J=J, h=h,
                            n_samples=100, burn_in=20, thin=8, multispin=multispin,
                            generator=torch.Generator().manual_seed(2))
    assert_boltzmann_frequencies(run.flat_spins(), pi)


@pytest.mark.parametrize("multispin", [False, True])
@pytest.mark.parametrize("T", [2.0, 2.269185314213022, 3.0])
def test_energy_and_specific_heat_match_kaufman_at_L16(T, multispin, assert_matches_kaufman):
    run = sample_metropolis(random_spins(64, 16, generator=torch.Generator().manual_seed(3)), T=T,
                            n_samples=3000, burn_in=500, thin=1, multispin=multispin,
                            generator=torch.Generator().manual_seed(4))
    assert_matches_kaufman(run, L=16, T=T)


def test_quench_to_low_temperature_orders_small_lattices():
    L, chains = 8, 64
    run = sample_metropolis(random_spins(chains, L, generator=torch.Generator().manual_seed(5)), T=0.1,
                            n_samples=1, burn_in=300, generator=torch.Generator().manual_seed(6))
    e, m = run.energies[-1], run.magnetizations[-1].abs()
    ordered = m == 1
    # At T = 0.1 a straight stripe (two walls of L broken bonds each) is frozen: ΔE = +4J to bend it.
    stripes = e == -2 * L * L + 4 * L
    assert bool((ordered | stripes).all())
    assert ordered.float().mean() > 0.5
    assert torch.equal(e[ordered], torch.full_like(e[ordered], -2.0 * L * L))


@pytest.mark.parametrize("h", [0.3, -0.3])
def test_field_shifts_magnetization_its_way(h):
    run = sample_metropolis(random_spins(32, 8, generator=torch.Generator().manual_seed(7)), T=3.0, h=h,
                            n_samples=200, burn_in=100, generator=torch.Generator().manual_seed(8))
    m = run.magnetizations.mean().item()
    assert math.copysign(1, m) == math.copysign(1, h) and abs(m) > 0.2


def test_magnetization_in_a_field_matches_enumeration():
    L, T, h = 3, 2.0, 0.2
    configs = all_configurations(L)
    pi = _boltzmann(configs, T, 1.0, h)
    exact_m = float((pi * configs.double().mean(dim=(-2, -1)).numpy()).sum())
    run = sample_metropolis(random_spins(128, L, generator=torch.Generator().manual_seed(9)), T=T, h=h,
                            n_samples=400, burn_in=50, thin=2, generator=torch.Generator().manual_seed(10))
    m = run.magnetizations.numpy()
    chain_means = m.mean(axis=0)  # independent chains give an honest error bar
    error = chain_means.std(ddof=1) / math.sqrt(len(chain_means))
    assert abs(m.mean() - exact_m) < 4 * error


def test_callback_sees_every_phase_and_the_run_is_seeded():
    frames = []
    start = random_spins(2, 6, generator=torch.Generator().manual_seed(11))
    run = sample_metropolis(start, T=2.5, n_samples=5, burn_in=10, callback=frames.append,
                            generator=torch.Generator().manual_seed(12))
    phases = [f["phase"] for f in frames]
    assert phases.count("sample") == 5 and phases[0] == "burn_in"
    assert frames[-1]["spins"].shape == (2, 6, 6)
    again = sample_metropolis(start, T=2.5, n_samples=5, burn_in=10, generator=torch.Generator().manual_seed(12))
    assert torch.equal(run.spins, again.spins)
    other = sample_metropolis(start, T=2.5, n_samples=5, burn_in=10, generator=torch.Generator().manual_seed(13))
    assert not torch.equal(run.spins, other.spins)
    assert run.spins.shape == (5, 2, 6, 6) and run.sweeps_per_sample == 1.0 and 0 < run.acceptance < 1


@pytest.mark.parametrize("kwargs,message", [
    ({"T": 0.0}, "T must be > 0"), ({"T": float("nan")}, "T must be finite"),
    ({"T": 2.0, "h": float("inf")}, "h must be finite"), ({"T": 2.0, "n_samples": 0}, "n_samples must be between 1 and "),
    ({"T": 2.0, "thin": 0}, "thin must be between 1 and "), ({"T": 2.0, "burn_in": -1}, "burn_in must be between 0 and "),
    ({"T": 2.0, "multispin": True}, "multiple of 64 chains"),
])
def test_bad_arguments_raise_value_error(kwargs, message):
    kwargs = {"n_samples": 1, **kwargs}
    with pytest.raises(ValueError, match=message):
        sample_metropolis(random_spins(1, 4), **kwargs)
