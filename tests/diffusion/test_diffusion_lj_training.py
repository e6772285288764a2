import json
import math
import subprocess
import sys

import pytest
import torch

from boltz.cli import main
from boltz.diffusion.checkpoint import load_model
from boltz.diffusion.lj_data import LJDataConfig, load_or_generate_lj
from boltz.diffusion.lj_sampling import sample_lj_diffusion
from boltz.diffusion.lj_training import augment_particles, torus_dsm_loss, train_lj
from boltz.diffusion.particle_network import ParticleNetConfig, ParticleScoreNet
from boltz.diffusion.torus import WrappedVE, wrapped_eps
from boltz.diffusion.training import TrainConfig
from boltz.diffusion.utils import append_dims
from boltz.lj_io import read_lj_csv
from boltz.systems.lennard_jones import box_side, energy

TINY_NET = ParticleNetConfig(hidden=8, layers=1, radial_basis=4, embedding_dim=8, force_prior=False)
TINY_DATA = LJDataConfig(sizes=(16,), density=0.35, T_min=0.9, T_max=1.1, n_temperatures=2,
                         samples_per_temperature=32, chains=4, burn_in=50, thin=2)


def _train(folder, cache, steps, **kwargs):
    return train_lj(folder, data=TINY_DATA, network=TINY_NET, cache_dir=cache,
                    train=TrainConfig(steps=steps, batch_size=4, checkpoint_every=5, warmup=2), **kwargs)


def test_augmentation_is_a_symmetry_of_the_energy_and_stays_in_the_box(tmp_path):
    (dataset,) = load_or_generate_lj(TINY_DATA, tmp_path)
    x = dataset.positions[:16].double()
    out = augment_particles(x, dataset.box, torch.Generator().manual_seed(0))
    assert ((out >= 0) & (out < dataset.box)).all() and not torch.allclose(out, x)
    torch.testing.assert_close(energy(out, dataset.box), energy(x, dataset.box))


def test_dataset_is_metropolis_samples_cached_per_n(tmp_path):
    data = LJDataConfig(**{**TINY_DATA.__dict__, "sizes": (16, 20)})
    first = load_or_generate_lj(data, tmp_path)
    assert [d.N for d in first] == [16, 20] and len(list(tmp_path.glob("lj_N*.npz"))) == 2
    assert first[1].positions.shape == (64, 20, 2) and first[1].box == box_side(20, 0.35)
    assert sorted(set(first[0].temperatures.tolist())) == pytest.approx([0.9, 1.1])
    again = load_or_generate_lj(data, tmp_path)
    assert torch.equal(again[0].positions, first[0].positions)
    with pytest.raises(ValueError, match="smaller than 2·r_c"):
        LJDataConfig(sizes=(16,), density=0.8)


def test_untrained_network_loss_is_the_mean_square_wrapped_noise():
    sde = WrappedVE(sigma_min=0.01, sigma_max=7.0)
    box = box_side(16, 0.35)
    x0 = box * torch.rand(512, 16, 2, generator=torch.Generator().manual_seed(0))
    loss = torus_dsm_loss(ParticleScoreNet(TINY_NET), sde, x0, torch.ones(512), box, torch.Generator().manual_seed(1))
    # Same draws as the loss: t, then ε.
    g = torch.Generator().manual_seed(1)
    sigma = sde.sigma(torch.rand(512, generator=g))
    noise = torch.randn(x0.shape, generator=g)
    expected = wrapped_eps(append_dims(sigma, 3) * noise, sigma, box).square().mean()
    torch.testing.assert_close(loss, expected)
    assert 0.3 < loss.item() < 1.0  # < 1: at σ ≳ box the wrapped noise is partly unidentifiable


def test_resume_continues_exactly_where_an_uninterrupted_run_would_be(tmp_path):
    whole = _train(tmp_path / "whole", tmp_path / "cache", 12)
    interrupted = _train(tmp_path / "parts", tmp_path / "cache", 12,
                         callback=lambda frame: frame["phase"] == "train" and frame["step"] == 7)
    assert interrupted.cancelled and interrupted.step == 7
    assert json.loads((tmp_path / "parts" / "config.json").read_text())["step"] == 7
    resumed = _train(tmp_path / "parts", tmp_path / "cache", 12)
    assert whole.step == resumed.step == 12
    a, b = load_model(tmp_path / "whole"), load_model(tmp_path / "parts")
    for (name, p), q in zip(a.network.state_dict().items(), b.network.state_dict().values()):
        torch.testing.assert_close(p, q, rtol=0, atol=0, msg=name)
    with pytest.raises(ValueError, match="other settings"):
        train_lj(tmp_path / "parts", data=TINY_DATA, network=ParticleNetConfig(hidden=16), cache_dir=tmp_path / "cache",
                 train=TrainConfig(steps=13, batch_size=4))


def test_diffusion_samples_lie_in_the_box_with_trajectory_frames_and_refinement(tmp_path):
    _train(tmp_path / "m", tmp_path / "cache", 3)
    model = load_model(tmp_path / "m")
    frames = []
    run = sample_lj_diffusion(model, N=24, density=0.35, T=1.0, n=6, steps=5, batch_size=4, callback=frames.append,
                              generator=torch.Generator().manual_seed(0))
    assert run.positions.shape == (6, 24, 2) and run.positions.dtype == torch.float64
    assert ((run.positions >= 0) & (run.positions < box_side(24, 0.35))).all()
    assert len(frames) == 10 and frames[-1]["positions"].shape == (2, 24, 2) and frames[-1]["sample_offset"] == 4
    refined = sample_lj_diffusion(model, N=24, density=0.35, T=1.0, n=6, steps=5, refine_sweeps=20,
                                  generator=torch.Generator().manual_seed(0))
    box = box_side(24, 0.35)
    # From (nearly) uniform noise, 20 sweeps at T = 1 relax the overlaps of an untrained model's samples.
    assert energy(refined.positions, box).mean() < energy(run.positions, box).mean()
    assert refined.refine_step_size is not None
    with pytest.raises(ValueError, match="outside the model's training range"):
        sample_lj_diffusion(model, N=16, density=0.35, T=2.0, n=1)
    with pytest.raises(ValueError, match="trained at density 0.35"):
        sample_lj_diffusion(model, N=16, density=0.2, T=1.0, n=1)


@pytest.mark.parametrize("corrector_steps", [0, 1, 3])
def test_pc_solver_spends_its_corrector_steps_in_network_evaluations(tmp_path, corrector_steps):
    _train(tmp_path / "m", tmp_path / "cache", 2)
    model = load_model(tmp_path / "m")
    calls = []
    model.network.register_forward_hook(lambda *_: calls.append(1))
    run = sample_lj_diffusion(model, N=16, density=0.35, T=1.0, n=2, solver="pc", steps=4,
                              corrector_steps=corrector_steps, generator=torch.Generator().manual_seed(0))
    assert run.positions.shape == (2, 16, 2)
    assert len(calls) == 4 + corrector_steps * 3  # N levels, M Langevin steps at every level after the first
    with pytest.raises(ValueError, match="the sde solver has none"):
        sample_lj_diffusion(model, N=16, density=0.35, T=1.0, n=1, solver="sde", corrector_steps=corrector_steps + 2)
    with pytest.raises(ValueError, match="the sde solver has none"):
        sample_lj_diffusion(model, N=16, density=0.35, T=1.0, n=1, solver="sde", corrector="euler")
    with pytest.raises(ValueError, match="unknown corrector 'heun'"):
        sample_lj_diffusion(model, N=16, density=0.35, T=1.0, n=1, solver="pc", corrector="heun")


def test_the_last_step_draws_around_the_denoised_mean_with_the_smallest_noise_level(tmp_path, monkeypatch):
    # The solver's x̂_0 is the posterior mean; the sample is a draw from N(x̂_0, σ_min² I) around it.
    import boltz.diffusion.lj_sampling as lj_sampling

    _train(tmp_path / "m", tmp_path / "cache", 2)
    model = load_model(tmp_path / "m")
    box = box_side(16, 0.35)
    mean = torch.rand(16, 2, generator=torch.Generator().manual_seed(4)) * box
    monkeypatch.setitem(lj_sampling.SAMPLERS, "sde", lambda _model, x1, *args, **kwargs: mean.expand_as(x1).clone())
    run = sample_lj_diffusion(model, N=16, density=0.35, T=1.0, n=2000, generator=torch.Generator().manual_seed(0))
    offsets = run.positions - mean.double()
    offsets = offsets - box * torch.round(offsets / box)  # minimum image: the draw is wrapped into the box
    sigma_min = model.schedule.sigma_min
    assert sigma_min == 0.01 and abs(float(offsets.mean())) < 4 * sigma_min / math.sqrt(offsets.numel())
    assert abs(float(offsets.std()) / sigma_min - 1) < 0.02  # 64,000 coordinates: standard error 0.3 %


def test_init_from_a_checkpoint_written_before_a_network_field_existed(tmp_path):
    _train(tmp_path / "old", tmp_path / "cache", 2)
    config_path = tmp_path / "old" / "config.json"
    config = json.loads(config_path.read_text())
    del config["network"]["pair_prior"]  # a field added after the checkpoint was written; its default is False
    config_path.write_text(json.dumps(config))
    start = load_model(tmp_path / "old").network.state_dict()
    init = _train(tmp_path / "new", tmp_path / "cache", 1, init_from=tmp_path / "old")
    assert init.step == 1
    moved = load_model(tmp_path / "new").network.state_dict()
    # One small Adam step from the old weights (EMA 0.999 of them), not a fresh initialisation
    assert max((moved[k] - start[k]).abs().max().item() for k in start) < 1e-2
    with pytest.raises(ValueError, match="different network config"):
        train_lj(tmp_path / "other", data=TINY_DATA, network=ParticleNetConfig(hidden=16, layers=1, radial_basis=4,
                                                                               embedding_dim=8, force_prior=False),
                 cache_dir=tmp_path / "cache", train=TrainConfig(steps=1, batch_size=4), init_from=tmp_path / "old")


def test_threads_option_holds_after_numba_generated_the_data(tmp_path):
    # The first parallel numba kernel (the Metropolis data) starts an OpenMP pool that used to reset torch's
    # thread count, so `--threads 1` trained on every core; a fresh process, since thread counts are global.
    command = [sys.executable, "-m", "boltz", "train", "lj", "--sizes", "16", "--density", "0.35", "--T-min", "0.9",
               "--T-max", "1.1", "--n-temperatures", "2", "--samples-per-temperature", "16", "--hidden", "8",
               "--layers", "1", "--steps", "2", "--batch-size", "2", "--threads", "1",
               "--cache-dir", str(tmp_path / "cache"), "--out", str(tmp_path / "model")]
    done = subprocess.run(command, capture_output=True, text=True, timeout=300, check=False)
    assert done.returncode == 0, done.stderr
    assert "on cpu (1 threads)" in done.stderr


def test_train_and_sample_from_the_command_line(tmp_path, capsys):
    out = tmp_path / "model"
    assert main(["train", "lj", "--sizes", "16", "--density", "0.35", "--T-min", "0.9", "--T-max", "1.1",
                 "--n-temperatures", "2", "--samples-per-temperature", "16", "--hidden", "8", "--layers", "1",
                 "--steps", "2", "--batch-size", "2", "--threads", "1", "--cache-dir", str(tmp_path / "cache"),
                 "--pair-prior", "--r-cut", "3", "--out", str(out)]) == 0
    config = json.loads((out / "config.json").read_text())
    assert config["network"]["pair_prior"] is True and config["network"]["r_cut"] == 3
    assert config["system"] == "lj" and config["potential"].startswith("truncated-shifted")
    assert config["schedule"]["name"] == "wrapped_ve" and config["step"] == 2
    csv = tmp_path / "d.csv"
    assert main(["sample", "lj", "--sampler", "diffusion", "--model", str(out), "--N", "16", "--density", "0.35",
                 "--T", "1.0", "--n", "3", "--steps", "4", "--refine", "1", "--out", str(csv)]) == 0
    positions, energies = read_lj_csv(csv)
    assert positions.shape == (3, 16, 2)
    torch.testing.assert_close(energies, energy(positions, box_side(16, 0.35)), rtol=1e-9, atol=1e-6)
    # A user model without a tested setting: sde with the steps asked; pc takes its corrector steps
    assert "(truncated-shifted LJ, r_c = 2.5; sde, 4 steps, refine 1" in capsys.readouterr().err
    assert main(["sample", "lj", "--sampler", "diffusion", "--model", str(out), "--N", "16", "--density", "0.35",
                 "--T", "1.0", "--n", "2", "--solver", "pc", "--steps", "3", "--corrector-steps", "2",
                 "--out", str(csv)]) == 0
    assert "pc, 3 steps × 2 lm corrector steps, refine 0" in capsys.readouterr().err
    assert main(["sample", "lj", "--sampler", "diffusion", "--model", str(out), "--N", "16", "--density", "0.35",
                 "--T", "1.0", "--n", "2", "--solver", "pc", "--steps", "3", "--corrector", "euler",
                 "--out", str(csv)]) == 0
    assert "pc, 3 steps × 1 euler corrector steps, refine 0" in capsys.readouterr().err
    assert main(["sample", "lj", "--sampler", "diffusion", "--model", str(out), "--N", "16", "--density", "0.35",
                 "--T", "1.0", "--solver", "sde", "--corrector-steps", "2", "--out", str(csv)]) == 2
    assert "corrector steps are the pc solver's" in capsys.readouterr().err
    assert main(["sample", "lj", "--sampler", "diffusion", "--model", str(out), "--N", "16", "--density", "0.35",
                 "--T", "1.0", "--truncated", "--out", str(csv)]) == 2
    assert "trained on the truncated-shifted" in capsys.readouterr().err


def test_cage_sigma_sampling_moves_half_the_batch_to_the_nearest_neighbour_scale():
    from boltz.diffusion.lj_training import training_sigmas

    schedule = WrappedVE(sigma_min=0.01, sigma_max=7.0)
    uniform, cage = (training_sigmas(schedule, 40_000, torch.Generator().manual_seed(0), how)
                     for how in ("log_uniform", "cage"))
    for sigma in (uniform, cage):
        assert float(sigma.min()) >= 0.01 - 1e-7 and float(sigma.max()) <= 7.0 + 1e-6
    # log-uniform: the share of [0.1, 0.9] is ln 9 / ln 700 = 0.335; cage: ½·0.335 + ½·P(|z| < ln 3) = 0.532
    share = [float(((s > 0.1) & (s < 0.9)).float().mean()) for s in (uniform, cage)]
    assert share[0] == pytest.approx(math.log(9) / math.log(700), abs=0.01)
    assert share[1] == pytest.approx(0.5 * math.log(9) / math.log(700) + 0.5 * math.erf(math.log(3) / math.sqrt(2)), abs=0.01)
    with pytest.raises(ValueError, match="sigma sampling must be one of log_uniform, cage"):
        training_sigmas(schedule, 4, torch.Generator(), "edm")
