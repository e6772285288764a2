import dataclasses
import math

import pytest
import torch

from boltz.diffusion import SCHEDULES, VPSDE, CosineVPSDE, NoiseSchedule, append_dims
from boltz.diffusion.utils import in_chunks

SCHEDULE_OBJECTS = [VPSDE(), CosineVPSDE(), VPSDE(beta_min=0.5, beta_max=10.0, t_min=1e-4)]


def _times(schedule, n=1001):
    """``[n]`` float64 times from t_min to 1."""
    return torch.linspace(schedule.t_min, 1.0, n, dtype=torch.float64)


def _simpson(f, a: float, b: float, n: int = 20_000) -> float:
    """∫_a^b f by composite Simpson on n (even) intervals, in float64."""
    x = torch.linspace(a, b, n + 1, dtype=torch.float64)
    w = torch.ones(n + 1, dtype=torch.float64)
    w[1:-1:2], w[2:-1:2] = 4.0, 2.0
    return float((w * f(x)).sum() * (b - a) / (3 * n))


def test_append_dims_lifts_per_sample_values_to_the_batch_shape():
    x = torch.arange(3.0)
    y = append_dims(x, 4)
    assert y.shape == (3, 1, 1, 1)
    assert y.data_ptr() == x.data_ptr()  # a view
    assert append_dims(x, 1) is not None and append_dims(x, 1).shape == (3,)
    assert torch.equal((append_dims(x, 4) * torch.ones(3, 1, 2, 2))[:, 0, 1, 1], x)
    with pytest.raises(ValueError):
        append_dims(torch.zeros(2, 2), 1)


@pytest.mark.parametrize("total, size", [(5, 8), (8, 8), (9, 4), (17, 4)])
def test_in_chunks_calls_once_per_chunk_and_keeps_items_with_their_partners(total, size):
    a, b = torch.arange(total, dtype=torch.float64), torch.arange(total, dtype=torch.float64) ** 2
    calls = []

    def function(x, y):
        calls.append(x.shape[0])
        return x + y

    torch.testing.assert_close(in_chunks(function, size, a, b), a + b)
    assert calls == [min(size, total - start) for start in range(0, total, size)]


@pytest.mark.parametrize("schedule", SCHEDULE_OBJECTS, ids=repr)
def test_variance_is_preserved_and_monotone(schedule):
    t = _times(schedule)
    alpha, sigma = schedule.alpha(t), schedule.sigma(t)
    torch.testing.assert_close(alpha**2 + sigma**2, torch.ones_like(t), rtol=0, atol=1e-14)
    assert bool((sigma.diff() > 0).all()) and bool((alpha.diff() < 0).all())
    assert bool((schedule.log_snr(t).diff() < 0).all())
    assert bool((schedule.beta(t) > 0).all())


@pytest.mark.parametrize("name", ["linear", "cosine"])
def test_default_prior_is_the_t1_marginal_up_to_one_percent(name):
    # x_1 ~ N(0, I) stands in for N(α(1) x_0, σ(1)²): the mean coefficient is below 1%.
    assert float(SCHEDULES[name]().alpha(torch.tensor([1.0], dtype=torch.float64))) < 0.01


@pytest.mark.parametrize("schedule", SCHEDULE_OBJECTS, ids=repr)
def test_log_alpha_is_minus_half_the_integral_of_beta(schedule):
    for t in [schedule.t_min, 0.01, 0.3, 0.77, 1.0]:
        integral = _simpson(schedule.beta, 0.0, t)
        log_alpha = float(schedule.log_alpha(torch.tensor([t], dtype=torch.float64)))
        assert log_alpha == pytest.approx(-0.5 * integral, rel=0, abs=1e-8)


@pytest.mark.parametrize("schedule", SCHEDULE_OBJECTS, ids=repr)
def test_beta_is_minus_the_derivative_of_log_alpha_bar(schedule):
    t = torch.linspace(0.0, 1.0 - 1e-6, 201, dtype=torch.float64)
    h = 1e-7
    log_alpha_bar = lambda u: 2.0 * schedule.log_alpha(u)
    derivative = (log_alpha_bar(t + h) - log_alpha_bar(t - h)) / (2 * h)
    torch.testing.assert_close(schedule.beta(t), -derivative, rtol=1e-6, atol=1e-6)


def test_linear_schedule_closed_forms():
    sde = VPSDE(beta_min=0.1, beta_max=20.0)
    t = torch.tensor([0.0, 0.5, 1.0], dtype=torch.float64)
    torch.testing.assert_close(sde.beta(t), torch.tensor([0.1, 10.05, 20.0], dtype=torch.float64))
    assert float(sde.alpha(t)[-1]) == pytest.approx(math.exp(-0.25 * 19.9 - 0.05), rel=1e-14)


def test_cosine_schedule_is_nichol_dhariwal_on_the_truncated_time():
    cos = CosineVPSDE()
    t = _times(cos)
    tau = cos.tau_max * t
    f = lambda u: torch.cos((u + cos.s) / (1 + cos.s) * math.pi / 2) ** 2
    alpha_bar = f(tau) / f(torch.zeros_like(tau))
    torch.testing.assert_close(cos.alpha(t) ** 2, alpha_bar, rtol=1e-12, atol=1e-15)
    assert math.isfinite(float(cos.beta(torch.tensor([1.0], dtype=torch.float64))))


@pytest.mark.parametrize("schedule", SCHEDULE_OBJECTS, ids=repr)
def test_time_from_log_snr_inverts_log_snr(schedule):
    t = _times(schedule)
    torch.testing.assert_close(schedule.t_from_log_snr(schedule.log_snr(t)), t, rtol=1e-9, atol=1e-11)
    log_snr = schedule.log_snr(t)
    torch.testing.assert_close(log_snr, torch.log(schedule.alpha(t) ** 2 / schedule.sigma(t) ** 2))


@pytest.mark.parametrize("schedule", SCHEDULE_OBJECTS, ids=repr)
def test_sigma_is_accurate_in_float32_at_small_times(schedule):
    # √(1 − α²) in float32 would round to 0 for these t; the expm1 form keeps full precision.
    t64 = torch.tensor([1e-7, 1e-5, schedule.t_min], dtype=torch.float64)
    torch.testing.assert_close(schedule.sigma(t64.float()).double(), schedule.sigma(t64), rtol=1e-5, atol=0)


@pytest.mark.parametrize("schedule", SCHEDULE_OBJECTS[:2], ids=repr)
def test_marginal_moments_match_alpha_and_sigma(schedule):
    generator = torch.Generator().manual_seed(0)
    B = 40_000
    for t in [schedule.t_min, 0.1, 0.5, 1.0]:
        t_vec = torch.full((B,), t)
        noise = torch.randn(B, 1, 1, 1, generator=generator)
        x0 = torch.zeros(B, 1, 1, 1)
        x_t = schedule.marginal(x0, t_vec, noise)
        sigma = float(schedule.sigma(torch.tensor([t])))
        assert float(x_t.var()) == pytest.approx(sigma**2, rel=4 * math.sqrt(2 / B))
        x_t = schedule.marginal(x0 + 0.7, t_vec, noise)
        torch.testing.assert_close(x_t, append_dims(schedule.alpha(t_vec), 4) * 0.7 + sigma * noise)


def test_drift_diffusion_score_and_prior_shapes():
    sde = VPSDE()
    x = torch.randn(4, 1, 3, 3, generator=torch.Generator().manual_seed(1))
    t = torch.tensor([0.1, 0.2, 0.5, 1.0])
    f, g = sde.drift_and_diffusion(x, t)
    assert f.shape == x.shape and g.shape == (4,)
    torch.testing.assert_close(f, -0.5 * append_dims(sde.beta(t), 4) * x)
    torch.testing.assert_close(g**2, sde.beta(t))
    torch.testing.assert_close(sde.score_from_eps(x, t), -x / append_dims(sde.sigma(t), 4))
    a = sde.prior_sample((5, 1, 4, 4), generator=torch.Generator().manual_seed(3))
    b = sde.prior_sample((5, 1, 4, 4), generator=torch.Generator().manual_seed(3))
    assert a.shape == (5, 1, 4, 4) and a.dtype == torch.float32 and torch.equal(a, b)


def test_registry_and_protocol():
    assert set(SCHEDULES) == {"linear", "cosine"}
    for cls in SCHEDULES.values():
        schedule = cls()
        assert isinstance(schedule, NoiseSchedule)
        with pytest.raises(dataclasses.FrozenInstanceError):
            schedule.t_min = 0.5


@pytest.mark.parametrize("kwargs", [
    {"beta_min": 0.0}, {"beta_min": -1.0}, {"beta_min": 30.0}, {"beta_max": 0.1}, {"beta_max": math.inf},
    {"beta_min": math.nan}, {"t_min": 0.0}, {"t_min": 1.0}, {"t_min": math.nan}, {"beta_max": "20"},
])
def test_linear_schedule_rejects_bad_parameters(kwargs):
    with pytest.raises(ValueError):
        VPSDE(**kwargs)


@pytest.mark.parametrize("kwargs", [
    {"s": 0.0}, {"s": math.inf}, {"tau_max": 1.0}, {"tau_max": 0.0}, {"t_min": -1e-3}, {"t_min": 2.0},
])
def test_cosine_schedule_rejects_bad_parameters(kwargs):
    with pytest.raises(ValueError):
        CosineVPSDE(**kwargs)
