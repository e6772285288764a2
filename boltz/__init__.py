"""boltz: sample Boltzmann distributions with score-based diffusion and hold them against MCMC and exact physics."""

__version__ = "0.1.0"
