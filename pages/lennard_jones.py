"""Lennard-Jones page: the 2D fluid, diffusion against displacement Metropolis, live particles, g(r), energy and pressure."""

from dataclasses import asdict

import dash
import dash_bootstrap_components as dbc
from dash import Input, Output, State, callback, dcc, html, no_update

from boltz.diffusion.sampling import SAMPLERS as SOLVERS
from boltz.live_jobs import LJComparisonSettings, run_lj_comparison
from boltz.lj_jobs import check_lj_memory
from boltz.models import list_lj_models
from boltz.systems.lennard_jones import box_side
from boltz.validation import CORRECTOR_STEPS, DENSITY, PARTICLES, REFINE, SAMPLES, SEED, STEPS, TEMPERATURE
from pages import figures
from pages.components import (NO_TOOLBAR, NumberField, check_fields, format_estimate, job_store, kept_result,
                              last_job_store, new_job, number_input, player, refused_by, register_job_watch,
                              register_player, run_comparison_job, select, send_job_file)

dash.register_page(__name__, path="/lennard-jones", name="Lennard-Jones", order=2)

# The page serves less than the library: a browser run stays light enough to draw live (and a seed fits a JS number).
FIELDS = (
    NumberField.of(PARTICLES, "particles N", 32, maximum=512),
    NumberField.of(DENSITY, "density ρ", 0.64, minimum=0.001, maximum=1.2),
    NumberField.of(TEMPERATURE, "temperature T", 0.75, minimum=0.05, maximum=10),
    NumberField.of(SAMPLES, "samples", 32, minimum=2, maximum=100_000),
    NumberField.of(STEPS, "diffusion steps", 100, maximum=2000),
    NumberField.of(CORRECTOR_STEPS, "corrector steps (pc)", 1, maximum=20),
    NumberField.of(REFINE, "refinement sweeps", 0, maximum=1000),
    NumberField.of(SEED, "seed", 0, maximum=2**31 - 1),
)
FITS_IN_MEMORY = refused_by("n", lambda parsed: check_lj_memory(parsed["n"], parsed["N"]))
SAMPLERS = [{"label": "diffusion", "value": "diffusion"}, {"label": "Metropolis", "value": "metropolis"}]
# The model's tested setting ignores the steps fields; a named solver uses them.
MODEL_SETTING = "model"
SOLVER_OPTIONS = [{"label": "the model's tested setting", "value": MODEL_SETTING},
                  *({"label": name, "value": name} for name in SOLVERS)]


def _controls() -> dbc.Card:
    models = [{"label": f"{m.name} (ρ = {m.density:g}, T ∈ [{m.T_range[0]:g}, {m.T_range[1]:g}], "
                        f"{'shipped' if m.shipped else 'yours'})", "value": m.name} for m in list_lj_models()]
    return dbc.Card(dbc.CardBody([
        *[number_input("lj", field) for field in FIELDS[:3]],
        select("lj", "sampler", "sampler", SAMPLERS, "diffusion"),
        select("lj", "reference", "compare with", [*SAMPLERS, {"label": "nothing", "value": "none"}], "metropolis"),
        *[number_input("lj", field) for field in FIELDS[3:]],
        select("lj", "solver", "diffusion solver", SOLVER_OPTIONS, MODEL_SETTING),
        dbc.Label("diffusion model"),
        dcc.Dropdown(id="lj-model", options=models, placeholder="this density and T range", className="mb-3"),
        dbc.Button("Sample", id="lj-sample", color="primary", className="me-2"),
        dbc.Button("Cancel", id="lj-cancel", color="secondary", disabled=True),
        dbc.Progress(id="lj-progress", value=0, label="", className="mt-3", style={"height": "1.4rem"}),
        html.Div(id="lj-alert", className="mt-3"),
    ]))


def layout(**_query):
    return dbc.Row([
        dbc.Col(_controls(), md=3),
        dbc.Col([
            dbc.Row([
                dbc.Col([dcc.Graph(id="lj-live", config=NO_TOOLBAR,
                                   figure=figures.empty_figure("live frames appear here", 320)),
                         html.Div(id="lj-live-text", className="text-center small")], md=6),
                dbc.Col(player("lj"), md=6),
            ]),
            html.Div(id="lj-table"),
            html.Div([
                dbc.Button("Samples CSV", id="lj-download-samples", color="link", disabled=True),
                dbc.Button("Observables CSV", id="lj-download-observables", color="link", disabled=True),
            ]),
            dbc.Row([dbc.Col(dcc.Graph(id=f"lj-{name}", figure=figures.empty_figure("")), md=6)
                     for name in ("gr", "energy")]),
        ], md=9),
        dcc.Interval(id="lj-live-clock", interval=400, disabled=True),
        dcc.Store(id="lj-job"),
        last_job_store("lj"),
        dcc.Download(id="lj-download"),
    ])


# The fields a solver choice may leave unused, in the order solver_fields answers for them
SOLVER_FIELDS = ("steps", "corrector_steps")


@callback(*[Output(f"lj-{name}", "disabled") for name in SOLVER_FIELDS], Input("lj-solver", "value"))
def solver_fields(solver):
    """The model's tested setting brings its own steps, and only pc has corrector steps: grey out what a run ignores."""
    return solver == MODEL_SETTING, solver != "pc"


@callback(
    [*[Output(f"lj-{f.name}", "invalid") for f in FIELDS], *[Output(f"lj-{f.name}-feedback", "children") for f in FIELDS],
     Output("lj-job", "data"), Output("lj-alert", "children", allow_duplicate=True)],
    Input("lj-sample", "n_clicks"),
    [State(f"lj-{f.name}", "value") for f in FIELDS],
    State("lj-sampler", "value"), State("lj-reference", "value"), State("lj-solver", "value"), State("lj-model", "value"),
    State("lj-cancel", "n_clicks"),
    prevent_initial_call=True,
)
def submit(_clicks, *states):
    sampler, reference, solver, model, cancel_clicks = states[len(FIELDS):]
    # A greyed-out field is not the run's: its default stands in, so a stale value there cannot refuse the run
    ignored = {name for name, off in zip(SOLVER_FIELDS, solver_fields(solver)) if off}
    values = [field.value if field.name in ignored else value for field, value in zip(FIELDS, states[:len(FIELDS)])]
    invalid, messages, parsed = check_fields(FIELDS, values, FITS_IN_MEMORY)
    if parsed is None:
        return invalid + messages + [no_update, None]
    if solver == MODEL_SETTING:
        solver, parsed = None, {**parsed, "steps": None, "corrector_steps": None}
    settings = LJComparisonSettings(sampler=sampler, reference=None if reference == "none" else reference,
                                    solver=solver, model=model, **parsed)
    return invalid + messages + [new_job(cancel_clicks, settings=asdict(settings)), None]


@callback(
    Output("lj-last-job", "data"), Output("lj-alert", "children"),
    Output("lj-progress", "value", allow_duplicate=True), Output("lj-progress", "label", allow_duplicate=True),
    Input("lj-job", "data"),
    background=True,
    running=[(Output("lj-sample", "disabled"), True, False), (Output("lj-cancel", "disabled"), False, True),
             (Output("lj-live-clock", "disabled"), False, True)],
    cancel=[Input("lj-cancel", "n_clicks")],
    progress=[Output("lj-progress", "value"), Output("lj-progress", "label")],
    interval=300,
    prevent_initial_call=True,
)
def sample(set_progress, job):
    return run_comparison_job(set_progress, job, run_lj_comparison, LJComparisonSettings)


@callback(
    Output("lj-live", "figure"), Output("lj-live-text", "children"),
    Input("lj-live-clock", "n_intervals"), State("lj-job", "data"),
    prevent_initial_call=True,
)
def show_live_frame(_ticks, job):
    frame = job_store().latest(job["job_id"]) if job else None
    if frame is None:
        return no_update, "starting…"
    box = box_side(job["settings"]["N"], job["settings"]["density"])
    return figures.particles_figure(frame["state"], box, f"live: {frame['sampler']} {frame['phase']}"), frame["text"]


def observables_table(runs: list[dict]) -> dbc.Table:
    """U/N, P and the excess c_v ± error per sampler, with τ_int and ESS of U and the fraction of overlapping samples."""
    def number(x, spec: str) -> str:
        return "—" if x is None else format(x, spec)

    rows = [html.Tr([html.Td(row["name"]), *[html.Td(format_estimate(run["observables"][i]["value"],
                                                                     run["observables"][i]["error"]))
                                             for run in runs]]) for i, row in enumerate(runs[0]["observables"])]
    rows.append(html.Tr([html.Td("τ_int(U), ESS"), *[html.Td(
        f"{number(run['tau_energy'], '.3g')}, {number(run['ess_energy'], '.0f')}") for run in runs]]))
    rows.append(html.Tr([html.Td("samples with a pair at r < 0.7"),
                         *[html.Td(f"{run['overlap_fraction']:.1%}") for run in runs]]))
    header = html.Thead(html.Tr([html.Th("observable"), *[html.Th(run["sampler"]) for run in runs]]))
    return dbc.Table([header, html.Tbody(rows)], id="lj-observables", bordered=True, size="sm", className="mt-2")


@callback(
    Output("lj-anim-frames", "data"), Output("lj-table", "children"), Output("lj-gr", "figure"),
    Output("lj-energy", "figure"), Output("lj-download-samples", "disabled"),
    Output("lj-download-observables", "disabled"),
    Input("lj-last-job", "data"),
)
def show_result(last_job):
    result = kept_result(last_job)
    if result is None:
        return (no_update,) * 6
    runs = result["runs"]
    return (figures.playback_data(runs[0]), observables_table(runs), figures.radial_distribution_figure(runs),
            figures.energy_distribution_figure(runs, None, "energy per particle U/N", "P(U/N)"), False, False)


@callback(
    Output("lj-download", "data"),
    Input("lj-download-samples", "n_clicks"), Input("lj-download-observables", "n_clicks"),
    State("lj-last-job", "data"),
    prevent_initial_call=True,
)
def download(_samples, _observables, last_job):
    name = "samples.csv" if dash.ctx.triggered_id == "lj-download-samples" else "observables.csv"
    settings = job_store().result(last_job["job_id"])["settings"]
    return send_job_file(last_job["job_id"], name,
                         f"lj_{settings['sampler']}_N{settings['N']}_rho{settings['density']:g}_T{settings['T']:g}_{name}")


register_job_watch("lj", "lj-live-clock")
register_player("lj")
