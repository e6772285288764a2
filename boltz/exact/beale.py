"""Exact density of states g(E) of the L×L Ising torus at h = 0 (Beale, PRL 76, 78 (1996)).

With x = e^{−2K} and n_k the number of states with k unsatisfied bonds (E = −J(2N − 2k), N = L²),
Z = x^{−N} P(x), P(x) = Σ_k n_k x^k. Beale reads the n_k off Kaufman's closed form
(see boltz.exact.kaufman) once its square roots and cosines are paired away:

    γ_l and γ_{2L−l} share cos(πl/L), so a pair gives (2cosh(Lγ_l/2))² = 2 + 2T_L(cosh γ_l)
    and (2sinh(Lγ_l/2))² = 2T_L(cosh γ_l) − 2, T_L the Chebyshev polynomial;
    cosh γ_l = (1 + x²)²/(2x(1 − x²)) − cos(πl/L),   2 sinh 2K = (1 − x²)/x,
    e^{γ_0} = (1 − x)/(x(1 + x)),   e^{γ_L} = (1 + x)/(x(1 − x)),

and for odd L the leftover √((1 − x²)/x) of the prefactor turns the half-integer powers of the
unpaired e^{γ_0}, e^{γ_L} into rational functions. What is left is rational in x with coefficients
in Q(cos π/L).

Rather than carry Q(cos π/L)[x] symbolically we reduce modulo primes p ≡ 1 (mod 2L), where
cos(πl/L) = (ω^l + ω^{−l})/2 for ω a primitive 2L-th root of unity mod p: the same formula then
gives P(x) mod p with nothing but exact field arithmetic. Every row and column of the torus is a
cycle, which crosses an even number of unsatisfied bonds, so k is even and P(x) = Q(x²), deg Q ≤ N.
Q is evaluated at M > N points h²ω_M^j, an inverse number-theoretic transform returns its
coefficients mod p, and the Chinese remainder theorem over primes with Π p > 2^{N+1} returns the
n_k ∈ [0, 2^N] exactly. One further prime, the vanishing of the coefficients above degree N and
Σ n_k = 2^N are checked on every computation.
"""

from __future__ import annotations

import functools
import json
import math
import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from boltz.exact.onsager import check_coupling
from boltz.io import atomic_write, cache_dir
from boltz.validation import check_int, check_real

__all__ = ["MAX_BEALE_L", "DensityOfStates", "default_cache_dir", "density_of_states", "energy_distribution"]

MAX_BEALE_L = 32

# p < 2^31 keeps every product of two residues below 2^62, inside int64.
_PRIME_LIMIT = 1 << 31
_CACHE_FORMAT = "boltz-ising2d-torus-dos-v1"


@dataclass(frozen=True, eq=False)
class DensityOfStates:
    """g(E) of the L×L Ising torus at h = 0, E = −J Σ_bonds s_i s_j over 2L² bonds (Beale 1996)."""

    L: int
    energies: np.ndarray  # E/J of the levels with g > 0, int64, ascending
    counts: tuple[int, ...]  # g(E), exact; Σ g = 2^(L²)
    log_counts: np.ndarray  # ln g(E), float64


# --- arithmetic mod p < 2^31, vectorised over primes (rows, shape [P, 1] for p) --------------


def _is_prime(n: int) -> bool:
    """Deterministic Miller–Rabin; bases 2, 3, 5, 7 suffice for n < 3 215 031 751."""
    if n < 2:
        return False
    for q in (2, 3, 5, 7):
        if n % q == 0:
            return n == q
    d, s = n - 1, 0
    while d % 2 == 0:
        d, s = d // 2, s + 1
    for a in (2, 3, 5, 7):
        y = pow(a, d, n)
        if y in (1, n - 1):
            continue
        for _ in range(s - 1):
            y = y * y % n
            if y == n - 1:
                break
        else:
            return False
    return True


def _prime_factors(n: int) -> list[int]:
    """Distinct prime factors of a small n by trial division."""
    factors, q = [], 2
    while q * q <= n:
        if n % q == 0:
            factors.append(q)
            while n % q == 0:
                n //= q
        q += 1
    if n > 1:
        factors.append(n)
    return factors


def _root_of_unity(order: int, p: int) -> int:
    """A primitive order-th root of unity mod p (needs order | p − 1)."""
    factors = _prime_factors(order)
    for a in range(2, p):
        w = pow(a, (p - 1) // order, p)
        if all(pow(w, order // q, p) != 1 for q in factors):
            return w
    raise ArithmeticError(f"no primitive {order}-th root of unity mod {p}")


def _primes(modulus: int):
    """Primes p ≡ 1 (mod modulus) below 2^31, largest first."""
    for t in range((_PRIME_LIMIT - 2) // modulus, 0, -1):
        if _is_prime(t * modulus + 1):
            yield t * modulus + 1
    raise ArithmeticError(f"ran out of primes ≡ 1 mod {modulus} below 2^31")


def _powmod(base: np.ndarray, exponent, p: np.ndarray) -> np.ndarray:
    """base^exponent mod p elementwise; exponent a non-negative int or an int64 array broadcast to base."""
    exponent = np.broadcast_to(np.asarray(exponent, dtype=np.int64), np.broadcast_shapes(np.shape(exponent), p.shape))
    result = np.ones(np.broadcast_shapes(base.shape, exponent.shape), dtype=np.int64)
    base = base % p
    for bit in range(int(exponent.max()).bit_length()):
        result = np.where((exponent >> bit) & 1, result * base % p, result)
        base = base * base % p
    return result


def _powers(root: np.ndarray, count: int, p: np.ndarray) -> np.ndarray:
    """[root^0, …, root^(count−1)] mod p per row, ``[P, 1] → [P, count]``, by doubling."""
    table, step = np.ones_like(root), root % p
    while table.shape[1] < count:
        table = np.concatenate([table, table * step % p], axis=1)
        step = step * step % p
    return table[:, :count]


def _ntt(values: np.ndarray, root: np.ndarray, p: np.ndarray) -> np.ndarray:
    """Cyclic transform Σ_j a_j root^{jm} mod p along the last axis (radix-2 Cooley–Tukey, M = 2^b)."""
    rows, M = values.shape
    bits = M.bit_length() - 1
    index = np.arange(M)
    reverse = np.zeros(M, dtype=np.int64)
    for b in range(bits):
        reverse |= ((index >> b) & 1) << (bits - 1 - b)
    a = values[:, reverse]
    twiddles = _powers(root, M // 2, p)
    p3 = p[:, :, None]
    size = 2
    while size <= M:
        half = size // 2
        # root^{(M/size) j}: the twiddles of a length-`size` butterfly.
        w = twiddles[:, :: M // size][:, None, :half]
        blocks = a.reshape(rows, M // size, size)
        u, v = blocks[:, :, :half], blocks[:, :, half:] * w % p3
        a = np.concatenate([(u + v) % p3, (u - v) % p3], axis=2).reshape(rows, M)
        size *= 2
    return a


def _chebyshev(n: int, c: np.ndarray, p: np.ndarray) -> np.ndarray:
    """T_n(c) mod p, n ≥ 1, from T_{m+1} = 2c T_m − T_{m−1}."""
    previous, current = np.ones_like(c), c % p
    for _ in range(n - 1):
        previous, current = current, (2 * (c * current % p) - previous) % p
    return current


# --- Kaufman's Z as an exact function of x, mod p -------------------------------------------


def _kaufman_polynomial(L: int, x: np.ndarray, cos_l: np.ndarray, p: np.ndarray) -> np.ndarray:
    """P(x) = x^N Z mod p from Kaufman's Z = ½(2 sinh 2K)^{N/2} Σ_i Z_i, all square roots paired away."""
    N = L * L
    inv2 = (p + 1) // 2
    x2 = x * x % p
    one_minus, one_plus = (1 - x) % p, (1 + x) % p
    inv_d = _powmod(x * (1 - x2) % p, p - 2, p)  # 1/(x(1 − x²)); x ≠ 0, ±1 at every node
    inv_x = (1 - x2) * inv_d % p
    # cosh γ_l = (1 + x²)²/(2x(1 − x²)) − cos(πl/L).
    a = (1 + x2) ** 2 % p * inv_d % p * inv2 % p
    ls = np.arange(1, L)
    cosh_gamma = (a[None] - cos_l[ls]) % p[None]
    t_l = _chebyshev(L, cosh_gamma, p[None])
    cosh_pair, sinh_pair = (2 * t_l + 2) % p[None], (2 * t_l - 2) % p[None]

    def product(factors: np.ndarray) -> np.ndarray:
        out = np.ones_like(x)
        for f in factors:
            out = out * f % p
        return out

    odd, even = (ls % 2 == 1), (ls % 2 == 0)
    z1, z2 = product(cosh_pair[odd]), product(sinh_pair[odd])
    z3, z4 = product(cosh_pair[even]), product(sinh_pair[even])

    r = one_minus * one_minus % p * inv_d % p  # e^{γ_0} = (1 − x)/(x(1 + x)), signed γ_0
    r_inv = x2 * one_plus % p * one_plus % p * inv_d % p
    s = one_plus * one_plus % p * inv_d % p  # e^{γ_L} = (1 + x)/(x(1 − x))
    s_inv = x2 * one_minus % p * one_minus % p * inv_d % p
    if L % 2 == 0:
        half = L // 2
        rp, rm, sp, sm = (_powmod(v, half, p) for v in (r, r_inv, s, s_inv))
        z3 = z3 * ((rp + rm) % p) % p * ((sp + sm) % p) % p
        z4 = z4 * ((rp - rm) % p) % p * ((sp - sm) % p) % p
    else:
        # √((1 − x²)/x)·e^{±Lγ/2} with the half power absorbed: √(w s) = (1 + x)/x, √(w/s) = 1 − x,
        # √(w r) = (1 − x)/x, √(w/r) = 1 + x, for w = (1 − x²)/x.
        half = (L - 1) // 2
        rp, rm, sp, sm = (_powmod(v, half, p) for v in (r, r_inv, s, s_inv))
        sp, sm = sp * one_plus % p * inv_x % p, sm * one_minus % p
        rp, rm = rp * one_minus % p * inv_x % p, rm * one_plus % p
        z1 = z1 * ((sp + sm) % p) % p
        z2 = z2 * ((sp - sm) % p) % p
        z3 = z3 * ((rp + rm) % p) % p
        z4 = z4 * ((rp - rm) % p) % p
    # (2 sinh 2K)^{⌊N/2⌋}; for odd N its last √ went into the unpaired factors above.
    prefactor = _powmod((1 - x2) * inv_x % p, N // 2, p)
    z = (z1 + z2 + z3 + z4) % p * prefactor % p * inv2 % p
    return z * _powmod(x, N, p) % p


def _bond_counts(L: int) -> list[int]:
    """n_{2m}, m = 0..N: the number of states with 2m unsatisfied bonds, exact (Beale's P(x) mod primes + CRT)."""
    N = L * L
    M = 1 << N.bit_length()  # power of two > N = deg Q
    modulus = math.lcm(2 * L, 2 * M)
    # CRT needs Π p > 2^{N+1} ≥ 2·max n_k; one prime more checks the reconstruction.
    source, primes = _primes(modulus), []
    while math.prod(primes).bit_length() <= N + 1:
        primes.append(next(source))
    check = next(source)
    primes.append(check)
    p = np.array(primes, dtype=np.int64)[:, None]
    omega_2l, omega_2m, h = [], [], []
    for q in primes:
        w = _root_of_unity(modulus, q)
        omega_2l.append(pow(w, modulus // (2 * L), q))
        omega_2m.append(pow(w, modulus // (2 * M), q))
        # x_j = h ω_{2M}^j avoids the poles x = 0, ±1 of Kaufman's form iff x_j^{2M} = h^{2M} ≠ 1.
        h.append(next(g for g in range(2, q) if pow(g, 2 * M, q) != 1))
    omega_2l, omega_2m, h = (np.array(v, dtype=np.int64)[:, None] for v in (omega_2l, omega_2m, h))

    x = h * _powers(omega_2m, M, p) % p
    powers_2l = _powers(omega_2l, 2 * L, p)
    # cos(πl/L) = (ω^l + ω^{2L−l})/2, as [L + 1, P, 1].
    conjugate = [(2 * L - l) % (2 * L) for l in range(L + 1)]
    cos_l = (powers_2l[:, : L + 1] + powers_2l[:, conjugate]) * ((p + 1) // 2) % p
    values = _kaufman_polynomial(L, x, cos_l.T[:, :, None], p)  # P(x_j) = Q(h² ω_M^j)

    omega_m = omega_2m * omega_2m % p
    inverse_root = _powmod(omega_m, M - 1, p)
    coefficients = _ntt(values, inverse_root, p) * _powmod(np.full_like(p, M), p - 2, p) % p
    inv_h2 = _powmod(h * h % p, p - 2, p)
    coefficients = coefficients * _powers(inv_h2, M, p) % p  # q_m h^{2m} → q_m

    if np.any(coefficients[:, N + 1 :]):
        raise ArithmeticError(f"L={L}: Q(x) has terms above degree N")
    residues = coefficients[:-1, : N + 1].tolist()
    modulus_all = math.prod(primes[:-1])
    basis = [(modulus_all // q) * pow(modulus_all // q, -1, q) for q in primes[:-1]]
    counts = [sum(r[m] * b for r, b in zip(residues, basis)) % modulus_all for m in range(N + 1)]
    if any(c > 1 << N for c in counts) or sum(counts) != 1 << N:
        raise ArithmeticError(f"L={L}: reconstructed counts are not a density of states")
    if [c % check for c in counts] != coefficients[-1, : N + 1].tolist():
        raise ArithmeticError(f"L={L}: check prime disagrees with the reconstruction")
    return counts


# --- caching ---------------------------------------------------------------------------------


def default_cache_dir() -> Path:
    return cache_dir("dos")


def _cache_file(directory: Path, L: int) -> Path:
    return directory / f"ising2d_torus_L{L}.json"


def _from_levels(L: int, energies: list[int], counts: list[int]) -> DensityOfStates:
    e = np.array(energies, dtype=np.int64)
    log_g = np.array([math.log(c) for c in counts], dtype=np.float64)
    e.flags.writeable = False
    log_g.flags.writeable = False
    return DensityOfStates(L=L, energies=e, counts=tuple(counts), log_counts=log_g)


def _read_cache(path: Path, L: int) -> DensityOfStates | None:
    """The cached g(E), or None when the file is missing or fails the same checks as a fresh result."""
    try:
        data = json.loads(path.read_text())
        energies = [int(e) for e in data["energies"]]
        counts = [int(c) for c in data["counts"]]
        valid = (
            data["format"] == _CACHE_FORMAT
            and data["L"] == L
            and len(energies) == len(counts)
            and all(isinstance(c, str) for c in data["counts"])
            and all(c > 0 for c in counts)
            and energies == sorted(set(energies))
            and all(abs(e) <= 2 * L * L and (e + 2 * L * L) % 4 == 0 for e in energies)
            and sum(counts) == 1 << (L * L)
        )
    except (OSError, ValueError, KeyError, TypeError):
        return None
    return _from_levels(L, energies, counts) if valid else None


def _write_cache(path: Path, dos: DensityOfStates) -> None:
    """Atomic JSON write (decimal strings: g reaches 10^307 at L = 32); a read-only cache is not an error."""
    payload = {
        "format": _CACHE_FORMAT,
        "model": "2D Ising torus, h = 0, E/J = -sum over 2L^2 bonds of s_i s_j",
        "L": dos.L,
        "energies": dos.energies.tolist(),
        "counts": [str(c) for c in dos.counts],
    }
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        atomic_write(path, lambda partial: partial.write_text(json.dumps(payload)))
    except OSError:
        pass


@functools.lru_cache(maxsize=64)
def _cached(L: int, directory: str) -> DensityOfStates:
    path = _cache_file(Path(directory), L)
    dos = _read_cache(path, L)
    if dos is None:
        N = L * L
        levels = [(4 * m - 2 * N, c) for m, c in enumerate(_bond_counts(L)) if c]
        dos = _from_levels(L, [e for e, _ in levels], [c for _, c in levels])
        _write_cache(path, dos)
    return dos


# --- public API ------------------------------------------------------------------------------


def density_of_states(L: int, *, cache_dir: str | os.PathLike | None = None) -> DensityOfStates:
    """Exact g(E) of the L×L Ising torus, 2 ≤ L ≤ 32 (Beale, PRL 76, 78 (1996)); cached in memory and on disk."""
    L = check_int("L", L, minimum=2, maximum=MAX_BEALE_L)
    directory = Path(cache_dir) if cache_dir is not None else default_cache_dir()
    return _cached(L, str(directory.expanduser().resolve()))


def energy_distribution(
    L: int, T: float, J: float = 1.0, *, cache_dir: str | os.PathLike | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """Energies E = J·(E/J) and P(E) = g(E) e^{−E/T}/Z of the L×L torus at temperature T (k_B = 1)."""
    T = check_real("T", T, positive=True)
    J = check_coupling(J)
    dos = density_of_states(L, cache_dir=cache_dir)
    energies = J * dos.energies.astype(np.float64)
    # log-sum-exp: at L = 32, T = 1 the ground-state weight e^{2NJ/T} is ~10^889.
    log_weight = dos.log_counts - energies / T
    weight = np.exp(log_weight - log_weight.max())
    return energies, weight / weight.sum()
