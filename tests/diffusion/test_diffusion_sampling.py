"""Forward/reverse consistency: with the exact ε-model of a known data law, every sampler must give that law back.

For data x_0 ~ N(μ, s²) per pixel the VP marginal is x_t ~ N(α μ, α² s² + σ²), so the optimal
ε-model is ε*(x_t, t) = σ (x_t − α μ)/(α² s² + σ²). For a single ±1 spin with P(+1) = q the
posterior mean is E[x_0 | x_t] = tanh(α x_t/σ² + atanh(2q − 1)), so ε* = (x_t − α E[x_0 | x_t])/σ.
Both models are built from the schedule under test, as a network would be trained on it.
"""

import inspect
import itertools
import math

import pytest
import torch
import torch.nn.functional as F

from boltz.diffusion import (
    SAMPLERS,
    VPSDE,
    CosineVPSDE,
    append_dims,
    project_spins,
    sample_ancestral,
    sample_ddim,
    sample_ode,
    sample_pc,
    sample_sa,
    sample_sde,
)
from boltz.diffusion.sampling import CORRECTORS, adams_weights, levels_below

MU, S = 0.5, 0.3  # Gaussian data N(μ, s²)
Q = 0.3  # two-point data: P(x_0 = +1)
B = 20_000


def gaussian_eps(schedule, mu=MU, s=S):
    """Exact ε*(x_t, t) for x_0 ~ N(μ, s²)."""
    def model(x, t, condition):
        alpha, sigma = append_dims(schedule.alpha(t), x.ndim), append_dims(schedule.sigma(t), x.ndim)
        return sigma * (x - alpha * mu) / (alpha**2 * s**2 + sigma**2)
    return model


def two_point_eps(schedule, q=Q):
    """Exact ε*(x_t, t) for x_0 = ±1 with P(+1) = q."""
    bias = math.atanh(2 * q - 1)

    def model(x, t, condition):
        alpha, sigma = append_dims(schedule.alpha(t), x.ndim), append_dims(schedule.sigma(t), x.ndim)
        return (x - alpha * torch.tanh(alpha * x / sigma**2 + bias)) / sigma
    return model


def _prior(schedule, batch=B, seed=0):
    return schedule.prior_sample((batch, 1, 1, 1), generator=torch.Generator().manual_seed(seed))


def _at(schedule, t: float):
    """α(t), σ(t) as float64 numbers."""
    t = torch.tensor([t], dtype=torch.float64)
    return float(schedule.alpha(t)), float(schedule.sigma(t))


# (schedule, sampler, levels, known bias of the +1 fraction on the two-point law). The step
# counts keep the discretisation error below the tolerances; the deterministic samplers are
# pinned down exactly (no sampling noise) further below. Measured with 2·10⁵ samples: the PC
# corrector (unadjusted Langevin, r = 0.16) moves the fraction by +0.002 to +0.003 whatever N,
# DDIM at 100 levels by −0.0022 (first order); Euler–Maruyama and Heun by < 0.001.
STATISTICAL = [
    ("linear", "sde", 500, 0.0), ("linear", "pc", 200, 0.004), ("linear", "ode", 100, 0.0),
    ("linear", "ddim", 100, 0.0025), ("linear", "sa", 50, 0.0), ("cosine", "sde", 500, 0.0),
    ("cosine", "pc", 200, 0.004), ("cosine", "sa", 50, 0.0),
]
SCHEDULES = {"linear": VPSDE(), "cosine": CosineVPSDE()}


@pytest.mark.parametrize("schedule_name,name,steps,bias", STATISTICAL)
def test_samplers_reproduce_gaussian_data(schedule_name, name, steps, bias):
    schedule = SCHEDULES[schedule_name]
    out = SAMPLERS[name](gaussian_eps(schedule), _prior(schedule), schedule, steps=steps,
                         generator=torch.Generator().manual_seed(1))
    assert out.shape == (B, 1, 1, 1) and out.dtype == torch.float32
    # 3% of s on the mean (≈ 4 standard errors) and 3% on the spread (≈ 6 standard errors).
    assert abs(float(out.mean()) - MU) <= 0.03 * S
    assert abs(float(out.std()) / S - 1) <= 0.03


@pytest.mark.parametrize("schedule_name,name,steps,bias", STATISTICAL)
@pytest.mark.parametrize("t_start", [0.2, 0.5])
def test_starting_from_noised_data_below_one_gives_the_data_law_back(schedule_name, name, steps, bias, t_start):
    # SDEdit: x_{t_s} = α x_0 + σ ε from data x_0 ~ N(μ, s²) is a sample of p_{t_s}; the reverse process from t_s must
    # end on the data law, and, unlike a start from t = 1, remember which x_0 it came from.
    schedule = SCHEDULES[schedule_name]
    generator = torch.Generator().manual_seed(3)
    x0 = MU + S * torch.randn((B, 1, 1, 1), generator=generator)
    alpha, sigma = _at(schedule, t_start)
    x = alpha * x0 + sigma * torch.randn(x0.shape, generator=generator)
    out = SAMPLERS[name](gaussian_eps(schedule), x, schedule, steps=steps, generator=generator, t_start=t_start)
    assert abs(float(out.mean()) - MU) <= 0.03 * S
    assert abs(float(out.std()) / S - 1) <= 0.03
    # Exact correlation of x̂_0 with x_0: that of x_{t_s} with x_0, kept by the deterministic map, and for the
    # stochastic reverse SDE that of a fresh draw from p(x_0 | x_{t_s}) with x_0; within ±0.02 (3 standard errors).
    # The predictor–corrector's Langevin steps are MCMC within each level: they keep the law and forget x_{t_s}.
    rho = alpha * S / math.sqrt(alpha**2 * S**2 + sigma**2)
    expected = {"ode": rho, "ddim": rho, "pc": 0.0}.get(name, rho**2)
    assert abs(float(torch.corrcoef(torch.stack([out.flatten(), x0.flatten()]))[0, 1]) - expected) <= 0.02


@pytest.mark.parametrize("schedule_name,name,steps,bias", STATISTICAL[:5])
def test_samplers_reproduce_the_two_point_spin_law(schedule_name, name, steps, bias):
    schedule = SCHEDULES[schedule_name]
    out = SAMPLERS[name](two_point_eps(schedule), _prior(schedule), schedule, steps=steps,
                         generator=torch.Generator().manual_seed(2))
    # The denoised mean at t_min sits on the data: ±1.
    torch.testing.assert_close(out.abs(), torch.ones_like(out), rtol=0, atol=1e-4)
    spins = project_spins(out)
    assert spins.dtype == torch.int8 and spins.shape == (B, 1, 1)
    assert set(spins.unique().tolist()) == {-1, 1}
    fraction = float((spins == 1).double().mean())
    assert abs(fraction - Q) <= 3 * math.sqrt(Q * (1 - Q) / B) + bias


def _gaussian_map(schedule, name, steps):
    """A deterministic sampler on Gaussian data is affine in x_1: returns (intercept, slope)."""
    out = SAMPLERS[name](gaussian_eps(schedule), torch.tensor([0.0, 1.0]).reshape(2, 1, 1, 1), schedule, steps=steps)
    out = out.flatten().double()
    return float(out[0]), float(out[1] - out[0])


def _exact_gaussian_map(schedule):
    """The exact probability-flow map from x_1 to x̂_0 = E[x_0 | x_{t_min}]: (intercept, slope)."""
    (a1, s1), (am, sm) = _at(schedule, 1.0), _at(schedule, schedule.t_min)
    v1, vm = a1**2 * S**2 + s1**2, am**2 * S**2 + sm**2
    slope = am * S**2 / math.sqrt(vm * v1)  # quantile matching N(α₁μ, v₁) → N(α_m μ, v_m), then Tweedie
    return MU - slope * a1 * MU, slope


@pytest.mark.parametrize("schedule", [VPSDE(), CosineVPSDE()], ids=repr)
def test_heun_ode_is_second_order_and_ddim_first_order(schedule):
    intercept, slope = _exact_gaussian_map(schedule)
    errors = {}
    for name in ("ode", "ddim"):
        for steps in (25, 50, 100):
            a, b = _gaussian_map(schedule, name, steps)
            assert a == pytest.approx(intercept, abs=2e-4)
            errors[name, steps] = b / slope - 1
    # Heun: the spread error falls 4× per doubling, below 0.2% at 100 levels.
    assert 3.5 < errors["ode", 25] / errors["ode", 50] < 4.5 and 3.5 < errors["ode", 50] / errors["ode", 100] < 4.5
    assert abs(errors["ode", 100]) < 2e-3
    # DDIM: 2× per doubling; samples too narrow by ≈ δ/4, δ = ½Δlog-SNR per step (≈ 5% at 50 levels).
    assert 1.9 < errors["ddim", 25] / errors["ddim", 50] < 2.1 and 1.9 < errors["ddim", 50] / errors["ddim", 100] < 2.1
    assert -0.06 < errors["ddim", 50] < -0.03


@pytest.mark.parametrize("schedule", [VPSDE(), CosineVPSDE()], ids=repr)
def test_ancestral_is_first_order_and_narrows_the_data(schedule):
    # Each move uses x̂_0 = E[x_0 | x_t] and drops Var(x_0 | x_t), so samples come out too narrow
    # by ≈ 2δ/4 (twice DDIM's error), halving per doubling of N; the mean stays right.
    errors = {}
    for steps in (50, 100, 200):
        out = sample_ancestral(gaussian_eps(schedule), _prior(schedule, batch=200_000), schedule, steps=steps,
                               generator=torch.Generator().manual_seed(steps))
        assert abs(float(out.mean()) - MU) < 0.01 * S
        errors[steps] = float(out.std()) / S - 1
    assert -0.06 < errors[100] < -0.04
    assert 1.6 < errors[50] / errors[100] < 2.4 and 1.6 < errors[100] / errors[200] < 2.4


@pytest.mark.parametrize("tau", [0.5, 1.0, 2.0])
@pytest.mark.parametrize("lam_from,lam_to", [(-3.0, -2.8), (1.0, 1.9)])
def test_adams_weights_integrate_the_exponential_kernel_exactly(lam_from, lam_to, tau):
    c, h = 1 + tau**2, lam_to - lam_from
    # One node: the ancestral weight 1 − e^{−(1+τ²)h}.
    assert adams_weights([lam_from], lam_from, lam_to, tau)[0] == pytest.approx(-math.expm1(-c * h), rel=1e-13)
    # n nodes reproduce polynomials of degree < n: here 1 and λ, against ∫ c e^{−c(b−λ)} λ dλ in closed form.
    for nodes in ([lam_from, lam_from - 0.2], [lam_to, lam_from, lam_from - 0.3], [lam_from, lam_from - 0.2, -4.0, -5.0]):
        w = adams_weights(nodes, lam_from, lam_to, tau)
        assert sum(w) == pytest.approx(-math.expm1(-c * h), rel=1e-12)
        first_moment = lam_to - lam_from * math.exp(-c * h) + math.expm1(-c * h) / c
        assert sum(wj * node for wj, node in zip(w, nodes)) == pytest.approx(first_moment, rel=1e-11, abs=1e-13)


@pytest.mark.parametrize("schedule", [VPSDE(), CosineVPSDE()], ids=repr)
def test_stochastic_adams_is_converged_where_the_first_order_stochastic_solvers_are_not(schedule):
    # Gaussian data, 2·10⁵ samples (the spread's standard error is 0.16%): at 50 levels the third-order
    # predictor–corrector is within 0.5%, ancestral sampling (its first-order case) 9% too narrow.
    x1 = _prior(schedule, batch=200_000)
    spreads = {}
    for name, sampler in (("sa", sample_sa), ("ancestral", sample_ancestral)):
        for steps in (25, 50):
            out = sampler(gaussian_eps(schedule), x1, schedule, steps=steps, generator=torch.Generator().manual_seed(3))
            assert abs(float(out.mean()) - MU) < 0.01 * S
            spreads[name, steps] = float(out.std()) / S - 1
    assert abs(spreads["sa", 50]) < 0.005 and abs(spreads["sa", 25]) < 0.02
    assert spreads["ancestral", 50] < -0.06 and spreads["ancestral", 25] < -0.12


@pytest.mark.parametrize("schedule", [VPSDE(), CosineVPSDE()], ids=repr)
def test_leimkuhler_matthews_corrector_keeps_the_spread_that_the_euler_corrector_widens(schedule):
    # Gaussian data, 2·10⁵ samples (the spread's standard error is 0.16%), large corrector steps (r = 0.3, 5 a level,
    # 50 levels): unadjusted Langevin (Euler) widens the spread by ≈ 4.3%, Leimkuhler–Matthews by < 0.3% (measured).
    x1 = _prior(schedule, batch=200_000)
    spreads = {}
    for corrector in CORRECTORS:
        out = sample_pc(gaussian_eps(schedule), x1, schedule, steps=50, corrector_steps=5, snr=0.3, corrector=corrector,
                        generator=torch.Generator().manual_seed(3))
        assert abs(float(out.mean()) - MU) < 0.01 * S
        spreads[corrector] = float(out.std()) / S - 1
    assert set(spreads) == {"lm", "euler"}
    assert spreads["euler"] > 0.03 and abs(spreads["lm"]) < 0.006


def test_stochastic_adams_of_order_one_with_tau_zero_is_ddim():
    # τ = 0 is the probability-flow ODE; one node, no noise: the DDIM step (the corrector's one node,
    # the new level, makes it the implicit variant, so compare the predictor-only path on two levels).
    # In float64: in float32 the two algebraically equal updates differ by the cancellation in x̂_0 at t = 1.
    schedule = VPSDE()
    x = _prior(schedule, batch=8).double()
    torch.testing.assert_close(sample_sa(gaussian_eps(schedule), x, schedule, steps=2, order=1, tau=0.0),
                               sample_ddim(gaussian_eps(schedule), x, schedule, steps=2), rtol=0, atol=1e-10)


@pytest.mark.parametrize("kwargs", [{"order": 0}, {"order": 5}, {"order": 2.5}, {"tau": -0.1}, {"tau": math.nan}])
def test_stochastic_adams_rejects_bad_settings(kwargs):
    with pytest.raises(ValueError):
        sample_sa(gaussian_eps(VPSDE()), torch.zeros(2, 1, 2, 2), VPSDE(), steps=3, **kwargs)


def _exact_two_point_fraction(schedule, name, steps):
    """P(sample = +1) for x_1 from the exact t = 1 marginal, via the sampler's threshold x* on x_1."""
    model = two_point_eps(schedule)
    low, high = -3.0, 3.0
    for _ in range(2):  # locate the sign change on a grid, then on a finer grid inside its bracket
        x1 = torch.linspace(low, high, 2001, dtype=torch.float64).float().reshape(-1, 1, 1, 1)
        positive = SAMPLERS[name](model, x1, schedule, steps=steps).flatten() > 0
        first = int(positive.int().argmax())
        assert 0 < first and bool(positive[first:].all()) and not bool(positive[:first].any())  # monotone
        low, high = float(x1.flatten()[first - 1]), float(x1.flatten()[first])
    threshold = 0.5 * (low + high)
    a1, s1 = _at(schedule, 1.0)
    tail = lambda z: 0.5 * math.erfc(z / math.sqrt(2))
    return Q * tail((threshold - a1) / s1) + (1 - Q) * tail((threshold + a1) / s1)


@pytest.mark.parametrize("schedule", [VPSDE(), CosineVPSDE()], ids=repr)
@pytest.mark.parametrize("name,steps,tolerance", [("ode", 13, 4e-3), ("ode", 50, 5e-4), ("ddim", 50, 6e-3),
                                                  ("ddim", 100, 3e-3)])
def test_deterministic_samplers_split_the_two_modes_exactly(schedule, name, steps, tolerance):
    assert abs(_exact_two_point_fraction(schedule, name, steps) - Q) < tolerance


def test_a_schedule_mismatch_is_caught():
    # A model trained on the cosine schedule, sampled with the linear one: the spread is far off.
    _, slope = _exact_gaussian_map(VPSDE())
    _, b = _gaussian_map(VPSDE(), "ode", 100)
    out = sample_ode(gaussian_eps(CosineVPSDE()), torch.tensor([0.0, 1.0]).reshape(2, 1, 1, 1), VPSDE(), steps=100)
    assert abs(b / slope - 1) < 2e-3
    assert abs(float(out[1] - out[0]) / slope - 1) > 0.1


class _Recorder:
    """A model that records its inputs and returns a fixed fraction of x as ε̂."""

    def __init__(self):
        self.calls = []

    def __call__(self, x, t, condition):
        self.calls.append((x.shape, t.clone(), condition))
        return 0.5 * x


@pytest.mark.parametrize("name,evaluations", [("sde", 6), ("ancestral", 6), ("sa", 6), ("ode", 11), ("pc", 11),
                                              ("ddim", 6)])
def test_callback_once_per_level_from_one_to_t_min(name, evaluations):
    schedule = VPSDE()
    model, seen = _Recorder(), []
    condition = torch.tensor([2.0, 2.5, 3.0])
    x = _prior(schedule, batch=3)
    x_before = x.clone()
    SAMPLERS[name](model, x, schedule, steps=6, condition=condition, callback=seen.append,
                   generator=torch.Generator().manual_seed(0))
    assert torch.equal(x, x_before)  # the prior sample is not modified
    assert [info["step"] for info in seen] == [1, 2, 3, 4, 5, 6]
    assert all(info["steps"] == 6 for info in seen)
    times = [info["t"] for info in seen]
    assert times[0] == 1.0 and times[-1] == schedule.t_min and all(a > b for a, b in itertools.pairwise(times))
    for info in seen:
        assert info["sigma"] == pytest.approx(float(schedule.sigma(torch.tensor([info["t"]]))), rel=1e-6)
        assert info["x"].shape == x.shape and info["denoised"].shape == x.shape
    # Network evaluations: sde, ancestral, sa, ddim N; ode 2N − 1; pc N + M(N − 1) with M = 1.
    assert len(model.calls) == evaluations
    for shape, t, cond in model.calls:
        assert shape == x.shape and t.shape == (3,) and t.dtype == torch.float32 and cond is condition


@pytest.mark.parametrize("name", list(SAMPLERS))
def test_a_start_below_one_puts_every_level_between_t_start_and_t_min(name):
    schedule, seen = VPSDE(), []
    SAMPLERS[name](_Recorder(), _prior(schedule, batch=3), schedule, steps=6, callback=seen.append,
                   generator=torch.Generator().manual_seed(0), t_start=0.3)
    times = [info["t"] for info in seen]
    assert len(times) == 6 and times[0] == 0.3 and times[-1] == schedule.t_min
    assert all(a > b for a, b in itertools.pairwise(times))


@pytest.mark.parametrize("name", list(SAMPLERS))
def test_samplers_run_a_network_on_lattices_without_tracking_gradients(name):
    weight = (0.3 * torch.randn(1, 1, 3, 3, generator=torch.Generator().manual_seed(9))).requires_grad_()

    def model(x, t, condition):  # a periodic 3×3 convolution scaled by the temperature
        return F.conv2d(F.pad(x, (1, 1, 1, 1), mode="circular"), weight) * append_dims(condition, x.ndim) / 3.0
    x = VPSDE().prior_sample((5, 1, 8, 8), generator=torch.Generator().manual_seed(0))
    out = SAMPLERS[name](model, x, VPSDE(), steps=4, condition=torch.linspace(1.5, 3.5, 5),
                         generator=torch.Generator().manual_seed(1))
    assert out.shape == (5, 1, 8, 8) and not out.requires_grad and bool(torch.isfinite(out).all())
    assert project_spins(out).shape == (5, 8, 8)


def test_pc_evaluations_grow_with_corrector_steps():
    model = _Recorder()
    sample_pc(model, _prior(VPSDE(), batch=2), VPSDE(), steps=5, corrector_steps=3,
              generator=torch.Generator().manual_seed(0))
    assert len(model.calls) == 5 + 3 * 4


@pytest.mark.parametrize("name", list(SAMPLERS))
def test_a_single_step_is_the_denoised_mean_at_t_one(name):
    schedule = VPSDE()
    x = _prior(schedule, batch=4)
    out = SAMPLERS[name](gaussian_eps(schedule), x, schedule, steps=1)
    alpha, sigma = _at(schedule, 1.0)
    expected = MU + alpha * S**2 * (x - alpha * MU) / (alpha**2 * S**2 + sigma**2)  # E[x_0 | x_1]
    # Float32 x̂_0 = (x − σ ε̂)/α loses ~1/α(1) ≈ 150 ulps to cancellation.
    torch.testing.assert_close(out, expected, rtol=0, atol=3e-4)


@pytest.mark.parametrize("name", list(SAMPLERS))
def test_same_generator_seed_same_samples(name):
    schedule = VPSDE()
    model, x = two_point_eps(schedule), _prior(schedule, batch=64)
    run = lambda seed: SAMPLERS[name](model, x, schedule, steps=20, generator=torch.Generator().manual_seed(seed))
    assert torch.equal(run(5), run(5))
    if name in ("sde", "ancestral", "sa", "pc"):
        assert not torch.equal(run(5), run(6))
    else:
        assert torch.equal(run(5), run(6))  # deterministic: the generator is unused


def test_samplers_share_one_signature():
    reference = inspect.signature(sample_sde).parameters
    for sampler in (sample_ancestral, sample_sa, sample_ode, sample_ddim, sample_pc):
        parameters = inspect.signature(sampler).parameters
        assert list(parameters)[: len(reference)] == list(reference)
        assert all(parameters[k].kind == reference[k].kind for k in reference)
    assert set(SAMPLERS) == {"sde", "ancestral", "sa", "ode", "pc", "ddim"}


@pytest.mark.parametrize("name", list(SAMPLERS))
@pytest.mark.parametrize("kwargs", [
    {"steps": 0}, {"steps": -3}, {"steps": 2.5}, {"steps": math.nan}, {"steps": "10"},
    {"condition": torch.ones(3)}, {"condition": torch.tensor([1.0, math.nan])}, {"x": torch.ones(2, 1, 2, 2).int()},
    {"x": torch.tensor([math.inf, 0.0]).reshape(2, 1, 1, 1)}, {"model": lambda x, t, c: x[:, :, :1]},
    {"t_start": 0.0}, {"t_start": 1e-3}, {"t_start": 1.5}, {"t_start": math.nan}, {"t_start": "0.5"},
])
def test_bad_arguments_raise_value_error(name, kwargs):
    arguments = {"model": gaussian_eps(VPSDE()), "x": torch.zeros(2, 1, 2, 2), "steps": 3, **kwargs}
    model, x = arguments.pop("model"), arguments.pop("x")
    with pytest.raises(ValueError):
        SAMPLERS[name](model, x, VPSDE(), **arguments)


@pytest.mark.parametrize("kwargs", [{"snr": 0.0}, {"snr": -0.1}, {"snr": math.inf}, {"corrector_steps": -1},
                                    {"corrector_steps": 1.5}, {"corrector": "heun"}])
def test_pc_rejects_bad_corrector_settings(kwargs):
    with pytest.raises(ValueError):
        sample_pc(gaussian_eps(VPSDE()), torch.zeros(2, 1, 2, 2), VPSDE(), steps=3, **kwargs)


def test_project_spins_takes_signs_and_breaks_ties_with_a_fair_coin():
    x = torch.tensor([[[[0.3, -2.0], [1e-30, -1e-30]]]])
    assert torch.equal(project_spins(x), torch.tensor([[[1, -1], [1, -1]]], dtype=torch.int8))
    zeros = torch.zeros(500, 1, 4, 4)
    first = project_spins(zeros, generator=torch.Generator().manual_seed(0))
    again = project_spins(zeros, generator=torch.Generator().manual_seed(0))
    assert first.dtype == torch.int8 and first.shape == (500, 4, 4) and torch.equal(first, again)
    assert set(first.unique().tolist()) == {-1, 1}
    assert abs(float(first.double().mean())) < 4 / math.sqrt(first.numel())
    for bad in (torch.zeros(2, 4, 4), torch.zeros(2, 2, 4, 4), torch.full((1, 1, 2, 2), math.nan),
                torch.zeros(1, 1, 2, 2, dtype=torch.int64)):
        with pytest.raises(ValueError):
            project_spins(bad)


@pytest.mark.parametrize("name,t_start,expected", [
    ("sa", 1.0, 50), ("ddim", 1.0, 50), ("sde", 1.0, 50), ("sde", 0.6004, 30), ("pc", 0.6004, 30), ("sa", 0.0011, 2),
])
def test_levels_below_keep_the_spacing_of_a_run_from_one(name, t_start, expected):
    assert levels_below(VPSDE(), name, 50, t_start) == expected


def test_levels_below_on_the_log_snr_grid_match_the_full_grid_spacing():
    schedule, steps = VPSDE(), 50
    t_start = _full_log_snr_grid(schedule, steps)[20]  # a level of the full grid: 30 levels from it to t_min, both in
    assert levels_below(schedule, "sa", steps, t_start) == steps - 20


def _full_log_snr_grid(schedule, steps):
    seen = []
    sample_ddim(_Recorder(), _prior(schedule, batch=1), schedule, steps=steps, callback=seen.append)
    return [info["t"] for info in seen]
