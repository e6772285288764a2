"""Home: what boltz is, and where the systems live."""

import dash
import dash_bootstrap_components as dbc
from dash import html

from boltz.exact import T_C

dash.register_page(__name__, path="/", name="Home")

layout = html.Div(
    [
        html.H1("Diffusion Boltzmann Sampler", id="home-title"),
        html.P(
            "boltz samples Boltzmann distributions p(x) ∝ exp(−E(x)/T) and holds every sample set against "
            "Markov chain Monte Carlo and exact physics. The 2D Ising engine is here now: checkerboard "
            "Metropolis and Wolff cluster samplers, Onsager's and Kaufman's exact results, and estimators "
            "with error bars; the diffusion samplers and their pages come next.",
            className="lead",
        ),
        dbc.Card(
            dbc.CardBody([
                html.H4("2D Ising model"),
                html.P(f"L×L torus, coupling J, field h; critical point T_c = {T_C:.6f} J/k_B."),
                html.Code("python -m boltz sample ising --sampler wolff --L 16 --T 2.269 --n 1000 --out s.csv"),
            ]),
            id="home-card-ising",
        ),
    ]
)
