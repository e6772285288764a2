import csv

import pytest

from boltz.diffusion.data import IsingDataConfig, load_or_generate
from boltz.diffusion.lj_data import LJDataConfig
from boltz.diffusion.lj_training import train_lj
from boltz.diffusion.networks import UNetConfig
from boltz.diffusion.particle_network import ParticleNetConfig
from boltz.diffusion.training import TrainConfig, train_ising
from boltz.frames import new_job_id, open_job_store
from boltz.io import ising_header, read_ising_csv
from boltz.lj_io import read_lj_csv
from boltz.models import SHIPPED_DIR
from boltz.live_jobs import (
    ANIMATION_FRAMES,
    IsingComparisonSettings,
    LJComparisonSettings,
    check_model_name,
    run_ising_comparison,
    run_lj_comparison,
    run_temperature_sweep,
    run_training,
)


@pytest.fixture
def store(tmp_path):
    return open_job_store(str(tmp_path / "jobs"))


def kept_file(store, job, name, tmp_path):
    """The job's output file ``name``, copied out of the store to a path the engine's readers take."""
    path = tmp_path / name
    path.write_bytes(store.file(job, name))
    return path


def test_diffusion_against_wolff_writes_frames_summary_and_csvs(store, tmp_path):
    job, progress = new_job_id(), []
    settings = IsingComparisonSettings("diffusion", L=16, T=2.5, n=6, seed=1, reference="wolff", steps=12)
    summary = run_ising_comparison(settings, store, job, on_progress=lambda f, text: progress.append((f, text)))
    diffusion, wolff = summary["runs"]
    assert (diffusion["sampler"], wolff["sampler"]) == ("diffusion", "wolff")
    # The animation is the denoising of one sample: every level, with t falling and the noise σ(t) with it.
    frames = diffusion["animation"]
    assert [f["step"] for f in frames] == list(range(1, 13))
    assert frames[0]["t"] == 1.0 and frames[-1]["sigma"] < frames[0]["sigma"]
    assert len(frames[0]["state"]) == 16 and len(frames[0]["state"][0]) == 16
    assert [row["name"] for row in diffusion["observables"]] == ["e", "|m|", "c", "chi", "U4"]
    e_row = diffusion["observables"][0]
    assert e_row["exact"] is not None and e_row["onsager"] is not None and e_row["error"] >= 0
    assert abs(sum(summary["exact_energy"]["p"]) - 1) < 1e-9
    assert abs(sum(wolff["energy_hist"]["p"]) - 1) < 1e-9 and wolff["correlation"]["c"][0] == 1.0
    # Progress rises to the end; the last frame is the reference's last sample.
    fractions = [f for f, _ in progress]
    assert fractions == sorted(fractions) and fractions[-1] == 1.0
    assert store.latest(job)["sampler"] == "wolff"
    spins, energies, _ = read_ising_csv(kept_file(store, job, "samples.csv", tmp_path))
    assert spins.shape == (6, 16, 16)
    header = open(kept_file(store, job, "samples.csv", tmp_path)).readline().strip().split(",")
    assert header == ising_header(256)
    rows = list(csv.DictReader(open(kept_file(store, job, "observables.csv", tmp_path))))
    assert len(rows) == 10 and {r["sampler"] for r in rows} == {"diffusion", "wolff"}


def test_long_mcmc_runs_keep_a_bounded_animation(store):
    settings = IsingComparisonSettings("wolff", L=4, T=2.0, n=300, reference=None)
    (run,) = run_ising_comparison(settings, store, new_job_id())["runs"]
    assert len(run["animation"]) == ANIMATION_FRAMES and run["animation"][-1]["step"] == 300
    assert "t" not in run["animation"][0] and run["animation"][0]["sweeps"] > 0


def test_a_diffusion_run_outside_the_model_range_fails_with_a_message(store):
    settings = IsingComparisonSettings("diffusion", L=16, T=9.0, n=2, steps=2, reference=None)
    with pytest.raises(ValueError, match="outside the model's training range"):
        run_ising_comparison(settings, store, new_job_id())


def test_temperature_sweep_publishes_points_as_they_come(store):
    job = new_job_id()
    summary = run_temperature_sweep(L=8, temperatures=[2.0, 3.0], samplers=["diffusion", "wolff"], n=100, seed=0,
                                    steps=10, store=store, job_id=job)
    assert store.latest(job)["done"] == 4 and summary["points"]["diffusion"]["T"] == [2.0, 3.0]
    wolff = summary["points"]["wolff"]
    assert wolff["T"] == [2.0, 3.0] and len(wolff["binder"]) == 2
    # Ordered at low T, disordered at high T.
    assert wolff["abs_magnetization"][0]["value"] > wolff["abs_magnetization"][1]["value"]
    assert len(summary["exact"]["T"]) == len(summary["exact"]["specific_heat"]) == 200


def test_training_stops_at_a_cancel_request_with_a_checkpoint(store, tmp_path):
    job, data = new_job_id(), IsingDataConfig(L=8, n_temperatures=2, samples_per_temperature=16, chains=2)
    load_or_generate(data, tmp_path / "data")  # cached: the run starts with its first step
    store.request_cancel(job)  # requested before the first step: the run stops after it
    summary = run_training(
        trainer=train_ising, folder=tmp_path / "model", data=data,
        network=UNetConfig(channels=8, channel_mults=(1, 2)), train=TrainConfig(steps=50, batch_size=4),
        data_dir=tmp_path / "data", store=store, job_id=job,
    )
    assert summary["cancelled"] and summary["step"] == 1 and summary["curve"]["step"] == [1]
    assert (tmp_path / "model" / "config.json").is_file()


@pytest.mark.parametrize("trainer, data, network", [
    (train_ising, IsingDataConfig(L=32, n_temperatures=41, samples_per_temperature=4096), UNetConfig(channels=8)),
    (train_lj, LJDataConfig(sizes=(32,), n_temperatures=20, samples_per_temperature=4096, burn_in=5000),
     ParticleNetConfig(hidden=8)),
], ids=["ising", "lj"])
def test_a_cancel_while_the_training_data_is_drawn_stops_it_and_writes_nothing(store, tmp_path, trainer, data, network):
    job = new_job_id()
    # Asked for at the first data frame: at the start of a data phase that would take minutes to finish.
    summary = run_training(trainer=trainer, folder=tmp_path / "model", data=data, network=network,
                           train=TrainConfig(steps=50, batch_size=4), data_dir=tmp_path / "data", store=store,
                           job_id=job, on_progress=lambda _fraction, _text: store.request_cancel(job))
    assert summary["cancelled"] and summary["step"] == 0 and summary["loss"] is None and summary["curve"]["step"] == []
    assert f"(0/{data.n_temperatures})" in store.latest(job)["text"]  # stopped inside the first temperature
    assert not (tmp_path / "model").exists()
    assert not (tmp_path / "data").exists() or not any((tmp_path / "data").iterdir())


@pytest.mark.parametrize("name", ["", "../x", "/etc/x", "a/../../b", "x\0y", "..", "a b", ".hidden", "x\n", "x" * 65, None])
def test_model_names_are_plain_folder_names(name):
    with pytest.raises(ValueError, match="model name"):
        check_model_name(name)


def test_a_job_samples_with_the_model_a_browser_names(store):
    settings = IsingComparisonSettings("diffusion", L=8, T=2.5, n=2, steps=2, reference=None, model="ising_L16")
    (run,) = run_ising_comparison(settings, store, new_job_id())["runs"]
    assert run["details"]["model"] == str(SHIPPED_DIR / "ising_L16")


@pytest.mark.parametrize("model", [str(SHIPPED_DIR / "ising_L16"), "../models/ising_L16", "models/ising_L16", "/etc/x",
                                   "a/../../b", "ising_L16\0"])
def test_a_job_never_reads_a_model_from_a_path_a_browser_sends(store, model):
    for run, settings in ((run_ising_comparison, IsingComparisonSettings("diffusion", L=8, T=2.5, model=model)),
                          (run_lj_comparison, LJComparisonSettings("diffusion", N=16, density=0.64, T=0.75, model=model))):
        with pytest.raises(ValueError, match="model name"):
            run(settings, store, new_job_id())


def test_an_unknown_model_name_fails_with_a_message(store):
    settings = IsingComparisonSettings("diffusion", L=8, T=2.5, n=2, steps=2, model="no_such_model")
    with pytest.raises(ValueError, match="no diffusion model named no_such_model"):
        run_ising_comparison(settings, store, new_job_id())


def test_lennard_jones_diffusion_against_metropolis(store, tmp_path):
    job = new_job_id()
    settings = LJComparisonSettings("diffusion", N=16, density=0.64, T=0.75, n=4, steps=10, reference="metropolis")
    summary = run_lj_comparison(settings, store, job)
    diffusion, metropolis = summary["runs"]
    assert [row["name"] for row in diffusion["observables"]] == ["U/N", "P", "c_v excess"]
    frames = diffusion["animation"]
    assert len(frames) == 10 and frames[-1]["sigma"] < frames[0]["sigma"]
    xs, ys = frames[0]["state"]
    assert len(xs) == len(ys) == 16 and all(0 <= x < diffusion["box"] for x in xs)
    assert len(metropolis["gr"]["r"]) == len(metropolis["gr"]["g"]) and metropolis["snapshots"]
    positions, energies = read_lj_csv(kept_file(store, job, "samples.csv", tmp_path))
    assert positions.shape == (4, 16, 2)
    rows = list(csv.DictReader(open(kept_file(store, job, "observables.csv", tmp_path))))
    assert [r["observable"] for r in rows] == ["U/N", "P", "c_v excess"] * 2 and rows[0]["N"] == "16"
