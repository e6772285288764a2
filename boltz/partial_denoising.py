"""Where a diffusion sampler's error enters: equilibrium lattices noised to t₀ and denoised back, paired (SDEdit).

Independent Wolff lattices s at (L, T) are noised by the forward process to x_{t₀} = α(t₀) s + σ(t₀) ε, a
sample of p_{t₀}, and the model's reverse process runs from t₀ alone (Meng et al. 2022). With an exact score the output
has the law of s, so the paired change of e, |m| and m² against the very lattices that were noised is the error
made below t₀; as t₀ grows it approaches the error of a full run. Pairing removes most of the lattices' own
spread at small t₀, where output and input are close.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import torch

from boltz.analysis import Estimate, mean_estimate
from boltz.device import resolve_precision
from boltz.diffusion.checkpoint import DiffusionModel
from boltz.diffusion.ising_sampling import (DEFAULT_SOLVER, DEFAULT_STEPS, check_lattice_and_temperature,
                                            sample_ising_diffusion)
from boltz.diffusion.sampling import levels_below
from boltz.mcmc.wolff import sample_wolff
from boltz.systems.ising import energy, magnetization, random_spins
from boltz.validation import SAMPLES

BURN_IN_SWEEPS = 200  # per independent chain; Wolff's τ at L ≤ 64 is a few sweeps even at T_c


@dataclass(frozen=True)
class PartialDenoisingRow:
    """One start level t₀: paired relative changes Δe/|⟨e⟩|, Δ|m|/⟨|m|⟩, Δm²/⟨m²⟩ (over the inputs' means), cost."""

    t_start: float
    alpha: float
    sigma: float
    levels: int
    energy: Estimate
    abs_magnetization: Estimate
    square_magnetization: Estimate
    seconds: float


@dataclass(frozen=True)
class PartialDenoising:
    """The inputs' ⟨e⟩ (per spin) and ⟨|m|⟩, and one row per start level."""

    L: int
    T: float
    n: int
    solver: str
    steps: int
    precision: str
    energy: float
    abs_magnetization: float
    rows: list[PartialDenoisingRow]


def equilibrium_lattices(L: int, T: float, n: int, *, generator: torch.Generator) -> torch.Tensor:
    """``n`` independent Wolff lattices at (L, T), one per chain after BURN_IN_SWEEPS sweeps: ``[n, L, L]`` int8."""
    run = sample_wolff(random_spins(n, L, generator=generator), T=T, n_samples=1, burn_in=BURN_IN_SWEEPS,
                       generator=generator)
    return run.flat_spins()


def _relative_change(after: torch.Tensor, before: torch.Tensor) -> Estimate:
    """Mean of the paired differences over |mean of ``before``|, with its standard error: ``[n], [n]``."""
    scale = abs(float(before.double().mean()))
    change = mean_estimate((after - before).double().numpy())
    return Estimate(change.value / scale, change.error / scale)


def partial_denoising(model: DiffusionModel, *, L: int, T: float, t_starts: list[float], n: int = 1024,
                      solver: str = DEFAULT_SOLVER, steps: int = DEFAULT_STEPS, precision: str = "auto",
                      batch_size: int = 500, seed: int = 0, callback=None) -> PartialDenoising:
    """Noise ``n`` Wolff lattices to each t₀ in ``t_starts`` and denoise them back with ``solver``, its levels
    below t₀ spaced as in a ``steps``-level run from t = 1 (:func:`~boltz.diffusion.sampling.levels_below`).

    The same lattices serve every t₀. ``callback`` gets the sampler's frames with ``"t_start"`` added.
    """
    L, T = check_lattice_and_temperature(model, L, T)
    n = SAMPLES.check(n)
    if not t_starts:
        raise ValueError("give at least one start level t_start")
    schedule = model.schedule
    levels_each = [levels_below(schedule, solver, steps, t0) for t0 in t_starts]  # checks every t0 before any work
    generator = torch.Generator().manual_seed(seed)
    lattices = equilibrium_lattices(L, T, n, generator=generator)
    e_in, m_in = energy(lattices) / L**2, magnetization(lattices)
    rows = []
    for t0, levels in zip(t_starts, levels_each):
        began = time.perf_counter()
        run = sample_ising_diffusion(
            model, L=L, T=T, n=n, solver=solver, steps=levels, batch_size=batch_size, precision=precision,
            start=lattices, t_start=t0, generator=generator,
            callback=None if callback is None else lambda frame, t0=t0: callback({**frame, "t_start": t0}))
        e_out, m_out = energy(run.spins) / L**2, magnetization(run.spins)
        level = torch.tensor([t0], dtype=torch.float64)
        rows.append(PartialDenoisingRow(
            t_start=t0, alpha=float(schedule.alpha(level)), sigma=float(schedule.sigma(level)), levels=levels,
            energy=_relative_change(e_out, e_in), abs_magnetization=_relative_change(m_out.abs(), m_in.abs()),
            square_magnetization=_relative_change(m_out**2, m_in**2), seconds=time.perf_counter() - began))
    network_dtype = str(resolve_precision(precision, model.device)).removeprefix("torch.")
    return PartialDenoising(L=L, T=T, n=n, solver=solver, steps=steps, precision=network_dtype,
                            energy=float(e_in.mean()), abs_magnetization=float(m_in.abs().mean()), rows=rows)


def format_partial_denoising(result: PartialDenoising) -> str:
    """The table of one (L, T): a row per start level, changes in % of the inputs' means ± one standard error."""
    lines = [f"Partial denoising, L = {result.L}, T = {result.T:g}: {result.n} Wolff lattices (⟨e⟩ = "
             f"{result.energy:.5f}, ⟨|m|⟩ = {result.abs_magnetization:.5f}) noised to t₀ and denoised by "
             f"{result.solver} (levels spaced as in {result.steps} from t = 1, {result.precision}); paired changes",
             f"{'t0':>6} {'alpha':>6} {'sigma':>6} {'levels':>6} {'Δe':>17} {'Δ|m|':>17} {'Δm²':>17} "
             f"{'seconds':>8}"]
    for r in result.rows:
        cells = [f"{100 * x.value:+.2f} ± {100 * x.error:.2f}%" for x in
                 (r.energy, r.abs_magnetization, r.square_magnetization)]
        lines.append(f"{r.t_start:>6.3g} {r.alpha:>6.3f} {r.sigma:>6.3f} {r.levels:>6} {cells[0]:>17} {cells[1]:>17} "
                     f"{cells[2]:>17} {r.seconds:>8.1f}")
    return "\n".join(lines)
