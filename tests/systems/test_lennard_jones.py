import math

import pytest
import torch

from boltz.systems.lennard_jones import (
    CUTOFF,
    R_CAP,
    box_side,
    check_box,
    energy,
    energy_shift,
    forces,
    lattice_positions,
    minimum_image,
    pair_energy,
    pressure,
    virial,
)

R_MIN = 2.0 ** (1.0 / 6.0)


def _liquid_like(batch: int, N: int, box: float, seed: int) -> torch.Tensor:
    """A jittered lattice: distinct, mostly non-overlapping, not symmetric."""
    g = torch.Generator().manual_seed(seed)
    return lattice_positions(batch, N, box) + 0.15 * torch.randn(batch, N, 2, generator=g, dtype=torch.float64)


def test_pair_minimum_is_minus_epsilon_at_two_to_the_sixth_with_zero_force():
    r2 = torch.tensor([R_MIN**2], dtype=torch.float64)
    assert pair_energy(r2, shifted=False).item() == pytest.approx(-1.0, abs=1e-14)
    assert pair_energy(r2, shifted=True).item() == pytest.approx(-1.0 - energy_shift(CUTOFF), abs=1e-14)
    pair = torch.tensor([[[0.0, 0.0], [R_MIN, 0.0]]], dtype=torch.float64)
    torch.testing.assert_close(forces(pair, 10.0), torch.zeros_like(pair), atol=1e-12, rtol=0)
    # Either side of the minimum the force points back to it.
    closer = torch.tensor([[[0.0, 0.0], [0.95 * R_MIN, 0.0]]], dtype=torch.float64)
    assert forces(closer, 10.0)[0, 1, 0] > 0 and forces(closer, 10.0)[0, 0, 0] < 0


def test_shifted_potential_vanishes_at_the_cutoff_and_truncated_one_jumps():
    inside = torch.tensor([(CUTOFF - 1e-9) ** 2, CUTOFF**2, (CUTOFF + 0.1) ** 2], dtype=torch.float64)
    shifted = pair_energy(inside, shifted=True)
    assert abs(shifted[0].item()) < 1e-9 and shifted[1].item() == 0.0 and shifted[2].item() == 0.0
    truncated = pair_energy(inside, shifted=False)
    assert truncated[0].item() == pytest.approx(4 * (CUTOFF**-12 - CUTOFF**-6), rel=1e-6)
    assert truncated[1].item() == 0.0


def test_overlapping_particles_give_finite_energy_and_a_force_that_separates_them():
    pair = torch.tensor([[[1.0, 1.0], [1.0, 1.0]], [[1.0, 1.0], [1.3, 1.0]], [[1.0, 1.0], [1.0 + R_CAP, 1.0]]],
                        dtype=torch.float64)
    u = energy(pair, 6.0)
    at_cap = 4 * (R_CAP**-12 - R_CAP**-6) - energy_shift(CUTOFF)
    assert u[2].item() == pytest.approx(at_cap, rel=1e-12)
    assert torch.isfinite(u).all() and u[0] > u[1] > u[2] and u[0] < 2e5
    f = forces(pair, 6.0)
    assert torch.isfinite(f).all() and torch.isfinite(virial(pair, 6.0)).all()
    assert f[1, 1, 0] > 0 and f[0].abs().max() == 0  # pushed apart; coincident: no direction, no force
    # The core continues u with a matching slope: the autograd force is continuous across R_CAP.
    x = torch.tensor([[[1.0, 1.0], [1.0 + R_CAP - 1e-7, 1.0]], [[1.0, 1.0], [1.0 + R_CAP + 1e-7, 1.0]]],
                     dtype=torch.float64)
    f = forces(x, 6.0)
    assert f[0, 1, 0].item() == pytest.approx(f[1, 1, 0].item(), rel=1e-5)


@pytest.mark.parametrize("N", [2, 9, 32])
@pytest.mark.parametrize("shifted", [True, False])
def test_forces_are_minus_the_autograd_gradient_of_the_energy(N, shifted):
    box = max(5.0, box_side(N, 0.6))
    x = _liquid_like(3, N, box, seed=N)
    x[:, -1] = x[:, 0] + 0.2  # one pair inside the capped core
    x.requires_grad_(True)
    (grad,) = torch.autograd.grad(energy(x, box, shifted=shifted).sum(), x)
    torch.testing.assert_close(forces(x.detach(), box), -grad, rtol=1e-10, atol=1e-10)


@pytest.mark.parametrize("N", [2, 16, 32])
def test_virial_is_minus_the_derivative_of_the_energy_under_uniform_dilation(N):
    # W = Σ_{i<j} r_ij·F_ij = −dU(λr)/dλ at λ = 1, scaling positions and box together.
    box = max(5.5, box_side(N, 0.6))
    x = _liquid_like(2, N, box, seed=7)
    h = 1e-6
    derivative = (energy((1 + h) * x, (1 + h) * box) - energy((1 - h) * x, (1 - h) * box)) / (2 * h)
    torch.testing.assert_close(virial(x, box), -derivative, rtol=1e-6, atol=1e-6)


@pytest.mark.parametrize("N", [5, 32])
def test_energy_is_invariant_under_translation_and_permutation(N):
    box = box_side(N, 0.2) if N == 5 else box_side(N, 0.64)
    box = max(box, 5.0)
    x = _liquid_like(4, N, box, seed=3)
    u = energy(x, box)
    shift = torch.tensor([0.37 * box, -1.9 * box], dtype=torch.float64)
    torch.testing.assert_close(energy(x + shift, box), u)
    torch.testing.assert_close(energy(torch.remainder(x + shift, box), box), u)
    perm = torch.randperm(N, generator=torch.Generator().manual_seed(1))
    torch.testing.assert_close(energy(x[:, perm], box), u)
    torch.testing.assert_close(forces(x[:, perm], box), forces(x, box)[:, perm])


@pytest.mark.parametrize("edge", [(1.0, 0.0), (0.0, 1.0), (1.0, 1.0), (1.0, -1.0)])
def test_minimum_image_across_every_edge_and_corner(edge):
    box = 6.0
    direction = torch.tensor(edge, dtype=torch.float64)
    # Two particles 1.2 apart through the edge (or corner), far apart inside the box.
    a = torch.tensor([0.5, 3.0], dtype=torch.float64)
    a = torch.where(direction != 0, torch.where(direction > 0, 0.3, box - 0.3), a)
    offset = 1.2 * direction / direction.norm()
    b = torch.remainder(a - offset, box)
    dr = minimum_image((a - b)[None], box)[0]
    torch.testing.assert_close(dr, offset)
    inside = torch.stack([torch.full((2,), 3.0, dtype=torch.float64), 3.0 - offset])[None]
    torch.testing.assert_close(energy(torch.stack([a, b])[None], box), energy(inside, box))
    torch.testing.assert_close(forces(torch.stack([a, b])[None], box), forces(inside, box))


def test_minimum_image_components_lie_within_half_a_box():
    dr = 40 * torch.rand(1000, 2, generator=torch.Generator().manual_seed(0), dtype=torch.float64) - 20
    image = minimum_image(dr, 7.0)
    assert (image.abs() <= 3.5 + 1e-12).all()
    assert torch.allclose(torch.round((image - dr) / 7.0) * 7.0, image - dr)


def test_box_smaller_than_twice_the_cutoff_is_refused_and_the_dense_n16_box_is_accepted():
    assert box_side(16, 0.64) == 5.0
    assert check_box(box_side(16, 0.64)) == 5.0
    with pytest.raises(ValueError, match="smaller than 2·r_c"):
        energy(lattice_positions(1, 16, box_side(16, 0.7)), box_side(16, 0.7))
    with pytest.raises(ValueError, match="density must be > 0"):
        box_side(16, 0.0)
    with pytest.raises(ValueError, match="N must be between 2 and 4096"):
        box_side(1, 0.5)


def test_pressure_of_a_pair_out_of_range_is_the_ideal_gas_law():
    box = 10.0
    x = torch.tensor([[[1.0, 1.0], [5.0, 6.0]]], dtype=torch.float64)
    torch.testing.assert_close(pressure(x, box, T=1.7), torch.tensor([2 * 1.7 / box**2], dtype=torch.float64))
    torch.testing.assert_close(pressure(x, box, T=1.7, shifted=False), pressure(x, box, T=1.7))


def test_lattice_start_has_no_close_pairs():
    for N, rho in [(16, 0.64), (32, 0.64), (32, 0.35), (64, 0.05)]:
        box = box_side(N, rho)
        x = lattice_positions(2, N, box)
        d = torch.cdist(x[0], x[0]) + 1e9 * torch.eye(N, dtype=torch.float64)
        assert d.min() >= box / math.ceil(math.sqrt(N)) - 1e-12
        assert ((x >= 0) & (x < box)).all()
