import itertools
from math import comb

import numpy as np
import pytest
import torch

from boltz.analysis import energy_histogram, magnetization_histogram


def _all_magnetizations(L):
    configs = np.array(list(itertools.product([-1, 1], repeat=L * L)), dtype=np.float64)
    return configs.mean(axis=1)


@pytest.mark.parametrize("L", [2, 3])
def test_magnetization_levels_and_infinite_temperature_law(L):
    N = L * L
    M, P = magnetization_histogram(_all_magnetizations(L), L=L)
    np.testing.assert_array_equal(M, np.arange(-N, N + 1, 2))
    assert M.dtype == np.int64
    assert P.sum() == pytest.approx(1.0, abs=1e-15)
    # Every configuration once: P(M) is binomial in the number of up spins.
    np.testing.assert_allclose(P, [comb(N, k) / 2**N for k in range(N + 1)], rtol=1e-15)


def test_magnetization_rounding_is_tolerated_and_unseen_levels_are_zero():
    L = 3
    m = np.array([1 / 9, 1 / 9, -7 / 9]) + np.array([1e-13, -1e-13, 0.0])
    M, P = magnetization_histogram(torch.tensor(m), L=L)
    expected = np.zeros(10)
    expected[np.searchsorted(M, 1)] = 2 / 3
    expected[np.searchsorted(M, -7)] = 1 / 3
    np.testing.assert_allclose(P, expected)


@pytest.mark.parametrize("m", [0.3, 0.5, 1.5])
def test_impossible_magnetizations_rejected(m):
    # L = 3: M = 2.7 and 4.5 are not integers, M = 13.5 exceeds N = 9.
    with pytest.raises(ValueError):
        magnetization_histogram(np.array([m]), L=3)


def test_wrong_parity_rejected():
    with pytest.raises(ValueError):
        magnetization_histogram(np.array([1 / 4]), L=2)  # M = 1, but N = 4 needs even M


def test_energy_histogram_exact_levels():
    E = np.array([-8.0, -8.0 + 1e-12, 0.0, 0.0, -1e-13, 8.0])
    x, P = energy_histogram(E)
    np.testing.assert_allclose(x, [-8.0, 0.0, 8.0], atol=1e-11)
    np.testing.assert_allclose(P, [2 / 6, 3 / 6, 1 / 6])


def test_energy_histogram_with_bins_sums_to_one():
    rng = np.random.default_rng(30)
    E = rng.normal(size=(100, 4))
    x, P = energy_histogram(E, bins=20)
    assert x.shape == P.shape == (20,)
    assert P.sum() == pytest.approx(1.0)
    assert np.all(np.diff(x) > 0)
