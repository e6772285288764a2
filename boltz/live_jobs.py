"""Long jobs that show themselves while they run: sampler comparisons (Ising, Lennard-Jones), a temperature sweep, a training run.

Each is a plain function that writes live frames to a :class:`~boltz.frames.JobStore` under its job
id, reports progress through ``on_progress(fraction, text)`` and returns a JSON-ready summary
(lists, numbers, strings, None). The dashboard runs them in background workers; anything else can
call them too.
"""

from __future__ import annotations

import csv
import functools
import math
import tempfile
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import torch

from boltz.analysis import (
    autocorrelation,
    axis_correlation,
    energy_histogram,
    ising_observables,
    magnetization_histogram,
)
from boltz.exact import (
    MAX_BEALE_L,
    energy_distribution,
    finite_lattice_energy,
    finite_lattice_specific_heat,
    onsager_energy,
    onsager_magnetization,
    onsager_specific_heat,
)
from boltz.diffusion.ising_sampling import DEFAULT_SOLVER, DEFAULT_STEPS
from boltz.frames import PLAIN_NAME, JobStore, Throttle
from boltz.io import write_ising_csv
from boltz.jobs import IsingSampleSet, sample_ising
from boltz.lj_io import write_lj_csv
from boltz.lj_jobs import LJSampleSet, sample_lj
from boltz.lj_report import lj_report
from boltz.models import list_lj_models, list_models
from boltz.report import ising_report

ANIMATION_FRAMES = 100  # frames kept for the in-browser playback of one run
SNAPSHOTS = 4  # final lattices shown per sampler
ACF_LAGS = 100
CURVE_POINTS = 500  # loss-curve points sent to a browser, however long the run


def _finite(x) -> float | None:
    """JSON has no NaN or ∞: an undefined estimate travels as None (shown as —)."""
    x = float(x)
    return x if math.isfinite(x) else None


@dataclass(frozen=True)
class IsingComparisonSettings:
    """One sampler, optionally held against a reference sampler at the same L, T, J, h, n and seed."""

    sampler: str
    L: int
    T: float
    J: float = 1.0
    h: float = 0.0
    n: int = 100
    seed: int = 0
    reference: str | None = "wolff"
    solver: str = DEFAULT_SOLVER
    steps: int = DEFAULT_STEPS
    refine: int = 0
    model: str | None = None


def ising_state(frame: dict) -> list:
    """The first configuration of an Ising sampler frame: x_t [L][L] while denoising, else spins ±1."""
    if frame["phase"] == "denoise":
        return np.round(frame["x"][0, 0].to("cpu", torch.float32).numpy(), 2).tolist()
    return frame["spins"][0].tolist()


def particle_state(frame: dict) -> list:
    """The first configuration of a Lennard-Jones sampler frame as [xs, ys] (x_t wrapped into the box while denoising)."""
    return np.round(frame["positions"][0].T.numpy(), 3).tolist()


class FrameRecorder:
    """Sampler callback: publishes the newest configuration of one run (throttled), keeps the frames of the
    animation (sample 0 of the first diffusion batch, or chain 0 of an MCMC run) and reports progress.
    ``state(frame)`` turns a sampler frame into that configuration, JSON-ready."""

    def __init__(self, store: JobStore, job_id: str, *, sampler: str, state, stage: int, stages: int,
                 on_progress=None, throttle: Throttle | None = None):
        self.store, self.job_id, self.sampler, self.state = store, job_id, sampler, state
        self.stage, self.stages = stage, stages
        self.on_progress = on_progress
        self.throttle = throttle or Throttle()
        self.animation: list[dict] = []

    def __call__(self, frame: dict) -> None:
        phase = frame["phase"]
        if phase == "denoise":
            # Progress counts configurations × levels done; t and σ(t) tell how much noise is left.
            done = frame["sample_offset"] + frame["x"].shape[0] * frame["step"] / frame["steps"]
            fraction, position, last = done / frame["total"], (frame["step"], frame["steps"]), frame["step"] == frame["steps"]
            labels = {"t": _finite(frame["t"]), "sigma": _finite(frame["sigma"])}
            text = f"{self.sampler}: denoising, t = {frame['t']:.3f}, σ(t) = {frame['sigma']:.3f}"
            keep = frame["batch"] == 0
        else:
            # MCMC: burn-in is counted as the first 30% of the run, sampling as the rest.
            burn = phase == "burn_in"
            fraction = (0.3 * frame["sweeps"] / max(frame["total_sweeps"], 1) if burn
                        else 0.3 + 0.7 * frame["step"] / frame["total"])
            position = (frame["step"], None if burn else frame["total"])
            last = not burn and frame["step"] == frame["total"]
            labels = {"sweeps": _finite(frame["sweeps"])}
            text = f"{self.sampler}: {'burn-in' if burn else 'sampling'}, {frame['sweeps']:.0f} sweeps"
            keep = not burn
        if keep and position[1] and position[0] in _animation_steps(position[1]):
            self.animation.append({"step": position[0], **labels, "state": self.state(frame)})
        if self.throttle.ready(force=last):
            self.store.publish(self.job_id, {"sampler": self.sampler, "phase": phase, "step": position[0],
                                             "steps": position[1], "text": text, "state": self.state(frame)})
            if self.on_progress is not None:
                self.on_progress(1.0 if last and self.stage + 1 == self.stages
                                 else (self.stage + min(fraction, 1.0)) / self.stages, text)


@functools.lru_cache(maxsize=64)
def _animation_steps(steps: int) -> frozenset[int]:
    """At most ANIMATION_FRAMES steps of 1..steps, evenly spread, first and last included."""
    return frozenset(np.rint(np.linspace(1, steps, min(steps, ANIMATION_FRAMES))).astype(int).tolist())


def _observable_rows(result: IsingSampleSet) -> tuple[list[dict], dict]:
    report = ising_report(result.spins, result.energies, result.magnetizations, L=result.L, T=result.T,
                          J=result.J, h=result.h)
    rows = [{k: (_finite(v) if isinstance(v, float) else v) for k, v in asdict(row).items()}
            for row in report.rows if row.name != "m^2"]
    timing = {"tau_abs_m": _finite(report.tau_abs_m), "tau_energy": _finite(report.tau_energy),
              "ess_abs_m": _finite(report.ess_abs_m), "ess_energy": _finite(report.ess_energy),
              "w1_energy": None if report.energy_w1_exact is None else _finite(report.energy_w1_exact)}
    return rows, timing


def summarize_ising(result: IsingSampleSet, animation: list[dict]) -> dict:
    """Everything the page shows of one run: observables with errors and exact values, P(e), P(m), C(r), ρ(t), snapshots."""
    N = result.L * result.L
    rows, timing = _observable_rows(result)
    e_levels, p_e = energy_histogram(result.energies.numpy() / N)
    M, p_m = magnetization_histogram(result.magnetizations.numpy(), L=result.L)
    seen = p_m > 0  # P(M) has N + 1 levels; plotting only the visited ones keeps the page light at L = 64
    abs_m = np.abs(result.magnetizations.numpy())
    lags = min(ACF_LAGS, max(1, abs_m.size // 4))
    picks = np.linspace(0, result.spins.shape[0] - 1, min(SNAPSHOTS, result.spins.shape[0])).astype(int)
    details = {k: v for k, v in result.details.items() if isinstance(v, (int, float, str))}
    return {
        "sampler": result.sampler, "L": result.L, "T": result.T, "J": result.J, "h": result.h,
        "n": int(result.spins.shape[0]), "seconds": result.seconds, "details": details,
        "observables": rows, **timing,
        "energy_hist": {"e": e_levels.tolist(), "p": p_e.tolist()},
        "magnetization_hist": {"m": (M[seen] / N).tolist(), "p": p_m[seen].tolist()},
        "correlation": {"r": list(range(result.L // 2 + 1)), "c": axis_correlation(result.spins).tolist()},
        "acf_abs_m": [_finite(x) for x in autocorrelation(abs_m)[:lags]],
        "snapshots": [result.spins[i].tolist() for i in picks],
        "animation": animation,
    }


def exact_energy_distribution(L: int, T: float, J: float, h: float) -> dict | None:
    """Exact P(e) (Beale's g(E)) where it is known: h = 0, J > 0, L ≤ 32."""
    if h != 0.0 or J <= 0 or L > MAX_BEALE_L:
        return None
    levels, probabilities = energy_distribution(L, T, J)
    return {"e": (levels / (L * L)).tolist(), "p": probabilities.tolist()}


ISING_PARAMETERS = ("L", "T", "J", "h", "n")
LJ_PARAMETERS = ("N", "density", "T", "n")


def write_observables_csv(path, runs: list[dict], parameters: tuple[str, ...]) -> Path:
    """One row per sampler and observable: the run's ``parameters``, value, error and, where known, the exact
    finite-size value, the z-score and Onsager's value (empty otherwise)."""
    path = Path(path)
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["sampler", *parameters, "observable", "value", "error", "exact_finite_L", "z", "onsager"])
        for run in runs:
            for row in run["observables"]:
                writer.writerow([run["sampler"], *(run[name] for name in parameters), row["name"], row["value"],
                                 row["error"], row.get("exact"), row.get("z"), row.get("onsager")])
    return path


def _keep_file(store: JobStore, job_id: str, name: str, write) -> None:
    """Keep a job's output file in ``store`` (the engine's writers take a path: ``write(path)`` writes it to a scratch folder)."""
    with tempfile.TemporaryDirectory() as scratch:
        path = Path(scratch) / name
        write(path)
        store.save_file(job_id, name, path.read_bytes())


def _listed_model(name, models) -> Path | None:
    """The folder of the model named ``name`` among ``models`` (ModelInfo or LJModelInfo), None for none.

    Model choices come from browsers: a name, never a path, so a job only reads the listed models."""
    if name is None:
        return None
    check_model_name(name)
    for info in models:
        if info.name == name:
            return info.folder
    raise ValueError(f"no diffusion model named {name}")


def run_ising_comparison(settings: IsingComparisonSettings, store: JobStore, job_id: str, *, on_progress=None,
                         device=None) -> dict:
    """Sample with ``settings.sampler`` (then ``settings.reference``), live frames to ``store``; the samples CSV
    of the first sampler and the observables CSV of both go to the job's folder. ``device``: where a diffusion
    network runs (the server's setting, never the browser's)."""
    # Forked workers of a process that ran a parallel torch op hang on their first one; a single
    # thread avoids it (and leaves the other core to the web process).
    torch.set_num_threads(1)
    samplers = [settings.sampler] + ([settings.reference] if settings.reference else [])
    model = _listed_model(settings.model, list_models("ising"))
    runs, throttle = [], Throttle()
    for stage, sampler in enumerate(samplers):
        recorder = FrameRecorder(store, job_id, sampler=sampler, state=ising_state, stage=stage, stages=len(samplers),
                                 on_progress=on_progress, throttle=throttle)
        result = sample_ising(sampler, L=settings.L, T=settings.T, J=settings.J, h=settings.h, n=settings.n,
                              seed=settings.seed, solver=settings.solver, steps=settings.steps,
                              refine=settings.refine, model=model, device=device, callback=recorder)
        if stage == 0:
            _keep_file(store, job_id, "samples.csv",
                      lambda path: write_ising_csv(path, result.spins, result.energies, result.magnetizations))
        runs.append(summarize_ising(result, recorder.animation))
    _keep_file(store, job_id, "observables.csv", lambda path: write_observables_csv(path, runs, ISING_PARAMETERS))
    return {"job_id": job_id, "settings": asdict(settings), "runs": runs,
            "exact_energy": exact_energy_distribution(settings.L, settings.T, settings.J, settings.h)}


@dataclass(frozen=True)
class LJComparisonSettings:
    """One Lennard-Jones sampler, optionally held against a reference sampler at the same N, ρ, T, n and seed."""

    sampler: str
    N: int
    density: float
    T: float
    n: int = 32
    seed: int = 0
    reference: str | None = "metropolis"
    solver: str | None = None  # None: the model's tested setting (boltz.models.lj_sampling_for)
    steps: int | None = None
    corrector_steps: int | None = None
    refine: int = 0
    model: str | None = None


def summarize_lj(result: LJSampleSet, animation: list[dict]) -> dict:
    """Everything the page shows of one LJ run: U/N, P and excess c_v with errors, g(r), P(U/N), snapshots."""
    report = lj_report(result.positions, result.energies, N=result.N, density=result.density, T=result.T,
                       shifted=result.shifted)
    rows = [{"name": name, "value": _finite(value), "error": _finite(error)} for name, (value, error) in
            (("U/N", report.energy_per_particle), ("P", report.pressure), ("c_v excess", report.excess_heat_capacity))]
    # Fine bins: the page sums them onto bins shared by every sampler of the comparison.
    u_centres, p_u = energy_histogram(result.energies.numpy() / result.N, bins=200)
    picks = np.linspace(0, result.positions.shape[0] - 1, min(SNAPSHOTS, result.positions.shape[0])).astype(int)
    return {
        "sampler": result.sampler, "N": result.N, "density": result.density, "T": result.T, "box": result.box,
        "n": int(result.positions.shape[0]), "seconds": result.seconds, "observables": rows,
        "tau_energy": _finite(report.tau_energy), "ess_energy": _finite(report.ess_energy),
        "overlap_fraction": report.overlap_fraction,
        "gr": {"r": report.gr.r.tolist(), "g": report.gr.g.tolist(), "error": report.gr.error.tolist()},
        "energy_hist": {"e": u_centres.tolist(), "p": p_u.tolist()},
        "snapshots": [np.round(result.positions[i].T.numpy(), 3).tolist() for i in picks],
        "animation": animation,
    }


def run_lj_comparison(settings: LJComparisonSettings, store: JobStore, job_id: str, *, on_progress=None,
                      device=None) -> dict:
    """Lennard-Jones counterpart of :func:`run_ising_comparison` (the samples CSV is the LJ contract of boltz.lj_io)."""
    torch.set_num_threads(1)  # see run_ising_comparison
    samplers = [settings.sampler] + ([settings.reference] if settings.reference else [])
    model = _listed_model(settings.model, list_lj_models())
    runs, throttle = [], Throttle()
    for stage, sampler in enumerate(samplers):
        recorder = FrameRecorder(store, job_id, sampler=sampler, state=particle_state, stage=stage,
                                 stages=len(samplers), on_progress=on_progress, throttle=throttle)
        result = sample_lj(sampler, N=settings.N, density=settings.density, T=settings.T, n=settings.n,
                           seed=settings.seed, solver=settings.solver, steps=settings.steps,
                           corrector_steps=settings.corrector_steps, refine=settings.refine, model=model, device=device,
                           callback=recorder)
        if stage == 0:
            _keep_file(store, job_id, "samples.csv", lambda path: write_lj_csv(path, result.positions, result.energies))
        runs.append(summarize_lj(result, recorder.animation))
    _keep_file(store, job_id, "observables.csv", lambda path: write_observables_csv(path, runs, LJ_PARAMETERS))
    return {"job_id": job_id, "settings": asdict(settings), "runs": runs}


SWEEP_OBSERVABLES = ("energy", "abs_magnetization", "specific_heat", "susceptibility", "binder")


def exact_curves(L: int, T_min: float, T_max: float, points: int = 200) -> dict:
    """Kaufman's finite-L e(T) and c(T) and Onsager's L = ∞ e, c, |m| on a fine grid (J = 1, h = 0)."""
    grid = np.linspace(T_min, T_max, points)
    return {"T": grid.tolist(),
            "energy": finite_lattice_energy(L, grid).tolist(), "specific_heat": finite_lattice_specific_heat(L, grid).tolist(),
            "onsager_energy": onsager_energy(grid).tolist(), "onsager_specific_heat": onsager_specific_heat(grid).tolist(),
            "onsager_abs_magnetization": onsager_magnetization(grid).tolist()}


def run_temperature_sweep(*, L: int, temperatures: list[float], samplers: list[str], n: int, seed: int, steps: int,
                          store: JobStore, job_id: str, on_progress=None, device=None) -> dict:
    """⟨e⟩, ⟨|m|⟩, c, χ, U4 with errors for every sampler at every temperature (J = 1, h = 0); the points
    so far are published as the job's frame after each one."""
    torch.set_num_threads(1)  # see run_ising_comparison
    points = {sampler: {"T": [], **{name: [] for name in SWEEP_OBSERVABLES}} for sampler in samplers}
    total, done = len(temperatures) * len(samplers), 0
    for T in temperatures:
        for sampler in samplers:
            result = sample_ising(sampler, L=L, T=T, n=n, seed=seed, steps=steps, device=device)
            observables = ising_observables(result.energies.numpy(), result.magnetizations.numpy(), L=L, T=T)
            points[sampler]["T"].append(T)
            for name in SWEEP_OBSERVABLES:
                estimate = getattr(observables, name)
                points[sampler][name].append({"value": _finite(estimate.value), "error": _finite(estimate.error)})
            done += 1
            store.publish(job_id, {"points": points, "done": done, "total": total})
            if on_progress is not None:
                on_progress(done / total, f"{sampler} at T = {T:.3f} ({done}/{total})")
    return {"job_id": job_id, "L": L, "points": points,
            "exact": exact_curves(L, min(temperatures), max(temperatures))}


def check_model_name(name) -> str:
    if not isinstance(name, str) or not PLAIN_NAME.fullmatch(name):
        raise ValueError("model name: letters, digits, '_', '-', '.', at most 64 characters, starting with a letter or digit")
    return name


def _thinned(curve: dict) -> dict:
    stride = math.ceil(len(curve["step"]) / CURVE_POINTS) or 1
    return {key: values[::stride] for key, values in curve.items()}


def run_training(*, trainer, folder, data, network, train, data_dir, store: JobStore, job_id: str,
                 on_progress=None, device=None) -> dict:
    """Train a model into ``folder`` with ``trainer`` (``train_ising`` or ``train_lj``); publishes the loss curve
    so far. A cancel requested for the job stops it: while the training data is drawn, with nothing written
    (the summary's curve is empty); once training, after the current step, with a checkpoint."""
    torch.set_num_threads(1)  # see run_ising_comparison
    curve = {"step": [], "loss": [], "loss_avg": []}
    throttle = Throttle()

    def callback(frame: dict) -> bool:
        if frame["phase"] == "data":
            # Data frames come at every MCMC chunk: publish and look for a cancel a few times a second.
            if not throttle.ready():
                return False
            text = f"training data: T = {frame['T']:.3f} ({frame['step']}/{frame['total']})"
            store.publish(job_id, {"phase": "data", "text": text, "curve": _thinned(curve)})
            if on_progress is not None:
                on_progress(0.0, text)
            return store.cancel_requested(job_id)
        for key in curve:
            curve[key].append(frame[key])
        last = frame["step"] == frame["steps"]
        if throttle.ready(force=last):
            text = (f"step {frame['step']}/{frame['steps']}, loss {frame['loss_avg']:.4f}, "
                    f"ETA {frame['eta']:.0f} s")
            store.publish(job_id, {"phase": "train", "text": text, "curve": _thinned(curve), "eta": _finite(frame["eta"])})
            if on_progress is not None:
                on_progress(frame["step"] / frame["steps"], text)
        return store.cancel_requested(job_id)

    result = trainer(folder, data=data, network=network, train=train, cache_dir=data_dir, callback=callback,
                     device=device)
    return {"job_id": job_id, "folder": str(result.folder), "step": result.step, "seconds": result.seconds,
            "loss": _finite(result.loss), "cancelled": result.cancelled, "curve": _thinned(curve)}
