"""Score network for Ising lattices: a periodic U-Net ε̂(x, t, T) (Ronneberger 2015 U-Net; Ho et al. 2020 DDPM).

Lattices are batched ``[B, 1, L, L]`` float tensors on the L×L torus, ``t`` is the
diffusion time in [0, 1] and ``temperature`` the Boltzmann temperature T > 0, both
``[B]`` (a scalar is broadcast). The network returns the predicted noise ε̂, ``[B, 1, L, L]``.

Symmetries of the Ising torus and what the network does with each:

- Translations. Every convolution pads circularly and the only global operations
  (GroupNorm statistics, the global-context mean) are sums over the whole lattice,
  so the network commutes with ``torch.roll`` by any shift that maps the
  down-sampling grid onto itself: multiples of 2^(levels−1) sites along each axis
  (4 with the default three levels). With ``dilated=True`` the stride-2
  down-sampling is replaced by dilation 2^k at level k (the à-trous, undecimated
  form of the same U-Net, Yu & Koltun 2016 dilated convolutions): every level then
  runs at full resolution and the network commutes with every integer shift, for
  any L ≥ 2^levels, at ≈5× the compute with the default widths (309 against 64
  kFLOP per site). The parameters have the same shapes in both forms, but the two
  compute different functions: fix the form before training.
- Global spin flip x → −x. At zero field the Boltzmann density is even, so the
  optimal noise prediction is odd, ε̂(−x) = −ε̂(x). ``antisymmetric=True`` enforces
  this exactly with f(x) = ½ (g(x) − g(−x)), at twice the compute. Turn it off for
  a field h ≠ 0, where the symmetry does not hold.
- Rotations and reflections of the square lattice are not built in: the network is
  only approximately equivariant under them, as far as training teaches it.

The embedding of t (sinusoidal features of 1000·t) and of β = 1/T (sinusoidal
features of 1000·β; the Boltzmann weight depends on T only through βE) is mixed by
an MLP and enters every residual block by FiLM. The output convolution starts at
zero, so an untrained network predicts ε̂ = 0.

Checkpoints: ``config.to_dict()`` (JSON) next to ``state_dict()``; rebuild with
``PeriodicUNet(UNetConfig.from_dict(...))``.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, fields

import torch
import torch.nn.functional as F
from torch import nn

from boltz.diffusion.utils import append_dims, in_chunks
from boltz.validation import check_int

__all__ = [
    "BETA_SCALE",
    "CHUNK_SITES",
    "TIME_SCALE",
    "GlobalContext",
    "PeriodicUNet",
    "ResidualBlock",
    "UNetConfig",
    "sinusoidal_embedding",
]

TIME_SCALE = 1000.0  # t ∈ [0, 1] is embedded as 1000·t, the step range of DDPM
BETA_SCALE = 1000.0  # β = 1/T is embedded as 1000·β (T_c ≈ 2.269 sits at ≈ 441)
CHUNK_SITES = 2**16  # lattice sites per forward chunk: 64 lattices of 32×32, 256 of 16×16


@dataclass(frozen=True)
class UNetConfig:
    """Shape of a :class:`PeriodicUNet`; ``to_dict``/``from_dict`` round-trip through JSON.

    channels:        feature channels at full resolution.
    channel_mults:   one factor per level; level k has ``channels·channel_mults[k]``
                     channels and (unless ``dilated``) side L / 2^k.
    blocks_per_level: residual blocks per level, in the encoder and in the decoder.
    embedding_dim:   width of the sinusoidal features and of the (t, T) embedding (even).
    groups:          GroupNorm groups; must divide every level's channel count.
    conditional:     embed the temperature as well as t (``forward`` then needs it).
    antisymmetric:   enforce ε̂(−x) = −ε̂(x) exactly (valid at zero field; 2× compute).
    dilated:         à-trous form: exact under every integer shift, any L (slower).
    global_context:  add the lattice mean of the bottom features back to every site,
                     a translation-invariant path to the whole lattice (magnetization).
    """

    channels: int = 16
    channel_mults: tuple[int, ...] = (1, 2, 2)
    blocks_per_level: int = 1
    embedding_dim: int = 64
    groups: int = 8
    conditional: bool = True
    antisymmetric: bool = True
    dilated: bool = False
    global_context: bool = True

    def __post_init__(self):
        check_int("channels", self.channels, minimum=1, maximum=1024)
        mults = self.channel_mults
        if isinstance(mults, (str, bytes)) or not hasattr(mults, "__iter__"):
            raise ValueError(f"channel_mults must be a sequence of integers, got {mults!r}")
        mults = tuple(check_int("channel_mults", m, minimum=1, maximum=64) for m in mults)
        if not 1 <= len(mults) <= 10:
            raise ValueError(f"channel_mults must name 1 to 10 levels, got {len(mults)}")
        object.__setattr__(self, "channel_mults", mults)
        check_int("blocks_per_level", self.blocks_per_level, minimum=1, maximum=16)
        check_int("embedding_dim", self.embedding_dim, minimum=2, maximum=4096)
        if self.embedding_dim % 2:
            raise ValueError(f"embedding_dim must be even, got {self.embedding_dim}")
        check_int("groups", self.groups, minimum=1, maximum=1024)
        for width in self.widths:
            if width % self.groups:
                raise ValueError(f"groups={self.groups} must divide every level's channels, got {width}")
        for name in ("conditional", "antisymmetric", "dilated", "global_context"):
            if not isinstance(getattr(self, name), bool):
                raise ValueError(f"{name} must be true or false, got {getattr(self, name)!r}")

    @property
    def widths(self) -> tuple[int, ...]:
        """Channels of each level, full resolution first."""
        return tuple(self.channels * m for m in self.channel_mults)

    @property
    def downsamplings(self) -> int:
        """How many times the lattice is halved (or the dilation doubled): ``len(channel_mults) − 1``."""
        return len(self.channel_mults) - 1

    def check_lattice(self, L: int) -> int:
        """L if the network runs on an L×L torus, else ``ValueError``.

        The strided form needs L divisible by 2^downsamplings; both forms need
        L ≥ 2^(downsamplings+1), so the coarsest grid (or the widest dilation) is
        at least 2 sites across.
        """
        L = check_int("L", L, minimum=1)
        step, smallest = 2**self.downsamplings, 2 ** (self.downsamplings + 1)
        if L < smallest:
            raise ValueError(f"L must be >= {smallest} for a U-Net with {self.downsamplings} down-samplings, got {L}")
        if not self.dilated and L % step:
            raise ValueError(
                f"L must be a multiple of {step} (the U-Net halves the lattice {self.downsamplings} times), got {L}"
            )
        return L

    def to_dict(self) -> dict:
        """Plain JSON-ready dict (``channel_mults`` as a list)."""
        out = asdict(self)
        out["channel_mults"] = list(self.channel_mults)
        return out

    @classmethod
    def from_dict(cls, data: dict) -> UNetConfig:
        """Inverse of :meth:`to_dict`; unknown keys raise ``ValueError``, missing keys take defaults."""
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(data) - known)
        if unknown:
            raise ValueError(f"unknown UNetConfig keys: {', '.join(unknown)}")
        return cls(**data)


def sinusoidal_embedding(values: torch.Tensor, dim: int, *, max_period: float = 10_000.0) -> torch.Tensor:
    """Sinusoidal features of one scalar per item (Vaswani 2017 sinusoidal embedding): ``[B] → [B, dim]``.

    Half cosines, half sines, at frequencies from 1 down to 1/max_period (geometric).
    """
    half = dim // 2
    freqs = torch.exp(-math.log(max_period) * torch.arange(half, dtype=torch.float32, device=values.device) / half)
    args = values.to(torch.float32).unsqueeze(-1) * freqs
    return torch.cat([torch.cos(args), torch.sin(args)], dim=-1)


def circular_pad(x: torch.Tensor, pad: int) -> torch.Tensor:
    """Wrap ``pad`` sites around both lattice axes, keeping x's memory format: ``[B, C, H, W] → [B, C, H+2p, W+2p]``.

    Same values as ``F.pad(x, (p, p, p, p), mode="circular")``, which returns a
    contiguous tensor even for a channels-last input; the convolutions run about
    1.5× faster on CPU when their input stays channels-last.
    """
    B, C, H, W = x.shape
    if pad > H or pad > W:
        raise ValueError(f"circular padding of {pad} sites needs a lattice at least that wide, got {H}×{W}")
    layout = torch.channels_last if x.is_contiguous(memory_format=torch.channels_last) else torch.contiguous_format
    out = torch.empty((B, C, H + 2 * pad, W + 2 * pad), dtype=x.dtype, device=x.device, memory_format=layout)
    out[:, :, pad : H + pad, pad : W + pad] = x
    out[:, :, pad : H + pad, :pad] = x[..., W - pad :]
    out[:, :, pad : H + pad, W + pad :] = x[..., :pad]
    out[:, :, :pad, :] = out[:, :, H : H + pad, :]
    out[:, :, H + pad :, :] = out[:, :, pad : 2 * pad, :]
    return out


class PeriodicConv2d(nn.Conv2d):
    """3×3 convolution on the torus (circular padding): ``[B, C_in, L, L] → [B, C_out, L/stride, L/stride]``."""

    def __init__(self, in_channels: int, out_channels: int, *, stride: int = 1, dilation: int = 1, bias: bool = True):
        super().__init__(in_channels, out_channels, 3, stride=stride, padding=0, dilation=dilation, bias=bias)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return F.conv2d(circular_pad(x, self.dilation[0]), self.weight, self.bias, self.stride, 0, self.dilation)


class ResidualBlock(nn.Module):
    """Residual block with FiLM conditioning (Ho et al. 2020 DDPM; Perez 2018 FiLM): ``[B, C_in, L, L] → [B, C_out, L, L]``.

    GroupNorm–SiLU–conv, then GroupNorm–FiLM–SiLU–conv, plus the skip path.
    The embedding ``[B, E]`` sets a per-channel scale and shift after the second
    GroupNorm. A 1×1 convolution matches the skip path when C_in ≠ C_out.
    """

    def __init__(self, in_channels: int, out_channels: int, *, embedding_dim: int, groups: int, dilation: int = 1):
        super().__init__()
        self.norm1 = nn.GroupNorm(groups, in_channels)
        self.conv1 = PeriodicConv2d(in_channels, out_channels, dilation=dilation)
        self.film = nn.Linear(embedding_dim, 2 * out_channels)
        self.norm2 = nn.GroupNorm(groups, out_channels)
        self.conv2 = PeriodicConv2d(out_channels, out_channels, dilation=dilation)
        self.skip = nn.Identity() if in_channels == out_channels else nn.Conv2d(in_channels, out_channels, 1)

    def forward(self, x: torch.Tensor, embedding: torch.Tensor) -> torch.Tensor:
        h = self.conv1(F.silu(self.norm1(x)))
        scale, shift = self.film(F.silu(embedding)).chunk(2, dim=-1)
        h = self.norm2(h) * (1.0 + append_dims(scale, h.ndim)) + append_dims(shift, h.ndim)
        h = self.conv2(F.silu(h))
        return h + self.skip(x)


class GlobalContext(nn.Module):
    """Adds a linear map of the lattice-mean features to every site: ``[B, C, L, L] → [B, C, L, L]``.

    The mean over the torus is invariant under every translation, so this reaches
    the whole lattice without breaking translation equivariance.
    """

    def __init__(self, channels: int):
        super().__init__()
        self.proj = nn.Linear(channels, channels)

    def forward(self, h: torch.Tensor) -> torch.Tensor:
        return h + append_dims(self.proj(h.mean(dim=(-2, -1))), h.ndim)


class _Downsample(nn.Module):
    """Level k → k+1: stride-2 3×3 conv, or (dilated) the same taps at dilation 2^k and stride 1."""

    def __init__(self, in_channels: int, out_channels: int, *, level: int, dilated: bool):
        super().__init__()
        if dilated:
            self.conv = PeriodicConv2d(in_channels, out_channels, dilation=2**level)
        else:
            self.conv = PeriodicConv2d(in_channels, out_channels, stride=2)

    def forward(self, h: torch.Tensor) -> torch.Tensor:
        return self.conv(h)


class _Upsample(nn.Module):
    """Level k+1 → k: 3×3 conv on the coarse grid, then nearest ×2 (dilated: dilation 2^(k+1), no resize)."""

    def __init__(self, in_channels: int, out_channels: int, *, level: int, dilated: bool):
        super().__init__()
        self.dilated = dilated
        self.conv = PeriodicConv2d(in_channels, out_channels, dilation=2 ** (level + 1) if dilated else 1)

    def forward(self, h: torch.Tensor) -> torch.Tensor:
        h = self.conv(h)
        return h if self.dilated else F.interpolate(h, scale_factor=2.0, mode="nearest")


def _per_item(value, batch: int, name: str, like: torch.Tensor) -> torch.Tensor:
    """``value`` as a ``[B]`` tensor in ``like``'s dtype and device; a scalar is broadcast."""
    value = torch.as_tensor(value, dtype=like.dtype, device=like.device)
    if value.ndim == 0:
        value = value.expand(batch)
    if value.shape != (batch,):
        raise ValueError(f"{name} must have shape [{batch}] (one per lattice), got {list(value.shape)}")
    if not bool(torch.isfinite(value).all()):
        raise ValueError(f"{name} must be finite")
    return value


class PeriodicUNet(nn.Module):
    """Noise predictor on the L×L torus (Ronneberger 2015 U-Net; Ho et al. 2020 DDPM): ``[B, 1, L, L] → [B, 1, L, L]``.

    Encoder: per level ``blocks_per_level`` residual blocks, then a down-sampling
    conv. Bottom: global context and one residual block. Decoder: per level the
    encoder's features are concatenated back in, ``blocks_per_level`` residual
    blocks follow, then an up-sampling conv. Fully convolutional: one set of weights
    serves every L that :meth:`UNetConfig.check_lattice` accepts.
    """

    def __init__(self, config: UNetConfig | None = None):
        super().__init__()
        self.config = config = UNetConfig() if config is None else config
        widths, dim = config.widths, config.embedding_dim
        dilated, groups = config.dilated, config.groups

        def dilation(level: int) -> int:
            return 2**level if dilated else 1

        def block(c_in: int, c_out: int, level: int) -> ResidualBlock:
            return ResidualBlock(c_in, c_out, embedding_dim=dim, groups=groups, dilation=dilation(level))

        n_inputs = 2 if config.conditional else 1
        self.embedding = nn.Sequential(nn.Linear(n_inputs * dim, dim), nn.SiLU(), nn.Linear(dim, dim))
        self.stem = PeriodicConv2d(1, widths[0])
        self.encoder = nn.ModuleList(
            nn.ModuleList(block(w, w, k) for _ in range(config.blocks_per_level)) for k, w in enumerate(widths)
        )
        self.downsamples = nn.ModuleList(
            _Downsample(widths[k], widths[k + 1], level=k, dilated=dilated) for k in range(config.downsamplings)
        )
        bottom = len(widths) - 1
        self.context = GlobalContext(widths[-1]) if config.global_context else nn.Identity()
        self.middle = block(widths[-1], widths[-1], bottom)
        self.decoder = nn.ModuleList(
            nn.ModuleList(block(2 * w if i == 0 else w, w, k) for i in range(config.blocks_per_level))
            for k, w in enumerate(widths)
        )
        self.upsamples = nn.ModuleList(
            _Upsample(widths[k + 1], widths[k], level=k, dilated=dilated) for k in range(config.downsamplings)
        )
        self.head_norm = nn.GroupNorm(groups, widths[0])
        # An output bias would cancel in ½ (g(x) − g(−x)): the antisymmetric head has none.
        self.head = PeriodicConv2d(widths[0], 1, bias=not config.antisymmetric)
        nn.init.zeros_(self.head.weight)
        if self.head.bias is not None:
            nn.init.zeros_(self.head.bias)

    def embed(self, t: torch.Tensor, temperature: torch.Tensor | None) -> torch.Tensor:
        """Joint embedding of diffusion time and temperature: ``[B], [B] → [B, embedding_dim]``."""
        dim = self.config.embedding_dim
        features = [sinusoidal_embedding(TIME_SCALE * t, dim)]
        if temperature is not None:
            features.append(sinusoidal_embedding(BETA_SCALE / temperature, dim))
        return self.embedding(torch.cat(features, dim=-1))

    def _predict(self, x: torch.Tensor, embedding: torch.Tensor) -> torch.Tensor:
        """The unsymmetrised network g: ``[B, 1, L, L], [B, E] → [B, 1, L, L]``."""
        h = self.stem(x).contiguous(memory_format=torch.channels_last)  # ≈1.5× faster convolutions on CPU
        skips = []
        for level, blocks in enumerate(self.encoder):
            for block in blocks:
                h = block(h, embedding)
            skips.append(h)
            if level < len(self.downsamples):
                h = self.downsamples[level](h)
        h = self.middle(self.context(h), embedding)
        for level in reversed(range(len(self.decoder))):
            h = torch.cat([h, skips.pop()], dim=1)
            for block in self.decoder[level]:
                h = block(h, embedding)
            if level > 0:
                h = self.upsamples[level - 1](h)
        # Under bfloat16 autocast the output returns to the input's float32, where the solver works
        return self.head(F.silu(self.head_norm(h))).to(x.dtype).contiguous()

    def forward(self, x: torch.Tensor, t, temperature=None) -> torch.Tensor:
        """ε̂(x, t, T): ``x [B, 1, L, L], t [B] in [0, 1], temperature [B] (T > 0) → [B, 1, L, L]``.

        ``temperature`` is required when ``config.conditional`` and must be None otherwise.
        """
        if x.ndim != 4 or x.shape[1] != 1 or x.shape[-1] != x.shape[-2]:
            raise ValueError(f"x must have shape [B, 1, L, L], got {list(x.shape)}")
        if x.dtype != self.stem.weight.dtype:
            raise ValueError(f"x must be {self.stem.weight.dtype} like the network's parameters, got {x.dtype}")
        self.config.check_lattice(x.shape[-1])
        batch = x.shape[0]
        t = _per_item(t, batch, "t", x)
        if bool(((t < 0) | (t > 1)).any()):
            raise ValueError("t must lie in [0, 1]")
        if self.config.conditional:
            if temperature is None:
                raise ValueError("this network is conditional: pass a temperature")
            temperature = _per_item(temperature, batch, "temperature", x)
            if not bool((temperature > 0).all()):
                raise ValueError("temperature must be > 0")
        elif temperature is not None:
            raise ValueError("this network is unconditional (conditional=False): pass temperature=None")
        embedding = self.embed(t, temperature)
        # Large batches run in chunks of ≈ CHUNK_SITES sites, so each layer's activations stay in cache.
        chunk = max(1, CHUNK_SITES // (x.shape[-1] ** 2 * (2 if self.config.antisymmetric else 1)))
        return in_chunks(self._symmetrised, chunk, x, embedding)

    def _symmetrised(self, x: torch.Tensor, embedding: torch.Tensor) -> torch.Tensor:
        """½ (g(x) − g(−x)) if ``antisymmetric``, else g(x): ``[B, 1, L, L], [B, E] → [B, 1, L, L]``."""
        if not self.config.antisymmetric:
            return self._predict(x, embedding)
        both = self._predict(torch.cat([x, -x]), torch.cat([embedding, embedding]))
        plus, minus = both.chunk(2)
        return 0.5 * (plus - minus)
