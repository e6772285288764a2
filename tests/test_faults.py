"""Faults on disk: a full disk while saving, and damaged checkpoints and cache entries."""

import errno
import json

import numpy as np
import pytest
import torch

import boltz.diffusion.checkpoint
from boltz.cli import main
from boltz.diffusion.checkpoint import load_model, load_train_state
from boltz.diffusion.data import IsingDataConfig, load_or_generate
from boltz.diffusion.lj_data import LJDataConfig, load_or_generate_lj
from boltz.exact.beale import _cached, density_of_states
from boltz.io import atomic_write_all
from boltz.scoreboard import wolff_reference

TRAIN = ["train", "ising", "--L", "8", "--n-temperatures", "2", "--samples-per-temperature", "8", "--channels", "8",
         "--channel-mults", "1", "2", "--batch-size", "4", "--steps", "4", "--checkpoint-every", "2"]


def _disk_full_after(monkeypatch, module, name: str, calls: int):
    """Let ``module.name`` (a writer given a ``.partial`` path or an open file) work ``calls`` times, then write a
    few bytes of the next file and raise ENOSPC, as a full disk does."""
    real, count = getattr(module, name), {"n": 0}

    def write(*args, **kwargs):
        count["n"] += 1
        if count["n"] > calls:
            target = next(a for a in args if hasattr(a, "write") or str(a).endswith(".partial"))
            if hasattr(target, "write"):
                target.write(b"\0" * 100)
            else:
                with open(target, "wb") as handle:
                    handle.write(b"\0" * 100)
            raise OSError(errno.ENOSPC, "No space left on device")
        return real(*args, **kwargs)

    monkeypatch.setattr(module, name, write)


def _partials(folder):
    return sorted(p.name for p in folder.rglob("*.partial*"))


def test_a_full_disk_while_writing_leaves_every_previous_file_as_it_was(tmp_path):
    old = {tmp_path / "a": b"old a", tmp_path / "b": b"old b"}
    for path, data in old.items():
        path.write_bytes(data)

    def fill_the_disk(partial):
        partial.write_bytes(b"half")
        raise OSError(errno.ENOSPC, "No space left on device")

    with pytest.raises(OSError) as error:
        atomic_write_all({tmp_path / "a": lambda p: p.write_bytes(b"new a"), tmp_path / "b": fill_the_disk})
    assert error.value.errno == errno.ENOSPC
    assert {path: path.read_bytes() for path in old} == old and _partials(tmp_path) == []


def test_a_full_disk_while_checkpointing_keeps_the_previous_checkpoint_and_training_resumes(tmp_path, monkeypatch,
                                                                                              capsys):
    out, argv = tmp_path / "model", TRAIN + ["--cache-dir", str(tmp_path / "data"), "--out", str(tmp_path / "model")]
    # The step-2 checkpoint is written whole; at step 4 train_state is written and the disk fills during the weights.
    _disk_full_after(monkeypatch, boltz.diffusion.checkpoint, "save_file", calls=3)
    assert main(argv) == 2
    err = capsys.readouterr().err.splitlines()[-1]
    assert err.startswith("error: cannot save the checkpoint in") and "No space left on device" in err
    assert _partials(tmp_path) == []
    assert load_model(out).config["step"] == 2
    assert load_train_state(out)[0]["step"] == 2  # the files agree: resuming is possible
    monkeypatch.undo()
    assert main(argv) == 0
    assert load_model(out).config["step"] == 4


TINY_ISING = IsingDataConfig(L=4, n_temperatures=2, samples_per_temperature=8, chains=2, burn_in=5)
TINY_LJ = LJDataConfig(sizes=(16,), density=0.64, T_min=0.8, T_max=0.8, n_temperatures=1, samples_per_temperature=4,
                       chains=2, burn_in=5, thin=1)


def _damage(path, how: str) -> None:
    data = path.read_bytes()
    if how == "truncated":
        path.write_bytes(data[: len(data) // 2])
    elif how == "empty":
        path.write_bytes(b"")
    elif how == "garbage":
        path.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(256)))
    else:  # a readable npz that holds something else
        with open(path, "wb") as handle:
            np.savez(handle, spins=np.zeros((3, 2), dtype=np.int8), positions=np.ones(5),
                     temperatures=np.ones(2, dtype=np.float32))


@pytest.mark.parametrize("how", ["truncated", "empty", "garbage", "other arrays"])
def test_a_damaged_training_data_cache_entry_is_generated_again(tmp_path, how):
    first = load_or_generate(TINY_ISING, tmp_path)
    (entry,) = tmp_path.glob("ising_*.npz")
    _damage(entry, how)
    again = load_or_generate(TINY_ISING, tmp_path)
    assert torch.equal(again.spins, first.spins) and torch.equal(again.temperatures, first.temperatures)
    assert torch.equal(load_or_generate(TINY_ISING, tmp_path).spins, first.spins)  # and cached whole again


@pytest.mark.parametrize("how", ["truncated", "garbage", "other arrays"])
def test_a_damaged_lj_training_data_cache_entry_is_generated_again(tmp_path, how):
    (first,) = load_or_generate_lj(TINY_LJ, tmp_path)
    (entry,) = tmp_path.glob("lj_*.npz")
    _damage(entry, how)
    (again,) = load_or_generate_lj(TINY_LJ, tmp_path)
    assert torch.equal(again.positions, first.positions)


def test_a_training_data_cache_that_cannot_be_written_is_not_an_error(tmp_path, monkeypatch):
    _disk_full_after(monkeypatch, np, "savez", calls=0)
    dataset = load_or_generate(TINY_ISING, tmp_path)
    assert dataset.spins.shape == (16, 4, 4) and list(tmp_path.iterdir()) == []


GARBAGE_JSON = [b"{not json", b"\xff\xfe\x00", b"", b"[]", b"null", b'{"L": 4}']


@pytest.mark.parametrize("garbage", GARBAGE_JSON + [b"STRINGS"])
def test_a_damaged_reference_cache_entry_is_recomputed(tmp_path, garbage):
    first = wolff_reference(4, 2.5, n=400, cache_dir=tmp_path)
    (entry,) = tmp_path.iterdir()
    if garbage == b"STRINGS":  # valid JSON of the right shape, wrong contents
        data = json.loads(entry.read_text())
        data["abs_magnetization"]["value"] = "high"
        garbage = json.dumps(data).encode()
    entry.write_bytes(garbage)
    assert wolff_reference(4, 2.5, n=400, cache_dir=tmp_path) == first
    assert json.loads(entry.read_text())["abs_magnetization"]["value"] == first.abs_magnetization.value


@pytest.mark.parametrize("garbage", GARBAGE_JSON)
def test_a_damaged_density_of_states_cache_entry_is_recomputed(tmp_path, garbage):
    first = density_of_states(5, cache_dir=tmp_path)
    (entry,) = tmp_path.iterdir()
    entry.write_bytes(garbage)
    _cached.cache_clear()
    assert density_of_states(5, cache_dir=tmp_path).counts == first.counts
    assert json.loads(entry.read_text())["counts"] == [str(c) for c in first.counts]


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    folder = tmp_path_factory.mktemp("trained")
    argv = TRAIN + ["--steps", "2", "--cache-dir", str(folder / "data"), "--out", str(folder / "model")]
    assert main(argv) == 0
    return folder / "model", argv


@pytest.mark.parametrize("name", ["model.safetensors", "train_state.safetensors", "config.json"])
@pytest.mark.parametrize("how", ["truncated", "empty", "garbage"])
def test_a_damaged_checkpoint_is_a_one_line_error_for_sampling_and_resuming(trained, tmp_path, capsys, name, how):
    source, argv = trained
    folder = tmp_path / "model"
    folder.mkdir()
    for path in source.iterdir():
        (folder / path.name).write_bytes(path.read_bytes())
    _damage(folder / name, how)
    capsys.readouterr()
    resume = [arg if arg != str(source) else str(folder) for arg in argv]
    sample = ["sample", "ising", "--sampler", "diffusion", "--L", "8", "--T", "2.5", "--n", "2", "--steps", "2",
              "--model", str(folder), "--out", str(tmp_path / "s.csv")]
    for command in (resume, sample) if name != "train_state.safetensors" else (resume,):
        assert main(command) == 2
        err = capsys.readouterr().err.splitlines()[-1]
        assert err.startswith("error: ") and str(folder) in err and "corrupt" in err, err
    assert not (tmp_path / "s.csv").exists()
