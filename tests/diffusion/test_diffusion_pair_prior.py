import math

import pytest
import torch

from boltz.diffusion.pair_prior import PairPrior, noised_pair_score
from boltz.systems.lennard_jones import pair_energy

LJ_MINIMUM = 2 ** (1 / 6)


def _monte_carlo_score(r: float, sigma: float, beta: float, n: int = 400_000, seed: int = 0) -> tuple[float, float]:
    """d/dr log E_ξ[e^{−βu(|r ê + ξ|)}], ξ ~ N(0, 2σ² I): the noised pair density's log-derivative, by sampling.

    The derivative is taken under the expectation (same ξ for r ± h), so the estimate is smooth in r;
    its one-σ error comes from 20 batches."""
    g = torch.Generator().manual_seed(seed)
    xi = math.sqrt(2) * sigma * torch.randn(20, n // 20, 2, generator=g, dtype=torch.float64)
    h = 1e-4

    def q(radius):
        d = torch.stack([radius + xi[..., 0], xi[..., 1]], -1)
        return torch.exp(-beta * pair_energy(d.square().sum(-1))).mean(-1)

    per_batch = (q(r + h) - q(r - h)) / (2 * h) / q(r)
    return per_batch.mean().item(), per_batch.std().item() / math.sqrt(20)


@pytest.mark.parametrize("r, sigma, beta", [(1.1, 0.1, 1.0), (1.3, 0.3, 1.43), (0.95, 0.25, 1.0), (2.6, 0.3, 1.43)])
def test_quadrature_equals_the_sampled_noised_pair_score(r, sigma, beta):
    exact = noised_pair_score(torch.tensor([r]), sigma, beta).item()
    sampled, error = _monte_carlo_score(r, sigma, beta)
    assert abs(exact - sampled) < 4 * error + 1e-3


@pytest.mark.parametrize("r", [1.05, 1.3, 2.0])
def test_small_noise_limit_is_the_boltzmann_score_minus_beta_u_prime(r):
    radius = torch.tensor(r, dtype=torch.float64, requires_grad=True)
    (u_prime,) = torch.autograd.grad(pair_energy(radius.square()), radius)
    limit = -1.25 * u_prime.item()
    coarse, fine = (noised_pair_score(torch.tensor([r]), s, 1.25, quadrature=12001).item() for s in (0.004, 0.002))
    assert fine == pytest.approx(limit, rel=1e-3, abs=1e-4)
    # Smoothing is a second-order correction: halving σ quarters the gap.
    assert abs(fine - limit) < 0.3 * abs(coarse - limit) + 1e-5


def test_small_noise_score_vanishes_at_the_lj_minimum_and_large_noise_flattens_it():
    assert abs(noised_pair_score(torch.tensor([LJ_MINIMUM]), 0.004, 1.0, quadrature=6001).item()) < 0.05
    far = noised_pair_score(torch.linspace(0.5, 6.0, 12), 3.0, 1.0)
    assert far.abs().max() < 0.02


def test_table_interpolates_the_quadrature_and_points_along_the_pair_axis():
    prior = PairPrior()
    radii = [0.95, 1.1, 1.3, 1.8, 2.6]
    for sigma, T in [(0.02, 1.0), (0.13, 0.9), (0.3, 0.7), (1.0, 1.0)]:
        x = torch.tensor([[[5.0, 5.0], [5.0 + r, 5.0]] for r in radii])
        score = prior(x, torch.full((5,), sigma), torch.full((5,), T), box=20.0)
        exact = noised_pair_score(torch.tensor(radii), sigma, 1 / T).float()
        # Particle 0 sits at −r ê from particle 1: its score is g(r) along −ê, and particle 1's the opposite.
        torch.testing.assert_close(-score[:, 0, 0], exact, rtol=0.02, atol=5e-3)
        torch.testing.assert_close(score[:, 1], -score[:, 0])
        assert score[..., 1].abs().max() == 0


def test_table_is_finite_and_pushes_overlapping_pairs_apart():
    # Inside the core q is exponentially small: it must not cancel to round-off (that gave inf and sign flips).
    table = PairPrior().table[0, 0]
    assert bool(torch.isfinite(table).all())
    radii = torch.linspace(0.0, 8.0, table.shape[-1])
    core = (radii > 0.05) & (radii < 0.8)
    assert table[:, :12, core].min() > 10.0  # σ ≤ 0.08: a strong outward push at every T


@pytest.mark.parametrize("box", [5.0, 7.0711])
def test_prior_is_continuous_where_the_minimum_image_jumps(box):
    prior = PairPrior()
    sigma, T = torch.full((2,), 0.3), torch.full((2,), 0.7)
    x = torch.tensor([[[1.0, 1.0], [1.0 + box / 2 - 1e-4, 1.0]], [[1.0, 1.0], [1.0 + box / 2 + 1e-4, 1.0]]])
    score = prior(x, sigma, T, box=box)
    torch.testing.assert_close(score[0], score[1], atol=1e-6, rtol=0)
    inside = prior(torch.tensor([[[1.0, 1.0], [1.0 + box / 2 - 0.6, 1.0]]]), sigma[:1], T[:1], box=box)
    assert inside.abs().max() > 1e-4
