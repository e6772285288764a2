import math

import numpy as np
import pytest
import torch

from boltz.analysis import lj_observables, radial_distribution


@pytest.mark.parametrize("N", [2, 16, 64])
def test_ideal_gas_has_g_equal_to_one_at_every_r(N):
    # Uniform independent positions: g ≡ 1 exactly in expectation (pairs normalised by N(N − 1)/2).
    box = 7.0
    samples = 4000 if N == 2 else 400
    x = box * torch.rand(samples, N, 2, generator=torch.Generator().manual_seed(N), dtype=torch.float64)
    rdf = radial_distribution(x, box, bins=20)
    z = (rdf.g - 1.0) / rdf.error
    assert np.all(np.abs(z) < 4.5)
    assert abs(np.mean(z)) < 4 / math.sqrt(20)
    assert rdf.r[-1] < box / 2 and rdf.edges[-1] == pytest.approx(box / 2)


def test_a_single_pair_fills_exactly_its_shell_through_the_box_edge():
    box, distance = 6.0, 1.23
    x = torch.tensor([[[0.1, 2.0], [box - distance + 0.1, 2.0]]] * 3, dtype=torch.float64)
    rdf = radial_distribution(x, box, bins=30)
    k = int(distance / (box / 2 / 30))
    expected = 1.0 / (0.5 * 2 * 1 / box**2 * math.pi * (rdf.edges[k + 1] ** 2 - rdf.edges[k] ** 2))
    assert rdf.g[k] == pytest.approx(expected)
    assert np.count_nonzero(rdf.g) == 1 and np.all(rdf.error == 0)


def test_square_lattice_peaks_at_its_neighbour_shells():
    side, spacing = 6, 1.1
    box = side * spacing
    index = torch.arange(side * side)
    x = (torch.stack([index % side, index // side], -1).double() * spacing)[None].repeat(2, 1, 1)
    rdf = radial_distribution(x, box, bins=330)
    shells = rdf.r[rdf.g > 0]
    for r in (spacing, spacing * math.sqrt(2), 2 * spacing, spacing * math.sqrt(5)):
        assert np.min(np.abs(shells - r)) < 0.01
    assert rdf.g[rdf.r < 0.9 * spacing].sum() == 0


def test_r_max_beyond_half_the_box_is_refused():
    x = torch.rand(3, 4, 2, dtype=torch.float64)
    with pytest.raises(ValueError, match="exceeds box/2"):
        radial_distribution(x, 1.0, r_max=0.6)
    with pytest.raises(ValueError, match=r"\[S, N, 2\]"):
        radial_distribution(x[0], 1.0)


def test_lj_observables_match_their_definitions_on_iid_gaussian_energies():
    rng = np.random.default_rng(0)
    N, T, mean, std = 32, 0.7, -55.0, 3.0
    U = rng.normal(mean, std, 20_000)
    P = rng.normal(0.4, 0.2, 20_000)
    obs = lj_observables(U, P, N=N, T=T)
    assert abs(obs.energy.value - mean / N) < 4 * obs.energy.error
    assert obs.energy.error == pytest.approx(std / N / math.sqrt(U.size), rel=0.3)
    assert abs(obs.pressure.value - 0.4) < 4 * obs.pressure.error
    assert abs(obs.heat_capacity.value - std**2 / (N * T**2)) < 4 * obs.heat_capacity.error
    assert 0.4 < obs.tau_energy < 0.6 and obs.ess_energy == pytest.approx(U.size, rel=0.2)
    assert set(obs.as_dict()) == {"energy_per_particle", "pressure", "excess_heat_capacity", "tau_energy", "ess_energy"}
