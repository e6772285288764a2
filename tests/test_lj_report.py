"""lj_report on runs longer than one chunk: every sample enters the energy check, the pressure and the overlap count once."""

import math

import pytest
import torch

from boltz.analysis.radial_distribution import SAMPLES_PER_CHUNK, pair_distances, per_sample
from boltz.lj_report import OVERLAP_DISTANCE, lj_report
from boltz.systems.lennard_jones import energy, pressure


def random_positions(S: int, N: int, box: float, seed: int = 0) -> torch.Tensor:
    return box * torch.rand(S, N, 2, generator=torch.Generator().manual_seed(seed), dtype=torch.float64)


@pytest.mark.parametrize("S", [0, 1, SAMPLES_PER_CHUNK, SAMPLES_PER_CHUNK + 1, 2 * SAMPLES_PER_CHUNK + 7])
def test_per_sample_matches_one_batched_call(S):
    positions = random_positions(S, 3, 6.0)
    assert torch.equal(per_sample(lambda chunk: energy(chunk, 6.0), positions), energy(positions, 6.0))


@pytest.mark.parametrize("S", [SAMPLES_PER_CHUNK - 1, 2 * SAMPLES_PER_CHUNK + 300])
def test_report_of_a_long_run_uses_every_sample(S):
    N, density, T = 4, 0.1, 1.0
    box = math.sqrt(N / density)
    positions = random_positions(S, N, box, seed=1)
    energies = energy(positions, box)
    report = lj_report(positions, energies, N=N, density=density, T=T,
                       reference=(positions.flip(0), energies.flip(0)))
    assert report.n_samples == S
    assert report.pressure[0] == pytest.approx(pressure(positions, box, T=T).mean().item(), rel=1e-12)
    assert report.energy_per_particle[0] == pytest.approx(energies.mean().item() / N, rel=1e-12)
    assert report.comparison.energy_difference == pytest.approx(0.0, abs=1e-12)
    # uniform points often hold a close pair: the fraction counts samples, whatever chunk they fall in
    close = (pair_distances(positions, box) < OVERLAP_DISTANCE).any(-1).double().mean().item()
    assert 0 < close < 1
    assert report.overlap_fraction == pytest.approx(close, rel=1e-12)
