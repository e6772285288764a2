import importlib

import pytest


@pytest.fixture(scope="module")
def app_module():
    return importlib.import_module("app")


@pytest.fixture
def app_with(monkeypatch):
    """``app_with(**environment)``: app.py imported afresh under those variables, as a Celery worker imports it;
    imported again without them afterwards."""
    module = importlib.import_module("app")

    def reload(**environment):
        for name, value in environment.items():
            monkeypatch.setenv(name, value)
        return importlib.reload(module)

    yield reload
    monkeypatch.undo()
    importlib.reload(module)


def test_health_route(app_module):
    response = app_module.server.test_client().get("/health")
    assert response.status_code == 200 and response.get_json() == {"status": "healthy"}


def test_bootstrap_is_served_locally(app_module):
    response = app_module.server.test_client().get("/assets/bootstrap.min.css")
    assert response.status_code == 200 and b"Bootstrap" in response.data[:200]


def test_command_line_defaults_and_cache_folder(app_module, monkeypatch, tmp_path):
    for name in ("BOLTZ_JOBS", "BOLTZ_REDIS_URL"):
        monkeypatch.delenv(name, raising=False)
    defaults = app_module.parse_options([])
    assert (defaults.host, defaults.port, defaults.debug, defaults.jobs) == ("127.0.0.1", 8050, False, "diskcache")
    assert app_module.parse_options(["--cache-dir", str(tmp_path)]).cache_dir == tmp_path
    celery = app_module.parse_options(["--jobs", "celery", "--redis-url", "redis://10.0.0.2:6380/1"])
    assert (celery.jobs, celery.redis_url) == ("celery", "redis://10.0.0.2:6380/1")


def test_jobs_setting_comes_from_the_environment_and_is_checked_there_too(app_module, monkeypatch, capsys):
    monkeypatch.setenv("BOLTZ_JOBS", "celery")
    monkeypatch.setenv("BOLTZ_REDIS_URL", "redis://10.0.0.2:6380/1")
    options = app_module.parse_options([])
    assert (options.jobs, options.redis_url) == ("celery", "redis://10.0.0.2:6380/1")
    monkeypatch.setenv("BOLTZ_JOBS", "Celery")
    with pytest.raises(SystemExit):
        app_module.parse_options([])
    assert "'Celery' is not one of diskcache, celery" in capsys.readouterr().err


def test_the_job_cap_comes_from_the_command_line_or_the_environment_and_is_positive(app_module, monkeypatch, capsys):
    monkeypatch.delenv("BOLTZ_MAX_JOBS", raising=False)
    assert app_module.parse_options([]).max_jobs == 2
    assert app_module.parse_options(["--max-jobs", "5"]).max_jobs == 5
    monkeypatch.setenv("BOLTZ_MAX_JOBS", "1")
    assert app_module.parse_options([]).max_jobs == 1
    for bad in ("0", "two"):
        monkeypatch.setenv("BOLTZ_MAX_JOBS", bad)
        with pytest.raises(SystemExit):
            app_module.parse_options([])
    assert "--max-jobs / BOLTZ_MAX_JOBS: 0 is not a positive number" in capsys.readouterr().err


def test_device_setting_is_resolved_once_and_refused_when_unusable(app_module, monkeypatch, capsys):
    import torch

    monkeypatch.delenv("BOLTZ_DEVICE", raising=False)
    assert app_module.parse_options([]).device == ("cuda" if torch.cuda.is_available() else "cpu")
    assert app_module.parse_options(["--device", "cpu"]).device == "cpu"
    monkeypatch.setenv("BOLTZ_DEVICE", "gpu")
    with pytest.raises(SystemExit):
        app_module.parse_options([])
    assert "--device / BOLTZ_DEVICE: device must be one of auto, cpu, cuda, got 'gpu'" in capsys.readouterr().err
    if not torch.cuda.is_available():
        with pytest.raises(SystemExit):
            app_module.parse_options(["--device", "cuda"])
        assert "torch sees no CUDA GPU" in capsys.readouterr().err


def test_jobs_run_on_the_device_the_server_was_started_with(app_with):
    assert app_with(BOLTZ_DEVICE="cpu").server.config["BOLTZ_DEVICE"] == "cpu"


def test_the_job_store_lives_in_the_cache_folder(app_with, tmp_path):
    module = app_with(BOLTZ_CACHE_DIR=str(tmp_path), BOLTZ_JOBS="diskcache")
    assert module.server.config["BOLTZ_JOB_STORE"] == str(tmp_path / "jobs")
    assert (tmp_path / "callbacks").is_dir()  # the background-callback manager's diskcache


# Dash keeps every background callback it ever saw and hands them to each new manager: a re-import in one
# process registers them twice (a worker imports app.py once).
@pytest.mark.filterwarnings("ignore::celery.exceptions.DuplicateTaskNameWarning")
def test_celery_jobs_put_every_background_callback_on_the_queue_and_the_job_store_in_redis(app_with, tmp_path):
    url = "redis://127.0.0.1:1/3"  # nothing connects while the app is built
    module = app_with(BOLTZ_CACHE_DIR=str(tmp_path), BOLTZ_JOBS="celery", BOLTZ_REDIS_URL=url)
    assert module.celery_app.conf.broker_url == url and module.celery_app.conf.result_backend == url
    assert module.server.config["BOLTZ_JOB_STORE"] == url
    # One task per page that runs jobs: Ising, Lennard-Jones, Compare, Training.
    assert len([name for name in module.celery_app.tasks if name.startswith("background_callback_")]) == 4
    assert not (tmp_path / "callbacks").exists()


def test_by_default_the_app_serves_this_machine_only_without_debug(app_module, monkeypatch, capsys):
    calls = []
    monkeypatch.setattr(app_module, "OPTIONS", app_module.parse_options([]))
    monkeypatch.setattr(app_module.app, "run", lambda **kwargs: calls.append(kwargs))
    app_module.main()
    # One request thread: a job worker forked while another thread is inside SQLite hangs (app.main).
    assert calls == [{"host": "127.0.0.1", "port": 8050, "debug": False, "threaded": False}]
    assert "warning" not in capsys.readouterr().out
    monkeypatch.setattr(app_module, "OPTIONS", app_module.parse_options(["--jobs", "celery"]))
    app_module.main()  # Celery workers are not forked from the app: it keeps a thread per request
    assert calls[-1]["threaded"] is True


@pytest.mark.parametrize("host", ["0.0.0.0", "::"])
def test_binding_every_interface_warns(app_module, monkeypatch, capsys, host):
    monkeypatch.setattr(app_module, "OPTIONS", app_module.parse_options(["--host", host]))
    monkeypatch.setattr(app_module.app, "run", lambda **kwargs: None)
    app_module.main()
    assert f"warning: binding {host} exposes the app" in capsys.readouterr().out
