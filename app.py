"""The boltz dashboard: ``python app.py [--host 127.0.0.1] [--port 8050] [--cache-dir DIR] [--debug]``."""

from __future__ import annotations

import argparse
import os
from pathlib import Path

import dash
import dash_bootstrap_components as dbc
import diskcache
from dash import Dash, DiskcacheManager, html


def parse_options(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--host", default="127.0.0.1", help="interface to bind (default 127.0.0.1: this machine only)")
    parser.add_argument("--port", type=int, default=8050)
    parser.add_argument(
        "--cache-dir", type=Path,
        default=Path(os.environ.get("BOLTZ_CACHE_DIR", Path.home() / ".cache" / "boltz" / "dashboard")),
        help="background jobs, their live frames and results (default $BOLTZ_CACHE_DIR or ~/.cache/boltz/dashboard)",
    )
    parser.add_argument("--debug", action="store_true", help="Dash debug mode (never on a shared network)")
    return parser.parse_args(argv)


# The cache folder must be known before the app is built (the background manager is part of it), so the
# command line is read at import when run as a script; imported (tests, WSGI servers) it takes the defaults.
OPTIONS = parse_options(None if __name__ == "__main__" else [])

app = Dash(
    __name__,
    use_pages=True,
    title="boltz: diffusion Boltzmann sampler",
    suppress_callback_exceptions=True,
    background_callback_manager=DiskcacheManager(diskcache.Cache(str(OPTIONS.cache_dir / "callbacks"))),
)
server = app.server
# Pages and their job workers find the job store (live frames, results, files) here, and the cache of
# generated training data.
server.config["BOLTZ_JOB_STORE"] = str(OPTIONS.cache_dir / "jobs")
server.config["BOLTZ_TRAINING_DATA"] = str(OPTIONS.cache_dir / "jobs" / "training-data")


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
    app.run(host=OPTIONS.host, port=OPTIONS.port, debug=OPTIONS.debug)


if __name__ == "__main__":
    main()
