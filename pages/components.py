"""Pieces the pages share: numeric fields that say what is wrong with them, the job store and the jobs it keeps
for a reload, failure and cancel alerts, the player."""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass

import dash
import dash_bootstrap_components as dbc
from dash import ClientsideFunction, Input, Output, State, callback, clientside_callback, dcc, html, no_update

from boltz.frames import JobStore, job_slot, new_job_id, open_job_store
from boltz.validation import TEMPERATURE, Parameter
from pages import figures

log = logging.getLogger(__name__)

# Lattices and particle boxes have nothing to zoom into, and the toolbar would cover their titles.
NO_TOOLBAR = {"displayModeBar": False}


@dataclass(frozen=True)
class NumberField:
    """A numeric form field: its id suffix, label, default and allowed range (minimum excluded when ``above``).

    Build it with :meth:`of` from the boltz parameter it sets, so its range and messages are the library's.
    """

    name: str
    label: str
    value: float
    minimum: float
    maximum: float
    integer: bool = True
    above: bool = False

    @classmethod
    def of(cls, parameter: Parameter, label: str, value: float, *, minimum: float | None = None,
           maximum: float | None = None, name: str | None = None) -> NumberField:
        """The field of a boltz parameter, on a narrower range where the page serves less than the library;
        ``name`` (its id suffix and the name its messages use) when one parameter sets several fields (T_min, T_max)."""
        narrowed = parameter.within(minimum, maximum)
        return cls(name or narrowed.name, label, value, narrowed.minimum, narrowed.maximum, narrowed.integer,
                   narrowed.above)

    @property
    def parameter(self) -> Parameter:
        return Parameter(self.name, self.minimum, self.maximum, integer=self.integer, above=self.above)

    def message(self, value) -> str | None:
        """Why ``value`` (as the browser sent it) is refused, or None when it is fine."""
        return "required" if value is None or value == "" else self.parameter.problem(value)

    def parse(self, value):
        return self.parameter.check(value)


def number_input(page: str, field: NumberField) -> dbc.Row:
    """Label, input and the message shown under it (``{page}-{name}`` and ``{page}-{name}-feedback``)."""
    return dbc.Row([
        dbc.Label(field.label, html_for=f"{page}-{field.name}", width=5),
        dbc.Col([
            # No min, max or step here: the browser would send an out-of-range number as empty, and the
            # message could not say what is wrong; the range is checked by ``message``.
            dbc.Input(id=f"{page}-{field.name}", type="number", value=field.value, step="any", size="sm"),
            dbc.FormFeedback(id=f"{page}-{field.name}-feedback", type="invalid"),
        ], width=7),
    ], className="mb-2")


def check_fields(fields: tuple[NumberField, ...], values, *rules) -> tuple[list[bool], list[str], dict | None]:
    """``(invalid, messages, parsed)``: per field its ``invalid`` flag and message, and the parsed values (None if any is refused).

    A rule checks what takes several fields: given the parsed values it returns None, or the field to mark and its message.
    """
    messages = [field.message(value) for field, value in zip(fields, values)]
    parsed = None if any(messages) else {field.name: field.parse(value) for field, value in zip(fields, values)}
    names = [field.name for field in fields]
    for rule in rules if parsed is not None else ():
        refused = rule(parsed)
        if refused is not None:
            messages[names.index(refused[0])] = refused[1]
    invalid = [message is not None for message in messages]
    return invalid, [message or "" for message in messages], None if any(invalid) else parsed


def refused_by(name: str, check):
    """A rule from a boltz check: ``check(parsed)`` raising ``ValueError`` marks the field ``name`` with its message."""
    def rule(parsed: dict) -> tuple[str, str] | None:
        try:
            check(parsed)
        except ValueError as error:
            return name, str(error)
        return None

    return rule


def temperature_fields(lowest_value: float, highest_value: float, *, lowest: float = 0.1) -> tuple[NumberField, NumberField]:
    """The T_min and T_max fields of a form over a temperature range (checked together by :func:`temperature_range`)."""
    return (NumberField.of(TEMPERATURE, "lowest T", lowest_value, minimum=lowest, maximum=10, name="T_min"),
            NumberField.of(TEMPERATURE, "highest T", highest_value, minimum=lowest, maximum=10, name="T_max"))


def temperature_range(parsed: dict) -> tuple[str, str] | None:
    """The rule of a form with a lowest and a highest T."""
    return ("T_max", "must be above the lowest T") if parsed["T_min"] >= parsed["T_max"] else None


def select(page: str, name: str, label: str, options, value) -> dbc.Row:
    return dbc.Row([
        dbc.Label(label, html_for=f"{page}-{name}", width=5),
        dbc.Col(dbc.Select(id=f"{page}-{name}", options=options, value=value, size="sm"), width=7),
    ], className="mb-2")


def job_store() -> JobStore:
    """The store the app was started with (app.py puts its folder or Redis URL in the server config)."""
    return open_job_store(dash.get_app().server.config["BOLTZ_JOB_STORE"])


def format_estimate(value: float | None, error: float | None) -> str:
    """``value ± error`` with the error to two significant digits and the value to the same decimal place.

    A missing value is "—"; without a finite positive error (or at extreme magnitudes) the value keeps 5 significant digits.
    """
    if value is None:
        return "—"
    if error is None or not (math.isfinite(value) and math.isfinite(error) and error > 0):
        return f"{value:.5g}" if error is None else f"{value:.5g} ± {error:.2g}"
    places = 1 - math.floor(math.log10(error))
    if not -6 <= places <= 9 or abs(value) >= 1e9:
        return f"{value:.5g} ± {error:.2g}"
    shown = max(places, 0)
    # + 0.0 turns a rounded −0.0 into 0.0
    return f"{round(value, places) + 0.0:.{shown}f} ± {round(error, places):.{shown}f}"


def failure_alert(error: Exception) -> dbc.Alert:
    """A failed job as a one-line alert: the message for bad input, the error type for anything else (logged in full)."""
    if isinstance(error, ValueError):
        text = str(error)
    else:
        log.exception("job failed", exc_info=error)
        text = f"{type(error).__name__}: {error}"
    return dbc.Alert(["The job failed: ", html.Span(" ".join(text.split()))], color="danger", dismissable=True)


def last_job_store(page: str) -> dcc.Store:
    """``{page}-last-job``: the tab's last finished job; sessionStorage survives a reload of this tab and only this tab."""
    return dcc.Store(id=f"{page}-last-job", storage_type="session")


def send_job_file(job_id: str, name: str, filename: str) -> dict:
    """A job's output file (kept in the job store) as a ``dcc.Download`` of ``filename``."""
    return dcc.send_bytes(job_store().file(job_id, name), filename=filename)


def kept_result(last_job: dict | None):
    """The summary the job store keeps for the tab's last finished job (None before the first, or once it expired)."""
    return job_store().result(last_job["job_id"]) if last_job else None


def new_job(cancel_clicks, **data) -> dict:
    """A page's job: a fresh id, what the job needs, and how often the tab's Cancel had been clicked before it began."""
    return {"job_id": new_job_id(), "cancel_clicks": cancel_clicks or 0, **data}


def register_job_watch(page: str, clock: str) -> None:
    """Say why a job ended without a result: cancelled, or its worker died (kill -9, out of memory).

    Dash stops polling a background job when it has the result or when the job's worker is gone (DiskcacheManager:
    the forked process is dead or a zombie; CeleryManager: the task failed or was revoked); it then sends no output,
    only turns the ``running`` outputs back, among them the live ``clock``'s ``disabled``. So when the clock stops and
    the job store still has the job "queued" or "running" (never "done" or "failed", which ``run_kept_job`` writes
    before it returns), the job was cancelled, if the tab's Cancel was clicked after the job was submitted, or lost
    its worker: the page says so and is usable again. The lost job's slot is taken back by its dead PID.
    """
    @callback(
        Output(f"{page}-alert", "children", allow_duplicate=True),
        Output(f"{page}-progress", "value", allow_duplicate=True),
        Output(f"{page}-progress", "label", allow_duplicate=True),
        Input(clock, "disabled"),
        State(f"{page}-job", "data"), State(f"{page}-cancel", "n_clicks"),
        prevent_initial_call=True,
    )
    def job_ended(stopped, job, cancel_clicks):
        if not stopped or not job or job_store().state(job["job_id"]) in ("done", "failed"):
            return no_update, no_update, no_update
        if (cancel_clicks or 0) > job["cancel_clicks"]:
            return dbc.Alert("Cancelled: the worker was stopped.", color="warning", dismissable=True), 0, "cancelled"
        return dbc.Alert("The job failed: its worker stopped before it finished (killed, or out of memory). "
                         "Nothing was kept; the page is ready for a new job.", color="danger", dismissable=True), 0, "failed"


def run_kept_job(set_progress, job_id: str, run, done) -> tuple:
    """Body of a page's background job: ``run(store, job_id, on_progress, device)``, its summary kept in the job store.

    ``device`` is where the server runs diffusion networks (app.py's ``--device``), never a browser's choice. The
    job first waits for one of the server's ``--max-jobs`` slots, its progress bar saying it is queued.

    Returns (last-job data, alert, progress value, progress label), ``done(summary)`` giving the value and label
    of a finished run; whatever goes wrong, the page shows a message and stays usable.
    """
    store, config = job_store(), dash.get_app().server.config

    def queued(ahead: int) -> None:
        set_progress((0, f"queued: {ahead} job{'' if ahead == 1 else 's'} ahead, waiting for a free slot"))

    try:
        with job_slot(store, job_id, config["BOLTZ_MAX_JOBS"], queued):
            set_progress((0, "starting…"))
            summary = run(store, job_id, on_progress=lambda fraction, text: set_progress((round(100 * fraction), text)),
                          device=config["BOLTZ_DEVICE"])
    except Exception as error:  # noqa: BLE001 - any failure becomes an alert, never a traceback in the page
        store.set_state(job_id, "failed")
        return dash.no_update, failure_alert(error), 0, "failed"
    store.save_result(job_id, summary)
    store.set_state(job_id, "done")
    return ({"job_id": job_id}, None, *done(summary))


def run_comparison_job(set_progress, job: dict, run, settings_class) -> tuple:
    """Body of the Ising and LJ "Sample" callbacks: ``run(settings_class(**settings), store, job_id)`` as a kept job."""
    return run_kept_job(
        set_progress, job["job_id"],
        lambda store, job_id, on_progress, device: run(settings_class(**job["settings"]), store, job_id,
                                                       on_progress=on_progress, device=device),
        lambda summary: (100, f"done: {sum(stage['seconds'] for stage in summary['runs']):.1f} s of sampling"))


def player(page: str) -> html.Div:
    """The in-browser animation player: graph, caption (t and σ(t) for diffusion), scrub slider, step and play buttons."""
    return html.Div([
        dcc.Graph(id=f"{page}-animation", config=NO_TOOLBAR,
                  figure=figures.empty_figure("the run's animation appears here", 320)),
        html.Div(id=f"{page}-anim-caption", className="text-center small mb-1"),
        dcc.Slider(id=f"{page}-anim-slider", min=0, max=0, step=1, value=0, marks=None, updatemode="drag"),
        html.Div([
            dbc.Button("◀", id=f"{page}-anim-back", size="sm", color="light"),
            dbc.Button("▶ Play", id=f"{page}-anim-play", size="sm", color="primary", className="mx-2"),
            dbc.Button("▶", id=f"{page}-anim-forward", size="sm", color="light"),
        ], className="text-center"),
        dcc.Store(id=f"{page}-anim-frames"),
    ])


def register_player(page: str) -> None:
    """Wire the player to assets/playback.js: every frame is drawn in the browser, none asks the server."""
    clientside_callback(
        ClientsideFunction(namespace="playback", function_name="control"),
        Output(f"{page}-anim-slider", "value"), Output(f"{page}-anim-slider", "max"),
        Output(f"{page}-anim-play", "children"),
        Input(f"{page}-anim-back", "n_clicks"), Input(f"{page}-anim-forward", "n_clicks"),
        Input(f"{page}-anim-play", "n_clicks"), Input(f"{page}-anim-frames", "data"),
        State(f"{page}-anim-slider", "value"),
        prevent_initial_call=True,
    )
    clientside_callback(
        ClientsideFunction(namespace="playback", function_name="draw"),
        Output(f"{page}-animation", "figure"), Output(f"{page}-anim-caption", "children"),
        Input(f"{page}-anim-slider", "value"), Input(f"{page}-anim-frames", "data"), State(f"{page}-animation", "id"),
        prevent_initial_call=True,
    )
