"""Variance-exploding diffusion on the torus: x_t = x_0 + σ(t) ε taken modulo the box (wrapped Gaussian noise).

Forward process. dx = g(t) dw on [0, box)^{N×2} with σ(t) = σ_min (σ_max/σ_min)^t (Song et al.
2021, the VE SDE, eq. 30), so g(t)² = dσ²/dt = 2σ² log(σ_max/σ_min). Started from x_0, x_t is
the Gaussian N(x_0, σ²I) wrapped onto the torus: every coordinate independently, with density
p(x_t | x_0) ∝ Σ_{k∈ℤ} exp(−(d + k·box)²/(2σ²)), d the minimum-image x_t − x_0.

Prior. σ_max is the largest box the model is meant for: the wrapped Gaussian then differs from
uniform by ≤ 2 exp(−2π²σ²/box²) ≈ 5·10⁻⁹ (the first Fourier mode), so x_1 is drawn uniform.

Score target. The exact score of the wrapped Gaussian is
∇ log p(x_t | x_0) = −Σ_k w_k (d + k·box)/σ², w_k = softmax_k(−(d + k·box)²/(2σ²)).
We write it as −ε_eff/σ so the network can predict ε_eff like the ε of the unwrapped process
(ε_eff = ε exactly when σ ≪ box). The image sum runs over |k| ≤ K: since |d| ≤ box/2, image k
is at distance ≥ (|k| − ½)·box, and the dropped weight is below exp(−K(K+1)·box²/(2σ²)); K is
chosen per call so that this is below 10⁻¹² (K = ⌈7.5 σ/box⌉, at least 1).

Lifts. The samplers of :mod:`boltz.diffusion.sampling` move x in ℝ^{N×2} (a lift of the torus
point) with drift and noise as above; the network sees positions only through periodic features,
so it cannot tell a lift from its wrap, and the caller wraps once at the end. With this class as
the schedule (α = 1, λ = −log σ) the ``sde``, ``pc``, ``ode`` and ``ddim`` samplers are the VE
ones unchanged.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch

from boltz.diffusion.utils import append_dims, random_uniform
from boltz.validation import check_real

__all__ = ["WrappedVE", "wrap", "wrapped_eps"]


def wrap(x: torch.Tensor, box: float) -> torch.Tensor:
    """Coordinates mapped into [0, box): ``[...] → [...]`` (a rounding result of exactly box becomes 0)."""
    x = torch.remainder(x, box)
    return torch.where(x >= box, torch.zeros_like(x), x)


def wrapped_eps(displacement: torch.Tensor, sigma: torch.Tensor, box: float) -> torch.Tensor:
    """ε_eff with ∇ log p(x_t | x_0) = −ε_eff/σ for the wrapped Gaussian: displacement x_t − x_0 ``[B, ...]``, σ ``[B]`` → like displacement."""
    sigma = append_dims(sigma.to(displacement.dtype), displacement.ndim)
    d = displacement - box * torch.round(displacement / box)
    K = max(1, math.ceil(7.5 * float(sigma.max()) / box))
    images = d.unsqueeze(-1) + box * torch.arange(-K, K + 1, dtype=d.dtype, device=d.device)
    weights = torch.softmax(-images.square() / (2.0 * sigma.unsqueeze(-1) ** 2), dim=-1)
    return (weights * images).sum(-1) / sigma


@dataclass(frozen=True)
class WrappedVE:
    """σ(t) = σ_min (σ_max/σ_min)^t on t ∈ [t_min, 1], α ≡ 1, noise wrapped on the torus (see the module docstring)."""

    sigma_min: float = 0.01
    sigma_max: float = 10.0
    t_min: float = 0.0

    def __post_init__(self):
        low = check_real("sigma_min", self.sigma_min, positive=True)
        high = check_real("sigma_max", self.sigma_max, positive=True)
        if not low < high:
            raise ValueError(f"need sigma_min < sigma_max, got {low} and {high}")
        t_min = check_real("t_min", self.t_min)
        if not 0.0 <= t_min < 1.0:
            raise ValueError(f"t_min must lie in [0, 1), got {t_min}")

    @property
    def _log_ratio(self) -> float:
        return math.log(self.sigma_max / self.sigma_min)

    def alpha(self, t: torch.Tensor) -> torch.Tensor:
        """α ≡ 1 (variance exploding): ``[B] → [B]``."""
        return torch.ones_like(t)

    def sigma(self, t: torch.Tensor) -> torch.Tensor:
        """σ(t) = σ_min (σ_max/σ_min)^t: ``[B] → [B]``."""
        return self.sigma_min * torch.exp(t * self._log_ratio)

    def log_snr(self, t: torch.Tensor) -> torch.Tensor:
        """log(α²/σ²) = −2 log σ(t): ``[B] → [B]``."""
        return -2.0 * (math.log(self.sigma_min) + t * self._log_ratio)

    def t_from_log_snr(self, log_snr: torch.Tensor) -> torch.Tensor:
        """The inverse of :meth:`log_snr`: ``[B] → [B]``."""
        return (-0.5 * log_snr - math.log(self.sigma_min)) / self._log_ratio

    def marginal(self, x0: torch.Tensor, t: torch.Tensor, noise: torch.Tensor) -> torch.Tensor:
        """A lift of x_t: x_0 + σ(t) ε (wrap it for the torus point): x0, noise ``[B, N, 2]``, t ``[B]``."""
        return x0 + append_dims(self.sigma(t), x0.ndim) * noise

    def prior_sample(self, shape, *, box: float, generator: torch.Generator | None = None,
                     dtype: torch.dtype = torch.float32, device=None) -> torch.Tensor:
        """x_1 uniform on [0, box)^shape[1:]: ``shape`` = [B, N, 2]."""
        return box * random_uniform(shape, generator=generator, dtype=dtype, device=device)

    def drift_and_diffusion(self, x: torch.Tensor, t: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """f = 0 and g(t) = σ(t) √(2 log(σ_max/σ_min)) ``[B]``."""
        return torch.zeros_like(x), self.sigma(t) * math.sqrt(2.0 * self._log_ratio)

    def score_from_eps(self, eps: torch.Tensor, t: torch.Tensor) -> torch.Tensor:
        """∇ log p_t(x) = −ε/σ(t): eps ``[B, N, 2]``, t ``[B]``."""
        return -eps / append_dims(self.sigma(t), eps.ndim)
