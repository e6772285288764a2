"""Plotly figures shared by the pages; every builder takes the JSON summaries the boltz jobs return."""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from boltz.exact import T_C

SPIN_COLORS = [[0.0, "#2166ac"], [0.5, "#f7f7f7"], [1.0, "#b2182b"]]
SAMPLER_COLORS = {"diffusion": "#d95f02", "metropolis": "#1b9e77", "wolff": "#7570b3"}
NOISY_RANGE = 2.0  # colour range of denoising frames: x_t spreads past ±1 while noise remains


def _layout(figure: go.Figure, title: str, x: str, y: str, height: int = 300) -> go.Figure:
    figure.update_layout(title=title, xaxis_title=x, yaxis_title=y, height=height, template="plotly_white",
                         margin=dict(l=50, r=10, t=40, b=40), legend=dict(orientation="h", y=-0.25))
    return figure


def lattice_figure(lattice, title: str = "", *, noisy: bool = False, height: int = 320) -> go.Figure:
    """One L×L lattice: spins ±1, or a denoising state x_t (``noisy``)."""
    limit = NOISY_RANGE if noisy else 1.0
    figure = go.Figure(go.Heatmap(z=lattice, zmin=-limit, zmax=limit, colorscale=SPIN_COLORS, showscale=False))
    figure.update_layout(title=title, height=height, margin=dict(l=10, r=10, t=40, b=10), template="plotly_white")
    figure.update_xaxes(visible=False, constrain="domain")
    figure.update_yaxes(visible=False, scaleanchor="x", autorange="reversed")
    return figure


def empty_figure(message: str, height: int = 300) -> dict:
    """A placeholder with a message; a plain dict, because a page layout holds several and plotly's validation
    of a go.Figure costs tens of milliseconds each."""
    return {"data": [], "layout": {
        "height": height, "template": {"layout": {"paper_bgcolor": "white", "plot_bgcolor": "white"}},
        "xaxis": {"visible": False}, "yaxis": {"visible": False}, "margin": {"l": 10, "r": 10, "t": 10, "b": 10},
        "annotations": [{"text": message, "showarrow": False, "font": {"size": 14, "color": "#888"}}]}}


def playback_data(run: dict) -> dict:
    """The animation of one run for the browser's player (assets/playback.js): configurations, one caption per
    frame, and how to draw them (a lattice heatmap with its colour range, or particles in a box)."""
    noisy = run["sampler"] == "diffusion"
    if noisy:
        steps = run["animation"][-1]["step"] if run["animation"] else 0
        captions = [f"level {f['step']}/{steps} · t = {f['t']:.3f} · σ(t) = {f['sigma']:.3f}" for f in run["animation"]]
    else:
        captions = [f"sample {f['step']} · {f['sweeps']:.0f} sweeps" for f in run["animation"]]
    drawing = {"kind": "particles", "box": run["box"]} if "box" in run else \
        {"kind": "lattice", "zmax": NOISY_RANGE if noisy else 1.0}
    return {"frames": [f["state"] for f in run["animation"]], "captions": captions, **drawing,
            "title": f"{run['sampler']}: first sample" if noisy else f"{run['sampler']}: chain 0"}


def particles_figure(state, box: float, title: str = "", height: int = 320) -> go.Figure:
    """Particles [xs, ys] in the periodic box, drawn about one σ wide."""
    figure = go.Figure(go.Scatter(x=state[0], y=state[1], mode="markers",
                                  marker=dict(size=max(4, 240 / box), color="#2166ac", line=dict(width=0.5, color="white"))))
    figure.update_layout(title=title, height=height, margin=dict(l=10, r=10, t=40, b=10), template="plotly_white")
    figure.update_xaxes(range=[0, box], showticklabels=False, constrain="domain", mirror=True, showline=True)
    figure.update_yaxes(range=[0, box], showticklabels=False, scaleanchor="x", mirror=True, showline=True)
    return figure


def snapshots_figure(runs: list[dict]) -> go.Figure:
    """Final lattices side by side, one row per sampler."""
    columns = max(len(run["snapshots"]) for run in runs)
    figure = make_subplots(rows=len(runs), cols=columns, horizontal_spacing=0.02, vertical_spacing=0.08,
                           row_titles=[run["sampler"] for run in runs])
    for row, run in enumerate(runs, start=1):
        for col, lattice in enumerate(run["snapshots"], start=1):
            figure.add_trace(go.Heatmap(z=lattice, zmin=-1, zmax=1, colorscale=SPIN_COLORS, showscale=False),
                             row=row, col=col)
    figure.update_xaxes(visible=False)
    figure.update_yaxes(visible=False, autorange="reversed")
    figure.update_layout(title="Samples", height=170 * len(runs) + 50, margin=dict(l=10, r=30, t=40, b=10),
                         template="plotly_white")
    return figure


HISTOGRAM_BINS = 25


def _common_edges(runs: list[dict], key: str, x: str) -> np.ndarray:
    values = [v for run in runs for v, p in zip(run[key][x], run[key]["p"]) if p > 0]
    low, high = min(values), max(values)
    pad = 0.02 * (high - low) or 0.5
    return np.linspace(low - pad, high + pad, HISTOGRAM_BINS + 1)


def _histogram_traces(figure: go.Figure, runs: list[dict], key: str, x: str, edges: np.ndarray) -> None:
    """Each run's distribution summed onto the same bins, so the samplers (and the exact curve) compare bin by bin."""
    centres = 0.5 * (edges[:-1] + edges[1:])
    for run in runs:
        mass, _ = np.histogram(run[key][x], bins=edges, weights=run[key]["p"])
        figure.add_scatter(x=centres, y=mass, mode="lines+markers", line=dict(shape="hvh"), name=run["sampler"],
                           marker=dict(color=SAMPLER_COLORS.get(run["sampler"]), size=5))


def energy_distribution_figure(runs: list[dict], exact: dict | None, x_title: str = "energy per spin e",
                               title: str = "P(e)") -> go.Figure:
    figure = go.Figure()
    edges = _common_edges(runs, "energy_hist", "e")
    if exact:
        mass, _ = np.histogram(exact["e"], bins=edges, weights=exact["p"])
        figure.add_scatter(x=0.5 * (edges[:-1] + edges[1:]), y=mass, mode="lines", name="exact (Beale g(E))",
                           line=dict(color="black", width=1.5, shape="hvh"))
    _histogram_traces(figure, runs, "energy_hist", "e", edges)
    return _layout(figure, title, x_title, "probability per bin")


def radial_distribution_figure(runs: list[dict]) -> go.Figure:
    figure = go.Figure()
    for run in runs:
        figure.add_scatter(x=run["gr"]["r"], y=run["gr"]["g"], mode="lines", name=run["sampler"],
                           error_y=dict(type="data", array=run["gr"]["error"], thickness=0.5),
                           line=dict(color=SAMPLER_COLORS.get(run["sampler"])))
    return _layout(figure, "g(r)", "distance r (σ)", "g(r)")


def magnetization_figure(runs: list[dict]) -> go.Figure:
    figure = go.Figure()
    _histogram_traces(figure, runs, "magnetization_hist", "m", np.linspace(-1.0, 1.0, HISTOGRAM_BINS + 1))
    return _layout(figure, "P(m)", "magnetization per spin m", "probability per bin")


def correlation_figure(runs: list[dict]) -> go.Figure:
    figure = go.Figure()
    for run in runs:
        figure.add_scatter(x=run["correlation"]["r"], y=run["correlation"]["c"], mode="lines+markers",
                           name=run["sampler"], line=dict(color=SAMPLER_COLORS.get(run["sampler"])))
    return _layout(figure, "C(r) = ⟨s₀ s_r⟩ along the axes", "distance r", "C(r)")


def autocorrelation_figure(runs: list[dict]) -> go.Figure:
    """ρ(t) of |m| in sample order, with τ_int and the effective sample size in the legend."""
    figure = go.Figure()
    for run in runs:
        tau, ess = run["tau_abs_m"], run["ess_abs_m"]
        label = f"{run['sampler']}: τ_int = {tau:.3g}, ESS = {ess:.0f}" if tau is not None and ess is not None \
            else f"{run['sampler']}: τ_int undefined (|m| constant)"
        figure.add_scatter(y=run["acf_abs_m"], mode="lines", name=label,
                           line=dict(color=SAMPLER_COLORS.get(run["sampler"])))
    return _layout(figure, "autocorrelation of |m|", "lag (samples)", "ρ(t)")


def loss_figure(curve: dict) -> go.Figure:
    figure = go.Figure()
    figure.add_scatter(x=curve["step"], y=curve["loss"], mode="lines", name="loss", line=dict(color="#bbb", width=1))
    figure.add_scatter(x=curve["step"], y=curve["loss_avg"], mode="lines", name="running average",
                       line=dict(color="#d95f02"))
    figure.update_yaxes(type="log")
    return _layout(figure, "denoising score-matching loss", "step", "loss")


SWEEP_TITLES = {"energy": "⟨e⟩", "abs_magnetization": "⟨|m|⟩", "specific_heat": "c", "susceptibility": "χ",
                "binder": "U4"}
_EXACT = {"energy": (("energy", "exact finite L (Kaufman)"), ("onsager_energy", "Onsager L = ∞")),
          "specific_heat": (("specific_heat", "exact finite L (Kaufman)"), ("onsager_specific_heat", "Onsager L = ∞")),
          "abs_magnetization": (("onsager_abs_magnetization", "Onsager L = ∞"),)}


def sweep_figure(name: str, points: dict, exact: dict | None) -> go.Figure:
    """One observable against T: each sampler with error bars, exact curves where they exist, T_c marked."""
    figure = go.Figure()
    for key, label in _EXACT.get(name, ()) if exact else ():
        figure.add_scatter(x=exact["T"], y=exact[key], mode="lines", name=label,
                           line=dict(color="black", width=1.5, dash="dot" if key.startswith("onsager") else "solid"))
    for sampler, series in points.items():
        values = series[name]
        figure.add_scatter(x=series["T"], y=[v["value"] for v in values], mode="markers", name=sampler,
                           error_y=dict(type="data", array=[v["error"] for v in values]),
                           marker=dict(color=SAMPLER_COLORS.get(sampler), size=7))
    figure.add_vline(x=T_C, line=dict(color="#999", dash="dash"), annotation_text="T_c")
    return _layout(figure, SWEEP_TITLES[name], "temperature T", SWEEP_TITLES[name])
