"""Partial denoising (``bench partial``): Wolff lattices noised to t₀ and denoised back, paired.

A stand-in model whose ε̂ is exact for independent fair ±1 spins makes both ends known: from tiny noise every
lattice comes back unchanged (all paired changes exactly 0), from pure noise the output is fresh independent spins,
so ⟨e⟩ = 0 and ⟨m²⟩ = 1/L² whatever the lattices were.
"""

from types import SimpleNamespace

import pytest
import torch

from boltz.cli import main
from boltz.diffusion import VPSDE, append_dims
from boltz.partial_denoising import equilibrium_lattices, format_partial_denoising, partial_denoising
from boltz.systems.ising import energy, magnetization


class _IndependentSpins:
    """ε̂(x, t) = (x − α tanh(α x/σ²))/σ, the exact noise estimate for independent fair ±1 pixels."""

    schedule = VPSDE()
    config = {"T_range": [1.5, 3.5]}
    network = SimpleNamespace(config=SimpleNamespace(check_lattice=lambda L: None))
    device = torch.device("cpu")

    def __call__(self, x, t, condition):
        alpha, sigma = append_dims(self.schedule.alpha(t), x.ndim), append_dims(self.schedule.sigma(t), x.ndim)
        return (x - alpha * torch.tanh(alpha * x / sigma**2)) / sigma


def test_from_tiny_noise_every_lattice_comes_back_unchanged():
    # At t₀ = 0.02, σ/α ≈ 0.08: no pixel's noise crosses zero (probability Φ(−13) per pixel), so the pairing is exact.
    result = partial_denoising(_IndependentSpins(), L=8, T=2.0, t_starts=[0.02], n=64, precision="float32")
    (row,) = result.rows
    for change in (row.energy, row.abs_magnetization, row.square_magnetization):
        assert change.value == 0.0 and change.error == 0.0
    assert row.levels >= 2 and row.alpha > 0.99


@pytest.mark.parametrize("L,T", [(8, 2.0), (12, 3.0)])
def test_from_pure_noise_the_output_forgets_the_lattices(L, T):
    n = 400
    result = partial_denoising(_IndependentSpins(), L=L, T=T, t_starts=[1.0], n=n, precision="float32", seed=1)
    (row,) = result.rows
    lattices = equilibrium_lattices(L, T, n, generator=torch.Generator().manual_seed(1))  # the same seed: the inputs
    e_in, m2_in = float((energy(lattices) / L**2).mean()), float((magnetization(lattices) ** 2).mean())
    assert result.energy == pytest.approx(e_in)
    # Fresh fair spins: ⟨e⟩ = 0, so Δe/|⟨e⟩| = +1; ⟨m²⟩ = 1/L². Within 4 of the reported standard errors.
    assert abs(row.energy.value - 1.0) <= 4 * row.energy.error
    assert abs(row.square_magnetization.value - (1 / L**2 - m2_in) / m2_in) <= 4 * row.square_magnetization.error
    assert row.levels == 50 and row.energy.error < 0.1


def test_the_same_lattices_serve_every_start_level_and_the_table_names_them():
    result = partial_denoising(_IndependentSpins(), L=8, T=2.5, t_starts=[0.02, 0.3, 1.0], n=32, precision="float32")
    assert [r.t_start for r in result.rows] == [0.02, 0.3, 1.0]
    assert [r.levels for r in result.rows] == sorted(r.levels for r in result.rows)  # fewer levels from lower t₀
    table = format_partial_denoising(result)
    assert "L = 8, T = 2.5: 32 Wolff lattices" in table and len(table.splitlines()) == 5


@pytest.mark.parametrize("kwargs", [{"t_starts": []}, {"t_starts": [0.0]}, {"t_starts": [1.2]}, {"n": 0},
                                    {"T": 9.0}, {"solver": "euler"}])
def test_bad_requests_fail_before_any_sampling(kwargs):
    arguments = {"L": 8, "T": 2.0, "t_starts": [0.5], "n": 8, **kwargs}
    with pytest.raises(ValueError):
        partial_denoising(_IndependentSpins(), **arguments)


def test_bench_partial_runs_the_shipped_model(capsys):
    assert main(["bench", "partial", "--L", "16", "--T", "2.6", "--n", "16", "--t-start", "0.02", "0.5"]) == 0
    out = capsys.readouterr().out
    assert "Partial denoising, L = 16, T = 2.6: 16 Wolff lattices" in out
    assert "+0.00 ± 0.00%" in out  # t₀ = 0.02: nothing flips
    assert main(["bench", "partial", "--L", "16", "--t-start", "1.5"]) == 2
    assert capsys.readouterr().err.strip() == "error: t_start must lie in (t_min, 1] = (0.001, 1], got 1.5"
