"""Compare: the phase transition at a glance, a temperature sweep of diffusion against MCMC and the exact curves."""

import dash
import dash_bootstrap_components as dbc
import numpy as np
from dash import Input, Output, State, callback, dcc, html, no_update

from boltz.live_jobs import SWEEP_OBSERVABLES, exact_curves, run_temperature_sweep
from boltz.validation import LATTICE, SAMPLES, SEED, STEPS, TEMPERATURES
from pages import figures
from pages.components import (NumberField, check_fields, job_store, kept_result, last_job_store, new_job, number_input,
                              register_job_watch, run_kept_job, temperature_fields, temperature_range)

dash.register_page(__name__, path="/compare", name="Compare", order=4)

FIELDS = (
    NumberField.of(LATTICE, "lattice size L", 16, maximum=128),
    *temperature_fields(1.6, 3.4),
    NumberField.of(TEMPERATURES, "temperatures", 7, minimum=2, maximum=41, name="points"),
    NumberField.of(SAMPLES, "samples per point", 200, minimum=10, maximum=100_000),
    NumberField.of(STEPS, "diffusion steps", 50, maximum=2000),
    NumberField.of(SEED, "seed", 0, maximum=2**31 - 1),
)
SAMPLERS = [{"label": " diffusion", "value": "diffusion"}, {"label": " Metropolis", "value": "metropolis"},
            {"label": " Wolff", "value": "wolff"}]


def layout(**_query):
    exact = exact_curves(16, 1.6, 3.4)
    return dbc.Row([
        dbc.Col(dbc.Card(dbc.CardBody([
            *[number_input("compare", field) for field in FIELDS],
            dbc.Label("samplers"),
            dbc.Checklist(id="compare-samplers", options=SAMPLERS, value=["diffusion", "wolff"], className="mb-3"),
            dbc.Button("Sweep", id="compare-start", color="primary", className="me-2"),
            dbc.Button("Cancel", id="compare-cancel", color="secondary", disabled=True),
            dbc.Progress(id="compare-progress", value=0, label="", className="mt-3", style={"height": "1.4rem"}),
            html.Div(id="compare-alert", className="mt-3"),
        ])), md=3),
        dbc.Col(dbc.Row([dbc.Col(dcc.Graph(id=f"compare-{name}", figure=figures.sweep_figure(name, {}, exact)), md=6)
                         for name in SWEEP_OBSERVABLES]), md=9),
        dcc.Interval(id="compare-clock", interval=500, disabled=True),
        dcc.Store(id="compare-job"),
        last_job_store("compare"),
    ])


@callback(
    [*[Output(f"compare-{f.name}", "invalid") for f in FIELDS], *[Output(f"compare-{f.name}-feedback", "children") for f in FIELDS],
     Output("compare-job", "data"), Output("compare-alert", "children", allow_duplicate=True)],
    Input("compare-start", "n_clicks"),
    [State(f"compare-{f.name}", "value") for f in FIELDS], State("compare-samplers", "value"),
    State("compare-cancel", "n_clicks"),
    prevent_initial_call=True,
)
def submit(_clicks, *states):
    *values, samplers, cancel_clicks = states
    invalid, messages, parsed = check_fields(FIELDS, values, temperature_range)
    if parsed is None or not samplers:
        alert = None if samplers else dbc.Alert("Choose at least one sampler.", color="warning")
        return invalid + messages + [no_update, alert]
    return invalid + messages + [new_job(cancel_clicks, samplers=samplers, **parsed), None]


@callback(
    Output("compare-last-job", "data"), Output("compare-alert", "children"),
    Output("compare-progress", "value", allow_duplicate=True), Output("compare-progress", "label", allow_duplicate=True),
    Input("compare-job", "data"),
    background=True,
    running=[(Output("compare-start", "disabled"), True, False), (Output("compare-cancel", "disabled"), False, True),
             (Output("compare-clock", "disabled"), False, True)],
    cancel=[Input("compare-cancel", "n_clicks")],
    progress=[Output("compare-progress", "value"), Output("compare-progress", "label")],
    interval=300,
    prevent_initial_call=True,
)
def sweep(set_progress, job):
    temperatures = np.linspace(job["T_min"], job["T_max"], job["points"]).round(4).tolist()
    return run_kept_job(
        set_progress, job["job_id"],
        lambda store, job_id, on_progress, device: run_temperature_sweep(
            L=job["L"], temperatures=temperatures, samplers=job["samplers"], n=job["n"], seed=job["seed"],
            steps=job["steps"], store=store, job_id=job_id, on_progress=on_progress, device=device),
        lambda _summary: (100, f"done: {len(temperatures)} temperatures"))


@callback(
    [Output(f"compare-{name}", "figure") for name in SWEEP_OBSERVABLES],
    Input("compare-last-job", "data"),
)
def show_result(last_job):
    """The tab's last finished sweep, also after a reload (its result is kept by the job store)."""
    result = kept_result(last_job)
    if result is None:
        return [no_update] * len(SWEEP_OBSERVABLES)
    return [figures.sweep_figure(name, result["points"], result["exact"]) for name in SWEEP_OBSERVABLES]


@callback(
    [Output(f"compare-{name}", "figure", allow_duplicate=True) for name in SWEEP_OBSERVABLES],
    Input("compare-clock", "n_intervals"), State("compare-job", "data"),
    prevent_initial_call=True,
)
def show_points(_ticks, job):
    """The points measured so far, against the exact curves of the chosen L."""
    frame = job_store().latest(job["job_id"]) if job else None
    if frame is None:
        return [no_update] * len(SWEEP_OBSERVABLES)
    exact = exact_curves(job["L"], job["T_min"], job["T_max"])
    return [figures.sweep_figure(name, frame["points"], exact) for name in SWEEP_OBSERVABLES]


register_job_watch("compare", "compare-clock")
