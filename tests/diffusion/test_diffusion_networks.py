import json

import pytest
import torch
import torch.nn.functional as F

from boltz.diffusion.networks import PeriodicUNet, UNetConfig, circular_pad, sinusoidal_embedding


def _net(seed=0, **overrides) -> PeriodicUNet:
    """A network whose weights are all randomly perturbed (the head included, so ε̂ ≠ 0)."""
    torch.manual_seed(seed)
    net = PeriodicUNet(UNetConfig(**overrides))
    generator = torch.Generator().manual_seed(seed + 1)
    with torch.no_grad():
        for p in net.parameters():
            p.add_(0.2 * torch.randn(p.shape, generator=generator))
    return net.eval()


def _inputs(batch, L, seed=0):
    g = torch.Generator().manual_seed(seed)
    spins = 2.0 * torch.randint(0, 2, (batch, 1, L, L), generator=g) - 1.0
    x = 0.8 * spins + 0.6 * torch.randn(batch, 1, L, L, generator=g)
    t = torch.rand(batch, generator=g)
    temperature = 1.5 + 2.0 * torch.rand(batch, generator=g)
    return x, t, temperature


@pytest.mark.parametrize("L", [8, 16, 24, 32, 64])
def test_output_has_the_input_shape_for_every_supported_lattice(L):
    net = _net()
    x, t, T = _inputs(2, L)
    with torch.no_grad():
        out = net(x, t, T)
    assert out.shape == (2, 1, L, L) and out.dtype == torch.float32
    assert out.is_contiguous() and torch.isfinite(out).all() and out.abs().max() > 1e-3


def test_untrained_network_predicts_zero():
    x, t, T = _inputs(3, 16)
    with torch.no_grad():
        assert torch.equal(PeriodicUNet()(x, t, T), torch.zeros_like(x))


def test_default_size_is_small():
    n = sum(p.numel() for p in PeriodicUNet().parameters())
    assert 50_000 <= n <= 250_000


@pytest.mark.parametrize("shift", [(4, 0), (0, 8), (12, -4), (-8, 12)])
def test_strided_network_commutes_with_shifts_of_the_coarse_grid(shift):
    # Three levels halve the lattice twice: shifts by multiples of 4 map the grid onto itself.
    net = _net()
    x, t, T = _inputs(2, 16)
    with torch.no_grad():
        rolled_first = net(torch.roll(x, shift, dims=(-2, -1)), t, T)
        rolled_after = torch.roll(net(x, t, T), shift, dims=(-2, -1))
    torch.testing.assert_close(rolled_first, rolled_after, atol=1e-5, rtol=1e-5)


def test_strided_network_is_not_exact_under_a_one_site_shift():
    # Documents the limit of the strided form: odd shifts move the coarse grid.
    net = _net()
    x, t, T = _inputs(2, 16)
    with torch.no_grad():
        gap = (net(torch.roll(x, 1, dims=-1), t, T) - torch.roll(net(x, t, T), 1, dims=-1)).abs().max()
    assert gap > 1e-3


@pytest.mark.parametrize("L", [12, 16])
@pytest.mark.parametrize("shift", [(1, 0), (0, 3), (5, -2), (7, 7)])
def test_dilated_network_commutes_with_every_shift(L, shift):
    net = _net(dilated=True)
    x, t, T = _inputs(2, L)
    with torch.no_grad():
        rolled_first = net(torch.roll(x, shift, dims=(-2, -1)), t, T)
        rolled_after = torch.roll(net(x, t, T), shift, dims=(-2, -1))
    torch.testing.assert_close(rolled_first, rolled_after, atol=1e-5, rtol=1e-5)


def test_rotation_equivariance_is_not_built_in():
    net = _net()
    x, t, T = _inputs(2, 16)
    with torch.no_grad():
        gap = (net(torch.rot90(x, 1, dims=(-2, -1)), t, T) - torch.rot90(net(x, t, T), 1, dims=(-2, -1))).abs().max()
    assert gap > 1e-3


def test_antisymmetric_network_is_odd_under_a_global_spin_flip():
    net = _net()
    x, t, T = _inputs(3, 16)
    with torch.no_grad():
        torch.testing.assert_close(net(-x, t, T), -net(x, t, T), atol=1e-5, rtol=1e-5)
        plain = _net(antisymmetric=False)
        assert (plain(-x, t, T) + plain(x, t, T)).abs().max() > 1e-3


def test_under_bfloat16_autocast_the_output_is_float32_and_close_to_the_float32_network():
    net = _net()
    x, t, T = _inputs(4, 16)
    with torch.no_grad():
        exact = net(x, t, T)
        with torch.autocast("cpu", dtype=torch.bfloat16):
            low = net(x, t, T)
    assert low.dtype == torch.float32
    # bfloat16 keeps 8 significant bits: about 0.4% per rounding, a few % after the network's layers
    relative = (low - exact).norm() / exact.norm()
    assert 1e-4 < relative < 0.05
    torch.testing.assert_close(net(-x, t, T), -net(x, t, T), atol=1e-5, rtol=1e-5)


def test_gradient_reaches_every_parameter():
    net = _net().train()
    x, t, T = _inputs(4, 16)
    loss = (net(x, t, T) - torch.randn_like(x)).square().mean()
    loss.backward()
    for name, p in net.named_parameters():
        assert p.grad is not None and torch.isfinite(p.grad).all(), name
        assert p.grad.abs().max() > 0, name


def test_temperature_conditioning_changes_the_prediction():
    net = _net()
    x, t, _ = _inputs(2, 16)
    with torch.no_grad():
        cold, hot = net(x, t, torch.full((2,), 1.5)), net(x, t, torch.full((2,), 3.5))
        assert (cold - hot).abs().max() > 1e-3
        # And t is wired too.
        assert (net(x, torch.full((2,), 0.1), 2.0) - net(x, torch.full((2,), 0.9), 2.0)).abs().max() > 1e-3


def test_unconditional_network_takes_no_temperature():
    net = _net(conditional=False)
    x, t, T = _inputs(2, 8)
    with torch.no_grad():
        assert net(x, t).shape == x.shape
    with pytest.raises(ValueError, match="unconditional"):
        net(x, t, T)
    with pytest.raises(ValueError, match="pass a temperature"):
        _net()(x, t)


def test_scalars_broadcast_over_the_batch():
    net = _net()
    x, _, _ = _inputs(3, 8)
    with torch.no_grad():
        torch.testing.assert_close(net(x, 0.5, 2.269), net(x, torch.full((3,), 0.5), torch.full((3,), 2.269)))


def test_each_lattice_is_predicted_independently_of_its_batch():
    net = _net()
    x, t, T = _inputs(4, 8)
    with torch.no_grad():
        whole = net(x, t, T)
        for i in range(4):
            alone = net(x[i : i + 1], t[i : i + 1], T[i : i + 1])
            torch.testing.assert_close(alone, whole[i : i + 1], atol=1e-5, rtol=1e-5)


@pytest.mark.parametrize("L", [4, 6, 10, 30])
def test_lattices_the_strided_network_cannot_halve_are_refused(L):
    x, t, T = _inputs(1, L)
    with pytest.raises(ValueError, match="L must be"):
        PeriodicUNet()(x, t, T)


def test_dilated_network_runs_on_any_lattice_wide_enough():
    net = PeriodicUNet(UNetConfig(dilated=True))
    for L in (9, 10):
        x, t, T = _inputs(1, L)
        assert net(x, t, T).shape == x.shape
    with pytest.raises(ValueError, match="L must be >= 8"):
        net(*_inputs(1, 7))


@pytest.mark.parametrize(
    "args, message",
    [
        ((torch.zeros(2, 16, 16), 0.5, 2.0), "shape"),
        ((torch.zeros(2, 1, 16, 8), 0.5, 2.0), "shape"),
        ((torch.zeros(2, 2, 16, 16), 0.5, 2.0), "shape"),
        ((torch.zeros(2, 1, 16, 16, dtype=torch.int8), 0.5, 2.0), "float32"),
        ((torch.zeros(2, 1, 16, 16, dtype=torch.float64), 0.5, 2.0), "float32"),
        ((torch.zeros(2, 1, 16, 16), torch.tensor([0.5, 1.5]), 2.0), "t must lie"),
        ((torch.zeros(2, 1, 16, 16), 0.5, torch.tensor([2.0, 0.0])), "temperature must be > 0"),
        ((torch.zeros(2, 1, 16, 16), 0.5, float("nan")), "finite"),
        ((torch.zeros(2, 1, 16, 16), torch.zeros(3), 2.0), r"shape \[2\]"),
    ],
)
def test_bad_inputs_raise_value_error(args, message):
    with pytest.raises(ValueError, match=message):
        PeriodicUNet()(*args)


def test_config_round_trips_through_json():
    config = UNetConfig(channels=8, channel_mults=(1, 2), blocks_per_level=2, conditional=False, dilated=True)
    again = UNetConfig.from_dict(json.loads(json.dumps(config.to_dict())))
    assert again == config and again.channel_mults == (1, 2)
    assert UNetConfig.from_dict(UNetConfig().to_dict()) == UNetConfig()
    # Same config, same architecture: a state dict moves between the two.
    PeriodicUNet(again).load_state_dict(PeriodicUNet(config).state_dict())


@pytest.mark.parametrize(
    "data",
    [
        {"width": 16},
        {"channels": 0},
        {"channel_mults": []},
        {"channel_mults": "12"},
        {"embedding_dim": 63},
        {"channels": 12, "groups": 8},
        {"antisymmetric": 1},
    ],
)
def test_invalid_configs_raise_value_error(data):
    with pytest.raises(ValueError):
        UNetConfig.from_dict(data)


@pytest.mark.parametrize("pad", [1, 2, 4])
@pytest.mark.parametrize("channels_last", [False, True])
def test_circular_pad_matches_torch_and_keeps_the_memory_format(pad, channels_last):
    x = torch.randn(2, 3, 6, 5)
    if channels_last:
        x = x.contiguous(memory_format=torch.channels_last)
    out = circular_pad(x, pad)
    assert torch.equal(out, F.pad(x, (pad, pad, pad, pad), mode="circular"))
    assert out.is_contiguous(memory_format=torch.channels_last) == channels_last


def test_sinusoidal_embedding_shape_and_range():
    emb = sinusoidal_embedding(torch.tensor([0.0, 1.0, 500.0]), 8)
    assert emb.shape == (3, 8) and emb.abs().max() <= 1.0
    assert torch.equal(emb[0], torch.tensor([1.0] * 4 + [0.0] * 4))


def test_large_batches_run_in_chunks_with_the_same_result(monkeypatch):
    from boltz.diffusion import networks

    net = _net()
    x, t, T = _inputs(7, 8)
    with torch.no_grad():
        whole = net(x, t, T)
        monkeypatch.setattr(networks, "CHUNK_SITES", 2 * 2 * 64)  # two lattices (×2 for the flip) per chunk
        torch.testing.assert_close(net(x, t, T), whole, atol=1e-5, rtol=1e-5)
