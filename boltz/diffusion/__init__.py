"""Score-based diffusion for Boltzmann sampling: the VP forward SDE and its reverse-time samplers."""

from boltz.diffusion.sampling import (SAMPLERS, project_spins, sample_ancestral, sample_ddim, sample_ode, sample_pc,
                                     sample_sa, sample_sde)
from boltz.diffusion.sde import SCHEDULES, VPSDE, CosineVPSDE, NoiseSchedule, VariancePreserving
from boltz.diffusion.utils import append_dims

__all__ = [
    "SAMPLERS",
    "SCHEDULES",
    "VPSDE",
    "CosineVPSDE",
    "NoiseSchedule",
    "VariancePreserving",
    "append_dims",
    "project_spins",
    "sample_ancestral",
    "sample_ddim",
    "sample_ode",
    "sample_pc",
    "sample_sa",
    "sample_sde",
]
