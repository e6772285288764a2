import math

import numpy as np
import pytest

from boltz.analysis import DEFAULT_BLOCKS, Estimate, block_jackknife, jackknife_of_means, mean_estimate


def test_z_score_is_inf_safe():
    assert Estimate(1.5, 0.5).z_score(1.0) == pytest.approx(1.0)
    assert Estimate(1.0, 0.0).z_score(1.0) == 0.0
    assert Estimate(2.0, 0.0).z_score(1.0) == math.inf
    assert Estimate(0.0, 0.0).z_score(1.0) == -math.inf


def test_estimate_is_frozen():
    with pytest.raises(AttributeError):
        Estimate(1.0, 0.1).value = 2.0


def test_iid_mean_error_matches_sigma_over_sqrt_n():
    rng = np.random.default_rng(0)
    sigma, n = 2.0, 20_000
    x = 3.0 + sigma * rng.standard_normal(n)
    est = block_jackknife(x, np.mean, n_blocks=100)
    assert est.value == pytest.approx(x.mean(), abs=1e-14)
    assert est.error == pytest.approx(sigma / math.sqrt(n), rel=0.2)
    assert abs(est.z_score(3.0)) < 4


def test_iid_error_with_default_blocks_averaged_over_replicates():
    # Each default-block error is noisy (~13 %); its mean square over replicates is sharp.
    rng = np.random.default_rng(1)
    n = 512
    errors = [mean_estimate(rng.standard_normal(n)).error for _ in range(200)]
    assert np.sqrt(np.mean(np.square(errors))) == pytest.approx(1 / math.sqrt(n), rel=0.06)


def test_correlated_ar1_mean_error(ar1):
    phi = 0.9
    x = ar1(phi, S=16_384, B=8, seed=2)
    tau = (1 + phi) / (2 * (1 - phi))
    sigma = 1 / math.sqrt(1 - phi**2)
    expected = sigma * math.sqrt(2 * tau / x.size)
    est = mean_estimate(x, n_blocks=64)
    assert est.error == pytest.approx(expected, rel=0.25)
    # A naive iid error bar would be √(2τ) ≈ 4.4 times too small.
    assert est.error > 3 * x.std() / math.sqrt(x.size)
    assert abs(est.z_score(0.0)) < 4


def test_nonlinear_statistic_variance_of_normals():
    # Var of the sample variance of N(0, σ²) is 2σ⁴/n.
    rng = np.random.default_rng(3)
    n, sigma = 40_000, 1.5
    x = sigma * rng.standard_normal(n)
    est = block_jackknife(x, np.var, n_blocks=200)
    assert est.value == pytest.approx(np.var(x))
    assert est.error == pytest.approx(math.sqrt(2 / n) * sigma**2, rel=0.2)
    assert abs(est.z_score(sigma**2)) < 4


def test_tuple_series_statistic_sees_matching_samples():
    rng = np.random.default_rng(4)
    a = rng.standard_normal((100, 3))
    b = 2 * a + 1  # statistic below is exactly 1 on any subset if pairing is kept

    def stat(data):
        x, y = data
        assert x.ndim == 1 and x.shape == y.shape
        return float(np.mean((y - 1) / 2 - x) + 1)

    est = block_jackknife((a, b), stat)
    assert est.value == pytest.approx(1.0)
    assert est.error == pytest.approx(0.0, abs=1e-12)


def test_chain_layout_equivalence_for_iid_batches():
    # [S] and [1, S] (iid batch of S samples) give the same mean and error.
    rng = np.random.default_rng(5)
    x = rng.standard_normal(1000)
    e1 = mean_estimate(x)
    e2 = mean_estimate(x[None, :])
    assert e1.value == pytest.approx(e2.value)
    assert e1.error == pytest.approx(e2.error)


def test_blocks_are_contiguous_in_time_within_chains():
    # Each chain is constant over time but chains differ: the chain-to-chain
    # spread must show up in the error, which it would not if blocks were
    # strided samples spread over all chains.
    S, B = 64, 32
    x = np.repeat(np.arange(B, dtype=float)[None, :], S, axis=0)
    est = mean_estimate(x)
    assert est.error == pytest.approx(np.std(np.arange(B), ddof=1) / math.sqrt(B), rel=1e-12)


def test_unequal_blocks_mean_error_is_block_mean_formula():
    # With unequal blocks the delete-m jackknife error of the mean is the
    # weighted spread of the block means; check against a direct computation.
    rng = np.random.default_rng(6)
    x = rng.standard_normal(103)
    g = 10
    bounds = (np.arange(g + 1) * x.size) // g
    m = np.diff(bounds)
    means = np.array([x[bounds[j] : bounds[j + 1]].mean() for j in range(g)])
    h = x.size / m
    theta = x.mean()
    loo = (x.sum() - means * m) / (x.size - m)
    jack = g * theta - np.sum((1 - m / x.size) * loo)
    var = np.sum((means - jack) ** 2 / (h - 1)) / g
    assert mean_estimate(x, n_blocks=g).error == pytest.approx(math.sqrt(var), rel=1e-12)


def test_default_blocks_capped_by_sample_count():
    x = np.array([1.0, 2.0, 4.0])
    est = mean_estimate(x)  # 3 blocks of one sample: the textbook jackknife
    assert DEFAULT_BLOCKS == 32
    assert est.error == pytest.approx(np.std(x, ddof=1) / math.sqrt(3))


def test_bad_input_rejected():
    with pytest.raises(ValueError):
        mean_estimate(np.array([1.0]))
    with pytest.raises(ValueError):
        mean_estimate(np.array([1.0, np.nan]))
    with pytest.raises(ValueError):
        block_jackknife((np.zeros(4), np.zeros(5)), lambda d: 0.0)
    with pytest.raises(ValueError):
        mean_estimate(np.zeros(10), n_blocks=1)


def test_jackknife_of_means_equals_generic_jackknife():
    # Same blocks and formula; only the leave-out means are computed from block sums.
    rng = np.random.default_rng(7)
    x = rng.standard_normal((101, 3)) + 2.0
    y = rng.exponential(size=(101, 3))

    def ratio_of_means(means):
        return means[1] / means[0] ** 2

    fast = jackknife_of_means((x, y), ratio_of_means, n_blocks=17)
    slow = block_jackknife((x, y), lambda d: ratio_of_means((d[0].mean(), d[1].mean())), n_blocks=17)
    assert fast.value == pytest.approx(slow.value, rel=1e-12)
    assert fast.error == pytest.approx(slow.error, rel=1e-10)
