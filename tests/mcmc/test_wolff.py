import math

import pytest
import torch

from boltz.exact import T_C
from boltz.exact.enumeration import enumerate_ising
from boltz.mcmc.wolff import WolffClusters, add_probability, sample_wolff
from boltz.systems.ising import random_spins


def _seeded(seed):
    return torch.Generator().manual_seed(seed)


@pytest.mark.parametrize("L,T", [(2, 1.5), (3, 2.0), (3, 4.0)])
def test_kernel_visits_states_with_boltzmann_frequencies(L, T, assert_boltzmann_frequencies):
    run = sample_wolff(random_spins(256, L, generator=_seeded(1)), T=T, n_samples=200, burn_in=20, thin=3,
                       generator=_seeded(2))
    assert_boltzmann_frequencies(run.flat_spins(), enumerate_ising(L, T).boltzmann_weights.numpy())


@pytest.mark.parametrize("T", [2.0, T_C, 3.0])
def test_energy_and_specific_heat_match_kaufman_at_L16(T, assert_matches_kaufman):
    run = sample_wolff(random_spins(32, 16, generator=_seeded(3)), T=T, n_samples=2500, burn_in=100,
                       generator=_seeded(4))
    assert_matches_kaufman(run, L=16, T=T)


def test_mean_cluster_size_is_the_susceptibility_at_high_temperature():
    # Improved estimator: ⟨|C|⟩ = χ T (the zero-field susceptibility with ⟨m²⟩), exact for Wolff.
    L, T = 3, 3.0
    kernel = WolffClusters(random_spins(512, L, generator=_seeded(5)), T=T, J=1.0, generator=_seeded(6))
    kernel.advance(50)
    kernel.flipped[:] = 0
    kernel.clusters = 0
    kernel.advance(400)
    exact_m2 = enumerate_ising(L, T).m2
    assert kernel.mean_cluster_size() == pytest.approx(L * L * exact_m2, rel=0.02)


def test_thin_is_a_fixed_cluster_count_frozen_after_burn_in():
    run = sample_wolff(random_spins(1, 16, generator=_seeded(7)), T=3.0, n_samples=50, burn_in=20,
                       generator=_seeded(8))
    # At T = 3 clusters are small: the automatic count is several clusters per sample.
    assert run.sweeps_per_sample > 0.3
    fixed = sample_wolff(random_spins(1, 16, generator=_seeded(7)), T=3.0, n_samples=50, burn_in=0, thin=1,
                         generator=_seeded(8))
    assert fixed.sweeps_per_sample < run.sweeps_per_sample


def test_callback_and_seeding():
    frames = []
    start = random_spins(2, 8, generator=_seeded(9))
    run = sample_wolff(start, T=2.3, n_samples=4, burn_in=5, callback=frames.append, generator=_seeded(10))
    assert [f["phase"] for f in frames].count("sample") == 4
    again = sample_wolff(start, T=2.3, n_samples=4, burn_in=5, generator=_seeded(10))
    assert torch.equal(run.spins, again.spins)


def test_add_probability():
    assert add_probability(T=2.0) == pytest.approx(1 - math.exp(-1.0))
    assert add_probability(T=T_C) == pytest.approx(1 - 1 / (1 + math.sqrt(2)))


@pytest.mark.parametrize("kwargs,message", [
    ({"h": 0.1}, "needs h = 0"), ({"J": -1.0}, "needs a ferromagnet"), ({"T": -1.0}, "T must be > 0"),
    ({"thin": 0}, "thin must be between 1 and "),
])
def test_bad_arguments_raise_value_error(kwargs, message):
    kwargs = {"T": 2.0, "n_samples": 1, **kwargs}
    with pytest.raises(ValueError, match=message):
        sample_wolff(random_spins(1, 4), **kwargs)
