import pytest
import torch

from boltz.systems import ising


def _random(batch, L, seed=0):
    return ising.random_spins(batch, L, generator=torch.Generator().manual_seed(seed))


@pytest.mark.parametrize("L", [2, 3, 4, 7, 16])
@pytest.mark.parametrize("J,h", [(1.0, 0.0), (0.7, 0.3), (-1.0, -0.2)])
def test_uniform_states_have_textbook_energies(L, J, h):
    up = torch.ones(1, L, L, dtype=torch.int8)
    # 2L² bonds on the torus for every L ≥ 2 (L = 2 double bonds included).
    assert ising.energy(up, J, h).item() == pytest.approx(-2 * J * L * L - h * L * L)
    assert ising.energy(-up, J, h).item() == pytest.approx(-2 * J * L * L + h * L * L)
    assert ising.magnetization(-up).item() == -1.0


@pytest.mark.parametrize("L", [2, 4, 8])
def test_checkerboard_is_the_antiferromagnetic_ground_state(L):
    i, j = torch.meshgrid(torch.arange(L), torch.arange(L), indexing="ij")
    checker = (1 - 2 * ((i + j) % 2)).to(torch.int8)[None]
    assert ising.energy(checker, 1.0).item() == 2 * L * L
    assert ising.energy(checker, -1.0).item() == -2 * L * L


def test_two_by_two_torus_bonds_each_neighbour_pair_twice():
    spins = torch.tensor([[[1, -1], [1, 1]]], dtype=torch.int8)
    # Pairs (0,0)-(0,1) and (1,1)-(0,1) are anti-aligned, (0,0)-(1,0) and (1,0)-(1,1) aligned: each counted twice.
    assert ising.energy(spins).item() == -2 * (1 + 1 - 1 - 1)


@pytest.mark.parametrize("L", [2, 3, 5, 8])
@pytest.mark.parametrize("J,h", [(1.0, 0.0), (0.5, 0.25), (-1.0, 0.1)])
def test_flip_energy_is_the_energy_difference_of_a_single_flip(L, J, h):
    spins = _random(3, L, seed=L)
    delta = ising.flip_energy(spins, J, h)
    base = ising.energy(spins, J, h)
    for i in range(L):
        for j in range(L):
            flipped = spins.clone()
            flipped[:, i, j] *= -1
            torch.testing.assert_close(ising.energy(flipped, J, h) - base, delta[:, i, j])


def test_local_field_and_energy_agree_on_the_sum_rule():
    spins = _random(4, 6)
    J, h = 0.8, 0.3
    # Σ_i s_i (J Σ_nn s_j + h) counts every bond twice and the field once: 2J·bonds + hM = −2E − hM.
    lhs = (spins * ising.local_field(spins, J, h)).sum(dim=(-2, -1))
    M = spins.sum(dim=(-2, -1)).double()
    torch.testing.assert_close(lhs, -2 * ising.energy(spins, J, h) - h * M)


@pytest.mark.parametrize("L", [3, 6])
def test_energy_has_the_lattice_symmetries(L):
    spins = _random(5, L, seed=1)
    e = ising.energy(spins, 1.0, 0.4)
    for moved in (
        torch.roll(spins, (1, 2), dims=(-2, -1)),
        torch.rot90(spins, 1, dims=(-2, -1)),
        torch.flip(spins, dims=(-1,)),
        spins.transpose(-2, -1),
    ):
        torch.testing.assert_close(ising.energy(moved, 1.0, 0.4), e)
    # Z2: flipping every spin leaves the zero-field energy unchanged.
    torch.testing.assert_close(ising.energy(-spins), ising.energy(spins))


def test_random_spins_are_plus_minus_one_and_seeded():
    a, b = _random(2, 9, seed=3), _random(2, 9, seed=3)
    assert a.dtype == torch.int8 and a.shape == (2, 9, 9)
    assert torch.equal(a, b)
    assert set(a.unique().tolist()) == {-1, 1}


@pytest.mark.parametrize("L", [1, 0, -3, 2.5, 10**6])
def test_bad_lattice_sizes_are_refused(L):
    with pytest.raises(ValueError, match="L must"):
        ising.random_spins(1, L)
