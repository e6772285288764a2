import numpy as np
import pytest
import torch

from boltz.analysis import axis_correlation, correlation_map, radial_correlation


def _random_spins(B, L, seed):
    return np.random.default_rng(seed).choice([-1, 1], size=(B, L, L)).astype(np.int8)


def _brute_map(s):
    """O(B L⁴) reference: G[a, b] = mean over samples and sites of s[i, j] s[i+a, j+b]."""
    B, L, _ = s.shape
    s = s.astype(np.float64)
    G = np.zeros((L, L))
    for a in range(L):
        for b in range(L):
            for i in range(L):
                for j in range(L):
                    G[a, b] += np.sum(s[:, i, j] * s[:, (i + a) % L, (j + b) % L])
    return G / (B * L * L)


def test_correlation_map_equals_brute_force():
    s = _random_spins(4, 5, seed=20)
    G = correlation_map(s)
    np.testing.assert_allclose(G, _brute_map(s), rtol=0, atol=1e-12)
    assert G[0, 0] == 1.0


def test_torch_input_matches_numpy():
    s = _random_spins(3, 6, seed=21)
    np.testing.assert_array_equal(correlation_map(torch.from_numpy(s)), correlation_map(s))


@pytest.mark.parametrize("L", [4, 5, 6])
def test_radial_correlation_equals_brute_force(L):
    s = _random_spins(3, L, seed=22 + L).astype(np.float64)
    B = s.shape[0]
    sums, counts = {}, {}
    for a in range(L):
        for b in range(L):
            r2 = min(a, L - a) ** 2 + min(b, L - b) ** 2
            total = sum(
                np.sum(s[:, i, j] * s[:, (i + a) % L, (j + b) % L]) for i in range(L) for j in range(L)
            )
            sums[r2] = sums.get(r2, 0.0) + total
            counts[r2] = counts.get(r2, 0) + B * L * L
    keys = sorted(sums)
    r, C = radial_correlation(s)
    np.testing.assert_allclose(r, np.sqrt(keys), rtol=0, atol=1e-15)
    np.testing.assert_allclose(C, [sums[k] / counts[k] for k in keys], rtol=0, atol=1e-12)
    assert r[0] == 0.0 and C[0] == 1.0


def test_all_up_is_fully_correlated():
    s = np.ones((2, 8, 8))
    np.testing.assert_allclose(correlation_map(s), 1.0, atol=1e-12)
    np.testing.assert_allclose(axis_correlation(s), 1.0, atol=1e-12)
    np.testing.assert_allclose(radial_correlation(s)[1], 1.0, atol=1e-12)
    # All-up has ⟨s⟩ = 1: nothing is left once the disconnected part is removed.
    np.testing.assert_allclose(correlation_map(s, connected=True), 0.0, atol=1e-12)


def test_iid_spins_are_uncorrelated():
    B, L = 64, 16
    s = _random_spins(B, L, seed=23)
    bound = 4 / np.sqrt(B * L * L)
    C = axis_correlation(s)
    assert C.shape == (L // 2 + 1,)
    assert C[0] == 1.0
    assert np.all(np.abs(C[1:]) < bound)
    G = correlation_map(s)
    assert np.all(np.abs(G.ravel()[1:]) < bound)


def test_stripes_alternate_along_one_axis():
    L = 8
    stripes = np.where(np.arange(L) % 2 == 0, 1, -1)
    s = np.broadcast_to(stripes[None, None, :], (3, L, L))  # constant down columns
    G = correlation_map(s)
    r = np.arange(L)
    np.testing.assert_allclose(G[0, :], (-1.0) ** r, atol=1e-12)  # across the stripes
    np.testing.assert_allclose(G[:, 0], 1.0, atol=1e-12)  # along the stripes
    # Averaging the two axes: (1 + (−1)^r)/2.
    np.testing.assert_allclose(axis_correlation(s), (1 + (-1.0) ** np.arange(L // 2 + 1)) / 2, atol=1e-12)


def test_connected_subtracts_squared_mean_spin():
    rng = np.random.default_rng(24)
    s = np.where(rng.random((10, 6, 6)) < 0.8, 1, -1)
    mean = s.mean()
    np.testing.assert_allclose(correlation_map(s, connected=True), correlation_map(s) - mean**2, atol=1e-15)
    assert correlation_map(s, connected=True)[0, 0] == pytest.approx(1 - mean**2)


def test_rejects_non_ising_input():
    with pytest.raises(ValueError):
        correlation_map(np.zeros((2, 4, 4)))
    with pytest.raises(ValueError):
        correlation_map(np.ones((2, 4, 5)))
    with pytest.raises(ValueError):
        correlation_map(np.ones((4, 4)))
