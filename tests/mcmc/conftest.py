"""Statistical checks shared by the MCMC sampler tests."""

import math

import numpy as np
import pytest
import torch

from boltz.analysis import ising_observables
from boltz.exact import finite_lattice


@pytest.fixture
def assert_boltzmann_frequencies():
    """χ² test of sampled states ``spins`` [S, L, L] against exact probabilities ``pi`` (enumeration order)."""

    def check(spins: torch.Tensor, pi: np.ndarray) -> None:
        n_sites = spins.shape[-1] * spins.shape[-2]
        bits = (spins.reshape(-1, n_sites) > 0).long()
        index = (bits << torch.arange(n_sites)).sum(dim=1).numpy()
        counts = np.bincount(index, minlength=len(pi))
        expected = pi * counts.sum()
        seen = expected > 5  # the χ² approximation needs a few expected counts per state
        chi2 = ((counts[seen] - expected[seen]) ** 2 / expected[seen]).sum()
        dof = int(seen.sum()) - 1
        # Samples are thinned to be nearly uncorrelated; allow 5σ of a χ² with dof degrees of freedom.
        assert chi2 < dof + 5 * math.sqrt(2 * dof)
        assert counts[~seen].sum() < 5 * max(1.0, expected[~seen].sum())

    return check


@pytest.fixture
def assert_matches_kaufman():
    """⟨e⟩ (to ±0.3 % or better) and c of a run agree with the exact finite-L values within 3 standard errors."""

    def check(run, *, L: int, T: float) -> None:
        obs = ising_observables(run.energies.numpy(), run.magnetizations.numpy(), L=L, T=T)
        exact = finite_lattice(L, T)
        assert obs.energy.error < 0.003 * abs(exact.energy)
        assert abs(obs.energy.value - exact.energy) < 3 * obs.energy.error
        assert abs(obs.specific_heat.value - exact.specific_heat) < 3 * obs.specific_heat.error

    return check
