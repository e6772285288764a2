import json

import pytest
from browser_helpers import click, job_workers, open_page, record_texts, set_number, wait_until
from selenium.webdriver.support.select import Select

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("path, ready", [("/", "#home-card-ising"), ("/ising", "#ising-sample"),
                                         ("/lennard-jones", "#lj-sample"),
                                         ("/training", "#training-models-table"), ("/compare", "#compare-start")])
def test_every_page_loads_without_console_errors(dashboard, path, ready):
    open_page(dashboard, path, ready)
    dashboard.wait_for_element(".navbar", timeout=5)
    assert dashboard.get_logs() == []


def test_the_home_page_shows_the_shipped_model(dashboard):
    open_page(dashboard, "/", "#home-card-ising")
    assert "ising_L16: L = 16" in dashboard.find_element("#home-card-ising").text
    click(dashboard, "#home-card-ising a")
    dashboard.wait_for_element("#ising-sample", timeout=10)


def test_a_tiny_training_run_shows_its_loss_and_its_model_everywhere(dashboard):
    duo = dashboard
    open_page(duo, "/training", "#training-start")
    set_number(duo, "#training-name", "tiny")  # a text field, typed the same way
    for name, value in {"L": 8, "temperatures": 2, "samples": 32, "channels": 8, "steps": 60, "batch": 8}.items():
        set_number(duo, f"#training-{name}", value)
    record_texts(duo, "#training-eta")
    click(duo, "#training-start")
    duo.wait_for_contains_text("#training-alert", "finished at step 60", timeout=90)
    seen = duo.driver.execute_script("return window.seenTexts")
    assert any(text.startswith("step ") and "ETA" in text for text in seen), seen
    assert "tiny" in duo.find_element("#training-models-table").text
    # The Ising page offers the new model without a restart; the shipped one is still there.
    open_page(duo, "/ising", "#ising-model")
    click(duo, "#ising-model")
    duo.wait_for_element("[role='option']", timeout=5)
    options = " | ".join(option.text for option in duo.find_elements("[role='option']"))
    assert "tiny (L=8, yours)" in options and "ising_L16 (L=16, shipped)" in options
    # The same name again is refused beside the field.
    open_page(duo, "/training", "#training-start")
    set_number(duo, "#training-name", "tiny")
    click(duo, "#training-start")
    duo.wait_for_contains_text("#training-name-feedback", "exists", timeout=5)
    assert duo.get_logs() == []


def traces(duo, graph: str) -> list[dict]:
    """The plotted traces of a dcc.Graph (none while it is not drawn)."""
    return duo.driver.execute_script(
        "const plot = document.querySelector(arguments[0] + ' .js-plotly-plot'); return plot ? plot.data : []", graph)


def points(duo, graph: str) -> dict[str, int]:
    """How many points each trace of a graph has, by its name."""
    return {trace["name"]: len(trace["x"]) for trace in traces(duo, graph)}


def test_a_sweep_draws_points_beside_the_exact_curves_and_a_reload_shows_them_again(dashboard):
    duo = dashboard
    open_page(duo, "/compare", "#compare-start")
    for name, value in {"L": 4, "points": 3, "n": 50}.items():
        set_number(duo, f"#compare-{name}", value)
    click(duo, "#compare-samplers input[value='diffusion']")  # untick: no diffusion model at L = 4
    click(duo, "#compare-samplers input[value='metropolis']")
    click(duo, "#compare-start")
    duo.wait_for_contains_text("#compare-progress", "done: 3 temperatures", timeout=60)
    wait_until(lambda: points(duo, "#compare-specific_heat").get("metropolis") == 3, 10, "the finished sweep")
    names = [trace["name"] for trace in traces(duo, "#compare-specific_heat")]
    assert names[:2] == ["exact finite L (Kaufman)", "Onsager L = ∞"] and points(duo, "#compare-specific_heat")["wolff"] == 3
    # A reload draws the form afresh (no sweep points), then the tab's last sweep again, with the exact curves of L = 4.
    exact_L4 = [trace["y"] for trace in traces(duo, "#compare-energy") if trace["name"].startswith("exact")]
    duo.driver.refresh()
    wait_until(lambda: points(duo, "#compare-energy").get("wolff") == 3, 15, "the last sweep after the reload")
    assert points(duo, "#compare-energy")["metropolis"] == 3
    assert [trace["y"] for trace in traces(duo, "#compare-energy") if trace["name"].startswith("exact")] == exact_L4
    assert duo.get_logs() == []


def test_cancel_stops_a_sweep_and_says_so(dashboard):
    duo = dashboard
    open_page(duo, "/compare", "#compare-start")
    for name, value in {"L": 32, "points": 41, "n": 100_000}.items():
        set_number(duo, f"#compare-{name}", value)
    click(duo, "#compare-samplers input[value='diffusion']")  # Wolff alone: a long sweep of points
    click(duo, "#compare-start")
    wait_until(lambda: duo.find_element("#compare-cancel").is_enabled() and job_workers(duo), 30, "the sweep's worker")
    click(duo, "#compare-cancel")
    duo.wait_for_contains_text("#compare-alert", "Cancelled", timeout=5)
    wait_until(lambda: not job_workers(duo), 10, "the worker to be stopped")
    wait_until(lambda: duo.find_element("#compare-start").is_enabled(), 5, "Sweep to be enabled again")
    assert duo.get_logs() == []


def test_cancel_stops_a_training_run_while_its_data_is_drawn_and_while_it_trains(dashboard, tmp_path):
    duo = dashboard
    open_page(duo, "/training", "#training-start")
    # Data that would take hours to draw: Cancel stops it at once, and nothing is saved or cached.
    set_number(duo, "#training-name", "never")
    for name, value in {"L": 64, "temperatures": 101, "samples": 100_000}.items():
        set_number(duo, f"#training-{name}", value)
    click(duo, "#training-start")
    duo.wait_for_contains_text("#training-eta", "training data: T = 1.500 (0/101)", timeout=60)
    click(duo, "#training-cancel")
    duo.wait_for_contains_text("#training-alert", "never: cancelled while the training data was drawn; nothing was saved",
                               timeout=30)
    assert not (tmp_path / "user-models" / "never").exists() and not list(tmp_path.rglob("*.npz"))
    assert "never" not in duo.find_element("#training-models-table").text
    # Training steps: Cancel stops after the current one, with a checkpoint.
    wait_until(lambda: duo.find_element("#training-start").is_enabled(), 5, "Train to be enabled again")
    set_number(duo, "#training-name", "stopped")
    for name, value in {"L": 8, "temperatures": 2, "samples": 32, "channels": 8, "steps": 100_000, "batch": 8}.items():
        set_number(duo, f"#training-{name}", value)
    click(duo, "#training-start")
    duo.wait_for_contains_text("#training-eta", "step ", timeout=60)
    click(duo, "#training-cancel")
    duo.wait_for_contains_text("#training-alert", "stopped by Cancel", timeout=30)
    assert (tmp_path / "user-models" / "stopped" / "config.json").is_file()
    assert "stopped" in duo.find_element("#training-models-table").text
    assert duo.get_logs() == []


def test_a_tiny_lennard_jones_training_run_fills_its_loss_curve_and_joins_the_lj_models(dashboard, tmp_path):
    duo = dashboard
    open_page(duo, "/training", "#training-start")
    Select(duo.find_element("#training-system")).select_by_value("lj")
    wait_until(lambda: duo.find_element("#training-lj-N").is_displayed(), 5, "the Lennard-Jones settings")
    assert not duo.find_element("#training-L").is_displayed()
    wait_until(lambda: duo.find_element("#training-name").get_attribute("value") == "my_lj", 5, "the default LJ name")
    # 8 particles at ρ = 0.64 do not fill a box of side 2·r_c: refused beside the field, nothing starts.
    set_number(duo, "#training-lj-N", 8)
    click(duo, "#training-start")
    duo.wait_for_contains_text("#training-lj-N-feedback", "too few for density 0.64", timeout=5)
    assert not duo.find_element("#training-cancel").is_enabled() and duo.find_element("#training-progress").text == ""
    set_number(duo, "#training-name", "tiny_lj")
    for name, value in {"N": 16, "temperatures": 2, "samples": 32, "hidden": 8, "layers": 1, "vectors": 2, "steps": 40,
                        "batch": 8}.items():
        set_number(duo, f"#training-lj-{name}", value)
    Select(duo.find_element("#training-lj-prior")).select_by_value("pair")
    click(duo, "#training-start")
    duo.wait_for_contains_text("#training-alert", "tiny_lj: finished at step 40", timeout=90)
    assert "Lennard-Jones page's model list" in duo.find_element("#training-alert").text
    assert duo.find_element("#training-lj-N-feedback").text == ""
    bar = duo.find_element("#training-progress .progress-bar")
    assert bar.get_attribute("aria-valuenow") == "100" and bar.text == "finished at step 40"
    wait_until(lambda: points(duo, "#training-loss") == {"loss": 40, "running average": 40}, 10, "the whole loss curve")
    # Saved in the user models folder as a Lennard-Jones model, listed beside the shipped ones.
    config = json.loads((tmp_path / "user-models" / "tiny_lj" / "config.json").read_text())
    assert config["system"] == "lj" and config["sizes"] == [16] and config["step"] == 40
    network = config["network"]
    assert (network["hidden"], network["layers"], network["vector_channels"], network["pair_prior"]) == (8, 1, 2, True)
    rows = [[cell.text for cell in row.find_elements("css selector", "td")]
            for row in duo.find_elements("#training-models-table tbody tr")]
    assert ["tiny_lj", "Lennard-Jones", "N = 16, ρ = 0.64", "[0.65, 0.85]", "40", "yours"] in [row[:6] for row in rows]
    # A reload shows the tab's last finished run again: its message and its loss curve.
    duo.driver.refresh()
    duo.wait_for_contains_text("#training-alert", "tiny_lj: finished at step 40", timeout=15)
    wait_until(lambda: points(duo, "#training-loss") == {"loss": 40, "running average": 40}, 10, "the loss curve")
    # The Lennard-Jones page offers the new model without a restart; the shipped ones are still there.
    open_page(duo, "/lennard-jones", "#lj-model")
    click(duo, "#lj-model")
    duo.wait_for_element("[role='option']", timeout=5)
    options = " | ".join(option.text for option in duo.find_elements("[role='option']"))
    assert "tiny_lj (ρ = 0.64, T ∈ [0.65, 0.85], yours)" in options and "lj_dense (ρ = 0.64" in options
    assert duo.get_logs() == []
