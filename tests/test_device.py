"""--device: resolution, clear errors, and the same samples from one seed wherever the network runs."""

import pytest
import torch

from boltz.cli import main
from boltz.device import native_bfloat16, resolve_device, resolve_precision
from boltz.diffusion.utils import random_normal
from boltz.jobs import sample_ising

HAS_CUDA = torch.cuda.is_available()


def test_auto_picks_cuda_exactly_when_torch_sees_a_gpu():
    assert resolve_device("auto").type == ("cuda" if HAS_CUDA else "cpu")
    assert resolve_device("cpu") == torch.device("cpu")


@pytest.mark.parametrize("name", ["gpu", "", "CUDA", "cuda:0", None])
def test_unknown_device_names_are_refused(name):
    with pytest.raises(ValueError, match="device must be one of auto, cpu, cuda"):
        resolve_device(name)


@pytest.mark.skipif(HAS_CUDA, reason="this machine has a GPU")
def test_cuda_without_a_gpu_is_a_one_line_cli_error(tmp_path, capsys):
    out = tmp_path / "s.csv"
    status = main(["sample", "ising", "--sampler", "diffusion", "--L", "16", "--T", "2.269", "--n", "2",
                   "--device", "cuda", "--out", str(out)])
    err = capsys.readouterr().err
    assert status == 2 and not out.exists()
    assert err.count("\n") == 1 and "torch sees no CUDA GPU" in err


def test_auto_precision_is_bfloat16_exactly_where_the_hardware_has_it():
    cpu = torch.device("cpu")
    assert resolve_precision("auto", cpu) == (torch.bfloat16 if native_bfloat16(cpu) else torch.float32)
    assert resolve_precision("float32", cpu) == torch.float32
    assert resolve_precision("bfloat16", cpu) == torch.bfloat16


@pytest.mark.parametrize("name", ["fp32", "half", "", None])
def test_unknown_precisions_are_refused(name):
    with pytest.raises(ValueError, match="precision must be one of auto, float32, bfloat16"):
        resolve_precision(name, torch.device("cpu"))


def test_noise_comes_from_the_generator_whatever_the_target_device():
    target = "cuda" if HAS_CUDA else "cpu"
    drawn = random_normal((3, 5), generator=torch.Generator().manual_seed(7), device=target)
    assert drawn.device.type == target
    assert torch.equal(drawn.cpu(), torch.randn((3, 5), generator=torch.Generator().manual_seed(7)))


@pytest.mark.skipif(not HAS_CUDA, reason="needs a CUDA GPU (run on the device machine)")
def test_one_seed_gives_the_same_diffusion_samples_on_cpu_and_gpu():
    runs = [sample_ising("diffusion", L=16, T=2.269, n=64, seed=3, steps=10, device=device, precision="float32")
            for device in ("cpu", "cuda")]
    agree = (runs[0].spins == runs[1].spins).float().mean()
    assert runs[1].details["device"].startswith("cuda")
    assert agree > 0.999  # float round-off may flip a spin whose denoised value is ~0


@pytest.mark.skipif(not HAS_CUDA, reason="needs a CUDA GPU (run on the device machine)")
def test_training_on_the_gpu_resumes_on_the_cpu(tmp_path):
    from boltz.diffusion.checkpoint import load_model
    from boltz.diffusion.data import IsingDataConfig
    from boltz.diffusion.networks import UNetConfig
    from boltz.diffusion.training import TrainConfig, train_ising

    settings = dict(data=IsingDataConfig(L=8, n_temperatures=3, samples_per_temperature=32, chains=2, burn_in=10),
                    network=UNetConfig(channels=8, channel_mults=(1, 2), embedding_dim=16), cache_dir=tmp_path / "data")
    folder = tmp_path / "gpu_run"
    train_ising(folder, train=TrainConfig(steps=4, batch_size=8, checkpoint_every=2, warmup=1), device="cuda", **settings)
    resumed = train_ising(folder, train=TrainConfig(steps=6, batch_size=8, checkpoint_every=2, warmup=1), device="cpu",
                          **settings)
    assert resumed.step == 6 and resumed.loss == resumed.loss  # finite, not NaN
    assert load_model(folder, device="cuda").device.type == "cuda"
