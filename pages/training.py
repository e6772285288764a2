"""Training: train an Ising diffusion model into the user models folder, with a live loss curve and ETA."""

import json
from pathlib import Path

import dash
import dash_bootstrap_components as dbc
from dash import Input, Output, State, callback, dcc, html, no_update

from boltz.diffusion.data import IsingDataConfig
from boltz.diffusion.networks import UNetConfig
from boltz.diffusion.training import TrainConfig, train_ising
from boltz.frames import new_job_id
from boltz.live_jobs import check_model_name, run_training
from boltz.models import SHIPPED_DIR, list_lj_models, list_models, user_models_dir
from pages import figures
from pages.components import NumberField, check_fields, failure_alert, job_store, number_input, select

dash.register_page(__name__, path="/training", name="Training", order=3)

FIELDS = (
    NumberField("L", "lattice size L", 16, 4, 128),
    NumberField("T_min", "lowest T", 1.5, 0.1, 10, integer=False),
    NumberField("T_max", "highest T", 3.5, 0.1, 10, integer=False),
    NumberField("temperatures", "temperatures", 21, 1, 101),
    NumberField("samples", "samples per T", 512, 1, 100_000),
    NumberField("channels", "U-Net width", 16, 4, 64),
    NumberField("steps", "training steps", 2000, 1, 200_000),
    NumberField("batch", "batch size", 64, 1, 4096),
    NumberField("seed", "seed", 0, 0, 2**31 - 1),
)


def _models_table() -> dbc.Table:
    """Every model the sampling pages can use, shipped and user-trained, with its config (from its folder)."""
    rows = [(m.name, "Ising", f"L = {m.L}", m) for m in list_models("ising")]
    rows += [(m.name, "Lennard-Jones", f"N = {', '.join(map(str, m.sizes))}, ρ = {m.density:g}", m) for m in list_lj_models()]
    body = [html.Tr([html.Td(name), html.Td(system), html.Td(size),
                     html.Td(f"[{m.T_range[0]:g}, {m.T_range[1]:g}]"), html.Td(m.step),
                     html.Td("shipped" if m.shipped else "yours"),
                     html.Td(html.Details([html.Summary("config"), html.Pre(
                         json.dumps(json.loads((m.folder / "config.json").read_text()), indent=1)[:4000],
                         className="small")]))])
            for name, system, size, m in rows]
    header = html.Thead(html.Tr([html.Th(h) for h in ("name", "system", "size", "T range", "steps", "", "")]))
    return dbc.Table([header, html.Tbody(body)], id="training-models-table", size="sm", bordered=True)


def layout(**_query):
    return dbc.Row([
        dbc.Col(dbc.Card(dbc.CardBody([
            select("training", "system", "system", [{"label": "Ising", "value": "ising"}], "ising"),
            dbc.Row([dbc.Label("model name", html_for="training-name", width=5), dbc.Col([
                dbc.Input(id="training-name", value="my_ising", size="sm"),
                dbc.FormFeedback(id="training-name-feedback", type="invalid")], width=7)], className="mb-2"),
            *[number_input("training", field) for field in FIELDS],
            dbc.Button("Train", id="training-start", color="primary", className="me-2"),
            dbc.Button("Cancel", id="training-cancel", color="secondary", disabled=True),
            dbc.Progress(id="training-progress", value=0, label="", className="mt-3", style={"height": "1.4rem"}),
            html.Div(id="training-alert", className="mt-3"),
            html.P(f"Models are saved in {user_models_dir()}; the shipped ones in {SHIPPED_DIR} are never written.",
                   className="small text-muted mt-2"),
        ])), md=3),
        dbc.Col([
            dcc.Graph(id="training-loss", figure=figures.empty_figure("the loss curve appears here")),
            html.Div(id="training-eta", className="small text-center"),
            html.H4("Models", className="mt-4"),
            html.Div(_models_table(), id="training-models"),
        ], md=9),
        dcc.Interval(id="training-clock", interval=500, disabled=True),
        dcc.Store(id="training-job"),
    ])


@callback(
    [*[Output(f"training-{f.name}", "invalid") for f in FIELDS], *[Output(f"training-{f.name}-feedback", "children") for f in FIELDS],
     Output("training-name", "invalid"), Output("training-name-feedback", "children"), Output("training-job", "data")],
    Input("training-start", "n_clicks"),
    State("training-name", "value"), [State(f"training-{f.name}", "value") for f in FIELDS],
    prevent_initial_call=True,
)
def submit(_clicks, name, *values):
    invalid, messages, parsed = check_fields(FIELDS, values)
    try:
        name = check_model_name(name)
        if (SHIPPED_DIR / name).exists() or (user_models_dir() / name).exists():
            raise ValueError(f"a model named {name} exists: choose another name")
        name_message = None
    except ValueError as error:
        name_message = str(error)
    if parsed is not None and parsed["T_min"] >= parsed["T_max"]:
        index = [field.name for field in FIELDS].index("T_max")
        invalid[index], messages[index], parsed = True, "must be above the lowest T", None
    job = None if parsed is None or name_message else {"job_id": new_job_id(), "name": name, **parsed}
    return invalid + messages + [name_message is not None, name_message or "", job or no_update]


@callback(
    Output("training-alert", "children"), Output("training-models", "children"),
    Output("training-loss", "figure", allow_duplicate=True),
    Output("training-progress", "value", allow_duplicate=True), Output("training-progress", "label", allow_duplicate=True),
    Input("training-job", "data"),
    background=True,
    running=[(Output("training-start", "disabled"), True, False), (Output("training-cancel", "disabled"), False, True),
             (Output("training-clock", "disabled"), False, True)],
    progress=[Output("training-progress", "value"), Output("training-progress", "label")],
    interval=300,
    prevent_initial_call=True,
)
def train(set_progress, job):
    try:
        summary = run_training(
            # The job comes from a browser: its name is checked again here (../x would leave the models folder).
            trainer=train_ising, folder=user_models_dir() / check_model_name(job["name"]),
            data=IsingDataConfig(L=job["L"], T_min=job["T_min"], T_max=job["T_max"], n_temperatures=job["temperatures"],
                                 samples_per_temperature=job["samples"], seed=job["seed"]),
            network=UNetConfig(channels=job["channels"]),
            train=TrainConfig(steps=job["steps"], batch_size=job["batch"], seed=job["seed"]),
            data_dir=Path(dash.get_app().server.config["BOLTZ_TRAINING_DATA"]), store=job_store(), job_id=job["job_id"],
            on_progress=lambda fraction, text: set_progress((round(100 * fraction), text)))
    except Exception as error:  # whatever goes wrong, the page shows a message and stays usable
        return failure_alert(error), no_update, no_update, 0, "failed"
    how = "stopped by Cancel" if summary["cancelled"] else "finished"
    alert = dbc.Alert(f"{job['name']}: {how} at step {summary['step']} (loss {summary['loss']:.4f}), saved in "
                      f"{summary['folder']}; it is in the Ising page's model list now.", color="success")
    return (alert, _models_table(), figures.loss_figure(summary["curve"]), round(100 * summary["step"] / job["steps"]),
            f"{how}: step {summary['step']}")


@callback(Output("training-alert", "children", allow_duplicate=True), Input("training-cancel", "n_clicks"),
          State("training-job", "data"), prevent_initial_call=True)
def cancel(_clicks, job):
    """A cancel request, not a kill: the run stops after its current step and keeps a checkpoint."""
    job_store().request_cancel(job["job_id"])
    return dbc.Alert("Stopping after the current step…", color="warning")


@callback(Output("training-loss", "figure"), Output("training-eta", "children"),
          Input("training-clock", "n_intervals"), State("training-job", "data"), prevent_initial_call=True)
def show_loss(_ticks, job):
    frame = job_store().latest(job["job_id"]) if job else None
    if frame is None:
        return no_update, "starting…"
    return figures.loss_figure(frame["curve"]), frame["text"]
