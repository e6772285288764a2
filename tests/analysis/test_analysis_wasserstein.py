import numpy as np
import pytest

from boltz.analysis import wasserstein_1, wasserstein_1_to_distribution


@pytest.mark.parametrize(
    ("a", "b", "expected"),
    [
        ([0.0], [1.0], 1.0),
        ([0.0, 1.0], [0.0], 0.5),
        ([0.0, 2.0], [1.0], 1.0),
        ([0.0, 1.0, 2.0], [0.0, 3.0], 5 / 6),
        ([3.0, 1.0, 2.0], [2.0, 1.0, 3.0], 0.0),
    ],
)
def test_hand_computed_cases(a, b, expected):
    assert wasserstein_1(a, b) == pytest.approx(expected, abs=1e-15)
    assert wasserstein_1(b, a) == pytest.approx(expected, abs=1e-15)


def test_identical_samples_distance_zero():
    x = np.random.default_rng(40).standard_normal(500)
    assert wasserstein_1(x, x.copy()) == 0.0


def test_equal_sizes_match_sorted_coupling_and_symmetry():
    rng = np.random.default_rng(41)
    a, b = rng.standard_normal(300), rng.exponential(size=300)
    expected = np.mean(np.abs(np.sort(a) - np.sort(b)))
    assert wasserstein_1(a, b) == pytest.approx(expected, rel=1e-12)
    assert wasserstein_1(a, b) == wasserstein_1(b, a)


def test_shifted_normals():
    rng = np.random.default_rng(42)
    a = rng.standard_normal(20_000)
    assert wasserstein_1(a, a + 1.0) == pytest.approx(1.0, abs=1e-12)
    b = 1.0 + rng.standard_normal(30_000)
    assert wasserstein_1(a, b) == pytest.approx(1.0, abs=0.05)


def test_to_distribution_exact_cases():
    assert wasserstein_1_to_distribution([0.0, 1.0, 1.0, 1.0], [1.0, 0.0], [0.75, 0.25]) == pytest.approx(0.0)
    assert wasserstein_1_to_distribution([0.0], [0.0, 2.0], [0.5, 0.5]) == pytest.approx(1.0)
    # Zero-probability atoms and duplicate support values change nothing.
    assert wasserstein_1_to_distribution([1.0], [0.0, 1.0, 1.0, 5.0], [0.0, 0.5, 0.5, 0.0]) == pytest.approx(0.0)


def test_to_distribution_agrees_with_sample_version():
    rng = np.random.default_rng(43)
    x = rng.integers(-5, 6, size=400).astype(float)
    support = rng.integers(-5, 6, size=50).astype(float)
    uniform = np.full(50, 1 / 50)
    assert wasserstein_1_to_distribution(x, support, uniform) == pytest.approx(wasserstein_1(x, support), rel=1e-12)


def test_to_distribution_rejects_bad_probabilities():
    with pytest.raises(ValueError):
        wasserstein_1_to_distribution([0.0], [0.0, 1.0], [0.6, 0.6])
    with pytest.raises(ValueError):
        wasserstein_1_to_distribution([0.0], [0.0, 1.0], [1.5, -0.5])
    with pytest.raises(ValueError):
        wasserstein_1([], [1.0])
