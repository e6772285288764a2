"""The 2D Lennard-Jones fluid in a square periodic box, in reduced units ε = σ = k_B = 1.

u(r) = 4 (r⁻¹² − r⁻⁶) for r < r_c (default r_c = 2.5), 0 beyond; the truncated-and-shifted
form (the default) subtracts u(r_c) so the pair energy is continuous at r_c, the plain
truncated form does not. Every function says which one it uses through ``shifted``.

All functions are pure and batched: positions are ``[B, N, 2]`` float tensors (float64
recommended) in a box of side ``box`` = √(N/ρ); coordinates may lie outside [0, box),
only their images matter.

Minimum image. A pair interacts through its nearest image only. That is exact when
box ≥ 2 r_c: no pair has two images within the cutoff. A smaller box is refused
(:func:`check_box`) rather than silently counting one image of several.

Overlaps. Below R_CAP = 0.5σ the pair energy continues linearly in r² from its value and
slope at R_CAP (a soft harmonic core, C¹ at R_CAP): u(0) ≈ 1.1·10⁵ ε instead of infinity.
Any pair closer than R_CAP has u ≥ u(R_CAP) ≈ 1.6·10⁴ ε and Boltzmann weight e^{−16000/T},
zero in double precision at every temperature anyone samples at, so the cap changes no
equilibrium average; it keeps a configuration with overlapping particles (say, a diffusion
sample) finite, with no NaN or inf in energies and forces, and a Metropolis move that
separates such a pair lowers the energy, so it is accepted.
"""

from __future__ import annotations

import math

import torch

from boltz.validation import DENSITY, PARTICLES, TEMPERATURE, check_real

__all__ = [
    "CUTOFF",
    "R_CAP",
    "box_side",
    "check_box",
    "energy",
    "energy_shift",
    "forces",
    "lattice_positions",
    "minimum_image",
    "pair_displacements",
    "pair_energy",
    "potential_name",
    "pressure",
    "virial",
]

CUTOFF = 2.5  # r_c in units of σ
R_CAP = 0.5  # below this distance the pair energy is capped (see the module docstring)
IMPULSIVE_SHELL = 0.05  # width of the shell below r_c that estimates the pair density at r_c⁻


def potential_name(shifted: bool, cutoff: float = CUTOFF) -> str:
    """How every LJ output names the potential it used."""
    return f"{'truncated-shifted' if shifted else 'truncated (unshifted)'} LJ, r_c = {cutoff:g}"


def box_side(N: int, density: float) -> float:
    """Side √(N/ρ) of the square box holding N particles at number density ρ."""
    N = PARTICLES.check(N)
    density = DENSITY.check(density)
    return math.sqrt(N / density)


def check_box(box: float, cutoff: float = CUTOFF) -> float:
    """``box`` if the minimum image is exact for this cutoff (box ≥ 2 r_c), else ``ValueError``."""
    box = check_real("box", box, positive=True)
    cutoff = check_real("cutoff", cutoff, positive=True)
    # Relative slack: √(16/0.64) is 5 to the last bit, but other N, ρ with box = 2 r_c need not be.
    if box < 2.0 * cutoff * (1.0 - 1e-12):
        raise ValueError(
            f"box side {box:.6g} is smaller than 2·r_c = {2 * cutoff:g}: a pair could interact through two images; "
            "use more particles or a lower density"
        )
    return box


def energy_shift(cutoff: float = CUTOFF, shifted: bool = True) -> float:
    """The constant u_LJ(r_c) subtracted below r_c: 4(r_c⁻¹² − r_c⁻⁶) if ``shifted``, else 0."""
    return 4.0 * (cutoff**-12 - cutoff**-6) if shifted else 0.0


def minimum_image(dr: torch.Tensor, box: float) -> torch.Tensor:
    """Nearest periodic image of displacements, each component in [−box/2, box/2]: ``[..., 2] → [..., 2]``."""
    return dr - box * torch.round(dr / box)


def _pair_index(N: int, device) -> tuple[torch.Tensor, torch.Tensor]:
    """(i, j) of the N(N − 1)/2 pairs i < j, each ``[P]``."""
    i, j = torch.triu_indices(N, N, 1, device=device)
    return i, j


def pair_displacements(positions: torch.Tensor, box: float) -> torch.Tensor:
    """Minimum-image r_i − r_j of every pair i < j: ``[B, N, 2] → [B, N(N−1)/2, 2]`` (order of ``triu_indices``)."""
    i, j = _pair_index(positions.shape[-2], positions.device)
    return minimum_image(positions[:, i] - positions[:, j], box)


def _cap_slope(cutoff: float) -> float:
    """du/d(r²) at r = R_CAP, the slope of the core's linear continuation (independent of the shift)."""
    s = R_CAP**2
    return -24.0 * s**-7 + 12.0 * s**-4


def pair_energy(r2: torch.Tensor, *, cutoff: float = CUTOFF, shifted: bool = True) -> torch.Tensor:
    """u(r) from squared distances r², continued linearly in r² below R_CAP, zero from r_c on: ``[...] → [...]``."""
    inv6 = r2.clamp(min=R_CAP**2).reciprocal() ** 3
    u = 4.0 * (inv6 * inv6 - inv6) - energy_shift(cutoff, shifted)
    u = u + _cap_slope(cutoff) * (r2 - R_CAP**2).clamp(max=0.0)
    return torch.where(r2 < cutoff**2, u, torch.zeros_like(u))


def _force_over_r(r2: torch.Tensor, cutoff: float) -> torch.Tensor:
    """f(r)/r = −u'(r)/r = −2 du/d(r²): 24(2r⁻¹⁴ − r⁻⁸) inside [R_CAP, r_c), constant in the core, zero from r_c on."""
    inv2 = r2.clamp(min=R_CAP**2).reciprocal()
    inv6 = inv2**3
    f = torch.where(r2 >= R_CAP**2, 24.0 * (2.0 * inv6 * inv6 - inv6) * inv2, -2.0 * _cap_slope(cutoff))
    return torch.where(r2 < cutoff**2, f, torch.zeros_like(f))


def energy(positions: torch.Tensor, box: float, *, cutoff: float = CUTOFF, shifted: bool = True) -> torch.Tensor:
    """Total potential energy U = Σ_{i<j} u(|r_i − r_j|_min-image): ``[B, N, 2] → [B]``."""
    check_box(box, cutoff)
    r2 = pair_displacements(positions, box).square().sum(-1)
    return pair_energy(r2, cutoff=cutoff, shifted=shifted).sum(-1)


def forces(positions: torch.Tensor, box: float, *, cutoff: float = CUTOFF) -> torch.Tensor:
    """F_i = −∇_i U = Σ_j f(r_ij)/r_ij · (r_i − r_j), the same for both forms: ``[B, N, 2] → [B, N, 2]``."""
    check_box(box, cutoff)
    i, j = _pair_index(positions.shape[-2], positions.device)
    dr = pair_displacements(positions, box)
    pair_force = _force_over_r(dr.square().sum(-1), cutoff).unsqueeze(-1) * dr  # force on i from j
    out = torch.zeros_like(positions)
    out.index_add_(1, i, pair_force)
    out.index_add_(1, j, -pair_force)
    return out


def virial(positions: torch.Tensor, box: float, *, cutoff: float = CUTOFF) -> torch.Tensor:
    """W = Σ_{i<j} r_ij · F_ij = Σ_{i<j} r f(r), the smooth part of the pair virial: ``[B, N, 2] → [B]``."""
    check_box(box, cutoff)
    r2 = pair_displacements(positions, box).square().sum(-1)
    return (r2 * _force_over_r(r2, cutoff)).sum(-1)


def pressure(positions: torch.Tensor, box: float, *, T: float, cutoff: float = CUTOFF,
             shifted: bool = True) -> torch.Tensor:
    """Instantaneous virial pressure P = ρT + W/(2A) in 2D (A = box², ρ = N/A), its mean the pressure: ``[B, N, 2] → [B]``.

    It is the pressure of the potential actually sampled, the cut one, with no tail correction
    for r > r_c. The plain truncated potential jumps by −u_LJ(r_c) at r_c, which adds an
    impulsive term ½πρ² r_c² T [g(r_c⁺) − g(r_c⁻)] with g(r_c⁺) = g(r_c⁻) e^{u_c/T}; we estimate
    the pair density at r_c⁻ from the pairs in the shell [r_c − 0.05, r_c) of each sample, so the
    term is r_c T (e^{u_c/T} − 1) n_shell / (2A·0.05). The shifted potential is continuous at
    r_c and has no such term.
    """
    check_box(box, cutoff)
    T = TEMPERATURE.check(T)
    N, area = positions.shape[-2], box * box
    r2 = pair_displacements(positions, box).square().sum(-1)
    w = (r2 * _force_over_r(r2, cutoff)).sum(-1)
    p = N * T / area + w / (2.0 * area)
    if not shifted:
        u_c = energy_shift(cutoff, True)
        shell = ((r2 < cutoff**2) & (r2 >= (cutoff - IMPULSIVE_SHELL) ** 2)).sum(-1).to(p.dtype)
        p = p + cutoff * T * math.expm1(u_c / T) * shell / (2.0 * area * IMPULSIVE_SHELL)
    return p


def lattice_positions(batch: int, N: int, box: float, *, dtype: torch.dtype = torch.float64) -> torch.Tensor:
    """The first N sites of a ⌈√N⌉ × ⌈√N⌉ square lattice filling the box, the same in every chain: ``[B, N, 2]``.

    Sites sit at cell centres, so the smallest distance is box/⌈√N⌉, the largest the box allows.
    """
    N = PARTICLES.check(N)
    side = math.ceil(math.sqrt(N))
    index = torch.arange(N)
    cells = torch.stack([index % side, index // side], dim=-1).to(dtype)
    return ((cells + 0.5) * (box / side)).expand(batch, N, 2).clone()
