"""Reverse-time samplers for the ε-prediction diffusion model: SDE, ancestral SDE, stochastic Adams, probability-flow ODE, predictor–corrector, DDIM.

Every sampler has one signature::

    sample_xxx(model, x, schedule, *, steps=100, condition=None, callback=None, generator=None, t_start=1.0) -> x̂_0

- ``model(x_t, t, condition) -> ε̂``: the network's estimate of the noise ε in
  x_t = α(t) x_0 + σ(t) ε, trained on the *same* ``schedule`` (any
  :class:`~boltz.diffusion.sde.NoiseSchedule`). x_t ``[B, C, L, L]`` (C = 1 for spins, float32),
  t ``[B]`` of x's dtype, condition ``[B]`` (temperatures) or None, passed through untouched;
  ε̂ has x's shape. The caller puts a network in eval mode.
- ``x``: the start ``[B, C, L, L]``, the prior sample x_1 ~ N(0, I) (``schedule.prior_sample``) when ``t_start`` is 1;
  not modified.
- ``t_start``: the level the reverse process starts from, in (t_min, 1]. Below 1, ``x`` is a sample of p_{t_start},
  e.g. data noised by the forward process to t_start, and only the reverse process below t_start is run
  (SDEdit, Meng et al. 2022): paired with the data it was noised from, it shows which stretch of the
  reverse process makes a sampler's error (``boltz.partial_denoising``).
- ``generator``: the only source of randomness (None: torch's default generator). The ODE and
  DDIM samplers are deterministic and accept it for the common signature.

From ε̂ come the score s = ∇ log p_t(x) ≈ −ε̂/σ(t) and the denoised mean (Tweedie)
x̂_0 = E[x_0 | x_t] ≈ (x_t − σ ε̂)/α.

Time grid and step count. ``steps`` = N noise levels t_start = t_0 > t_1 > … > t_{N−1} = t_min
(uniform in t for ``sde`` and ``pc``, uniform in log-SNR for ``ancestral``, ``sa``, ``ode`` and ``ddim``; just
t_0 = t_start when N = 1). The sampler moves x from level to level; at the last level it returns the denoised mean
x̂_0 instead of the noisy x_{t_min}: x_{t_min}
still carries Gaussian noise of std σ(t_min) (≈ 0.01 for the linear schedule) around the data,
which x̂_0 removes for one more network evaluation. That final step is noise-free; it is the
Euler step to σ = 0 that ends Karras et al.'s Algorithm 1 and the DDIM step to α = 1. Network
evaluations (NFE): ``sde``, ``ancestral``, ``sa`` and ``ddim`` N, ``ode`` 2N − 1, ``pc`` N + M(N − 1) with M corrector steps.

Which one: Euler–Maruyama (``sde``, ``pc``) is first order in Δt and needs N ≳ 100 (with N ≤ 20
it visibly mis-weights the modes of sharp ±1 data); ``ancestral`` integrates the same reverse SDE
with its linear part exact but, using x̂_0 for x_0, makes samples too narrow (twice DDIM's error; on
the Ising model too ordered below T_c at N = 50, README); ``sa`` (stochastic Adams, third order in the
step with its corrector) integrates the same reverse SDE and is converged on Gaussian data at N = 50
(spread within 0.1%), where the first-order stochastic solvers are 1–9% off; ``ode`` (Heun, second order) is accurate to
< 1% from N ≈ 50; ``ddim`` is the cheapest per level but first order, its samples slightly too
narrow (a Gaussian's spread by ≈ 5% at N = 50, 2.4% at N = 100).

``callback`` (optional) is called once per level, after the network has been evaluated there,
with ``{"step": i, "steps": N, "t": t_i, "sigma": σ(t_i), "x": x_{t_i}, "denoised": x̂_0(x_{t_i})}``,
i = 1 … N. The tensors are the sampler's own (no copies): read them, never modify them in place.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import torch

from boltz.diffusion.sde import NoiseSchedule
from boltz.diffusion.utils import append_dims, random_normal, random_uniform
from boltz.validation import CORRECTOR_STEPS, STEPS, Parameter, check_int, check_real

__all__ = ["CORRECTORS", "SAMPLERS", "adams_weights", "levels_below", "project_spins", "sample_ancestral", "sample_ddim",
           "sample_ode", "sample_pc", "sample_sa", "sample_sde"]

Model = Callable[[torch.Tensor, torch.Tensor, "torch.Tensor | None"], torch.Tensor]


@dataclass(frozen=True)
class _Prediction:
    """The network's view of x at one level t shared by the batch: t ``[1]``; α, σ ``[1, 1, …, 1]``; ε̂, s, x̂_0 like x."""

    t: torch.Tensor
    alpha: torch.Tensor
    sigma: torch.Tensor
    eps: torch.Tensor
    score: torch.Tensor
    denoised: torch.Tensor


def _predict(model: Model, schedule: NoiseSchedule, x: torch.Tensor, t: float, condition) -> _Prediction:
    """Evaluate ε̂ = model(x, t, condition) and derive s = −ε̂/σ and x̂_0 = (x − σ ε̂)/α."""
    t_vec = torch.full((x.shape[0],), t, dtype=x.dtype, device=x.device)
    eps = model(x, t_vec, condition)
    if not isinstance(eps, torch.Tensor) or eps.shape != x.shape:
        shape = tuple(eps.shape) if isinstance(eps, torch.Tensor) else type(eps).__name__
        raise ValueError(f"model must return ε̂ of x's shape {tuple(x.shape)}, got {shape}")
    t_one = t_vec[:1]  # every sample is at the same level: schedule coefficients once, broadcast over B
    alpha = append_dims(schedule.alpha(t_one), x.ndim)
    sigma = append_dims(schedule.sigma(t_one), x.ndim)
    return _Prediction(t=t_one, alpha=alpha, sigma=sigma, eps=eps,
                       score=schedule.score_from_eps(eps, t_one), denoised=(x - sigma * eps) / alpha)


def _report(callback, step: int, times: list[float], x: torch.Tensor, pred: _Prediction) -> None:
    if callback is not None:
        callback({"step": step + 1, "steps": len(times), "t": times[step], "sigma": float(pred.sigma.flatten()[0]),
                  "x": x, "denoised": pred.denoised})


def _check_inputs(x, steps, condition, schedule: NoiseSchedule, t_start) -> tuple[int, float]:
    """Validate the common arguments; returns ``steps`` as an int and ``t_start`` as a float in (t_min, 1]."""
    if not isinstance(x, torch.Tensor) or not x.is_floating_point() or x.ndim < 2 or x.shape[0] < 1:
        raise ValueError("x must be a floating-point tensor [B, C, L, L] with B ≥ 1")
    if not bool(torch.isfinite(x).all()):
        raise ValueError("x must be finite")
    steps = STEPS.check(steps)
    if condition is not None:
        if not isinstance(condition, torch.Tensor) or condition.shape != (x.shape[0],):
            raise ValueError(f"condition must be None or a tensor [B] = [{x.shape[0]}]")
        if not bool(torch.isfinite(condition).all()):
            raise ValueError("condition must be finite")
    return steps, _check_t_start(schedule, t_start)


def _check_t_start(schedule: NoiseSchedule, t_start) -> float:
    t_start = check_real("t_start", t_start)
    if not schedule.t_min < t_start <= 1.0:
        raise ValueError(f"t_start must lie in (t_min, 1] = ({schedule.t_min:g}, 1], got {t_start:g}")
    return t_start


def _uniform_times(schedule: NoiseSchedule, steps: int, t_start: float) -> list[float]:
    """t_i = t_s − i(t_s − t_min)/(N − 1), i = 0 … N − 1, t_s = ``t_start`` (``[t_s]`` when N = 1)."""
    return torch.linspace(t_start, schedule.t_min, steps, dtype=torch.float64).tolist()


def _log_snr_times(schedule: NoiseSchedule, steps: int, t_start: float) -> list[float]:
    """N levels equally spaced in log-SNR from t = ``t_start`` to t = t_min (DPM-Solver's few-step grid)."""
    if steps == 1:
        return [t_start]
    ends = schedule.log_snr(torch.tensor([t_start, schedule.t_min], dtype=torch.float64))
    times = schedule.t_from_log_snr(torch.linspace(float(ends[0]), float(ends[1]), steps, dtype=torch.float64))
    times[0], times[-1] = t_start, schedule.t_min  # exact ends, free of inversion round-off
    return times.tolist()


def _noise(x: torch.Tensor, generator: torch.Generator | None) -> torch.Tensor:
    """z ~ N(0, I) like x, from ``generator``."""
    return random_normal(x.shape, generator=generator, dtype=x.dtype, device=x.device)


def _reverse_euler_maruyama(schedule: NoiseSchedule, x: torch.Tensor, pred: _Prediction, dt: float,
                            generator: torch.Generator | None) -> torch.Tensor:
    """x ← x − [f − g² s] Δt + g √Δt z, one reverse-time step of length Δt > 0 (Song et al. 2021, eq. 6)."""
    f, g = schedule.drift_and_diffusion(x, pred.t)
    g = append_dims(g, x.ndim)
    return x - (f - g**2 * pred.score) * dt + g * math.sqrt(dt) * _noise(x, generator)


@torch.no_grad()
def sample_sde(model: Model, x: torch.Tensor, schedule: NoiseSchedule, *, steps: int = 100, condition=None,
               callback=None, generator: torch.Generator | None = None, t_start: float = 1.0) -> torch.Tensor:
    """Reverse-time SDE dx = [f − g² ∇log p_t] dt + g dw̄ by Euler–Maruyama (Song et al. 2021, eq. 6): ``[B, C, L, L] → [B, C, L, L]``.

    N = ``steps`` levels uniform in t, N network evaluations; every move between levels adds
    noise, the last step is the noise-free denoised mean x̂_0 at t_min.
    """
    steps, t_start = _check_inputs(x, steps, condition, schedule, t_start)
    times = _uniform_times(schedule, steps, t_start)
    for i, t in enumerate(times):
        # Score at the current level: s = −ε̂/σ(t_i)
        pred = _predict(model, schedule, x, t, condition)
        _report(callback, i, times, x, pred)
        if i == steps - 1:
            break
        # Reverse Euler–Maruyama step from t_i to t_{i+1}, Δt = t_i − t_{i+1} > 0
        x = _reverse_euler_maruyama(schedule, x, pred, t - times[i + 1], generator)
    # Denoise: x̂_0 = (x_{t_min} − σ ε̂)/α
    return pred.denoised


def _ddim_step(schedule: NoiseSchedule, x: torch.Tensor, pred: _Prediction, t_next: float,
               eps: torch.Tensor) -> torch.Tensor:
    """x_{i+1} = (α_{i+1}/α_i) x_i − σ_{i+1}(eʰ − 1) ε, h = λ_{i+1} − λ_i with λ = ½ log-SNR (Lu et al. 2022, eq. 3.7).

    With x̃ = x/α and σ̃ = σ/α = e^{−λ} this is x̃_{i+1} = x̃_i + (σ̃_{i+1} − σ̃_i) ε: an Euler step
    of the probability-flow ODE dx̃/dσ̃ = ε̂ with slope ``eps`` (``[B, C, L, L]``).
    """
    t_vec = torch.full_like(pred.t, t_next)
    h = append_dims(0.5 * (schedule.log_snr(t_vec) - schedule.log_snr(pred.t)), x.ndim)
    alpha_next = append_dims(schedule.alpha(t_vec), x.ndim)
    sigma_next = append_dims(schedule.sigma(t_vec), x.ndim)
    return (alpha_next / pred.alpha) * x - sigma_next * torch.expm1(h) * eps


@torch.no_grad()
def sample_ode(model: Model, x: torch.Tensor, schedule: NoiseSchedule, *, steps: int = 100, condition=None,
               callback=None, generator: torch.Generator | None = None, t_start: float = 1.0) -> torch.Tensor:
    """Probability-flow ODE (Song et al. 2021, eq. 13) by Heun's method (Karras et al. 2022, Alg. 1): ``[B, C, L, L] → [B, C, L, L]``.

    Divided by α, the VP probability-flow ODE dx/dt = f − ½g² s reads dx̃/dσ̃ = ε̂ in x̃ = x/α and
    σ̃ = σ/α (Karras et al. 2022, eq. 4 with s(t) = α): the same ODE with the same solution. Heun's
    method runs in these variables, as in Algorithm 1: there its Euler part is a DDIM step, a
    contraction towards x̂_0 whatever the step, while Heun in t itself already breaks down on
    sharp (±1) data at 13 uniform levels. Deterministic. N = ``steps`` levels equally spaced in
    log-SNR; each of the N − 1 moves costs 2 evaluations and, as in Algorithm 1, the last step is
    Euler to σ = 0, i.e. the denoised mean x̂_0 at t_min: 2N − 1 evaluations. Second order: the
    error falls 4× when N doubles. ``generator`` is unused.
    """
    steps, t_start = _check_inputs(x, steps, condition, schedule, t_start)
    times = _log_snr_times(schedule, steps, t_start)
    for i, t in enumerate(times):
        # Slope at the current level: dx̃/dσ̃ = ε̂(x_i, t_i)
        pred = _predict(model, schedule, x, t, condition)
        _report(callback, i, times, x, pred)
        if i == steps - 1:
            break
        # Euler predictor (a DDIM step): x̃' = x̃_i + (σ̃_{i+1} − σ̃_i) ε̂_i
        x_euler = _ddim_step(schedule, x, pred, times[i + 1], pred.eps)
        # Heun corrector: x̃_{i+1} = x̃_i + (σ̃_{i+1} − σ̃_i)(ε̂_i + ε̂')/2, ε̂' the slope at (x', t_{i+1})
        eps_euler = _predict(model, schedule, x_euler, times[i + 1], condition).eps
        x = _ddim_step(schedule, x, pred, times[i + 1], 0.5 * (pred.eps + eps_euler))
    # Last step, Euler to σ = 0: x̂_0 = (x_{t_min} − σ ε̂)/α
    return pred.denoised


@torch.no_grad()
def sample_pc(model: Model, x: torch.Tensor, schedule: NoiseSchedule, *, steps: int = 100, condition=None,
              callback=None, generator: torch.Generator | None = None, t_start: float = 1.0, snr: float = 0.16,
              corrector_steps: int = 1, corrector: str = "lm") -> torch.Tensor:
    """Predictor–corrector sampling: EM predictor, Langevin corrector (Song et al. 2021, Alg. 1 and 3): ``[B, C, L, L] → [B, C, L, L]``.

    N = ``steps`` levels uniform in t. At every level after the first, M = ``corrector_steps``
    Langevin steps with δ = 2 (r ‖z‖/‖s‖)², r = ``snr``, then the predictor moves to the next level
    (at t_min: the denoised mean x̂_0). N + M(N − 1) evaluations. The norms ‖·‖ are per sample over
    all pixels, averaged over the batch as in the authors' code, so δ stays well-defined for tiny
    images; the VP factor α_i = 1 − β_i Δt of their Alg. 5 is dropped (it is 1 + O(Δt)).

    ``corrector`` names the Langevin integrator. ``"euler"`` is the authors' step x ← x + δ s + √(2δ) z,
    unadjusted Langevin: with δ fixed by r its bias does not shrink as N grows, it widens the spread
    of N(μ, s²) data by ≈ r²/4 (+1% at r = 0.16, N = 500) and moves a 30/70 two-point law by ≈ +0.003
    towards 50/50. ``"lm"`` (the default) is the Leimkuhler–Matthews step (Leimkuhler & Matthews 2013)
    x ← x + δ_k s + √(δ_{k−1}/2) z_{k−1} + √(δ_k/2) z_k at the same cost: each step's noise enters twice at
    half its variance, in its own step and in the next corrector step, at this level or the next (the
    predictor takes its own noise). At a fixed δ its stationary law is exact for Gaussian targets and
    off by O(δ²) otherwise, against Euler's O(δ): where the target is stiff (δ·|∇s| not small, as for
    particles in their neighbours' cage) that bias is what Euler's corrector adds.
    """
    steps, t_start = _check_inputs(x, steps, condition, schedule, t_start)
    snr = check_real("snr", snr, positive=True)
    corrector_steps = CORRECTOR_STEPS.check(corrector_steps)
    if corrector not in CORRECTORS:
        raise ValueError(f"unknown corrector {corrector!r}; choose one of {', '.join(CORRECTORS)}")
    times = _uniform_times(schedule, steps, t_start)
    carried = torch.zeros_like(x) if corrector == "lm" else None  # √(δ/2) z of the last corrector step
    for i, t in enumerate(times):
        if i > 0:
            # Corrector: M Langevin steps at t_i targeting p_{t_i}
            for _ in range(corrector_steps):
                s = _predict(model, schedule, x, t, condition).score
                z = _noise(x, generator)
                z_norm = torch.linalg.vector_norm(z.flatten(1), dim=1).mean()
                s_norm = torch.linalg.vector_norm(s.flatten(1), dim=1).mean()
                delta = 2.0 * (snr * z_norm / s_norm) ** 2
                if carried is None:
                    x = x + delta * s + torch.sqrt(2.0 * delta) * z
                else:
                    # Leimkuhler–Matthews: half of this step's noise now, the other half in the next step
                    half = torch.sqrt(0.5 * delta) * z
                    x = x + delta * s + carried + half
                    carried = half
        pred = _predict(model, schedule, x, t, condition)
        _report(callback, i, times, x, pred)
        if i == steps - 1:
            break
        # Predictor: reverse Euler–Maruyama step from t_i to t_{i+1}
        x = _reverse_euler_maruyama(schedule, x, pred, t - times[i + 1], generator)
    # Denoise: x̂_0 = (x_{t_min} − σ ε̂)/α
    return pred.denoised


@torch.no_grad()
def sample_ddim(model: Model, x: torch.Tensor, schedule: NoiseSchedule, *, steps: int = 100, condition=None,
                callback=None, generator: torch.Generator | None = None, t_start: float = 1.0) -> torch.Tensor:
    """Deterministic DDIM, i.e. DPM-Solver-1 (Song, Meng & Ermon 2021; Lu et al. 2022, eq. 3.7): ``[B, C, L, L] → [B, C, L, L]``.

    With λ = ½ log-SNR and h = λ_{i+1} − λ_i, x_{i+1} = (α_{i+1}/α_i) x_i − σ_{i+1}(eʰ − 1) ε̂; the
    update is exact when ε̂ is constant over the step (the linear part is integrated exactly), so
    it tolerates few, large steps (10–50 levels, equally spaced in log-SNR) without instability.
    First order: the error halves when N doubles, and samples come out slightly too narrow (the
    spread of Gaussian data by ≈ 5% at N = 50). N evaluations; ``generator`` is unused.
    """
    steps, t_start = _check_inputs(x, steps, condition, schedule, t_start)
    times = _log_snr_times(schedule, steps, t_start)
    for i, t in enumerate(times):
        pred = _predict(model, schedule, x, t, condition)
        _report(callback, i, times, x, pred)
        if i == steps - 1:
            break
        # DPM-Solver-1 update: x_{i+1} = (α_{i+1}/α_i) x_i − σ_{i+1} (eʰ − 1) ε̂, h = λ_{i+1} − λ_i > 0
        x = _ddim_step(schedule, x, pred, times[i + 1], pred.eps)
    # Last step to α = 1, σ = 0: x̂_0 = (x_{t_min} − σ ε̂)/α
    return pred.denoised


@torch.no_grad()
def sample_ancestral(model: Model, x: torch.Tensor, schedule: NoiseSchedule, *, steps: int = 100, condition=None,
                     callback=None, generator: torch.Generator | None = None, t_start: float = 1.0) -> torch.Tensor:
    """Reverse SDE by SDE-DPM-Solver++(1), i.e. DDPM ancestral sampling (Lu et al. 2022b, SDE-DPM-Solver++1; Ho et al. 2020): ``[B, C, L, L] → [B, C, L, L]``.

    With λ = ½ log-SNR and h = λ_{i+1} − λ_i, each move draws x_{i+1} from the forward
    process's posterior q(x_{i+1} | x_i, x_0) at x_0 = x̂_0(x_i):
    x_{i+1} = (σ_{i+1}/σ_i) e^{−h} x_i + α_{i+1}(1 − e^{−2h}) x̂_0 + σ_{i+1} √(1 − e^{−2h}) z.
    The linear drift is integrated exactly, so, unlike Euler–Maruyama in t, large steps far
    from the data stay accurate. N = ``steps`` levels equally spaced in log-SNR, N evaluations;
    for α ≡ 1 (variance exploding) it reads x_{i+1} = r² x_i + (1 − r²) x̂_0 + σ_{i+1} √(1 − r²) z,
    r = σ_{i+1}/σ_i.
    """
    steps, t_start = _check_inputs(x, steps, condition, schedule, t_start)
    times = _log_snr_times(schedule, steps, t_start)
    for i, t in enumerate(times):
        pred = _predict(model, schedule, x, t, condition)
        _report(callback, i, times, x, pred)
        if i == steps - 1:
            break
        # Posterior step: decay e^{−h} of x_i towards α_{i+1} x̂_0, plus fresh noise of variance σ²_{i+1}(1 − e^{−2h})
        t_next = torch.full_like(pred.t, times[i + 1])
        h = append_dims(0.5 * (schedule.log_snr(t_next) - schedule.log_snr(pred.t)), x.ndim)
        alpha_next = append_dims(schedule.alpha(t_next), x.ndim)
        sigma_next = append_dims(schedule.sigma(t_next), x.ndim)
        kept = -torch.expm1(-2.0 * h)  # 1 − e^{−2h}
        x = ((sigma_next / pred.sigma) * torch.exp(-h) * x + alpha_next * kept * pred.denoised
             + sigma_next * torch.sqrt(kept) * _noise(x, generator))
    # Denoise: x̂_0 = (x_{t_min} − σ ε̂)/α
    return pred.denoised


# Gauss–Legendre nodes and weights on [−1, 1]: the stochastic Adams integrands (an exponential times a
# polynomial of degree < 4 over one step of h ≲ 1) are integrated by 16 nodes to float64 round-off.
_GAUSS_LEGENDRE = np.polynomial.legendre.leggauss(16)


def adams_weights(nodes: list[float], lam_from: float, lam_to: float, tau: float = 1.0) -> list[float]:
    """w_j = (1 + τ²) ∫ e^{−(1+τ²)(λ_to − λ)} ℓ_j(λ) dλ over [λ_from, λ_to], ℓ_j the Lagrange basis on ``nodes`` (Xue et al. 2023).

    The stochastic Adams step moves x̂_0 by α(λ_to) Σ_j w_j x̂_0(λ_j): the exact solution's integral
    with x̂_0 replaced by its polynomial interpolant through the ``nodes`` (distinct λ values).
    One node gives 1 − e^{−(1+τ²)h}, h = λ_to − λ_from: DDPM's ancestral weight at τ = 1.
    """
    points, weights = _GAUSS_LEGENDRE
    half = 0.5 * (lam_to - lam_from)
    lam = half * points + 0.5 * (lam_to + lam_from)
    kernel = half * weights * (1.0 + tau**2) * np.exp(-(1.0 + tau**2) * (lam_to - lam))
    result = []
    for j, node in enumerate(nodes):
        basis = np.ones_like(lam)
        for k, other in enumerate(nodes):
            if k != j:
                basis *= (lam - other) / (node - other)
        result.append(float((kernel * basis).sum()))
    return result


@torch.no_grad()
def sample_sa(model: Model, x: torch.Tensor, schedule: NoiseSchedule, *, steps: int = 50, condition=None,
              callback=None, generator: torch.Generator | None = None, t_start: float = 1.0, order: int = 3,
              tau: float = 1.0) -> torch.Tensor:
    """Reverse SDE by the stochastic Adams predictor–corrector (SA-Solver; Xue et al. 2023): ``[B, C, L, L] → [B, C, L, L]``.

    In λ = ½ log-SNR the SDE with stochasticity τ (τ = 1: the reverse SDE of training, τ = 0: the
    probability-flow ODE) has the exact solution
    x_{i+1} = (σ_{i+1}/σ_i) e^{−τ²h} x_i + α_{i+1}(1 + τ²) ∫ e^{−(1+τ²)(λ_{i+1} − λ)} x̂_0(λ) dλ + σ_{i+1} √(1 − e^{−2τ²h}) z,
    h = λ_{i+1} − λ_i. The predictor replaces x̂_0 by the polynomial through its last ``order``
    values (Adams–Bashforth); the network is evaluated at the predicted point; the corrector redoes
    the step with the polynomial through that new value and the last ``order`` − 1 old ones
    (Adams–Moulton) and the same z. The evaluation serves both the corrector and the next
    predictor, so N = ``steps`` levels (equally spaced in log-SNR) cost N evaluations, like DDIM.
    The predictor alone at order 1 and τ = 1 is :func:`sample_ancestral`; order 3 with the corrector
    removes its narrowing of the data (converged at N = 50 on Gaussian data). The last level returns x̂_0.
    """
    steps, t_start = _check_inputs(x, steps, condition, schedule, t_start)
    order = check_int("order", order, minimum=1, maximum=4)
    tau = Parameter("tau", 0.0, 10.0).check(tau)
    times = _log_snr_times(schedule, steps, t_start)
    grid = torch.tensor(times, dtype=torch.float64)
    lam, alpha, sigma = (0.5 * schedule.log_snr(grid)).tolist(), schedule.alpha(grid).tolist(), schedule.sigma(grid).tolist()
    pred = _predict(model, schedule, x, times[0], condition)
    _report(callback, 0, times, x, pred)
    denoised = {0: pred.denoised}  # x̂_0 at the last `order` levels k, by k

    for i in range(steps - 1):
        h = lam[i + 1] - lam[i]
        kept = sigma[i + 1] / sigma[i] * math.exp(-tau**2 * h) * x  # the decayed x_i, shared by both updates
        noise = sigma[i + 1] * math.sqrt(-math.expm1(-2.0 * tau**2 * h)) * _noise(x, generator)

        def adams_step(newest: int, i=i, kept=kept, noise=noise) -> torch.Tensor:
            # x_{i+1} from x_i, x̂_0 interpolated through levels newest, newest − 1, … (at most `order`, none below 0)
            levels = list(range(newest, max(newest - order, -1), -1))
            w = adams_weights([lam[k] for k in levels], lam[i], lam[i + 1], tau)
            return kept + alpha[i + 1] * sum(w_k * denoised[k] for w_k, k in zip(w, levels)) + noise

        # Predictor (Adams–Bashforth): x̂_0 through levels i, i − 1, …
        x_pred = adams_step(i)
        pred = _predict(model, schedule, x_pred, times[i + 1], condition)
        _report(callback, i + 1, times, x_pred, pred)
        denoised[i + 1] = pred.denoised
        denoised.pop(i + 1 - order, None)
        if i + 1 == steps - 1:
            break
        # Corrector (Adams–Moulton): x̂_0 through levels i + 1, i, …, with the predictor's noise
        x = adams_step(i + 1)
    # Denoise: x̂_0 at t_min
    return pred.denoised


def project_spins(x: torch.Tensor, *, generator: torch.Generator | None = None) -> torch.Tensor:
    """Spins s = sign(x), channel dropped: ``[B, 1, L, L]`` float → ``[B, L, L]`` int8 in {−1, +1}.

    An exact zero (probability zero for a continuous sample) becomes ±1 by a fair coin from
    ``generator``, so the projection keeps the model's ±1 symmetry; the coin is drawn only when
    such a tie occurs.
    """
    if not isinstance(x, torch.Tensor) or not x.is_floating_point() or x.ndim != 4 or x.shape[1] != 1:
        raise ValueError("x must be a floating-point tensor [B, 1, L, L]")
    if not bool(torch.isfinite(x).all()):
        raise ValueError("x must be finite")
    x = x[:, 0]
    spins = torch.where(x >= 0, 1, -1).to(torch.int8)
    ties = x == 0
    if bool(ties.any()):
        coin = random_uniform(x.shape, generator=generator, device=x.device) < 0.5
        spins = torch.where(ties, torch.where(coin, 1, -1), spins).to(torch.int8)
    return spins


def levels_below(schedule: NoiseSchedule, name: str, steps: int, t_start: float) -> int:
    """Levels a run of sampler ``name`` from ``t_start`` needs to keep the spacing of a ``steps``-level run from 1.

    The grid is uniform in t for ``sde`` and ``pc`` and in log-SNR otherwise; at least 2 levels (t_start and t_min).
    """
    if name not in SAMPLERS:
        raise ValueError(f"unknown diffusion solver {name!r}; choose one of {', '.join(SAMPLERS)}")
    steps = STEPS.check(steps)
    t_start = _check_t_start(schedule, t_start)
    grid = torch.tensor([1.0, t_start, schedule.t_min], dtype=torch.float64)
    scale = grid if name in ("sde", "pc") else schedule.log_snr(grid)
    fraction = float((scale[2] - scale[1]) / (scale[2] - scale[0]))
    return max(2, round((steps - 1) * fraction) + 1)


# Names for the UI and the CLI.
CORRECTORS = ("lm", "euler")  # the pc solver's Langevin integrators (see sample_pc)
SAMPLERS = {"sde": sample_sde, "ancestral": sample_ancestral, "sa": sample_sa, "ode": sample_ode, "pc": sample_pc,
            "ddim": sample_ddim}
