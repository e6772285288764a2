import math

import numpy as np
import pytest

from boltz.analysis import autocorrelation, effective_sample_size, integrated_autocorrelation_time


@pytest.mark.parametrize("phi", [0.0, 0.5, 0.9])
def test_ar1_tau_recovered_within_error_bar(ar1, phi):
    x = ar1(phi, S=20_000, B=8, seed=10)
    exact = (1 + phi) / (2 * (1 - phi))
    res = integrated_autocorrelation_time(x)
    assert abs(res.tau - exact) < 2.5 * res.error
    assert res.error / res.tau < 0.1
    assert res.window >= 5.0 * res.tau
    assert effective_sample_size(x) == pytest.approx(x.size / (2 * res.tau))


def test_ar1_acf_is_geometric(ar1):
    phi = 0.7
    x = ar1(phi, S=20_000, B=8, seed=11)
    rho = autocorrelation(x)
    assert rho.shape == (20_000,)
    assert rho[0] == pytest.approx(1.0, abs=1e-14)
    np.testing.assert_allclose(rho[1:8], phi ** np.arange(1, 8), atol=0.02)


def test_fft_acf_equals_direct_sum():
    rng = np.random.default_rng(12)
    x = rng.standard_normal((37, 3)).cumsum(axis=0)
    S, B = x.shape
    d = x - x.mean()
    direct = np.array([np.sum(d[: S - t] * d[t:]) / (B * (S - t)) for t in range(S)])
    np.testing.assert_allclose(autocorrelation(x), direct / direct[0], rtol=1e-10, atol=1e-12)


def test_global_mean_exposes_stuck_chains():
    # Two chains frozen near +1 and −1 (a non-ergodic sampler below T_c): about
    # their own means they look like white noise, about the global mean they
    # are fully correlated and τ_int runs to the whole series.
    rng = np.random.default_rng(13)
    x = np.array([1.0, -1.0]) + 0.01 * rng.standard_normal((2000, 2))
    rho = autocorrelation(x)
    assert np.all(rho[1:100] > 0.99)
    res = integrated_autocorrelation_time(x)
    assert res.tau > 100
    # No window satisfies W ≥ c·τ(W): the whole series is used, a lower bound.
    assert res.window == x.shape[0] - 1


def test_constant_series_has_no_information():
    x = np.full((50, 2), 3.0)
    assert np.all(np.isnan(autocorrelation(x)))
    res = integrated_autocorrelation_time(x)
    assert res.tau == math.inf and math.isnan(res.error) and res.window == 0
    assert effective_sample_size(x) == 0.0


def test_alternating_series_is_anticorrelated():
    x = np.tile([1.0, -1.0], 50)
    assert integrated_autocorrelation_time(x).tau < 0.5
    assert effective_sample_size(x) == math.inf


def test_rejects_bad_input():
    with pytest.raises(ValueError):
        integrated_autocorrelation_time(np.ones((1, 5)))
    with pytest.raises(ValueError):
        integrated_autocorrelation_time(np.arange(10.0), c=0.0)
