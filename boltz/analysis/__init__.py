"""Estimators with error bars for comparing samplers (MCMC, diffusion) with exact 2D Ising results and with each other (LJ)."""

from boltz.analysis.autocorrelation import (
    AutocorrelationTime,
    autocorrelation,
    effective_sample_size,
    integrated_autocorrelation_time,
)
from boltz.analysis.correlation import axis_correlation, correlation_map, radial_correlation
from boltz.analysis.distances import wasserstein_1, wasserstein_1_to_distribution
from boltz.analysis.estimates import (
    DEFAULT_BLOCKS,
    Estimate,
    block_jackknife,
    jackknife_of_means,
    mean_estimate,
)
from boltz.analysis.histograms import energy_histogram, magnetization_histogram
from boltz.analysis.ising_observables import IsingObservables, ising_observables
from boltz.analysis.lj_observables import LJObservables, lj_observables
from boltz.analysis.radial_distribution import RadialDistribution, radial_distribution

__all__ = [
    "DEFAULT_BLOCKS",
    "AutocorrelationTime",
    "Estimate",
    "IsingObservables",
    "LJObservables",
    "RadialDistribution",
    "autocorrelation",
    "axis_correlation",
    "block_jackknife",
    "correlation_map",
    "effective_sample_size",
    "energy_histogram",
    "integrated_autocorrelation_time",
    "ising_observables",
    "jackknife_of_means",
    "lj_observables",
    "magnetization_histogram",
    "mean_estimate",
    "radial_correlation",
    "radial_distribution",
    "wasserstein_1",
    "wasserstein_1_to_distribution",
]
