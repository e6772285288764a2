import json

import pytest
import torch

from boltz.diffusion.checkpoint import load_model, load_train_state
from boltz.diffusion.data import DataCancelled, IsingDataConfig, load_or_generate
from boltz.diffusion.networks import PeriodicUNet, UNetConfig
from boltz.diffusion.sde import VPSDE
from boltz.diffusion.training import TrainConfig, augment, dsm_loss, learning_rate, train_ising, training_times
from boltz.diffusion.utils import append_dims
from boltz.systems.ising import energy, random_spins

TINY_NET = UNetConfig(channels=8, channel_mults=(1, 2), embedding_dim=16)
TINY_DATA = IsingDataConfig(L=8, n_temperatures=3, samples_per_temperature=32, chains=2, burn_in=10)


def _train(folder, cache, steps, **kwargs):
    return train_ising(folder, data=TINY_DATA, network=TINY_NET, cache_dir=cache,
                       train=TrainConfig(steps=steps, batch_size=8, checkpoint_every=5, warmup=3), **kwargs)


def test_augmentation_preserves_the_ising_energy_and_abs_magnetization():
    spins = random_spins(64, 6, generator=torch.Generator().manual_seed(0))
    x = augment(spins, torch.Generator().manual_seed(1))
    assert x.shape == (64, 1, 6, 6) and x.dtype == torch.float32
    # Translations, the square's point group and the global flip are all symmetries of E at h = 0.
    torch.testing.assert_close(energy(x[:, 0].double()), energy(spins))
    torch.testing.assert_close(x[:, 0].sum(dim=(-2, -1)).abs(), spins.float().sum(dim=(-2, -1)).abs())
    assert not torch.equal(x[:, 0], spins.float())  # something moved
    flipped = (x[:, 0].sum(dim=(-2, -1)) * spins.float().sum(dim=(-2, -1)) < 0).float().mean()
    assert 0.3 < flipped < 0.7


def test_untrained_network_has_unit_dsm_loss():
    # The zero-initialised head predicts ε̂ = 0, so the loss is E‖ε‖² = 1 per pixel.
    spins = random_spins(256, 8, generator=torch.Generator().manual_seed(2))
    loss = dsm_loss(PeriodicUNet(TINY_NET), VPSDE(), spins[:, None].float(), torch.full((256,), 2.0),
                    torch.Generator().manual_seed(3))
    assert loss.item() == pytest.approx(1.0, abs=0.02)


class _OffsetDenoiser(torch.nn.Module):
    """Predicts the true ε of ``x0`` plus a fixed error field δ [L, L]: the loss then sees δ alone."""

    def __init__(self, schedule, x0, error):
        super().__init__()
        self.schedule, self.x0, self.error = schedule, x0, error
        self.device_anchor = torch.nn.Parameter(torch.zeros(()))  # dsm_loss reads the device off a parameter

    def forward(self, x_t, t, temperature):
        alpha, sigma = (append_dims(value, x_t.ndim) for value in (self.schedule.alpha(t), self.schedule.sigma(t)))
        return (x_t - alpha * self.x0) / sigma + self.error


@pytest.mark.parametrize("L", [4, 8])
@pytest.mark.parametrize("weight", [0.5, 16.0, 1024.0])
def test_k0_weight_scales_the_lattice_mean_mode_alone(L, weight):
    schedule = VPSDE()
    x0 = random_spins(32, L, generator=torch.Generator().manual_seed(0))[:, None].float()
    temperature = torch.full((32,), 2.0)
    sites = torch.arange(L)
    checkerboard = torch.where((sites[:, None] + sites[None, :]) % 2 == 0, 1.0, -1.0)

    def loss(error, k0_weight):
        network = _OffsetDenoiser(schedule, x0, error)
        return dsm_loss(network, schedule, x0, temperature, torch.Generator().manual_seed(1), k0_weight=k0_weight).item()

    # δ = c everywhere is the k = 0 mode alone: its per-site square c² is multiplied by w
    uniform = torch.full((L, L), 0.3)
    assert loss(uniform, None) == pytest.approx(0.09, rel=1e-4)
    assert loss(uniform, weight) == pytest.approx(weight * 0.09, rel=1e-4)
    # δ = ±c on the two sublattices is the k = (π, π) mode: no lattice mean, the weight leaves it alone
    assert loss(0.3 * checkerboard, weight) == pytest.approx(0.09, rel=1e-4)
    # A sum of both: the cross term averages out over the lattice (Parseval), so the parts add
    assert loss(uniform + 0.3 * checkerboard, weight) == pytest.approx((weight + 1) * 0.09, rel=1e-4)


@pytest.mark.parametrize("weight", [0.0, -1.0, float("nan"), float("inf")])
def test_a_bad_k0_weight_is_a_value_error_before_any_data(weight, tmp_path):
    with pytest.raises(ValueError, match="k0 weight"):
        _train(tmp_path / "run", tmp_path / "cache", 2, k0_weight=weight)
    assert not (tmp_path / "cache").exists() or not any((tmp_path / "cache").iterdir())


@pytest.mark.parametrize("band", [(0.15, 0.5), (0.6, 1.0)])
def test_a_t_band_holds_half_the_levels_plus_its_uniform_share(band):
    schedule, n = VPSDE(), 200_000
    plain = training_times(schedule, n, torch.Generator().manual_seed(0))
    t = training_times(schedule, n, torch.Generator().manual_seed(0), band)
    assert float(t.min()) >= schedule.t_min and float(t.max()) <= 1.0
    # Mixture ½ U[t_min, 1] + ½ U[a, b]: P(t in band) = ½ + ½ (b − a)/(1 − t_min), binomial error < 0.0012
    inside = ((t >= band[0]) & (t <= band[1])).float().mean().item()
    assert inside == pytest.approx(0.5 + 0.5 * (band[1] - band[0]) / (1 - schedule.t_min), abs=0.005)
    below = (t < band[0]).float().mean().item()  # outside the band only the uniform half remains
    assert below == pytest.approx(0.5 * (band[0] - schedule.t_min) / (1 - schedule.t_min), abs=0.005)
    # No band: t ~ U[t_min, 1], mean (1 + t_min)/2
    assert abs(plain.mean().item() - 0.5 * (1 + schedule.t_min)) < 0.003


@pytest.mark.parametrize("band", [(0.5, 0.2), (0.0, 0.5), (0.3, 1.5)])
def test_a_bad_t_band_is_a_value_error_before_any_data(band, tmp_path):
    with pytest.raises(ValueError, match="t band"):
        _train(tmp_path / "run", tmp_path / "cache", 2, t_band=band)
    assert not (tmp_path / "cache").exists() or not any((tmp_path / "cache").iterdir())


def test_learning_rate_warms_up_and_decays():
    config = TrainConfig(steps=100, warmup=10, learning_rate=1e-3, final_lr_fraction=0.1)
    assert learning_rate(0, config) == pytest.approx(1e-4)
    assert learning_rate(9, config) == pytest.approx(1e-3)
    assert learning_rate(99, config) == pytest.approx(1e-4, rel=0.01)


def test_dataset_is_cached_as_npz_and_reused(tmp_path):
    first = load_or_generate(TINY_DATA, tmp_path)
    files = list(tmp_path.iterdir())  # the entry alone: its partial file was renamed over it
    assert len(files) == 1 and files[0].suffix == ".npz" and first.spins.shape == (96, 8, 8)
    assert sorted(set(first.temperatures.tolist())) == pytest.approx([1.5, 2.5, 3.5])
    files[0].write_bytes(b"not an npz")  # a corrupt cache entry is regenerated, not trusted
    again = load_or_generate(TINY_DATA, tmp_path)
    assert torch.equal(again.spins, first.spins)


def test_a_callback_answering_true_stops_the_data_and_caches_nothing(tmp_path):
    frames = []
    with pytest.raises(DataCancelled):
        load_or_generate(TINY_DATA, tmp_path, callback=lambda frame: frames.append(frame) or frame["step"] == 1)
    # Frames while the first temperature is drawn (0 done), then the one that says it is done, which stops the run.
    assert {f["phase"] for f in frames} == {"data"} and frames[0]["step"] == 0 and frames[-1]["step"] == 1
    assert list(tmp_path.iterdir()) == []


def test_resume_continues_exactly_where_an_uninterrupted_run_would_be(tmp_path):
    whole = _train(tmp_path / "whole", tmp_path / "cache", 12)
    interrupted = _train(tmp_path / "parts", tmp_path / "cache", 12,
                         callback=lambda frame: frame["phase"] == "train" and frame["step"] == 7)
    assert interrupted.cancelled and interrupted.step == 7
    resumed = _train(tmp_path / "parts", tmp_path / "cache", 12)
    assert whole.step == resumed.step == 12
    a, b = load_model(tmp_path / "whole"), load_model(tmp_path / "parts")
    for (name, p), q in zip(a.network.state_dict().items(), b.network.state_dict().values()):
        torch.testing.assert_close(p, q, rtol=0, atol=0, msg=name)


def test_cancel_saves_a_checkpoint_and_stops(tmp_path):
    frames = []

    def stop_at_three(frame):
        frames.append(frame)
        return frame["phase"] == "train" and frame["step"] == 3

    result = _train(tmp_path / "m", tmp_path / "cache", 50, callback=stop_at_three)
    assert result.cancelled and result.step == 3
    assert json.loads((tmp_path / "m" / "config.json").read_text())["step"] == 3
    assert {"step", "steps", "loss", "eta"} <= set(frames[-1])


def test_checkpoint_errors_are_one_line_value_errors(tmp_path):
    _train(tmp_path / "m", tmp_path / "cache", 5)
    with pytest.raises(ValueError, match="no checkpoint"):
        load_model(tmp_path / "missing")
    weights = tmp_path / "m" / "model.safetensors"
    good = weights.read_bytes()
    weights.write_bytes(good[: len(good) // 2])
    with pytest.raises(ValueError, match="corrupt"):
        load_model(tmp_path / "m")
    weights.write_bytes(good)
    config = tmp_path / "m" / "config.json"
    data = json.loads(config.read_text())
    config.write_text(json.dumps({**data, "step": 4}))
    with pytest.raises(ValueError, match="inconsistent"):
        load_model(tmp_path / "m")
    config.write_text("{not json")
    with pytest.raises(ValueError, match="corrupt"):
        load_train_state(tmp_path / "m")


def test_resume_with_other_settings_is_refused(tmp_path):
    _train(tmp_path / "m", tmp_path / "cache", 5)
    with pytest.raises(ValueError, match="other settings"):
        train_ising(tmp_path / "m", data=TINY_DATA, network=UNetConfig(channels=16, channel_mults=(1, 2)),
                    cache_dir=tmp_path / "cache", train=TrainConfig(steps=6, batch_size=8))
