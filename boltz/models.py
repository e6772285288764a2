"""Where trained diffusion models live: shipped ones in the repository's ``models/``, user-trained ones in a data folder."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from boltz.diffusion.checkpoint import CONFIG, DiffusionModel, load_model, read_config

SHIPPED_DIR = Path(__file__).resolve().parent.parent / "models"


def user_models_dir() -> Path:
    """User-trained models: ``$BOLTZ_MODELS`` or ``~/.local/share/boltz/models`` (survives restarts, never the shipped folder)."""
    return Path(os.environ.get("BOLTZ_MODELS", Path.home() / ".local" / "share" / "boltz" / "models"))


@dataclass(frozen=True)
class ModelInfo:
    name: str
    folder: Path
    system: str
    L: int
    T_range: tuple[float, float]
    step: int
    shipped: bool


def _checkpoints(system: str):
    """(folder, config, shipped) of every readable checkpoint of ``system``, shipped first; unreadable folders are skipped."""
    for root, shipped in ((SHIPPED_DIR, True), (user_models_dir(), False)):
        if not root.is_dir():
            continue
        for folder in sorted(p for p in root.iterdir() if (p / CONFIG).is_file()):
            try:
                config = read_config(folder)
            except ValueError:
                continue
            if config.get("system") == system:
                yield folder, config, shipped


def list_models(system: str = "ising") -> list[ModelInfo]:
    """Every readable Ising checkpoint, shipped first; unreadable folders are skipped."""
    return [ModelInfo(folder.name, folder, system, int(config["L"]), tuple(config["T_range"]), int(config["step"]),
                      shipped) for folder, config, shipped in _checkpoints(system)]


@dataclass(frozen=True)
class LJModelInfo:
    name: str
    folder: Path
    sizes: tuple[int, ...]
    density: float
    T_range: tuple[float, float]
    step: int
    shipped: bool


def list_lj_models() -> list[LJModelInfo]:
    """Every readable Lennard-Jones checkpoint, shipped first."""
    return [LJModelInfo(folder.name, folder, tuple(config["sizes"]), float(config["density"]),
                        tuple(config["T_range"]), int(config["step"]), shipped)
            for folder, config, shipped in _checkpoints("lj")]


def resolve_lj_model(N: int, density: float, T: float, model: str | os.PathLike | None = None, *,
                     device=None) -> DiffusionModel:
    """The model to sample N particles at (ρ, T): ``model`` (a folder or a listed name), else a model trained at
    this density whose temperature range holds T, preferring one trained at N (then the closest N)."""
    if model is not None:
        path = Path(model)
        if not (path / CONFIG).is_file():
            named = [info.folder for info in list_lj_models() if info.name == str(model)]
            if not named:
                raise ValueError(f"no Lennard-Jones diffusion model {model!r} (not a checkpoint folder nor a known name)")
            path = named[0]
        return load_model(path, device=device)
    candidates = [info for info in list_lj_models()
                  if abs(info.density - density) <= 1e-9 * density and info.T_range[0] <= T <= info.T_range[1]]
    if not candidates:
        raise ValueError(f"no Lennard-Jones diffusion model for density {density:g} and T = {T:g} in {SHIPPED_DIR} or "
                         f"{user_models_dir()}: train one with `python -m boltz train lj --density {density:g} ...`")
    best = min(candidates, key=lambda info: (min(abs(n - N) for n in info.sizes), not info.shipped))
    return load_model(best.folder, device=device)


@dataclass(frozen=True)
class SamplerSettings:
    """A reverse-time solver, its number of noise levels and (``pc`` only) its Langevin corrector steps per level and
    their integrator (:data:`boltz.diffusion.sampling.CORRECTORS`)."""

    solver: str = "sde"
    steps: int = 100
    corrector_steps: int = 1
    corrector: str = "lm"

    def describe(self) -> str:
        corrector = f" × {self.corrector_steps} {self.corrector} corrector steps" if self.solver == "pc" else ""
        return f"{self.solver}, {self.steps} steps{corrector}"


DEFAULT_LJ_SAMPLING = SamplerSettings()
# The measured setting of each shipped model that needs one (README, "Lennard-Jones fluid"): lj_dense's meets every
# dense-fluid bar at N = 16 and all but ⟨U/N⟩ after 5 sweeps at N = 32 (100 levels missed max |Δg| and the refined
# ⟨U/N⟩ at N = 16); a shipped model not listed, and every user-trained model, gets DEFAULT_LJ_SAMPLING.
SHIPPED_LJ_SAMPLING = {"lj_dense": SamplerSettings("pc", 200, 2)}


def lj_sampling_for(model: DiffusionModel) -> SamplerSettings:
    """The sampler settings a Lennard-Jones model is sampled with when none are asked for."""
    shipped = Path(model.folder).resolve().parent == SHIPPED_DIR
    return SHIPPED_LJ_SAMPLING.get(Path(model.folder).name, DEFAULT_LJ_SAMPLING) if shipped else DEFAULT_LJ_SAMPLING


def resolve_ising_model(L: int, model: str | os.PathLike | None = None, *, device=None) -> DiffusionModel:
    """The model to sample an L×L lattice: ``model`` (a folder or a listed name), else the one trained closest to L."""
    if model is not None:
        path = Path(model)
        if not (path / CONFIG).is_file():
            named = [info.folder for info in list_models("ising") if info.name == str(model)]
            if not named:
                raise ValueError(f"no Ising diffusion model {model!r} (not a checkpoint folder nor a known name)")
            path = named[0]
        return load_model(path, device=device)
    candidates = list_models("ising")
    if not candidates:
        raise ValueError(f"no Ising diffusion model in {SHIPPED_DIR} or {user_models_dir()}: "
                         "train one with `python -m boltz train ising --L 16 --out models/ising_L16`")
    best = min(candidates, key=lambda info: (abs(info.L - L), not info.shipped))
    return load_model(best.folder, device=device)
