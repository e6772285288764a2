import pytest
import torch

from boltz.diffusion.particle_network import CHUNK_PAIRS, ParticleNetConfig, ParticleScoreNet
from boltz.diffusion.sampling import sample_ode, sample_sde
from boltz.diffusion.torus import WrappedVE, wrap, wrapped_eps
from boltz.diffusion.utils import append_dims

TINY = ParticleNetConfig(hidden=16, layers=2, radial_basis=8, embedding_dim=16)
TINY_VECTORS = ParticleNetConfig(hidden=16, layers=2, radial_basis=8, embedding_dim=16, vector_channels=4)
TINY_PAIR = ParticleNetConfig(hidden=16, layers=2, radial_basis=8, embedding_dim=16, vector_channels=4, pair_prior=True)
CONFIGS = pytest.mark.parametrize("config", [TINY, TINY_VECTORS, TINY_PAIR], ids=["distances", "vectors", "pair-prior"])


def _log_wrapped_density(d: torch.Tensor, sigma: float, box: float, images: int = 60) -> torch.Tensor:
    """log Σ_k N(d + k·box; 0, σ²) per coordinate, summed over coordinates, with a generous image sum."""
    k = torch.arange(-images, images + 1, dtype=d.dtype) * box
    terms = -(d.unsqueeze(-1) + k) ** 2 / (2 * sigma**2)
    return torch.logsumexp(terms, dim=-1).sum()


@pytest.mark.parametrize("sigma", [0.01, 0.3, 2.0, 7.0, 20.0])
def test_wrapped_eps_is_minus_sigma_times_the_autograd_score_of_the_wrapped_gaussian(sigma):
    box = 7.0
    d = (torch.rand(5, 3, 2, generator=torch.Generator().manual_seed(0), dtype=torch.float64) - 0.5) * 3 * box
    d.requires_grad_(True)
    (score,) = torch.autograd.grad(_log_wrapped_density(d, sigma, box), d)
    eps = wrapped_eps(d.detach(), torch.full((5,), sigma, dtype=torch.float64), box)
    torch.testing.assert_close(eps, -sigma * score, rtol=1e-9, atol=1e-9)


def test_wrapped_eps_is_the_plain_noise_when_sigma_is_small():
    eps = torch.randn(8, 4, 2, generator=torch.Generator().manual_seed(1), dtype=torch.float64)
    sigma = torch.full((8,), 0.02, dtype=torch.float64)
    torch.testing.assert_close(wrapped_eps(append_dims(sigma, 3) * eps, sigma, 5.0), eps)


def test_schedule_is_geometric_with_the_ve_diffusion_coefficient():
    sde = WrappedVE(sigma_min=0.01, sigma_max=10.0)
    t = torch.tensor([0.0, 0.5, 1.0], dtype=torch.float64)
    torch.testing.assert_close(sde.sigma(t), torch.tensor([0.01, 0.01 * 1000**0.5, 10.0], dtype=torch.float64))
    torch.testing.assert_close(sde.t_from_log_snr(sde.log_snr(t)), t)
    # g² = dσ²/dt
    h = 1e-6
    numeric = (sde.sigma(t + h) ** 2 - sde.sigma(t - h) ** 2) / (2 * h)
    torch.testing.assert_close(sde.drift_and_diffusion(t, t)[1] ** 2, numeric, rtol=1e-6, atol=0)
    with pytest.raises(ValueError, match="sigma_min < sigma_max"):
        WrappedVE(sigma_min=1.0, sigma_max=0.5)


def test_wrap_maps_into_the_half_open_box():
    x = torch.tensor([-1e-17, -3.0, 7.0, 13.5, 0.0], dtype=torch.float64)
    out = wrap(x, 7.0)
    assert ((out >= 0) & (out < 7.0)).all()
    torch.testing.assert_close(out, torch.tensor([0.0, 4.0, 0.0, 6.5, 0.0], dtype=torch.float64))


def _inputs(batch: int, N: int, box: float, seed: int = 0, config: ParticleNetConfig = TINY):
    g = torch.Generator().manual_seed(seed)
    net = ParticleScoreNet(config)
    with torch.no_grad():  # leave the zero-initialised head: an untrained net would be trivially equivariant
        for p in net.parameters():
            p.copy_(0.3 * torch.randn(p.shape, generator=g))
    x = box * torch.rand(batch, N, 2, generator=g)
    return net, x, torch.full((batch,), 0.3), torch.full((batch,), 0.7)


@CONFIGS
@pytest.mark.parametrize("N", [3, 7, 16])
def test_network_output_permutes_with_its_input(N, config):
    net, x, sigma, T = _inputs(3, N, 5.0, config=config)
    perm = torch.randperm(N, generator=torch.Generator().manual_seed(N))
    out = net(x, sigma, T, box=5.0)
    assert out.abs().max() > 1e-3
    torch.testing.assert_close(net(x[:, perm], sigma, T, box=5.0), out[:, perm], rtol=1e-5, atol=1e-6)


@CONFIGS
@pytest.mark.parametrize("N", [3, 16])
def test_network_is_periodic_translation_invariant_and_commutes_with_quarter_turns(N, config):
    box = 6.0
    net, x, sigma, T = _inputs(2, N, box, seed=3, config=config)
    out = net(x, sigma, T, box=box)
    # A lift (any particle moved by a box vector) and a global translation change nothing.
    lift = x.clone()
    lift[:, 0, 0] += box
    lift[:, -1, 1] -= 2 * box
    torch.testing.assert_close(net(lift, sigma, T, box=box), out, rtol=1e-5, atol=1e-5)
    torch.testing.assert_close(net(wrap(x + torch.tensor([1.7, -0.4]), box), sigma, T, box=box), out,
                               rtol=1e-5, atol=1e-5)
    # A quarter turn (x, y) → (−y, x) of the torus turns the output the same way.
    turned = wrap(torch.stack([-x[..., 1], x[..., 0]], -1), box)
    expected = torch.stack([-out[..., 1], out[..., 0]], -1)
    torch.testing.assert_close(net(turned, sigma, T, box=box), expected, rtol=1e-5, atol=1e-5)
    # The reflection (x, y) → (y, x) reflects it.
    torch.testing.assert_close(net(x.flip(-1), sigma, T, box=box), out.flip(-1), rtol=1e-5, atol=1e-5)


@CONFIGS
@pytest.mark.parametrize("N", [32, 64])
def test_a_batch_past_one_chunk_gives_each_configuration_its_own_output(N, config):
    # N = 32: 16 configurations per chunk, N = 64: 4; the batch ends in a partial chunk
    batch = CHUNK_PAIRS // N**2 * 2 + 3
    net, x, sigma, T = _inputs(batch, N, 12.0, config=config)
    sigma, T = torch.linspace(0.05, 2.0, batch), torch.linspace(0.6, 1.2, batch)
    out = net(x, sigma, T, box=12.0)
    alone = torch.cat([net(x[i : i + 1], sigma[i : i + 1], T[i : i + 1], box=12.0) for i in range(batch)])
    assert out.abs().max() > 1e-3
    # float32 rounding of other reduction orders only: a chunk paired with another's σ or T is off by O(1)
    torch.testing.assert_close(out, alone, rtol=1e-4, atol=1e-5)


def test_network_runs_on_any_n_and_refuses_a_box_below_twice_its_cutoff():
    net, x, sigma, T = _inputs(2, 5, 6.0)
    assert net(torch.rand(2, 40, 2) * 12, sigma, T, box=12.0).shape == (2, 40, 2)
    with pytest.raises(ValueError, match="smaller than 2·r_cut"):
        net(x, sigma, T, box=4.0)
    with pytest.raises(ValueError, match="sigma must be"):
        net(x, -sigma, T, box=6.0)
    assert ParticleNetConfig.from_dict(TINY.to_dict()) == TINY
    with pytest.raises(ValueError, match="unknown ParticleNetConfig keys"):
        ParticleNetConfig.from_dict({"width": 3})


@CONFIGS
def test_untrained_network_predicts_zero_noise_without_the_prior(config):
    net = ParticleScoreNet(ParticleNetConfig(**{**config.to_dict(), "force_prior": False, "pair_prior": False}))
    x = 6 * torch.rand(4, 8, 2)
    assert torch.equal(net(x, torch.ones(4), torch.ones(4), box=6.0), torch.zeros_like(x))


def test_force_prior_gives_the_boltzmann_score_as_sigma_vanishes():
    # Untrained (zero head), the implied score −ε̂/σ is λ(σ) F/T → F/T as σ → 0, and fades for σ ≫ σ_F.
    from boltz.systems.lennard_jones import box_side, forces, lattice_positions

    box = box_side(16, 0.64)
    x = lattice_positions(3, 16, box, dtype=torch.float32) + 0.05 * torch.randn(3, 16, 2)
    net, T = ParticleScoreNet(TINY), torch.full((3,), 0.7)
    force = forces(x, box)
    assert force.norm(dim=-1).max() < TINY.force_clip
    small = torch.full((3,), 1e-4)
    torch.testing.assert_close(-net(x, small, T, box=box) / 1e-4, force / 0.7, rtol=1e-5, atol=1e-4)
    large = torch.full((3,), 3.0)
    assert (net(x, large, T, box=box).abs().max() / 3.0) < 1e-3 * (force / 0.7).abs().max()


def test_pair_prior_gives_the_isolated_pair_score_at_every_noise_level():
    # Untrained (zero head), −ε̂/σ is the noised pair score: for two particles alone in a large box it is exact.
    from boltz.diffusion.pair_prior import noised_pair_score

    net = ParticleScoreNet(TINY_PAIR)
    x = torch.tensor([[[3.0, 4.0], [3.0 + 0.8 * 1.2, 4.0 + 0.6 * 1.2]]]).expand(3, -1, -1)
    sigma, T = torch.tensor([0.02, 0.2, 0.6]), torch.full((3,), 0.8)
    score = -net(x, sigma, T, box=20.0) / sigma[:, None, None]
    exact = torch.stack([noised_pair_score(torch.tensor([1.2]), s, 1 / 0.8)[0] for s in sigma.tolist()]).float()
    torch.testing.assert_close(score[:, 1], exact[:, None] * torch.tensor([0.8, 0.6]), rtol=0.02, atol=1e-3)
    torch.testing.assert_close(score[:, 0], -score[:, 1])


@pytest.mark.parametrize("solver", [sample_sde, sample_ode])
def test_shared_samplers_with_the_exact_wrapped_score_recover_a_single_point_mass(solver):
    # Data = one configuration x*: the exact ε(x_t) is wrapped_eps(x_t − x*). The reverse process from the
    # uniform prior must land on x* (modulo the box): the VE torus schedule is right for the shared samplers.
    box, sde = 6.0, WrappedVE(sigma_min=0.01, sigma_max=6.0)
    target = box * torch.rand(1, 5, 2, generator=torch.Generator().manual_seed(2), dtype=torch.float64)

    def exact(x, t, condition):
        return wrapped_eps(x - target, sde.sigma(t), box)

    x1 = sde.prior_sample((64, 5, 2), box=box, generator=torch.Generator().manual_seed(3), dtype=torch.float64)
    out = solver(exact, x1, sde, steps=150, generator=torch.Generator().manual_seed(4))
    error = (wrap(out, box) - target + box / 2).remainder(box) - box / 2
    assert error.abs().max() < 0.05
