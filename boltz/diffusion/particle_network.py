"""Score network for particles on the torus: ε̂(x, σ, T), equivariant to permutations (Satorras et al. 2021 EGNN message passing).

Positions are ``[B, N, 2]`` in a periodic box of side ``box``; σ is the noise level and T the
temperature, both ``[B]``. The network returns ε̂ ``[B, N, 2]``, the noise estimate with
∇ log p_σ(x) ≈ −ε̂/σ (:mod:`boltz.diffusion.torus`).

What it sees. Only minimum-image pair displacements d_ij = mi(x_i − x_j), through a radial
basis of |d_ij| and d_ij itself, each multiplied by a smooth envelope that vanishes with its
first derivative at r_cut. Since r_cut ≤ box/2, where the minimum image jumps, every input is a
smooth periodic function of the positions: the network is exactly periodic, translation
invariant, and equivariant under the symmetries of the square box (quarter turns, reflections).

Permutations. Particles carry no index: every particle starts from the same features (the σ
and T embedding), messages m_ij use shared weights and are summed over j, and the output
ε̂_i = Σ_j d_ij φ(m_ij) is a sum over j, so permuting the input permutes the output. The same
weights run for any N; a layer also adds the mean over particles (a global, permutation
invariant context, the density fluctuations at large σ).

Physics prior (``force_prior``). For σ → 0 the score of p_σ tends to the score of the Boltzmann
density itself, ∇ log p_0 = F/T with F = −∇U the (known, analytic) LJ forces. The network adds
this limit with a weight that fades as σ grows, ε̂ = ε̂_net − σ λ(σ) F̃/T, λ = 1/(1 + (σ/σ_F)²),
σ_F = ``force_scale``; F̃ is F with each particle's force clipped to ``force_clip`` (noisy inputs
overlap, and the soft core's forces reach 10⁵). The learned part only has to supply the
correction; in the last reverse steps the sampler then moves like Langevin dynamics at T. The
prior is periodic, translation invariant and permutation equivariant like the rest. ``pair_prior``
replaces it by the noised score of an isolated pair at every σ (:mod:`boltz.diffusion.pair_prior`),
which has the same σ → 0 limit and is the whole score of a dilute gas.

Vector features (``vector_channels`` V > 0, PaiNN-like, Schütt et al. 2021). Distances alone tell a
particle how far its neighbours are, not at which angles; with V > 0 each particle also carries V
vectors v_i, updated by v_i += Σ_j (a_ij d_ij + b_ij v_j) (a, b from the message m_ij), whose norms
after a channel mixing ‖W v_i‖ feed the scalar update (bond angles enter the invariant features) and
whose mixture adds to ε̂_i. Norms are invariant and channel mixing commutes with rotations and
reflections, so every symmetry above is kept. V = 0 is the plain network of the shipped models.

Conditioning: sinusoidal features of log σ and of β = 1/T (as for the Ising U-Net) mixed by an
MLP, added to every message and node update. The output layer starts at zero, so an untrained
network predicts ε̂ = 0.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, fields

import torch
import torch.nn.functional as F
from torch import nn

from boltz.diffusion.networks import BETA_SCALE, sinusoidal_embedding
from boltz.diffusion.pair_prior import PairPrior
from boltz.diffusion.utils import append_dims, in_chunks
from boltz.systems.lennard_jones import forces, minimum_image
from boltz.validation import check_int, check_real

__all__ = ["ParticleNetConfig", "ParticleScoreNet"]

LOG_SIGMA_SCALE = 250.0  # log σ ∈ [log 0.01, log 30] is embedded as 250·log σ, a span like DDPM's 1000 steps
NEIGHBOUR_SCALE = 8.0  # messages are summed over neighbours and divided by this typical dense-fluid count
# Particle pairs per forward chunk: 64 configurations of 16 particles, 16 of 32, 4 of 64, so the pair tensors
# ([B, N, N, hidden], and [B, N, N, V, 2] for vector channels) stay in cache. Measured on 2 threads (best of 3),
# 256 configurations in one piece took 3.7× / 3.2× the time per sample of these chunks at N = 32 / 64 (lj_dense)
# and 3.0× / 3.6× (lj_gas); at N = 16 the chunks cost lj_dense 14 %. 2^12, 2^13 and 2^16 were no better overall.
CHUNK_PAIRS = 2**14


@dataclass(frozen=True)
class ParticleNetConfig:
    """Shape of a :class:`ParticleScoreNet`; ``to_dict``/``from_dict`` round-trip through JSON.

    hidden:        width of node features and messages.
    layers:        message-passing layers.
    radial_basis:  Gaussian radial basis functions on [0, r_cut].
    r_cut:         interaction range of a message (≤ box/2 of every box the network runs on).
    embedding_dim: width of the (σ, T) embedding (even).
    force_prior:   add the σ → 0 limit −σ F/T of ε̂ (see the module docstring).
    force_scale:   σ_F, the noise level where the prior's weight has fallen to ½.
    force_clip:    largest force per particle the prior uses.
    vector_channels: V, equivariant vector features per particle (0: none; see the module docstring).
    pair_prior:    replace the force prior by the noised pair score of :mod:`boltz.diffusion.pair_prior`
                   at every σ (the same force limit as σ → 0; clipped to ``force_clip``/T per particle).
    """

    hidden: int = 32
    layers: int = 2
    radial_basis: int = 16
    r_cut: float = 2.5
    embedding_dim: int = 32
    force_prior: bool = True
    force_scale: float = 0.05
    force_clip: float = 100.0
    vector_channels: int = 0
    pair_prior: bool = False

    def __post_init__(self):
        check_int("hidden", self.hidden, minimum=1, maximum=4096)
        check_int("layers", self.layers, minimum=1, maximum=64)
        check_int("radial_basis", self.radial_basis, minimum=2, maximum=1024)
        check_real("r_cut", self.r_cut, positive=True)
        check_int("embedding_dim", self.embedding_dim, minimum=2, maximum=4096)
        if self.embedding_dim % 2:
            raise ValueError(f"embedding_dim must be even, got {self.embedding_dim}")
        for name in ("force_prior", "pair_prior"):
            if not isinstance(getattr(self, name), bool):
                raise ValueError(f"{name} must be true or false, got {getattr(self, name)!r}")
        check_real("force_scale", self.force_scale, positive=True)
        check_real("force_clip", self.force_clip, positive=True)
        check_int("vector_channels", self.vector_channels, minimum=0, maximum=4096)

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> ParticleNetConfig:
        """Inverse of :meth:`to_dict`; unknown keys raise ``ValueError``, missing keys take defaults."""
        unknown = sorted(set(data) - {f.name for f in fields(cls)})
        if unknown:
            raise ValueError(f"unknown ParticleNetConfig keys: {', '.join(unknown)}")
        return cls(**data)


class _MessageLayer(nn.Module):
    """One EGNN-style layer without coordinate updates: ``h [B, N, H], v [B, N, V, 2] → h, v`` plus messages ``[B, N, N, H]``."""

    def __init__(self, hidden: int, radial_basis: int, embedding_dim: int, vector_channels: int = 0):
        super().__init__()
        # The first message layer acts on [h_i, h_j, rbf_ij, emb] as a sum of four projections:
        # the node terms cost O(N) instead of O(N²).
        self.source = nn.Linear(hidden, hidden)
        self.target = nn.Linear(hidden, hidden, bias=False)
        self.radial = nn.Linear(radial_basis, hidden, bias=False)
        self.condition = nn.Linear(embedding_dim, hidden, bias=False)
        self.message = nn.Linear(hidden, hidden)
        self.vector_channels = vector_channels
        if vector_channels:
            self.vector_gates = nn.Linear(hidden, 2 * vector_channels)  # a_ij (along d_ij) and b_ij (along v_j)
            self.vector_mix = nn.Linear(vector_channels, vector_channels, bias=False)
        self.update = nn.Sequential(nn.Linear(3 * hidden + embedding_dim + vector_channels, hidden), nn.SiLU(),
                                    nn.Linear(hidden, hidden))

    def forward(self, h, v, d, rbf, envelope, embedding):
        pre = (self.source(h).unsqueeze(2) + self.target(h).unsqueeze(1) + self.radial(rbf)
               + self.condition(embedding)[:, None, None, :])
        m = self.message(F.silu(pre)) * envelope.unsqueeze(-1)  # m_ij, zero beyond r_cut and for i = j
        aggregate = m.sum(dim=2) / NEIGHBOUR_SCALE
        context = h.mean(dim=1, keepdim=True).expand_as(h)
        features = [h, aggregate, context, embedding[:, None, :].expand(-1, h.shape[1], -1)]
        if self.vector_channels:
            # v_i += Σ_j (a_ij d_ij + b_ij v_j): m_ij vanishes beyond r_cut, so both terms do
            a, b = self.vector_gates(m).chunk(2, dim=-1)
            v = v + (a.unsqueeze(-1) * d.unsqueeze(3) + b.unsqueeze(-1) * v.unsqueeze(1)).sum(dim=2) / NEIGHBOUR_SCALE
            # Invariants for the scalar update: norms of channel mixtures, ‖W v_i‖
            mixed = self.vector_mix(v.transpose(-1, -2)).transpose(-1, -2)
            features.append(torch.sqrt(mixed.square().sum(-1) + 1e-8))
        return h + self.update(torch.cat(features, dim=-1)), v, m


class ParticleScoreNet(nn.Module):
    """ε̂(x, σ, T) for N particles on the torus: ``[B, N, 2] → [B, N, 2]`` (see the module docstring)."""

    def __init__(self, config: ParticleNetConfig | None = None):
        super().__init__()
        self.config = config = ParticleNetConfig() if config is None else config
        dim, hidden = config.embedding_dim, config.hidden
        self.embedding = nn.Sequential(nn.Linear(2 * dim, dim), nn.SiLU(), nn.Linear(dim, dim))
        self.initial = nn.Linear(dim, hidden)
        self.layers = nn.ModuleList(_MessageLayer(hidden, config.radial_basis, dim, config.vector_channels)
                                    for _ in range(config.layers))
        self.head = nn.Sequential(nn.Linear(hidden, hidden), nn.SiLU(), nn.Linear(hidden, 1))
        nn.init.zeros_(self.head[-1].weight)
        nn.init.zeros_(self.head[-1].bias)
        if config.vector_channels:
            self.vector_head = nn.Linear(config.vector_channels, 1, bias=False)
            nn.init.zeros_(self.vector_head.weight)
        self.register_buffer("centres", torch.linspace(0.0, config.r_cut, config.radial_basis), persistent=False)
        self.pair = PairPrior() if config.pair_prior else None

    def embed(self, sigma: torch.Tensor, temperature: torch.Tensor) -> torch.Tensor:
        """Joint embedding of noise level and temperature: ``[B], [B] → [B, embedding_dim]``."""
        dim = self.config.embedding_dim
        return self.embedding(torch.cat([sinusoidal_embedding(LOG_SIGMA_SCALE * torch.log(sigma), dim),
                                         sinusoidal_embedding(BETA_SCALE / temperature, dim)], dim=-1))

    def forward(self, x: torch.Tensor, sigma: torch.Tensor, temperature: torch.Tensor, *, box: float) -> torch.Tensor:
        """ε̂: ``x [B, N, 2], σ [B] > 0, temperature [B] > 0 → [B, N, 2]`` in a box of side ``box`` ≥ 2 r_cut."""
        if x.ndim != 3 or x.shape[-1] != 2 or x.shape[1] < 2:
            raise ValueError(f"x must have shape [B, N, 2] with N ≥ 2, got {list(x.shape)}")
        box = check_real("box", box, positive=True)
        if box < 2 * self.config.r_cut * (1 - 1e-12):
            raise ValueError(f"box {box:g} is smaller than 2·r_cut = {2 * self.config.r_cut:g} of the network")
        batch, N, _ = x.shape
        for name, value in (("sigma", sigma), ("temperature", temperature)):
            if value.shape != (batch,) or not bool((value > 0).all()) or not bool(torch.isfinite(value).all()):
                raise ValueError(f"{name} must be a positive finite tensor [{batch}]")
        sigma, temperature = sigma.to(x.dtype), temperature.to(x.dtype)
        return in_chunks(lambda *chunk: self._predict(*chunk, box), max(1, CHUNK_PAIRS // N**2), x, sigma, temperature)

    def _predict(self, x: torch.Tensor, sigma: torch.Tensor, temperature: torch.Tensor, box: float) -> torch.Tensor:
        """The forward pass of one chunk, inputs checked: ``[b, N, 2], [b], [b] → [b, N, 2]``."""
        batch, N, _ = x.shape
        embedding = self.embed(sigma, temperature)
        # Periodic pair features: minimum-image d_ij, radial basis of |d_ij|, smooth envelope to r_cut
        d = minimum_image(x.unsqueeze(2) - x.unsqueeze(1), box)  # [B, N, N, 2], d_ij = x_i − x_j
        r = torch.sqrt(d.square().sum(-1) + 1e-12)
        width = self.config.r_cut / (self.config.radial_basis - 1)
        rbf = torch.exp(-0.5 * ((r.unsqueeze(-1) - self.centres.to(x.dtype)) / width) ** 2)
        inside = (r < self.config.r_cut) & ~torch.eye(N, dtype=torch.bool, device=x.device)
        envelope = torch.where(inside, 0.5 * (torch.cos(math.pi * r / self.config.r_cut) + 1.0), torch.zeros_like(r))
        # Message passing over particles
        h = self.initial(embedding)[:, None, :].expand(batch, N, -1)
        v = x.new_zeros(batch, N, self.config.vector_channels, 2)
        for layer in self.layers:
            h, v, m = layer(h, v, d, rbf, envelope, embedding)
        # Equivariant output: ε̂_i = Σ_j d_ij φ(m_ij) (+ a mixture of the vectors v_i)
        weights = self.head(m).squeeze(-1) * envelope
        eps = (d * weights.unsqueeze(-1)).sum(dim=2) / NEIGHBOUR_SCALE
        if self.config.vector_channels:
            eps = eps + self.vector_head(v.transpose(-1, -2)).squeeze(-1)
        if self.pair is not None:
            # The dilute-gas score on the pairs computed above, clipped per particle like the force prior
            score = self.pair.from_pairs(d, r, sigma, temperature, box=box)
            limit = append_dims(self.config.force_clip / temperature, x.ndim)
            eps = eps - append_dims(sigma, x.ndim) * _clip_norms(score, limit)
        elif self.config.force_prior:
            eps = eps - self.prior_weight(sigma, temperature, x.ndim) * self.clipped_forces(x, box)
        return eps

    def prior_weight(self, sigma: torch.Tensor, temperature: torch.Tensor, ndim: int) -> torch.Tensor:
        """σ λ(σ)/T with λ = 1/(1 + (σ/σ_F)²): ``[B] → [B, 1, …]`` (``ndim`` axes)."""
        weight = sigma / (1.0 + (sigma / self.config.force_scale) ** 2) / temperature
        return append_dims(weight, ndim)

    def clipped_forces(self, x: torch.Tensor, box: float) -> torch.Tensor:
        """LJ forces with each particle's |F| clipped to ``force_clip``: ``[B, N, 2] → [B, N, 2]``."""
        return _clip_norms(forces(x, box), self.config.force_clip)


def _clip_norms(vectors: torch.Tensor, limit) -> torch.Tensor:
    """Each particle's vector scaled down to norm ≤ ``limit`` (a number or a broadcastable tensor): ``[B, N, 2]``."""
    return vectors / torch.clamp(vectors.norm(dim=-1, keepdim=True) / limit, min=1.0)
