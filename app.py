"""The boltz dashboard: ``python app.py [--host 127.0.0.1] [--port 8050] [--cache-dir DIR] [--jobs diskcache|celery]
[--redis-url URL] [--device auto|cpu|cuda] [--max-jobs K] [--debug]``; with ``--jobs celery``, ``celery -A app:celery_app worker`` runs the jobs."""

from __future__ import annotations

import argparse
import os
from pathlib import Path

import dash
import dash_bootstrap_components as dbc
import diskcache
from celery import Celery
from dash import CeleryManager, Dash, DiskcacheManager, html

from boltz.device import resolve_device

JOB_MANAGERS = ("diskcache", "celery")


def parse_options(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--host", default="127.0.0.1", help="interface to bind (default 127.0.0.1: this machine only)")
    parser.add_argument("--port", type=int, default=8050)
    parser.add_argument(
        "--cache-dir", type=Path,
        default=Path(os.environ.get("BOLTZ_CACHE_DIR", Path.home() / ".cache" / "boltz" / "dashboard")),
        help="background jobs, their live frames and results (default $BOLTZ_CACHE_DIR or ~/.cache/boltz/dashboard)",
    )
    parser.add_argument(
        "--jobs", default=os.environ.get("BOLTZ_JOBS", "diskcache"),
        help="diskcache: jobs in processes forked by the app (default); celery: jobs on Celery workers, "
             "frames and results in Redis (default $BOLTZ_JOBS; workers read the same variables)",
    )
    parser.add_argument("--redis-url", default=os.environ.get("BOLTZ_REDIS_URL", "redis://127.0.0.1:6379/0"),
                        help="broker, results and job store of --jobs celery (default $BOLTZ_REDIS_URL or %(default)s)")
    parser.add_argument("--device", default=os.environ.get("BOLTZ_DEVICE", "auto"),
                        help="where jobs run the diffusion networks: auto (CUDA when present), cpu or cuda "
                             "(default $BOLTZ_DEVICE or auto; workers read the same variable)")
    parser.add_argument("--max-jobs", type=int, default=os.environ.get("BOLTZ_MAX_JOBS", "2"),
                        help="jobs that run at once across the app's workers; more wait in a queue (default "
                             "$BOLTZ_MAX_JOBS or 2; workers read the same variable)")
    parser.add_argument("--debug", action="store_true", help="Dash debug mode (never on a shared network)")
    options = parser.parse_args(argv)
    try:  # checked here, once, so a bad value or a missing GPU stops the app instead of failing every job
        options.device = str(resolve_device(options.device))
    except ValueError as error:
        parser.error(f"--device / BOLTZ_DEVICE: {error}")
    if options.max_jobs < 1:
        parser.error(f"--max-jobs / BOLTZ_MAX_JOBS: {options.max_jobs} is not a positive number of jobs")
    if options.jobs not in JOB_MANAGERS:  # also when it came from $BOLTZ_JOBS, which argparse does not check
        parser.error(f"--jobs / BOLTZ_JOBS: {options.jobs!r} is not one of {', '.join(JOB_MANAGERS)}")
    return options


# The cache folder must be known before the app is built (the background manager is part of it), so the
# command line is read at import when run as a script; imported (tests, WSGI servers, Celery workers) it takes
# the defaults, which come from the environment.
OPTIONS = parse_options(None if __name__ == "__main__" else [])
if OPTIONS.jobs == "celery":
    # Task names are hashes of the callbacks' source: workers must run this same code.
    celery_app = Celery(__name__, broker=OPTIONS.redis_url, backend=OPTIONS.redis_url)
    manager = CeleryManager(celery_app)
else:
    manager = DiskcacheManager(diskcache.Cache(str(OPTIONS.cache_dir / "callbacks")))

app = Dash(
    __name__,
    use_pages=True,
    title="boltz: diffusion Boltzmann sampler",
    suppress_callback_exceptions=True,
    background_callback_manager=manager,
)
server = app.server
# Pages and their job workers find the job store (live frames, results, files) here: Redis when the
# workers may be elsewhere, else a folder; and the cache of generated training data.
server.config["BOLTZ_JOB_STORE"] = OPTIONS.redis_url if OPTIONS.jobs == "celery" else str(OPTIONS.cache_dir / "jobs")
server.config["BOLTZ_TRAINING_DATA"] = str(OPTIONS.cache_dir / "jobs" / "training-data")
server.config["BOLTZ_DEVICE"] = OPTIONS.device
server.config["BOLTZ_MAX_JOBS"] = OPTIONS.max_jobs


@server.route("/health")
def health():
    return {"status": "healthy"}


def navbar() -> dbc.Navbar:
    links = [dbc.NavItem(dbc.NavLink(page["name"], href=page["relative_path"], id=f"nav-{page['module']}"))
             for page in dash.page_registry.values()]
    return dbc.Navbar(
        dbc.Container([dbc.NavbarBrand("boltz", href="/"), dbc.Nav(links, navbar=True)]),
        color="dark", dark=True, className="mb-4",
    )


app.layout = html.Div([navbar(), dbc.Container(dash.page_container, fluid=True)])


def main() -> None:
    if OPTIONS.host in ("0.0.0.0", "::"):
        print(f"warning: binding {OPTIONS.host} exposes the app to every network this machine is on")
    # The DiskcacheManager forks a worker per job from the thread that serves the request. A fork taken while
    # another request thread is inside SQLite (the job store, Dash's own cache) copies SQLite's locked mutex, and
    # the worker hangs in its first SQLite call: 6 of 50 jobs of scripts/soak.py (5 tabs). Served by one thread,
    # nothing else runs at the fork. Celery workers are not forked from the app, which keeps its threads.
    app.run(host=OPTIONS.host, port=OPTIONS.port, debug=OPTIONS.debug, threaded=OPTIONS.jobs == "celery")


if __name__ == "__main__":
    main()
