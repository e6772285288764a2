"""Variance-preserving forward SDE dx = −½β(t) x dt + √β(t) dw on t ∈ [0, 1] (Song et al. 2021, eq. 11).

One forward process serves training and sampling. The trainer draws
x_t = α(t) x_0 + σ(t) ε from :meth:`~VariancePreserving.marginal` and regresses ε; the samplers
in :mod:`boltz.diffusion.sampling` reverse the very same SDE through the same schedule object.
Keeping the two consistent is the point: a network trained on one schedule and sampled with
another learns the wrong score.

Notation (every ``t`` is a float tensor, usually ``[B]``; results have its shape):

- β(t): the noise rate; the drift is f(x, t) = −½β(t) x and the diffusion g(t) = √β(t).
- α(t) = exp(−½∫₀ᵗ β(u) du): the mean coefficient of x_t | x_0 (√ᾱ_t in DDPM terms).
- σ(t) = √(1 − α(t)²): its standard deviation ("variance preserving": unit-variance data stay so).
- log-SNR(t) = log(α²/σ²), decreasing in t (DPM-Solver's λ is half of it).

A schedule is anything satisfying :class:`NoiseSchedule`. For the VP family a new schedule is a
small addition: subclass :class:`VariancePreserving` as a frozen dataclass and give three closed
forms, ``log_alpha(t)``, ``beta(t)`` = −2 d log α/dt and the inverse ``t_from_log_alpha``; the base
class derives α, σ, the log-SNR and its inverse, the marginal, the drift and the score.
:class:`CosineVPSDE` is such a second schedule.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

import torch

from boltz.diffusion.utils import append_dims, random_normal
from boltz.validation import check_real

__all__ = ["SCHEDULES", "VPSDE", "CosineVPSDE", "NoiseSchedule", "VariancePreserving"]


@runtime_checkable
class NoiseSchedule(Protocol):
    """What trainers and samplers may use of a forward process; ``t`` [B] in [t_min, 1]."""

    t_min: float

    def beta(self, t: torch.Tensor) -> torch.Tensor: ...

    def alpha(self, t: torch.Tensor) -> torch.Tensor: ...

    def sigma(self, t: torch.Tensor) -> torch.Tensor: ...

    def log_snr(self, t: torch.Tensor) -> torch.Tensor: ...

    def t_from_log_snr(self, log_snr: torch.Tensor) -> torch.Tensor: ...

    def marginal(self, x0: torch.Tensor, t: torch.Tensor, noise: torch.Tensor) -> torch.Tensor: ...

    def prior_sample(self, shape, *, generator: torch.Generator | None = None,
                     dtype: torch.dtype = torch.float32, device=None) -> torch.Tensor: ...

    def drift_and_diffusion(self, x: torch.Tensor, t: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]: ...

    def score_from_eps(self, eps: torch.Tensor, t: torch.Tensor) -> torch.Tensor: ...


def _softplus(x: torch.Tensor) -> torch.Tensor:
    """log(1 + eˣ), exact at every magnitude."""
    return torch.logaddexp(torch.zeros_like(x), x)


def _check_t_min(t_min) -> float:
    t_min = check_real("t_min", t_min)
    if not 0.0 < t_min < 1.0:
        raise ValueError(f"t_min must lie in (0, 1), got {t_min}")
    return t_min


class VariancePreserving:
    """The VP algebra shared by every schedule; subclasses give ``log_alpha``, ``beta`` and ``t_from_log_alpha``."""

    t_min: float

    def log_alpha(self, t: torch.Tensor) -> torch.Tensor:
        """log α(t) = −½∫₀ᵗ β(u) du: ``[B] → [B]``."""
        raise NotImplementedError

    def beta(self, t: torch.Tensor) -> torch.Tensor:
        """β(t) = −2 d log α/dt: ``[B] → [B]``."""
        raise NotImplementedError

    def t_from_log_alpha(self, log_alpha: torch.Tensor) -> torch.Tensor:
        """The inverse of :meth:`log_alpha`: ``[B] → [B]``."""
        raise NotImplementedError

    def alpha(self, t: torch.Tensor) -> torch.Tensor:
        """Mean coefficient α(t) of x_t | x_0 (√ᾱ in DDPM terms): ``[B] → [B]``."""
        return torch.exp(self.log_alpha(t))

    def sigma(self, t: torch.Tensor) -> torch.Tensor:
        """σ(t) = √(1 − α²) = √(−expm1(2 log α)), accurate for small t: ``[B] → [B]``."""
        return torch.sqrt(-torch.expm1(2.0 * self.log_alpha(t)))

    def log_snr(self, t: torch.Tensor) -> torch.Tensor:
        """log-SNR(t) = log(α²/σ²), decreasing in t: ``[B] → [B]``."""
        two_log_alpha = 2.0 * self.log_alpha(t)
        return two_log_alpha - torch.log(-torch.expm1(two_log_alpha))

    def t_from_log_snr(self, log_snr: torch.Tensor) -> torch.Tensor:
        """The inverse of :meth:`log_snr`: α² = sigmoid(log-SNR), so log α = −½ softplus(−log-SNR): ``[B] → [B]``."""
        return self.t_from_log_alpha(-0.5 * _softplus(-log_snr))

    def marginal(self, x0: torch.Tensor, t: torch.Tensor, noise: torch.Tensor) -> torch.Tensor:
        """Forward marginal x_t = α(t) x_0 + σ(t) ε: x0, noise ``[B, C, L, L]``, t ``[B]`` → ``[B, C, L, L]``."""
        return append_dims(self.alpha(t), x0.ndim) * x0 + append_dims(self.sigma(t), x0.ndim) * noise

    def prior_sample(self, shape, *, generator: torch.Generator | None = None,
                     dtype: torch.dtype = torch.float32, device=None) -> torch.Tensor:
        """x_1 ~ N(0, I) of the given ``shape`` (``[B, C, L, L]``); α(1) ≈ 0 makes this the t = 1 marginal."""
        return random_normal(shape, generator=generator, dtype=dtype, device=device)

    def drift_and_diffusion(self, x: torch.Tensor, t: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """f(x, t) = −½β(t) x ``[B, C, L, L]`` and g(t) = √β(t) ``[B]``."""
        beta = self.beta(t)
        return -0.5 * append_dims(beta, x.ndim) * x, torch.sqrt(beta)

    def score_from_eps(self, eps: torch.Tensor, t: torch.Tensor) -> torch.Tensor:
        """∇ log p_t(x) = −ε/σ(t) for the noise ε in x_t: eps ``[B, C, L, L]``, t ``[B]`` → ``[B, C, L, L]``."""
        return -eps / append_dims(self.sigma(t), eps.ndim)


@dataclass(frozen=True)
class VPSDE(VariancePreserving):
    """Linear schedule β(t) = β_min + t(β_max − β_min) (Song et al. 2021, the continuous DDPM)."""

    beta_min: float = 0.1
    beta_max: float = 20.0
    t_min: float = 1e-3

    def __post_init__(self):
        beta_min = check_real("beta_min", self.beta_min)
        beta_max = check_real("beta_max", self.beta_max)
        if not 0.0 < beta_min < beta_max:
            raise ValueError(f"need 0 < beta_min < beta_max, got beta_min = {beta_min}, beta_max = {beta_max}")
        _check_t_min(self.t_min)

    def beta(self, t: torch.Tensor) -> torch.Tensor:
        """β(t) = β_min + t(β_max − β_min): ``[B] → [B]``."""
        return self.beta_min + t * (self.beta_max - self.beta_min)

    def log_alpha(self, t: torch.Tensor) -> torch.Tensor:
        """log α(t) = −¼t²(β_max − β_min) − ½tβ_min: ``[B] → [B]``."""
        return -0.25 * t**2 * (self.beta_max - self.beta_min) - 0.5 * t * self.beta_min

    def t_from_log_alpha(self, log_alpha: torch.Tensor) -> torch.Tensor:
        """Positive root of ¼Δβ t² + ½β_min t + log α = 0, in the cancellation-free form: ``[B] → [B]``."""
        delta = self.beta_max - self.beta_min
        return -4.0 * log_alpha / (self.beta_min + torch.sqrt(self.beta_min**2 - 4.0 * delta * log_alpha))


@dataclass(frozen=True)
class CosineVPSDE(VariancePreserving):
    """Cosine schedule ᾱ(τ) = cos²(θ(τ))/cos²(θ(0)), θ(τ) = (τ + s)/(1 + s)·π/2 (Nichol & Dhariwal 2021).

    At τ = 1 the cosine reaches ᾱ = 0 with β = ∞, so the schedule runs τ = τ_max·t over
    t ∈ [0, 1] with τ_max = 0.9946 (the truncation DPM-Solver uses, Lu et al. 2022): β stays
    finite and α(1) ≈ 0.0084, next to the linear schedule's 0.0066. β(t) = −d log ᾱ/dt in t.
    β still climbs to ≈ 368 at t = 1 (linear: 20), so Euler–Maruyama samplers need a fine t grid
    here; the log-SNR samplers (ODE, DDIM) do not care.
    """

    s: float = 0.008
    tau_max: float = 0.9946
    t_min: float = 1e-3

    def __post_init__(self):
        check_real("s", self.s, positive=True)
        tau_max = check_real("tau_max", self.tau_max)
        if not 0.0 < tau_max < 1.0:
            raise ValueError(f"tau_max must lie in (0, 1), got {tau_max}")
        _check_t_min(self.t_min)

    def _theta0(self) -> float:
        """θ(0) = s/(1 + s)·π/2."""
        return self.s / (1.0 + self.s) * (0.5 * math.pi)

    def _delta(self, t: torch.Tensor) -> torch.Tensor:
        """δ(t) = θ(τ_max t) − θ(0) = τ_max t/(1 + s)·π/2: ``[B] → [B]``."""
        return t * (self.tau_max / (1.0 + self.s) * 0.5 * math.pi)

    def log_alpha(self, t: torch.Tensor) -> torch.Tensor:
        """log α(t) = log[cos(θ0 + δ)/cos θ0] = log1p(−2 sin²(δ/2) − tan θ0 sin δ), precise for small t: ``[B] → [B]``."""
        delta = self._delta(t)
        return torch.log1p(-2.0 * torch.sin(0.5 * delta) ** 2 - math.tan(self._theta0()) * torch.sin(delta))

    def beta(self, t: torch.Tensor) -> torch.Tensor:
        """β(t) = −d log ᾱ/dt = 2 tan θ · dθ/dt, dθ/dt = τ_max π / (2(1 + s)): ``[B] → [B]``."""
        return self.tau_max * math.pi / (1.0 + self.s) * torch.tan(self._theta0() + self._delta(t))

    def t_from_log_alpha(self, log_alpha: torch.Tensor) -> torch.Tensor:
        """Solve cos θ = α cos θ0 as θ = atan2(√(1 − α² cos²θ0), α cos θ0), then t = (θ − θ0)/(dθ/dt): ``[B] → [B]``.

        1 − α² cos²θ0 = sin²θ0 − cos²θ0 expm1(2 log α) keeps the precision of small t.
        """
        theta0 = self._theta0()
        sin_theta = torch.sqrt(math.sin(theta0) ** 2 - math.cos(theta0) ** 2 * torch.expm1(2.0 * log_alpha))
        theta = torch.atan2(sin_theta, math.cos(theta0) * torch.exp(log_alpha))
        return (theta - theta0) / (self.tau_max / (1.0 + self.s) * 0.5 * math.pi)


# Names for the UI and the CLI: each maps to a class whose defaults are a sensible schedule.
SCHEDULES = {"linear": VPSDE, "cosine": CosineVPSDE}
