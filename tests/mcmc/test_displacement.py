import math

import numpy as np
import pytest
import torch

from boltz.analysis import lj_observables
from boltz.mcmc.displacement import _pair, refine_lj, sample_lj_metropolis, tune_step_size
from boltz.systems.lennard_jones import (
    CUTOFF,
    R_CAP,
    box_side,
    energy,
    energy_shift,
    lattice_positions,
    pair_energy,
    pressure,
)


def _two_particle_exact(box: float, T: float, shifted: bool) -> dict:
    """⟨U⟩ and the thermodynamic P = T ∂ln Z/∂A of N = 2 on the torus, by quadrature.

    The separation is uniform on the torus with weight e^{−u/T}; for box ≥ 2 r_c the disc
    r < r_c fits in it, so z = A − π r_c² + ∫₀^{r_c} e^{−u/T} 2πr dr, Z = A z and P = T/A + T/z.
    """
    dr = CUTOFF / 2_000_000
    r = (np.arange(2_000_000) + 0.5) * dr
    u = pair_energy(torch.from_numpy(r * r), shifted=shifted).numpy()
    weight = np.exp(-u / T) * 2 * math.pi * r * dr
    area = box * box
    z = area - math.pi * CUTOFF**2 + weight.sum()
    return {"energy": float((u * weight).sum() / z), "pressure": T / area + T / z}


@pytest.mark.parametrize("T,shifted", [(0.7, True), (1.0, False), (2.0, True)])
def test_two_particles_match_the_exact_energy_and_pressure(T, shifted):
    box = 5.0
    run = sample_lj_metropolis(lattice_positions(64, 2, box), box=box, T=T, n_samples=1500, burn_in=100, thin=2,
                               shifted=shifted, generator=torch.Generator().manual_seed(11))
    flat = run.positions.reshape(-1, 2, 2)
    p = pressure(flat, box, T=T, shifted=shifted).reshape(run.energies.shape)
    obs = lj_observables(run.energies.numpy(), p.numpy(), N=2, T=T)
    exact = _two_particle_exact(box, T, shifted)
    # U/N and P within 4 standard errors (the sampler), and the error bars small enough to mean something.
    assert abs(obs.energy.value - exact["energy"] / 2) < 4 * obs.energy.error < 0.02 * abs(exact["energy"])
    assert abs(obs.pressure.value - exact["pressure"]) < 4 * obs.pressure.error < 0.05 * exact["pressure"]


@pytest.mark.parametrize("T,shifted", [(0.7, False), (2.0, True)])
def test_virial_pressure_estimator_equals_the_thermodynamic_pressure(T, shifted):
    # E[P_virial] over the exact two-particle law against T ∂ln Z/∂A: exact for the shifted form,
    # and for the truncated one up to the O(shell width) bias of the impulsive term.
    box = 5.0
    dr = CUTOFF / 400_000
    r = torch.from_numpy((np.arange(400_000) + 0.5) * dr)
    configurations = torch.zeros(r.shape[0], 2, 2, dtype=torch.float64)
    configurations[:, 1, 0] = r
    u = pair_energy(r * r, shifted=shifted)
    weight = torch.exp(-u / T) * 2 * math.pi * r * dr
    p_inside = pressure(configurations, box, T=T, shifted=shifted)
    outside = box * box - math.pi * CUTOFF**2
    z = outside + weight.sum()
    mean_p = ((p_inside * weight).sum() + outside * 2 * T / box**2) / z
    exact = _two_particle_exact(box, T, shifted)["pressure"]
    assert float(mean_p) == pytest.approx(exact, rel=1e-9 if shifted else 2e-4)


def test_kernel_pair_energy_is_the_systems_pair_energy():
    r2 = np.concatenate([np.linspace(0.0, 0.3, 7), np.linspace(0.9, 7.0, 200), [CUTOFF**2, 9.0]])
    for shifted in (True, False):
        expected = pair_energy(torch.from_numpy(r2), shifted=shifted).numpy()
        got = [_pair(x, CUTOFF**2, energy_shift(CUTOFF, shifted), R_CAP**2) for x in r2]
        np.testing.assert_allclose(got, expected, rtol=1e-13, atol=1e-13)


@pytest.mark.parametrize("N", [16, 32])
def test_dense_fluid_tunes_the_step_to_the_target_acceptance_and_stays_in_the_box(N):
    box = box_side(N, 0.64)
    frames = []
    run = sample_lj_metropolis(lattice_positions(4, N, box), box=box, T=0.7, n_samples=50, burn_in=300, thin=2,
                               callback=frames.append, generator=torch.Generator().manual_seed(0))
    assert 0.38 < run.acceptance < 0.52
    assert 0.05 < run.step_size < 0.5
    assert run.positions.shape == (50, 4, N, 2) and run.flat_positions().shape == (200, N, 2)
    assert ((run.positions >= 0) & (run.positions < box)).all()
    torch.testing.assert_close(run.energies.reshape(-1), energy(run.positions.reshape(-1, N, 2), box))
    assert [f["phase"] for f in frames].count("sample") == 50
    assert frames[-1]["positions"].shape == (4, N, 2)
    # The lattice start melts: the energy leaves the lattice's value and settles near the dense-fluid one.
    assert -2.2 < float(run.energies.mean()) / N < -1.3


def test_gas_step_size_is_capped_at_half_the_box():
    box = box_side(16, 0.05)
    step = tune_step_size(lattice_positions(8, 16, box), box=box, T=1.0, sweeps=30,
                          generator=torch.Generator().manual_seed(0))
    assert step == pytest.approx(box / 2)


def test_same_seed_same_chain_other_seed_other_chain():
    box = box_side(16, 0.35)

    def run(seed):
        return sample_lj_metropolis(lattice_positions(2, 16, box), box=box, T=0.55, n_samples=5, burn_in=20,
                                    generator=torch.Generator().manual_seed(seed)).positions

    assert torch.equal(run(3), run(3))
    assert not torch.equal(run(3), run(4))


def test_refine_relaxes_overlaps_and_keeps_the_input():
    box = box_side(16, 0.64)
    x = lattice_positions(8, 16, box)
    x[:, 1] = x[:, 0] + 0.05  # an overlapping pair in every configuration
    before = x.clone()
    out = refine_lj(x, sweeps=20, box=box, T=0.7, step_size=0.2, generator=torch.Generator().manual_seed(0))
    assert torch.equal(x, before)
    assert (energy(out, box) < 0).all() and (energy(before, box) > 1000).all()


@pytest.mark.parametrize("kwargs,message", [
    ({"T": 0.0}, "T must be > 0"),
    ({"n_samples": 0}, "n_samples must be between 1 and "),
    ({"step_size": -1.0}, "step_size must be > 0"),
    ({"target_acceptance": 1.5}, "target_acceptance must be in"),
    ({"box": 4.0}, "smaller than 2·r_c"),
])
def test_bad_arguments_raise_value_errors(kwargs, message):
    args = {"box": 6.0, "T": 1.0, "n_samples": 2, "burn_in": 1, **kwargs}
    with pytest.raises(ValueError, match=message):
        sample_lj_metropolis(lattice_positions(1, 4, 6.0), **args)
