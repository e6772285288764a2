"""Training: train an Ising or Lennard-Jones diffusion model into the user models folder, with a live loss curve and ETA."""

import functools
import json
from pathlib import Path
from typing import NamedTuple

import dash
import dash_bootstrap_components as dbc
from dash import Input, Output, State, callback, dcc, html, no_update

from boltz.diffusion.data import IsingDataConfig
from boltz.diffusion.lj_data import LJDataConfig
from boltz.diffusion.lj_training import train_lj
from boltz.diffusion.networks import UNetConfig
from boltz.diffusion.particle_network import ParticleNetConfig
from boltz.diffusion.training import TrainConfig, train_ising
from boltz.frames import new_job_id
from boltz.live_jobs import check_model_name, run_training
from boltz.models import SHIPPED_DIR, list_lj_models, list_models, user_models_dir
from boltz.systems.lennard_jones import CUTOFF, box_side, check_box
from boltz.validation import (BATCH_SIZE, DENSITY, LATTICE, PARTICLES, SAMPLES_PER_TEMPERATURE, SEED, TEMPERATURES,
                              TRAINING_STEPS)
from pages import figures
from pages.components import (NumberField, check_fields, job_store, kept_result, last_job_store, number_input,
                              run_kept_job, select, temperature_fields, temperature_range)

dash.register_page(__name__, path="/training", name="Training", order=3)

SYSTEMS = {"ising": "Ising", "lj": "Lennard-Jones"}


def lj_box(parsed: dict) -> tuple[str, str] | None:
    """The rule of the LJ form: the box must hold the interaction range (and the network's r_cut ≤ box/2)."""
    try:
        check_box(box_side(parsed["N"], parsed["density"]))
    except ValueError:
        return "N", f"too few for density {parsed['density']:g}: the box side must be at least 2·r_c = {2 * CUTOFF:g}"
    return None


class Form(NamedTuple):
    """One system's settings: the id prefix of its fields, the fields and the rules across them."""

    prefix: str
    fields: tuple[NumberField, ...]
    rules: tuple = ()


FORMS = {
    "ising": Form("training", (
        NumberField.of(LATTICE, "lattice size L", 16, minimum=4, maximum=128),
        *temperature_fields(1.5, 3.5),
        NumberField.of(TEMPERATURES, "temperatures", 21, maximum=101, name="temperatures"),
        NumberField.of(SAMPLES_PER_TEMPERATURE, "samples per T", 512, maximum=100_000, name="samples"),
        NumberField("channels", "U-Net width", 16, 4, 64),
        NumberField.of(TRAINING_STEPS, "training steps", 2000, maximum=200_000),
        NumberField.of(BATCH_SIZE, "batch size", 64, maximum=4096, name="batch"),
        NumberField.of(SEED, "seed", 0, maximum=2**31 - 1),
    ), (temperature_range,)),
    "lj": Form("training-lj", (
        NumberField.of(PARTICLES, "particles N", 16, maximum=512),
        NumberField.of(DENSITY, "density ρ", 0.64, minimum=0.001, maximum=1.2),
        *temperature_fields(0.65, 0.85, lowest=0.05),
        NumberField.of(TEMPERATURES, "temperatures", 5, maximum=101, name="temperatures"),
        NumberField.of(SAMPLES_PER_TEMPERATURE, "samples per T", 1024, maximum=100_000, name="samples"),
        NumberField("hidden", "network width", 32, 4, 128),
        NumberField("layers", "message-passing layers", 2, 1, 8),
        NumberField("vectors", "vector channels", 0, 0, 64),
        NumberField.of(TRAINING_STEPS, "training steps", 2000, maximum=200_000),
        NumberField.of(BATCH_SIZE, "batch size", 32, maximum=4096, name="batch"),
        NumberField.of(SEED, "seed", 0, maximum=2**31 - 1),
    ), (temperature_range, lj_box)),
}
ALL_FIELDS = [(form.prefix, field) for form in FORMS.values() for field in form.fields]
# What the LJ network adds to its learned score (ParticleNetConfig's force_prior and pair_prior)
LJ_PRIORS = [{"label": "forces (σ → 0 limit)", "value": "force"},
             {"label": "isolated pair (every σ)", "value": "pair"}, {"label": "none", "value": "none"}]
EXTRA_CONTROLS = {"lj": lambda: [select("training-lj", "prior", "score prior", LJ_PRIORS, "force")]}
HIDDEN = {"display": "none"}


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
            select("training", "system", "system", [{"label": label, "value": key} for key, label in SYSTEMS.items()],
                   "ising"),
            dbc.Row([dbc.Label("model name", html_for="training-name", width=5), dbc.Col([
                dbc.Input(id="training-name", value="my_ising", size="sm"),
                dbc.FormFeedback(id="training-name-feedback", type="invalid")], width=7)], className="mb-2"),
            *[html.Div([*(number_input(form.prefix, field) for field in form.fields),
                        *EXTRA_CONTROLS.get(system, list)()],
                       id=f"training-{system}-fields", style=None if system == "ising" else HIDDEN)
              for system, form in FORMS.items()],
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
        last_job_store("training"),
    ])


@callback(
    [Output(f"training-{system}-fields", "style") for system in FORMS], Output("training-name", "value"),
    Input("training-system", "value"), State("training-name", "value"),
    prevent_initial_call=True,
)
def choose_system(system, name):
    """Show the chosen system's settings; a default model name follows the system."""
    defaults = {f"my_{key}" for key in FORMS}
    return [None if key == system else HIDDEN for key in FORMS] + [f"my_{system}" if name in defaults else no_update]


def _name_problem(name) -> str | None:
    """Why ``name`` cannot name a new model, or None."""
    try:
        name = check_model_name(name)
    except ValueError as error:
        return str(error)
    if (SHIPPED_DIR / name).exists() or (user_models_dir() / name).exists():
        return f"a model named {name} exists: choose another name"
    return None


@callback(
    [*[Output(f"{prefix}-{f.name}", "invalid") for prefix, f in ALL_FIELDS],
     *[Output(f"{prefix}-{f.name}-feedback", "children") for prefix, f in ALL_FIELDS],
     Output("training-name", "invalid"), Output("training-name-feedback", "children"), Output("training-job", "data")],
    Input("training-start", "n_clicks"),
    State("training-system", "value"), State("training-name", "value"), State("training-lj-prior", "value"),
    [State(f"{prefix}-{f.name}", "value") for prefix, f in ALL_FIELDS],
    prevent_initial_call=True,
)
def submit(_clicks, system, name, lj_prior, *values):
    """Check the chosen system's form (the hidden one is left alone); only a valid one becomes a job."""
    invalid, messages, parsed = [], [], None
    for key, form in FORMS.items():
        mine, values = values[:len(form.fields)], values[len(form.fields):]
        if key == system:
            flags, texts, parsed = check_fields(form.fields, mine, *form.rules)
        else:  # the hidden form: nothing to say about it
            flags, texts = [False] * len(mine), [""] * len(mine)
        invalid, messages = invalid + flags, messages + texts
    name_message = _name_problem(name)
    extra = {"prior": lj_prior} if system == "lj" else {}
    job = None if parsed is None or name_message else {"job_id": new_job_id(), "system": system, "name": name,
                                                       **parsed, **extra}
    return invalid + messages + [name_message is not None, name_message or "", job or no_update]


def _train(job: dict, store, job_id: str, on_progress, device) -> dict:
    """Train the job's model into the user models folder; the summary also keeps the system, name and steps asked."""
    # The job comes from a browser: its name is checked again, first (../x would leave the models folder).
    folder = user_models_dir() / check_model_name(job["name"])
    if job["system"] == "lj":
        if job["prior"] not in {option["value"] for option in LJ_PRIORS}:
            raise ValueError(f"unknown score prior {job['prior']!r}")
        trainer = train_lj
        network = ParticleNetConfig(hidden=job["hidden"], layers=job["layers"], vector_channels=job["vectors"],
                                    force_prior=job["prior"] != "none", pair_prior=job["prior"] == "pair")
        data = LJDataConfig(sizes=(job["N"],), density=job["density"], T_min=job["T_min"], T_max=job["T_max"],
                            n_temperatures=job["temperatures"], samples_per_temperature=job["samples"], seed=job["seed"])
    else:
        trainer, network = train_ising, UNetConfig(channels=job["channels"])
        data = IsingDataConfig(L=job["L"], T_min=job["T_min"], T_max=job["T_max"], n_temperatures=job["temperatures"],
                               samples_per_temperature=job["samples"], seed=job["seed"])
    summary = run_training(trainer=trainer, folder=folder, data=data, network=network,
                           train=TrainConfig(steps=job["steps"], batch_size=job["batch"], seed=job["seed"]),
                           data_dir=Path(dash.get_app().server.config["BOLTZ_TRAINING_DATA"]), store=store, job_id=job_id,
                           on_progress=on_progress, device=device)
    return {**summary, "system": job["system"], "name": job["name"], "steps": job["steps"]}


def _trained(summary: dict) -> bool:
    """False for a run cancelled while its training data was drawn: it made no step and saved nothing."""
    return bool(summary["curve"]["step"]) or not summary["cancelled"]


def _how(summary: dict) -> str:
    if not _trained(summary):
        return "cancelled while the training data was drawn"
    return f"{'stopped by Cancel' if summary['cancelled'] else 'finished'} at step {summary['step']}"


@callback(
    Output("training-last-job", "data"), Output("training-alert", "children", allow_duplicate=True),
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
    return run_kept_job(set_progress, job["job_id"], functools.partial(_train, job),
                        lambda summary: (round(100 * summary["step"] / summary["steps"]), _how(summary)))


@callback(
    Output("training-alert", "children"), Output("training-loss", "figure"), Output("training-models", "children"),
    Input("training-last-job", "data"),
)
def show_result(last_job):
    """The tab's last finished run, also after a reload (its summary is kept by the job store)."""
    summary = kept_result(last_job)
    if summary is None:
        return no_update, no_update, no_update
    if not _trained(summary):
        alert = dbc.Alert(f"{summary['name']}: {_how(summary)}; nothing was saved.", color="warning")
    else:
        loss = "n/a" if summary["loss"] is None else f"{summary['loss']:.4f}"  # a diverged run's loss is None
        alert = dbc.Alert(f"{summary['name']}: {_how(summary)} (loss {loss}), saved in {summary['folder']}; it is in "
                          f"the {SYSTEMS[summary['system']]} page's model list now.", color="success")
    return alert, figures.loss_figure(summary["curve"]), _models_table()


@callback(Output("training-alert", "children", allow_duplicate=True), Input("training-cancel", "n_clicks"),
          State("training-job", "data"), prevent_initial_call=True)
def cancel(_clicks, job):
    """A cancel request, not a kill: a run stops after its current step and keeps a checkpoint, or at once while its
    training data is drawn (saving nothing)."""
    job_store().request_cancel(job["job_id"])
    return dbc.Alert("Stopping…", color="warning")


@callback(Output("training-loss", "figure", allow_duplicate=True), Output("training-eta", "children"),
          Input("training-clock", "n_intervals"), State("training-job", "data"), prevent_initial_call=True)
def show_loss(_ticks, job):
    frame = job_store().latest(job["job_id"]) if job else None
    if frame is None:
        return no_update, "starting…"
    return figures.loss_figure(frame["curve"]), frame["text"]
