"""Single-particle displacement Metropolis for the 2D Lennard-Jones fluid (Metropolis et al. 1953).

B independent chains run in parallel (numba ``prange`` over chains). A move picks one
particle uniformly at random, proposes r_i' = r_i + δ·(U(−1, 1), U(−1, 1)), wrapped into
[0, box), and accepts with min(1, e^{−ΔU/T}); ΔU costs one pass over the other N − 1
particles. The proposal is symmetric, so detailed balance holds for any fixed δ. A sweep
is N moves per chain.

Step size. During burn-in δ is tuned every ``tune_every`` sweeps, multiplied by
(measured acceptance)/(target), clamped to a factor in [½, 2] and to δ ≤ box/2, towards
``target_acceptance`` (0.45 by default). It is then frozen: the recorded chain is a plain
Metropolis chain with one fixed δ. In a dilute gas even δ = box/2 is accepted more often
than the target; δ then stays at box/2.

The pair energy here is the same capped, cut (and by default shifted) function as
:func:`boltz.systems.lennard_jones.pair_energy`, restated as a scalar for numba (which
cannot call torch); a test pins the two together.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

import numpy as np
import torch
from numba import njit, prange

from boltz.mcmc.rng import chain_states, next_state, uniform32
from boltz.systems.lennard_jones import CUTOFF, R_CAP, check_box, energy, energy_shift, virial
from boltz.validation import BURN_IN, REFINE, SAMPLES, TEMPERATURE, THIN, check_int, check_real

__all__ = ["DisplacementMetropolis", "LJChainSamples", "refine_lj", "sample_lj_metropolis", "tune_step_size"]

_TWO_POW_M32 = 2.0**-32


@njit(inline="always")
def _pair(r2, cutoff2, shift, cap2):
    """u(r) from r² (linear in r² below R_CAP, zero from r_c on): the scalar twin of ``pair_energy``."""
    if r2 >= cutoff2:
        return 0.0
    if r2 < cap2:
        slope = -24.0 * cap2**-7 + 12.0 * cap2**-4
        inv6 = 1.0 / cap2**3
        return 4.0 * (inv6 * inv6 - inv6) - shift + slope * (r2 - cap2)
    inv6 = 1.0 / r2**3
    return 4.0 * (inv6 * inv6 - inv6) - shift


@njit(inline="always")
def _wrap(x, box):
    """x mapped into [0, box); the rounding of x − box·⌊x/box⌋ can give box itself, which is 0."""
    x -= box * math.floor(x / box)
    return 0.0 if x >= box else x


@njit(parallel=True, cache=True, nogil=True)
def _moves(positions, box, step, inv_T, cutoff2, shift, cap2, n_moves, states, accepted):
    """Run ``n_moves`` single-particle moves on every chain in place. positions: [B, N, 2] float64."""
    n_chains, N, _ = positions.shape
    for b in prange(n_chains):
        x = positions[b]
        s = states[b]
        n_accepted = 0
        for _ in range(n_moves):
            # Propose: particle i uniform (Lemire's multiply-shift), displacement uniform in [−δ, δ)²
            s = next_state(s)
            i = (uniform32(s) * np.uint64(N)) >> np.uint64(32)
            s = next_state(s)
            new_x = _wrap(x[i, 0] + step * (2.0 * uniform32(s) * _TWO_POW_M32 - 1.0), box)
            s = next_state(s)
            new_y = _wrap(x[i, 1] + step * (2.0 * uniform32(s) * _TWO_POW_M32 - 1.0), box)
            # ΔU = Σ_{j≠i} u(|r_i' − r_j|) − u(|r_i − r_j|), minimum image
            delta_u = 0.0
            for j in range(N):
                if j == i:
                    continue
                dx = x[i, 0] - x[j, 0]
                dy = x[i, 1] - x[j, 1]
                dx -= box * np.rint(dx / box)
                dy -= box * np.rint(dy / box)
                ex = new_x - x[j, 0]
                ey = new_y - x[j, 1]
                ex -= box * np.rint(ex / box)
                ey -= box * np.rint(ey / box)
                delta_u += _pair(ex * ex + ey * ey, cutoff2, shift, cap2) - _pair(dx * dx + dy * dy, cutoff2, shift, cap2)
            # Accept with min(1, e^{−ΔU/T})
            s = next_state(s)
            if delta_u <= 0.0 or uniform32(s) * _TWO_POW_M32 < math.exp(-delta_u * inv_T):
                x[i, 0] = new_x
                x[i, 1] = new_y
                n_accepted += 1
        states[b] = s
        accepted[b] += n_accepted


class DisplacementMetropolis:
    """Kernel state for B chains: positions, step size δ, per-chain RNG streams and acceptance counts."""

    def __init__(self, positions: torch.Tensor, *, box: float, T: float, step_size: float, cutoff: float = CUTOFF,
                 shifted: bool = True, generator: torch.Generator | None = None):
        if not isinstance(positions, torch.Tensor) or positions.ndim != 3 or positions.shape[-1] != 2:
            raise ValueError("positions must be a tensor [B, N, 2]")
        if not bool(torch.isfinite(positions).all()):
            raise ValueError("positions must be finite")
        self.box = check_box(box, cutoff)
        self.T = TEMPERATURE.check(T)
        self.cutoff, self.shifted = cutoff, shifted
        self.step_size = self._check_step(step_size)
        # A copy, wrapped into [0, box): the caller keeps its start.
        self.positions = np.ascontiguousarray(np.remainder(positions.detach().to(torch.float64).numpy(), self.box))
        self.positions[self.positions >= self.box] = 0.0
        self.states = chain_states(self.positions.shape[0], generator)
        self.accepted = np.zeros(self.positions.shape[0], dtype=np.int64)
        self.attempted = 0

    def _check_step(self, step_size) -> float:
        return min(check_real("step_size", step_size, positive=True), 0.5 * self.box)

    @property
    def N(self) -> int:
        return self.positions.shape[1]

    def advance(self, sweeps: int) -> float:
        """Run ``sweeps`` sweeps (N moves each) on every chain; returns the sweeps done."""
        moves = sweeps * self.N
        _moves(self.positions, self.box, self.step_size, 1.0 / self.T, self.cutoff**2,
               energy_shift(self.cutoff, self.shifted), R_CAP**2, moves, self.states, self.accepted)
        self.attempted += moves
        return float(sweeps)

    def acceptance(self) -> float:
        return float(self.accepted.sum()) / max(1, self.attempted * self.positions.shape[0])

    def reset_acceptance(self) -> None:
        self.accepted[:] = 0
        self.attempted = 0

    def tensor(self) -> torch.Tensor:
        """A copy of the current positions, ``[B, N, 2]`` float64 in [0, box)."""
        return torch.from_numpy(self.positions.copy())


def _tune(kernel: DisplacementMetropolis, *, sweeps: int, tune_every: int, target: float, callback=None) -> float:
    """Burn-in with step-size tuning every ``tune_every`` sweeps; returns the sweeps done."""
    done = 0
    while done < sweeps:
        chunk = min(tune_every, sweeps - done)
        kernel.reset_acceptance()
        done += int(kernel.advance(chunk))
        # δ ← δ · clamp(acceptance / target, ½, 2), δ ≤ box/2
        factor = min(2.0, max(0.5, kernel.acceptance() / target))
        kernel.step_size = min(0.5 * kernel.box, kernel.step_size * factor)
        if callback is not None:
            callback({"phase": "burn_in", "step": done, "sweeps": float(done), "total_sweeps": sweeps,
                      "step_size": kernel.step_size, "positions": kernel.tensor()})
    kernel.reset_acceptance()
    return float(done)


def tune_step_size(positions: torch.Tensor, *, box: float, T: float, sweeps: int = 20, step_size: float = 0.1,
                   target_acceptance: float = 0.45, cutoff: float = CUTOFF, shifted: bool = True,
                   generator: torch.Generator | None = None) -> float:
    """δ tuned on a copy of ``positions`` [B, N, 2] over ``sweeps`` sweeps, one sweep per adjustment; the input is untouched."""
    kernel = DisplacementMetropolis(positions, box=box, T=T, step_size=step_size, cutoff=cutoff, shifted=shifted,
                                    generator=generator)
    _tune(kernel, sweeps=check_int("sweeps", sweeps, minimum=1), tune_every=1, target=target_acceptance)
    return kernel.step_size


@dataclass(frozen=True)
class LJChainSamples:
    """Measured samples of B chains: ``positions`` [S, B, N, 2] float64 in [0, box); ``energies`` (total U) and ``virials`` [S, B]."""

    positions: torch.Tensor
    energies: torch.Tensor
    virials: torch.Tensor
    box: float
    step_size: float
    sweeps_per_sample: float
    burn_in_sweeps: float
    acceptance: float
    seconds: float

    def flat_positions(self) -> torch.Tensor:
        """Samples in chain-major order (all of chain 0, then chain 1, …): ``[S·B, N, 2]``."""
        return self.positions.transpose(0, 1).reshape(-1, *self.positions.shape[-2:])


def sample_lj_metropolis(
    positions: torch.Tensor,
    *,
    box: float,
    T: float,
    n_samples: int,
    burn_in: int = 1000,
    thin: int = 10,
    step_size: float = 0.1,
    target_acceptance: float = 0.45,
    tune_every: int = 10,
    cutoff: float = CUTOFF,
    shifted: bool = True,
    callback=None,
    generator: torch.Generator | None = None,
) -> LJChainSamples:
    """Displacement Metropolis from ``positions`` [B, N, 2]: ``burn_in`` sweeps tuning δ, then ``n_samples`` per chain every ``thin`` sweeps.

    ``callback`` gets ``{"phase": "burn_in" | "sample", "step", "sweeps", "positions" [B, N, 2], …}``
    after every tuning chunk and every recorded sample (the positions are a copy).
    """
    n_samples = SAMPLES.check(n_samples, "n_samples")
    burn_in = BURN_IN.check(burn_in)
    thin = THIN.check(thin)
    tune_every = check_int("tune_every", tune_every, minimum=1)
    target_acceptance = check_real("target_acceptance", target_acceptance, positive=True)
    if target_acceptance >= 1:
        raise ValueError(f"target_acceptance must be in (0, 1), got {target_acceptance}")
    kernel = DisplacementMetropolis(positions, box=box, T=T, step_size=step_size, cutoff=cutoff, shifted=shifted,
                                    generator=generator)
    # Burn-in: equilibrate while tuning δ towards the target acceptance, then freeze δ
    done = _tune(kernel, sweeps=burn_in, tune_every=tune_every, target=target_acceptance, callback=callback)
    # Sampling with the frozen δ
    frames = np.empty((n_samples, *kernel.positions.shape), dtype=np.float64)
    start = time.perf_counter()
    sweeps = 0.0
    for step in range(n_samples):
        sweeps += kernel.advance(thin)
        frames[step] = kernel.positions
        if callback is not None:
            callback({"phase": "sample", "step": step + 1, "total": n_samples, "sweeps": sweeps,
                      "positions": torch.from_numpy(frames[step].copy())})
    seconds = time.perf_counter() - start
    samples = torch.from_numpy(frames)
    flat = samples.reshape(-1, *samples.shape[-2:])
    return LJChainSamples(
        positions=samples,
        energies=energy(flat, kernel.box, cutoff=cutoff, shifted=shifted).reshape(samples.shape[:2]),
        virials=virial(flat, kernel.box, cutoff=cutoff).reshape(samples.shape[:2]),
        box=kernel.box, step_size=kernel.step_size, sweeps_per_sample=sweeps / n_samples,
        burn_in_sweeps=done, acceptance=kernel.acceptance(), seconds=seconds,
    )


def refine_lj(positions: torch.Tensor, *, sweeps: int, box: float, T: float, step_size: float,
              cutoff: float = CUTOFF, shifted: bool = True, generator: torch.Generator | None = None) -> torch.Tensor:
    """``sweeps`` Metropolis sweeps with a fixed δ applied to every configuration of ``positions`` [B, N, 2]; returns new float64 positions."""
    sweeps = REFINE.check(sweeps)
    kernel = DisplacementMetropolis(positions, box=box, T=T, step_size=step_size, cutoff=cutoff, shifted=shifted,
                                    generator=generator)
    if sweeps:
        kernel.advance(sweeps)
    return kernel.tensor()
