"""The 2D Ising model on an L×L torus: E(s) = −J Σ_⟨ij⟩ s_i s_j − h Σ_i s_i.

All functions are pure and batched over the leading axis: spins are ``[B, L, L]``
tensors with values in {−1, +1} (any integer or float dtype).

Bond convention: every site is bonded to its right and its lower neighbour with
periodic wrap, so an L×L torus always has exactly 2L² bonds. For L ≥ 3 these are
the usual nearest-neighbour pairs, each counted once. For L = 2 the right and
left neighbours of a site are the same site, so each neighbouring pair carries
two bonds (coupling 2J). We keep this convention on purpose: it is the one the
exact finite-lattice solution (Kaufman 1949) assumes, and it makes the local
field, ΔE and the Metropolis/Wolff kernels the same formulas for every L ≥ 2.
"""

from __future__ import annotations

import torch

from boltz.validation import LATTICE

__all__ = [
    "bond_sum",
    "energy",
    "flip_energy",
    "local_field",
    "magnetization",
    "neighbour_sum",
    "random_spins",
]


def _as_float(spins: torch.Tensor) -> torch.Tensor:
    return spins.to(torch.float64) if not spins.is_floating_point() else spins


def neighbour_sum(spins: torch.Tensor) -> torch.Tensor:
    """Σ_{j∈nn(i)} s_j for every site: ``[B, L, L] → [B, L, L]`` (periodic)."""
    s = _as_float(spins)
    return (
        torch.roll(s, 1, dims=-1)
        + torch.roll(s, -1, dims=-1)
        + torch.roll(s, 1, dims=-2)
        + torch.roll(s, -1, dims=-2)
    )


def bond_sum(spins: torch.Tensor) -> torch.Tensor:
    """Σ_⟨ij⟩ s_i s_j over the 2L² bonds of the torus: ``[B, L, L] → [B]``."""
    s = _as_float(spins)
    right = s * torch.roll(s, -1, dims=-1)
    down = s * torch.roll(s, -1, dims=-2)
    return (right + down).sum(dim=(-2, -1))


def energy(spins: torch.Tensor, J: float = 1.0, h: float = 0.0) -> torch.Tensor:
    """Total energy E = −J Σ_⟨ij⟩ s_i s_j − h Σ_i s_i: ``[B, L, L] → [B]``."""
    s = _as_float(spins)
    return -J * bond_sum(s) - h * s.sum(dim=(-2, -1))


def local_field(spins: torch.Tensor, J: float = 1.0, h: float = 0.0) -> torch.Tensor:
    """Field felt by each spin, J Σ_nn s_j + h: ``[B, L, L] → [B, L, L]``."""
    return J * neighbour_sum(spins) + h


def flip_energy(spins: torch.Tensor, J: float = 1.0, h: float = 0.0) -> torch.Tensor:
    """ΔE_i = 2 s_i (J Σ_nn s_j + h) for flipping each spin alone: ``[B, L, L] → [B, L, L]``."""
    return 2.0 * _as_float(spins) * local_field(spins, J, h)


def magnetization(spins: torch.Tensor) -> torch.Tensor:
    """Magnetization per spin m = (1/L²) Σ_i s_i: ``[B, L, L] → [B]``."""
    return _as_float(spins).mean(dim=(-2, -1))


def random_spins(batch: int, L: int, *, generator: torch.Generator | None = None) -> torch.Tensor:
    """Infinite-temperature start: ``[B, L, L]`` int8 spins, each ±1 with probability 1/2."""
    LATTICE.check(L)
    bits = torch.randint(0, 2, (batch, L, L), generator=generator, dtype=torch.int8)
    return (2 * bits - 1).to(torch.int8)
