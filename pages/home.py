"""Home: what boltz is, one card per system, and the state of the trained models."""

import dash
import dash_bootstrap_components as dbc
from dash import html

from boltz.exact import T_C
from boltz.models import list_lj_models, list_models

dash.register_page(__name__, path="/", name="Home", order=0)


def _models(names: list[str]) -> html.Div:
    if not names:
        return html.Div("no trained model yet: train one on the Training page", className="text-muted small")
    return html.Ul([html.Li(name, className="small") for name in names], className="mb-0")


def _card(card_id: str, title: str, text: str, href: str, models: list[str]) -> dbc.Col:
    return dbc.Col(dbc.Card(dbc.CardBody([
        html.H4(title), html.P(text), html.H6("diffusion models"), _models(models),
        dbc.Button(f"Open {title}", href=href, color="primary", className="mt-3"),
    ]), id=card_id, className="h-100"), md=6)


def layout(**_query):
    ising = [f"{m.name}: L = {m.L}, T ∈ [{m.T_range[0]:g}, {m.T_range[1]:g}], {m.step} steps, "
             f"{'shipped' if m.shipped else 'yours'}" for m in list_models("ising")]
    lj = [f"{m.name}: N = {', '.join(map(str, m.sizes))}, ρ = {m.density:g}, T ∈ [{m.T_range[0]:g}, {m.T_range[1]:g}], "
          f"{m.step} steps, {'shipped' if m.shipped else 'yours'}" for m in list_lj_models()]
    return html.Div([
        html.H1("Diffusion Boltzmann Sampler", id="home-title"),
        html.P(
            "boltz draws samples from Boltzmann distributions p(x) ∝ exp(−E(x)/T) with score-based diffusion models. "
            "Every sample set is held against Markov chain Monte Carlo at the same settings and against exact "
            "physics: Onsager's and Kaufman's solutions and the exact energy distribution of the Ising model. "
            "Pick a system, watch the denoising run live, and see where the diffusion sampler agrees and where it does not.",
            className="lead",
        ),
        dbc.Row([
            _card("home-card-ising", "Ising", f"The 2D Ising model on an L×L torus with coupling J and field h; "
                  f"critical point T_c = {T_C:.6f} J/k_B. Diffusion against Metropolis and Wolff.", "/ising", ising),
            _card("home-card-lj", "Lennard-Jones", "A 2D Lennard-Jones fluid of N particles in a periodic box: "
                  "diffusion against displacement Metropolis, g(r), energy and pressure.", "/lennard-jones", lj),
        ], className="g-3"),
        html.P(["Also: the ", html.A("phase transition at a glance", href="/compare"), " and ",
                html.A("training your own models", href="/training"), "."], className="mt-4"),
    ])
