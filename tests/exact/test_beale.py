"""Beale's exact g(E): equal to enumeration and to a transfer matrix, right combinatorics, Kaufman's thermodynamics."""

from __future__ import annotations

import collections
import json
import math

import numpy as np
import pytest

from boltz.exact.beale import MAX_BEALE_L, DensityOfStates, _cached, density_of_states, energy_distribution
from boltz.exact.enumeration import all_configurations
from boltz.exact.kaufman import finite_lattice
from boltz.systems.ising import energy

T_C = 2.269185314213022
ALL_L = list(range(2, MAX_BEALE_L + 1))


@pytest.fixture(scope="module")
def cache(tmp_path_factory):
    return tmp_path_factory.mktemp("dos")


def levels(dos: DensityOfStates) -> dict[int, int]:
    return dict(zip(dos.energies.tolist(), dos.counts))


def transfer_matrix_counts(L: int) -> dict[int, int]:
    """g(E/J) by a row-to-row transfer matrix over the torus, counting unsatisfied bonds k exactly (int64)."""
    rows = np.arange(2**L)
    popcount = np.vectorize(lambda n: bin(int(n)).count("1"))
    rotated = ((rows << 1) | (rows >> (L - 1))) & (2**L - 1)
    horizontal = popcount(rows ^ rotated)  # unsatisfied bonds inside a row (periodic)
    vertical = popcount(rows[:, None] ^ rows[None, :])  # between two stacked rows
    n_k = 2 * L * L + 1
    # A[f, s, k]: first row f, current row s, k unsatisfied bonds so far.
    A = np.zeros((2**L, 2**L, n_k), dtype=np.int64)
    A[rows, rows, horizontal] = 1
    for _ in range(L - 1):
        B = np.zeros_like(A)
        for d in range(L + 1):
            moved = np.einsum("fsk,st->ftk", A, (vertical == d).astype(np.int64))
            B[:, :, d:] += moved[:, :, : n_k - d]
        A = np.zeros_like(B)
        for t in rows:
            A[:, t, horizontal[t] :] = B[:, t, : n_k - horizontal[t]]
    # Close the torus: bonds between the last row and the first.
    closing = vertical[rows[:, None], rows[None, :]]
    total = np.zeros(n_k, dtype=np.int64)
    for f in rows:
        for s in rows:
            total[closing[f, s] :] += A[f, s, : n_k - closing[f, s]]
    N = L * L
    return {2 * k - 2 * N: int(c) for k, c in enumerate(total) if c}


@pytest.mark.parametrize("L", [2, 3, 4])
def test_matches_enumeration(L, cache):
    brute = collections.Counter(energy(all_configurations(L)).round().long().tolist())
    assert levels(density_of_states(L, cache_dir=cache)) == dict(brute)


@pytest.mark.parametrize("L", [5, 6])
def test_matches_transfer_matrix(L, cache):
    assert levels(density_of_states(L, cache_dir=cache)) == transfer_matrix_counts(L)


@pytest.mark.parametrize("L", ALL_L)
def test_combinatorics(L, cache):
    dos = density_of_states(L, cache_dir=cache)
    N = L * L
    g = levels(dos)
    assert sum(dos.counts) == 2**N
    assert all(isinstance(c, int) and c > 0 for c in dos.counts)
    assert np.all(np.diff(dos.energies) > 0)
    # k unsatisfied bonds, E/J = −2N + 2k, and every row/column cycle crosses an even number of them.
    assert np.all((dos.energies + 2 * N) % 4 == 0) and dos.energies.min() == -2 * N
    assert g[-2 * N] == 2  # the two ferromagnetic ground states
    if L >= 3:
        assert g[-2 * N + 8] == 2 * N  # one flipped spin breaks its 4 bonds
    if L % 2 == 0:
        # Bipartite torus: flipping one sublattice maps E to −E.
        assert all(g[-e] == c for e, c in g.items())
    else:
        # Odd cycles frustrate the antiferromagnetic state: the top level lies below +2N.
        assert dos.energies.max() < 2 * N
    np.testing.assert_allclose(dos.log_counts, [math.log(c) for c in dos.counts], rtol=1e-15)


@pytest.mark.parametrize("T", [1.5, T_C, 3.0])
@pytest.mark.parametrize("L", [3, 8, 16, 32])
def test_thermodynamics_match_kaufman(L, T, cache):
    E, P = energy_distribution(L, T, cache_dir=cache)
    N = L * L
    mean = float(P @ E)
    var = float(P @ (E - mean) ** 2)
    exact = finite_lattice(L, T)
    assert mean / N == pytest.approx(exact.energy, abs=1e-9)
    assert var / (N * T * T) == pytest.approx(exact.specific_heat, abs=1e-9)
    dos = density_of_states(L, cache_dir=cache)
    log_terms = dos.log_counts - dos.energies / T
    log_z = log_terms.max() + math.log(np.exp(log_terms - log_terms.max()).sum())
    assert log_z == pytest.approx(exact.log_z, rel=1e-12)


def test_energy_distribution_limits_and_units(cache):
    L, N = 8, 64
    E, P = energy_distribution(L, 2.0, J=0.5, cache_dir=cache)
    assert E.dtype == np.float64 and P.dtype == np.float64
    assert P.sum() == pytest.approx(1.0, abs=1e-14) and np.all(P >= 0)
    np.testing.assert_array_equal(E, 0.5 * density_of_states(L, cache_dir=cache).energies)
    # Only K = J/T matters.
    np.testing.assert_allclose(P, energy_distribution(L, 4.0, J=1.0, cache_dir=cache)[1], rtol=1e-12)
    # T → 0: the ground states; T → ∞: P(E) = g(E)/2^N.
    E0, P0 = energy_distribution(L, 0.05, cache_dir=cache)
    assert E0[np.argmax(P0)] == -2 * N and P0.max() == pytest.approx(1.0, abs=1e-12)
    dos = density_of_states(32, cache_dir=cache)
    _, P_hot = energy_distribution(32, 1e15, cache_dir=cache)
    np.testing.assert_allclose(P_hot, np.exp(dos.log_counts - 1024 * math.log(2)), rtol=1e-9, atol=1e-300)
    # L = 32 at T = 0.5: the e^{2NK} ≈ 10^1779 ground-state weight needs the log-sum-exp, and the
    # first excitations (2N single flips, ΔE = 8J) stand to the 2 ground states as N e^{−8/T}.
    E_cold, P_cold = energy_distribution(32, 0.5, cache_dir=cache)
    assert np.all(np.isfinite(P_cold)) and E_cold[:2].tolist() == [-2048.0, -2040.0]
    assert P_cold[1] / P_cold[0] == pytest.approx(1024 * math.exp(-16.0), rel=1e-12)


def test_disk_and_memory_cache(tmp_path):
    first = density_of_states(7, cache_dir=tmp_path)
    assert density_of_states(7, cache_dir=tmp_path) is first  # lru cache
    path = tmp_path / "ising2d_torus_L7.json"
    data = json.loads(path.read_text())
    assert data["L"] == 7 and all(isinstance(c, str) for c in data["counts"])
    assert [int(c) for c in data["counts"]] == list(first.counts)
    assert data["energies"] == first.energies.tolist()
    _cached.cache_clear()
    reloaded = density_of_states(7, cache_dir=tmp_path)
    assert reloaded is not first and reloaded.counts == first.counts
    # A tampered file fails the Σ g = 2^N check and is recomputed and rewritten.
    data["counts"][3] = str(int(data["counts"][3]) + 1)
    path.write_text(json.dumps(data))
    _cached.cache_clear()
    assert density_of_states(7, cache_dir=tmp_path).counts == first.counts
    assert json.loads(path.read_text())["counts"] == [str(c) for c in first.counts]
    with pytest.raises(ValueError):
        first.energies[0] = 0  # cached arrays are shared, so they are read-only


@pytest.mark.parametrize("L", [1, 0, 33, 2.5, True, "8", None])
def test_rejects_bad_lattice(L, cache):
    with pytest.raises(ValueError):
        density_of_states(L, cache_dir=cache)


@pytest.mark.parametrize(("T", "J"), [(0.0, 1.0), (-1.0, 1.0), (math.inf, 1.0), (math.nan, 1.0), (2.0, 0.0), (2.0, -1.0)])
def test_rejects_bad_temperature_and_coupling(T, J, cache):
    with pytest.raises(ValueError):
        energy_distribution(4, T, J, cache_dir=cache)
