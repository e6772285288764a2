"""The boltz dashboard: ``python app.py [--host 127.0.0.1] [--port 8050] [--debug]``."""

from __future__ import annotations

import argparse

import dash
import dash_bootstrap_components as dbc
from dash import Dash, html

app = Dash(
    __name__,
    use_pages=True,
    title="boltz: diffusion Boltzmann sampler",
    suppress_callback_exceptions=True,
)
server = app.server


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


app.layout = html.Div([navbar(), dbc.Container(dash.page_container)])


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--host", default="127.0.0.1", help="interface to bind (default 127.0.0.1: this machine only)")
    parser.add_argument("--port", type=int, default=8050)
    parser.add_argument("--debug", action="store_true", help="Dash debug mode (never on a shared network)")
    args = parser.parse_args(argv)
    if args.host in ("0.0.0.0", "::"):
        print(f"warning: binding {args.host} exposes the app to every network this machine is on")
    app.run(host=args.host, port=args.port, debug=args.debug)


if __name__ == "__main__":
    main()
