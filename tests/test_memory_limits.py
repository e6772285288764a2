"""A request that would not fit in the memory available now is refused before anything is allocated."""

import pytest

import boltz.jobs
import boltz.lj_jobs
from boltz import validation
from boltz.cli import main
from boltz.jobs import BYTES_PER_SPIN, sample_ising
from boltz.live_jobs import IsingComparisonSettings, LJComparisonSettings, run_ising_comparison, run_lj_comparison
from boltz.lj_jobs import BYTES_PER_COORDINATE, sample_lj


@pytest.fixture
def little_memory(monkeypatch):
    """10 MB available, and every sampler refusing to start."""
    monkeypatch.setattr(validation, "available_memory", lambda: 10**7)

    def started(*args, **kwargs):
        raise AssertionError("a sampler started")

    for name in boltz.jobs.MCMC_SAMPLERS:
        monkeypatch.setitem(boltz.jobs.MCMC_SAMPLERS, name, started)
    for module in (boltz.jobs, boltz.lj_jobs):
        monkeypatch.setattr(module, "_sample_diffusion", started)
    monkeypatch.setattr(boltz.lj_jobs, "sample_lj_metropolis", started)


@pytest.mark.parametrize("sampler", ["metropolis", "wolff", "diffusion"])
def test_an_ising_run_too_big_for_memory_is_refused(little_memory, sampler):
    n = 10**7 // (BYTES_PER_SPIN * 64 * 64) + 1
    with pytest.raises(ValueError, match=r"^n·L² = .* spins would need about 1\d(\.\d+)? MB of memory, more than the "
                                         r"10 MB available; ask for fewer samples$"):
        sample_ising(sampler, L=64, T=2.5, n=n)


@pytest.mark.parametrize("sampler", ["metropolis", "diffusion"])
def test_an_lj_run_too_big_for_memory_is_refused(little_memory, sampler):
    n = 10**7 // (BYTES_PER_COORDINATE * 2 * 64) + 1
    with pytest.raises(ValueError, match=r"^2·n·N = .* coordinates would need about .* more than the 10 MB available"):
        sample_lj(sampler, N=64, density=0.64, T=1.0, n=n)


def test_the_estimate_follows_the_memory_available(monkeypatch):
    monkeypatch.setattr(validation, "available_memory", lambda: BYTES_PER_SPIN * 8 * 8 * 100)
    boltz.jobs.check_ising_memory(100, 8)
    with pytest.raises(ValueError, match="would need about"):
        boltz.jobs.check_ising_memory(101, 8)


@pytest.mark.parametrize("argv", [
    ["sample", "ising", "--L", "256", "--T", "2.5", "--n", "1000"],
    ["sample", "lj", "--N", "256", "--density", "0.64", "--T", "1", "--n", "1000"],
])
def test_the_cli_refuses_it_in_one_line_and_writes_nothing(little_memory, tmp_path, capsys, argv):
    assert main(argv + ["--out", str(tmp_path / "out.csv")]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and "would need about" in err and err.count("\n") == 1
    assert list(tmp_path.iterdir()) == []


def test_the_dashboards_jobs_refuse_it_before_sampling(little_memory):
    with pytest.raises(ValueError, match="would need about"):
        run_ising_comparison(IsingComparisonSettings(sampler="wolff", L=256, T=2.5, n=1000), None, "job")
    with pytest.raises(ValueError, match="would need about"):
        run_lj_comparison(LJComparisonSettings(sampler="metropolis", N=256, density=0.64, T=1.0, n=1000), None, "job")
