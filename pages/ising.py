"""Ising page: sample at chosen settings, watch the run live, replay it, and hold it against MCMC and exact results."""

from dataclasses import asdict
from pathlib import Path

import dash
import dash_bootstrap_components as dbc
from dash import Input, Output, State, callback, dcc, html, no_update

from boltz.diffusion.ising_sampling import DEFAULT_SOLVER, DEFAULT_STEPS
from boltz.diffusion.sampling import SAMPLERS as SOLVERS
from boltz.exact import T_C
from boltz.jobs import check_ising_memory
from boltz.live_jobs import IsingComparisonSettings, run_ising_comparison
from boltz.models import list_models
from boltz.validation import COUPLING, FIELD, LATTICE, REFINE, SAMPLES, SEED, STEPS
from pages import figures
from pages.components import (NO_TOOLBAR, NumberField, check_fields, format_estimate, job_store, kept_result,
                              last_job_store, new_job, number_input, player, refused_by, register_job_watch,
                              register_player, run_comparison_job, select, send_job_file)

dash.register_page(__name__, path="/ising", name="Ising", order=1)

# The page serves less than the library: a browser run stays light enough to draw live (and a seed fits a JS number).
FIELDS = (
    NumberField.of(LATTICE, "lattice size L", 32, maximum=256),
    NumberField.of(COUPLING, "coupling J", 1.0, minimum=-10, maximum=10),
    NumberField.of(FIELD, "field h", 0.0, minimum=-10, maximum=10),
    NumberField.of(SAMPLES, "samples", 64, maximum=100_000),
    NumberField.of(STEPS, "diffusion steps", DEFAULT_STEPS, maximum=2000),
    NumberField.of(REFINE, "refinement sweeps", 0, maximum=1000),
    NumberField.of(SEED, "seed", 0, maximum=2**31 - 1),
)
FITS_IN_MEMORY = refused_by("n", lambda parsed: check_ising_memory(parsed["n"], parsed["L"]))
SAMPLERS = [{"label": "diffusion", "value": "diffusion"}, {"label": "Metropolis", "value": "metropolis"},
            {"label": "Wolff", "value": "wolff"}]
ROW_NAMES = {"e": "⟨e⟩", "|m|": "⟨|m|⟩", "c": "c", "chi": "χ", "U4": "U4"}


def _controls() -> dbc.Card:
    models = [{"label": f"{m.name} (L={m.L}, {'shipped' if m.shipped else 'yours'})", "value": m.name}
              for m in list_models("ising")]
    return dbc.Card(dbc.CardBody([
        dbc.Label("temperature T"),
        dcc.Slider(id="ising-T", min=1.0, max=4.0, step=0.01, value=2.27,
                   marks={1: "1", 2: "2", round(T_C, 3): "T_c", 3: "3", 4: "4"},
                   tooltip={"placement": "bottom", "always_visible": True}, className="mb-4"),
        *[number_input("ising", field) for field in FIELDS[:3]],
        select("ising", "sampler", "sampler", SAMPLERS, "diffusion"),
        select("ising", "reference", "compare with", [*SAMPLERS, {"label": "nothing", "value": "none"}], "wolff"),
        *[number_input("ising", field) for field in FIELDS[3:]],
        select("ising", "solver", "diffusion solver", list(SOLVERS), DEFAULT_SOLVER),
        dbc.Label("diffusion model"),
        dcc.Dropdown(id="ising-model", options=models, placeholder="trained closest to L", className="mb-3"),
        dbc.Button("Sample", id="ising-sample", color="primary", className="me-2"),
        dbc.Button("Cancel", id="ising-cancel", color="secondary", disabled=True),
        dbc.Progress(id="ising-progress", value=0, label="", className="mt-3", style={"height": "1.4rem"}),
        html.Div(id="ising-alert", className="mt-3"),
    ]))


def _graph(name: str) -> dbc.Col:
    return dbc.Col(dcc.Graph(id=f"ising-{name}", figure=figures.empty_figure("")), md=6)


def layout(**_query):
    return dbc.Row([
        dbc.Col(_controls(), md=3),
        dbc.Col([
            dbc.Row([
                dbc.Col([dcc.Graph(id="ising-live", config=NO_TOOLBAR,
                                   figure=figures.empty_figure("live frames appear here", 320)),
                         html.Div(id="ising-live-text", className="text-center small")], md=6),
                dbc.Col(player("ising"), md=6),
            ]),
            dcc.Graph(id="ising-snapshots", config=NO_TOOLBAR, figure=figures.empty_figure("", 100)),
            html.Div(id="ising-table"),
            html.Div([
                dbc.Button("Samples CSV", id="ising-download-samples", color="link", disabled=True),
                dbc.Button("Observables CSV", id="ising-download-observables", color="link", disabled=True),
            ]),
            dbc.Row([_graph("energy"), _graph("magnetization"), _graph("correlation"), _graph("autocorrelation")]),
        ], md=9),
        dcc.Interval(id="ising-live-clock", interval=400, disabled=True),
        dcc.Store(id="ising-job"),
        last_job_store("ising"),
        dcc.Download(id="ising-download"),
    ])


@callback(
    [*[Output(f"ising-{f.name}", "invalid") for f in FIELDS], *[Output(f"ising-{f.name}-feedback", "children") for f in FIELDS],
     Output("ising-job", "data"), Output("ising-alert", "children", allow_duplicate=True)],
    Input("ising-sample", "n_clicks"),
    [State(f"ising-{f.name}", "value") for f in FIELDS],
    State("ising-T", "value"), State("ising-sampler", "value"), State("ising-reference", "value"),
    State("ising-solver", "value"), State("ising-model", "value"), State("ising-cancel", "n_clicks"),
    prevent_initial_call=True,
)
def submit(_clicks, *states):
    """Check the form; only a fully valid one becomes a job (the background callback below starts on it)."""
    T, sampler, reference, solver, model, cancel_clicks = states[len(FIELDS):]
    invalid, messages, parsed = check_fields(FIELDS, states[:len(FIELDS)], FITS_IN_MEMORY)
    if parsed is None:
        return invalid + messages + [no_update, None]
    settings = IsingComparisonSettings(sampler=sampler, T=T, reference=None if reference == "none" else reference,
                                       solver=solver, model=model, **parsed)
    return invalid + messages + [new_job(cancel_clicks, settings=asdict(settings)), None]


@callback(
    Output("ising-last-job", "data"),
    Output("ising-alert", "children"),
    Output("ising-progress", "value", allow_duplicate=True),
    Output("ising-progress", "label", allow_duplicate=True),
    Input("ising-job", "data"),
    background=True,
    running=[(Output("ising-sample", "disabled"), True, False), (Output("ising-cancel", "disabled"), False, True),
             (Output("ising-live-clock", "disabled"), False, True)],
    cancel=[Input("ising-cancel", "n_clicks")],
    progress=[Output("ising-progress", "value"), Output("ising-progress", "label")],
    interval=300,
    prevent_initial_call=True,
)
def sample(set_progress, job):
    return run_comparison_job(set_progress, job, run_ising_comparison, IsingComparisonSettings)


@callback(
    Output("ising-live", "figure"), Output("ising-live-text", "children"),
    Input("ising-live-clock", "n_intervals"),
    State("ising-job", "data"),
    prevent_initial_call=True,
)
def show_live_frame(_ticks, job):
    frame = job_store().latest(job["job_id"]) if job else None
    if frame is None:
        return no_update, "starting…"
    position = f"{frame['step']}/{frame['steps']}" if frame["steps"] else f"{frame['step']}"
    title = f"live: {frame['sampler']} {frame['phase']} {position}"
    figure = figures.lattice_figure(frame["state"], title, noisy=frame["phase"] == "denoise")
    figure.layout.meta = {"job_id": frame["job_id"]}  # whose frame this is, for a client to check (scripts/soak.py)
    return figure, frame["text"]


def observables_table(runs: list[dict]) -> dbc.Table:
    """⟨e⟩, ⟨|m|⟩, c, χ, U4 ± error for each sampler, beside the exact finite-L and Onsager values."""
    def cell(value, error=None):
        if value is None:
            return html.Td("—")
        return html.Td(format_estimate(value, error) if error is not None else f"{value:.6g}")

    header = html.Thead(html.Tr([html.Th("observable"), *[html.Th(run["sampler"]) for run in runs],
                                 html.Th(f"exact, L = {runs[0]['L']}"), html.Th("Onsager, L = ∞")]))
    rows = []
    for index, row in enumerate(runs[0]["observables"]):
        estimates = [cell(run["observables"][index]["value"], run["observables"][index]["error"]) for run in runs]
        rows.append(html.Tr([html.Td(ROW_NAMES[row["name"]]), *estimates, cell(row["exact"]), cell(row["onsager"])]))
    notes = html.Caption(" · ".join(_run_note(run) for run in runs), className="small")
    return dbc.Table([notes, header, html.Tbody(rows)], id="ising-observables", bordered=True, size="sm",
                     className="mt-2")


def _run_note(run: dict) -> str:
    """How a run was drawn and how far its P(e) is from the exact one."""
    details = run["details"]
    # Runs stored before the precision option were float32
    how = (f" (model {Path(details['model']).name}, {details['solver']}, {details['steps']} steps, "
           f"{details.get('precision', 'float32')}, {details['refine']} refinement sweeps)" if "model" in details else "")
    distance = "" if run["w1_energy"] is None else f", W1 to the exact P(e) {run['w1_energy']:.2g}"
    return f"{run['sampler']}: {run['n']} samples in {run['seconds']:.1f} s{how}{distance}"


@callback(
    Output("ising-anim-frames", "data"), Output("ising-snapshots", "figure"), Output("ising-table", "children"),
    Output("ising-energy", "figure"), Output("ising-magnetization", "figure"), Output("ising-correlation", "figure"),
    Output("ising-autocorrelation", "figure"),
    Output("ising-download-samples", "disabled"), Output("ising-download-observables", "disabled"),
    Input("ising-last-job", "data"),
)
def show_result(last_job):
    """The tab's last finished job, also after a reload (its result is kept by the job store)."""
    result = kept_result(last_job)
    if result is None:
        return (no_update,) * 9
    runs = result["runs"]
    return (figures.playback_data(runs[0]), figures.snapshots_figure(runs), observables_table(runs),
            figures.energy_distribution_figure(runs, result["exact_energy"]), figures.magnetization_figure(runs),
            figures.correlation_figure(runs), figures.autocorrelation_figure(runs), False, False)


@callback(
    Output("ising-download", "data"),
    Input("ising-download-samples", "n_clicks"), Input("ising-download-observables", "n_clicks"),
    State("ising-last-job", "data"),
    prevent_initial_call=True,
)
def download(_samples, _observables, last_job):
    name = "samples.csv" if dash.ctx.triggered_id == "ising-download-samples" else "observables.csv"
    settings = job_store().result(last_job["job_id"])["settings"]
    return send_job_file(last_job["job_id"], name, f"ising_{settings['sampler']}_L{settings['L']}_T{settings['T']:g}_{name}")


register_job_watch("ising", "ising-live-clock")
register_player("ising")
