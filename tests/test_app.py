import importlib

import pytest


@pytest.fixture(scope="module")
def app_module():
    return importlib.import_module("app")


def test_health_route(app_module):
    response = app_module.server.test_client().get("/health")
    assert response.status_code == 200 and response.get_json() == {"status": "healthy"}


def test_bootstrap_is_served_locally(app_module):
    response = app_module.server.test_client().get("/assets/bootstrap.min.css")
    assert response.status_code == 200 and b"Bootstrap" in response.data[:200]


def test_command_line_defaults_and_cache_folder(app_module, tmp_path):
    defaults = app_module.parse_options([])
    assert (defaults.host, defaults.port, defaults.debug) == ("127.0.0.1", 8050, False)
    assert app_module.parse_options(["--cache-dir", str(tmp_path)]).cache_dir == tmp_path


def test_the_job_store_lives_in_the_cache_folder(monkeypatch, tmp_path):
    monkeypatch.setenv("BOLTZ_CACHE_DIR", str(tmp_path))
    module = importlib.reload(importlib.import_module("app"))
    assert module.server.config["BOLTZ_JOB_STORE"] == str(tmp_path / "jobs")
    assert (tmp_path / "callbacks").is_dir()  # the background-callback manager's diskcache


def test_by_default_the_app_serves_this_machine_only_without_debug(app_module, monkeypatch, capsys):
    calls = []
    monkeypatch.setattr(app_module, "OPTIONS", app_module.parse_options([]))
    monkeypatch.setattr(app_module.app, "run", lambda **kwargs: calls.append(kwargs))
    app_module.main()
    assert calls == [{"host": "127.0.0.1", "port": 8050, "debug": False}]
    assert "warning" not in capsys.readouterr().out


@pytest.mark.parametrize("host", ["0.0.0.0", "::"])
def test_binding_every_interface_warns(app_module, monkeypatch, capsys, host):
    monkeypatch.setattr(app_module, "OPTIONS", app_module.parse_options(["--host", host]))
    monkeypatch.setattr(app_module.app, "run", lambda **kwargs: None)
    app_module.main()
    assert f"warning: binding {host} exposes the app" in capsys.readouterr().out
