import shutil

import pytest
import torch

from boltz.cli import main
from boltz.diffusion.checkpoint import load_model
from boltz.diffusion.data import IsingDataConfig
from boltz.diffusion.networks import UNetConfig
from boltz.diffusion.training import TrainConfig, train_ising
from boltz.exact import T_C
from boltz.io import ising_header, read_ising_csv
from boltz.jobs import sample_ising
from boltz.models import (DEFAULT_LJ_SAMPLING, SHIPPED_DIR, SamplerSettings, list_models, lj_sampling_for,
                          resolve_ising_model)
from boltz.systems.ising import energy, magnetization

TINY_NET = UNetConfig(channels=8, channel_mults=(1, 2), embedding_dim=16)
TINY_DATA = IsingDataConfig(L=8, n_temperatures=3, samples_per_temperature=16, chains=2, burn_in=10)


@pytest.fixture
def user_models(tmp_path, monkeypatch):
    folder = tmp_path / "user-models"
    monkeypatch.setenv("BOLTZ_MODELS", str(folder))
    return folder


@pytest.fixture
def tiny_user_model(user_models, tmp_path):
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        train_ising(user_models / "tiny_L8", data=TINY_DATA, network=TINY_NET, cache_dir=tmp_path / "data",
                    train=TrainConfig(steps=2, batch_size=4, checkpoint_every=2, warmup=1))
    finally:
        torch.set_num_threads(threads)
    return user_models / "tiny_L8"


def test_the_shipped_models_are_listed_and_load(user_models):
    shipped = {info.name: info for info in list_models("ising") if info.shipped}
    assert "ising_L16" in shipped
    info = shipped["ising_L16"]
    assert info.L == 16 and info.T_range == (1.5, 3.5) and info.folder.parent == SHIPPED_DIR
    model = resolve_ising_model(16)
    assert model.folder == info.folder and not model.network.training


def test_the_model_trained_closest_to_L_is_picked_and_names_resolve(tiny_user_model):
    infos = {info.name: info for info in list_models("ising")}
    assert not infos["tiny_L8"].shipped and infos["tiny_L8"].L == 8
    assert resolve_ising_model(8).folder == tiny_user_model
    assert resolve_ising_model(16).folder.parent == SHIPPED_DIR
    assert resolve_ising_model(16, "tiny_L8").folder == tiny_user_model
    with pytest.raises(ValueError, match="no Ising diffusion model 'nope'"):
        resolve_ising_model(16, "nope")


def test_a_corrupt_user_model_is_skipped_in_the_list_and_a_one_line_error_when_named(tiny_user_model):
    (tiny_user_model / "config.json").write_text("{truncated")
    assert "tiny_L8" not in {info.name for info in list_models("ising")}
    with pytest.raises(ValueError, match="corrupt") as error:
        resolve_ising_model(8, tiny_user_model)
    assert "\n" not in str(error.value)


def test_sample_diffusion_from_the_shipped_model_writes_the_csv_contract(tmp_path, user_models):
    out = tmp_path / "d.csv"
    assert main(["sample", "ising", "--sampler", "diffusion", "--L", "16", "--T", str(T_C), "--n", "12",
                 "--solver", "ddim", "--steps", "6", "--refine", "1", "--seed", "3", "--out", str(out)]) == 0
    assert out.read_text().splitlines()[0] == ",".join(ising_header(256))
    spins, energies, magnetizations = read_ising_csv(out)
    assert spins.shape == (12, 16, 16) and set(spins.unique().tolist()) <= {-1, 1}
    assert torch.equal(energies, energy(spins)) and torch.allclose(magnetizations, magnetization(spins))


def test_bfloat16_and_float32_draw_the_same_spins_from_one_seed_up_to_round_off(user_models):
    runs = {precision: sample_ising("diffusion", L=16, T=2.6, n=32, seed=5, steps=10, precision=precision)
            for precision in ("float32", "bfloat16")}
    assert {p: run.details["precision"] for p, run in runs.items()} == {"float32": "float32", "bfloat16": "bfloat16"}
    agree = (runs["float32"].spins == runs["bfloat16"].spins).float().mean()
    # Rounding moves the stochastic paths a little; measured 0.987 agree here, against ≈ 0.5 for unrelated draws
    assert agree > 0.95


@pytest.mark.parametrize("model,message", [("missing_model", "no Ising diffusion model 'missing_model'"),
                                           ("{corrupt}", "corrupt")])
def test_sample_diffusion_with_a_bad_model_is_a_one_line_error(tmp_path, user_models, capsys, model, message):
    if model == "{corrupt}":
        model = tmp_path / "broken"
        model.mkdir()
        (model / "config.json").write_text('{"format": 1, "step": 5, "system": "ising"}')
    out = tmp_path / "d.csv"
    code = main(["sample", "ising", "--sampler", "diffusion", "--L", "16", "--T", "2.5", "--n", "4",
                 "--model", str(model), "--out", str(out)])
    err = capsys.readouterr().err.strip()
    assert code == 2 and err.startswith("error:") and message in err and "\n" not in err
    assert not out.exists()


def test_lj_models_are_sampled_with_their_tested_setting_and_user_models_with_the_default(user_models):
    assert lj_sampling_for(load_model(SHIPPED_DIR / "lj_dense")) == SamplerSettings("pc", 200, 2)
    assert lj_sampling_for(load_model(SHIPPED_DIR / "lj_gas")) == DEFAULT_LJ_SAMPLING == SamplerSettings("sde", 100, 1)
    # The setting belongs to the shipped weights, not to a name: a user's copy called lj_dense gets the default
    shutil.copytree(SHIPPED_DIR / "lj_dense", user_models / "lj_dense")
    assert lj_sampling_for(load_model(user_models / "lj_dense")) == DEFAULT_LJ_SAMPLING
    assert SamplerSettings("pc", 100, 2).describe() == "pc, 100 steps × 2 lm corrector steps"
    assert SamplerSettings("pc", 50, 1, "euler").describe() == "pc, 50 steps × 1 euler corrector steps"
    assert DEFAULT_LJ_SAMPLING.describe() == "sde, 100 steps"
