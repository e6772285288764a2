import json

import pytest
import torch

from boltz.cli import main
from boltz.device import native_bfloat16
from boltz.exact.enumeration import all_configurations, enumerate_ising
from boltz.scoreboard import WolffReference, run_mcmc_for, score, wolff_reference


@pytest.fixture(autouse=True)
def private_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))


def _exact_samples(L: int, T: float, n: int, seed: int) -> torch.Tensor:
    """``n`` iid draws from the exact Boltzmann distribution of the L×L torus, shaped [n, 1, L, L] (one chain of n steps)."""
    p = enumerate_ising(L, T).boltzmann_weights
    index = torch.multinomial(p, n, replacement=True, generator=torch.Generator().manual_seed(seed))
    return all_configurations(L)[index].unsqueeze(1)


def _exact_reference(L: int, T: float) -> WolffReference:
    """The reference the scoreboard would measure, with the exact ⟨|m|⟩ in place of the Wolff estimate."""
    exact = enumerate_ising(L, T)
    measured = wolff_reference(L, T, n=4000)
    return WolffReference(L, T, 4000, abs_magnetization=type(measured.abs_magnetization)(exact.abs_magnetization, 0.0),
                          susceptibility=measured.susceptibility, correlation=measured.correlation)


def test_reference_is_cached_and_a_damaged_entry_is_recomputed(tmp_path):
    first = wolff_reference(4, 2.5, n=400)
    (entry,) = (tmp_path / "cache" / "boltz" / "reference").iterdir()
    assert wolff_reference(4, 2.5, n=400) == first
    entry.write_text("{not json")
    assert wolff_reference(4, 2.5, n=400) == first  # seeded, so recomputing gives the same numbers
    assert json.loads(entry.read_text())["n_samples"] == 400


@pytest.mark.parametrize("L,T", [(3, 2.0), (4, 2.5), (4, 3.2)])
def test_exact_samples_score_as_exact(L, T):
    row = score("exact", "", _exact_samples(L, T, 20_000, seed=L), seconds=1.0, L=L, T=T,
                reference=_exact_reference(L, T))
    assert abs(row.energy_z) < 4
    assert abs(row.abs_magnetization.value - row.abs_magnetization_reference.value) < 4 * row.abs_magnetization.error
    assert abs(row.specific_heat.value - row.specific_heat_exact) < 4 * row.specific_heat.error
    assert row.energy_w1_exact < 0.01
    assert abs(row.positive_fraction - 0.5) < 0.02
    assert row.max_correlation_deviation < 0.05
    assert 0.3 < row.tau_energy < 0.7  # iid draws: τ_int = ½ within noise


def test_samples_at_the_wrong_temperature_are_caught():
    L, T = 4, 2.5
    row = score("hot", "", _exact_samples(L, 3.0, 20_000, seed=0), seconds=1.0, L=L, T=T,
                reference=_exact_reference(L, T))
    assert row.energy_z > 10 and row.abs_magnetization.value < row.abs_magnetization_reference.value


def test_magnetized_samples_fail_the_sign_balance():
    spins = _exact_samples(4, 2.0, 4000, seed=1)
    spins = spins * torch.where(spins.float().mean(dim=(-2, -1), keepdim=True) < 0, -1, 1).to(spins.dtype)
    row = score("biased", "", spins, seconds=1.0, L=4, T=2.0, reference=_exact_reference(4, 2.0))
    assert row.positive_fraction > 0.9


@pytest.mark.parametrize("sampler,chains", [("metropolis", 128), ("wolff", 2)])
def test_mcmc_runs_for_its_time_budget(sampler, chains):
    spins, settings = run_mcmc_for(sampler, L=8, T=2.5, seconds=0.3, generator=torch.Generator().manual_seed(0))
    assert spins.shape[1:] == (chains, 8, 8) and spins.shape[0] >= 2
    assert f"{chains} chains" in settings


def test_bench_samplers_cli_prints_both_tables(capsys):
    argv = ["bench", "samplers", "--L", "8", "--T", "2.5", "3.0", "--samplers", "metropolis", "wolff",
            "--mcmc-seconds", "0.2", "--reference-samples", "400"]
    assert main(argv) == 0
    out = capsys.readouterr().out
    assert out.count("Samplers at L=8") == 2 and out.count("fidelity") == 2
    assert "metropolis" in out and "wolff" in out and "diffusion" not in out.split("fidelity")[0].split("settings")[1]


def test_bench_samplers_runs_the_shipped_diffusion_model(capsys):
    argv = ["bench", "samplers", "--L", "16", "--T", "2.269", "--samplers", "diffusion", "--n", "16",
            "--steps", "4", "--refine", "2", "--reference-samples", "200"]
    assert main(argv) == 0
    cost = capsys.readouterr().out.split("fidelity")[0]
    rows = [line.split() for line in cost.splitlines() if line.startswith("diffusion")]
    assert [row[0] for row in rows] == ["diffusion", "diffusion+1", "diffusion+2"]
    assert [int(row[2]) for row in rows] == [16, 16, 16]
    seconds = [float(row[1]) for row in rows]
    assert seconds == sorted(seconds)  # each sweep's time is added
    precision = "bfloat16" if native_bfloat16(torch.device("cpu")) else "float32"  # --precision auto
    assert f"sa 4 steps, model L=16, cpu, {precision}, 2 Metropolis sweep(s)" in cost  # the default solver


def test_bench_samplers_without_diffusion_needs_a_time_budget(capsys):
    assert main(["bench", "samplers", "--samplers", "wolff"]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("error:") and "mcmc_seconds" in err and "\n" not in err
