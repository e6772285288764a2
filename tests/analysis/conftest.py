"""Shared synthetic series for the analysis tests."""

import numpy as np
import pytest


def _ar1(phi: float, S: int, B: int, seed: int) -> np.ndarray:
    """Stationary AR(1) x_t = φ x_{t−1} + ε_t, ε ~ N(0, 1): ``[S, B]``, Var x = 1/(1 − φ²)."""
    rng = np.random.default_rng(seed)
    noise = rng.standard_normal((S, B))
    x = np.empty((S, B))
    x[0] = noise[0] / np.sqrt(1.0 - phi**2)
    for t in range(1, S):
        x[t] = phi * x[t - 1] + noise[t]
    return x


@pytest.fixture
def ar1():
    return _ar1
