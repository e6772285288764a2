"""The exact noised score of a dilute Lennard-Jones gas: a pair prior for the torus score network (second virial order).

For a pair of particles with Boltzmann weight e^{−βu(r)}, adding independent Gaussian noise of
standard deviation σ per coordinate to both smooths their relative coordinate by a 2D Gaussian of
variance s² = 2σ² per axis, so the noised pair density is q(r) = (e^{−βu} ∗ G_s)(r). With the
Mayer function f = e^{−βu} − 1, which vanishes beyond r_c, the angular integral of the 2D
convolution gives (modified Bessel functions I₀, I₁ in their scaled forms I_ne(z) = e^{−z} I_n(z))

    q(r)  = 1 + ∫₀^{r_c} f(r') K(r, r') dr',   K = (r'/s²) exp(−(r − r')²/2s²) I₀e(r r'/s²),
    q'(r) =     ∫₀^{r_c} f(r') (r'/s²) exp(−(r − r')²/2s²) [(r'/s²) I₁e(r r'/s²) − (r/s²) I₀e(r r'/s²)] dr'.

To first order in the density, log p_σ(x) = Σ_{i<j} log q(r_ij) + const, so the score of particle i is
Σ_j g(r_ij) d̂_ij with g = q'/q and d_ij = x_i − x_j: exact for an isolated pair at every σ, and
−β u'(r) (the force limit of the ``force_prior``) as σ → 0. ``PairPrior`` tabulates g on a
(β, log σ, r) grid once (trapezoid quadrature in r') and interpolates it trilinearly; the many-body
remainder is what the network learns. Pairs fade out over the last ``EDGE`` before min(R_MAX, box/2),
so the prior is smooth on the torus.
"""

from __future__ import annotations

import math
from functools import lru_cache

import torch
import torch.nn.functional as F
from torch import nn

from boltz.systems.lennard_jones import CUTOFF, minimum_image, pair_energy

__all__ = ["PairPrior", "noised_pair_score"]

# Table ranges: T from 0.4 to 2.5, σ from 0.02 (below it the table's smallest σ is used: the score is
# then already the force limit away from the core) to 2 (above it the noised pair correlation is a
# weak bump; the table's largest σ is used, scaled by (σ_hi/σ)², its large-σ decay), r up to 8.
BETA_RANGE = (0.4, 2.5)
SIGMA_RANGE = (0.02, 2.0)
R_MAX = 8.0
EDGE = 0.5
GRID = {"betas": 15, "sigmas": 36, "radii": 801, "quadrature": 1001}


def noised_pair_score(r: torch.Tensor, sigma: float, beta: float, *, cutoff: float = CUTOFF,
                      quadrature: int = 1001) -> torch.Tensor:
    """g(r) = d/dr log (e^{−βu} ∗ G_{√2σ})(r) for the LJ pair (module docstring): ``[R] → [R]`` (float64).

    u is the truncated-and-shifted potential, also for models trained on the plain truncated one (its
    forces are the same; the constant inside r_c is left to the learned part)."""
    return _score_table(r.double(), torch.tensor([float(sigma)], dtype=torch.float64),
                        torch.tensor([float(beta)], dtype=torch.float64), cutoff, quadrature)[0, 0]


def _score_table(r: torch.Tensor, sigmas: torch.Tensor, betas: torch.Tensor, cutoff: float,
                 quadrature: int) -> torch.Tensor:
    """g on the grid ``betas [Nb] × sigmas [Ns] × r [Nr] → [Nb, Ns, Nr]`` by the trapezoid rule (float64).

    q = ∫₀^{r_c} e^{−βu} K dr' + (Gaussian mass beyond r_c), a sum of positive terms, so q stays accurate
    inside the core, where it is exponentially small and 1 + ∫ f K would cancel to round-off. The mass
    beyond r_c is 1 − ∫₀^{r_c} K dr' where that exceeds 1 % (far above the quadrature error), else its own
    quadrature on [r_c, r_c + 10s], which then holds all of it.
    """
    def kernels(grid: torch.Tensor, weights: torch.Tensor, s2: float) -> tuple[torch.Tensor, torch.Tensor]:
        # K(r, r') dr' and ∂_r K(r, r') dr' on a quadrature grid: [Nr, Q] each
        z = r[:, None] * grid[None, :] / s2
        gauss = torch.exp(-(r[:, None] - grid[None, :]).square() / (2.0 * s2)) * (grid * weights / s2)
        i0, i1 = torch.special.i0e(z), torch.special.i1e(z)
        return gauss * i0, gauss * (grid[None, :] * i1 - r[:, None] * i0) / s2

    inside, inside_weights = _trapezoid(0.0, cutoff, quadrature)
    # Boltzmann factor e^{−βu(r')} inside r_c (u is the shifted potential, 0 from r_c on)
    boltzmann = torch.exp(-betas[:, None] * pair_energy(inside.square(), cutoff=cutoff, shifted=True))  # [Nb, Q]
    table = torch.empty(len(betas), len(sigmas), len(r), dtype=torch.float64)
    for k, sigma in enumerate(sigmas):
        s2 = 2.0 * float(sigma) ** 2
        kernel, kernel_r = kernels(inside, inside_weights, s2)
        outside, outside_weights = _trapezoid(cutoff, cutoff + 10.0 * math.sqrt(s2), 401)
        tail, tail_r = (part.sum(-1) for part in kernels(outside, outside_weights, s2))
        # ∫₀^∞ K dr' = 1 and so ∫₀^∞ ∂_r K dr' = 0: the complement is exact where it is not round-off
        complement = 1.0 - kernel.sum(-1)
        use_complement = complement > 1e-2
        tail = torch.where(use_complement, complement, tail)
        tail_r = torch.where(use_complement, -kernel_r.sum(-1), tail_r)
        table[:, k] = (boltzmann @ kernel_r.T + tail_r) / (boltzmann @ kernel.T + tail)
    return table


def _trapezoid(start: float, stop: float, points: int) -> tuple[torch.Tensor, torch.Tensor]:
    """Nodes and trapezoid weights on [start, stop] (float64)."""
    nodes = torch.linspace(start, stop, points, dtype=torch.float64)
    weights = torch.full_like(nodes, (stop - start) / (points - 1))
    weights[[0, -1]] *= 0.5
    return nodes, weights


@lru_cache(maxsize=4)
def _tapered_table(cutoff: float, n_betas: int, n_sigmas: int, n_radii: int, quadrature: int) -> torch.Tensor:
    """g on the (β, log σ, r) grid of :class:`PairPrior`, float32 ``[Nb, Ns, Nr]``; built once per process (5 s on one busy core here)."""
    betas = torch.linspace(*BETA_RANGE, n_betas, dtype=torch.float64)
    sigmas = torch.linspace(math.log(SIGMA_RANGE[0]), math.log(SIGMA_RANGE[1]), n_sigmas, dtype=torch.float64).exp()
    radii = torch.linspace(0.0, R_MAX, n_radii, dtype=torch.float64)
    # The last unit of r tapers smoothly to zero, so the prior is continuous where the table ends.
    taper = torch.where(radii > R_MAX - 1.0, 0.5 * (1.0 + torch.cos(math.pi * (radii - R_MAX + 1.0))), 1.0)
    return (_score_table(radii, sigmas, betas, cutoff, quadrature) * taper).float()


class PairPrior(nn.Module):
    """Σ_j g(r_ij; σ, β) d̂_ij from a tabulated g, the dilute-gas score: ``x [B, N, 2], σ [B], T [B] → [B, N, 2]``."""

    def __init__(self, *, cutoff: float = CUTOFF, grid: dict | None = None):
        super().__init__()
        grid = {**GRID, **(grid or {})}
        table = _tapered_table(cutoff, grid["betas"], grid["sigmas"], grid["radii"], grid["quadrature"])
        self.register_buffer("table", table[None, None], persistent=False)  # [1, 1, Nb, Ns, Nr]

    def forward(self, x: torch.Tensor, sigma: torch.Tensor, temperature: torch.Tensor, *, box: float) -> torch.Tensor:
        d = minimum_image(x.unsqueeze(2) - x.unsqueeze(1), box)  # [B, N, N, 2], d_ij = x_i − x_j
        return self.from_pairs(d, torch.sqrt(d.square().sum(-1) + 1e-12), sigma, temperature, box=box)

    def from_pairs(self, d: torch.Tensor, r: torch.Tensor, sigma: torch.Tensor, temperature: torch.Tensor, *,
                   box: float) -> torch.Tensor:
        """The same score from pair displacements ``d [B, N, N, 2]`` and distances ``r [B, N, N]`` already at hand."""
        batch, N = r.shape[:2]
        # Normalised grid coordinates in [−1, 1] (grid_sample order: r, log σ, β); σ and β clamp to the table
        log_sigma = torch.log(sigma.clamp(*SIGMA_RANGE))
        unit_sigma = (log_sigma - math.log(SIGMA_RANGE[0])) / math.log(SIGMA_RANGE[1] / SIGMA_RANGE[0])
        unit_beta = ((1.0 / temperature).clamp(*BETA_RANGE) - BETA_RANGE[0]) / (BETA_RANGE[1] - BETA_RANGE[0])
        coords = torch.stack([r / R_MAX,
                              unit_sigma[:, None, None].expand_as(r),
                              unit_beta[:, None, None].expand_as(r)], dim=-1) * 2.0 - 1.0
        g = F.grid_sample(self.table.to(d.dtype), coords.reshape(1, batch * N * N, 1, 1, 3),
                          mode="bilinear", padding_mode="zeros", align_corners=True).reshape(batch, N, N)
        # Fade to zero over the last EDGE before half the box, where the minimum image jumps: the prior
        # stays a smooth function on the torus (it matters in small boxes, e.g. the dense N = 16 box of side 5).
        end = min(R_MAX, box / 2)
        fade = 0.5 * (1.0 + torch.cos(math.pi * ((r - end + EDGE) / EDGE).clamp(0.0, 1.0)))
        g = g * fade * (r < end) * ~torch.eye(N, dtype=torch.bool, device=d.device)
        # Above the table's σ the correlation bump decays like σ⁻²
        g = g * (SIGMA_RANGE[1] / sigma.clamp(min=SIGMA_RANGE[1]))[:, None, None].square()
        return (g.unsqueeze(-1) * d / r.unsqueeze(-1)).sum(dim=2)
