import csv
from pathlib import Path

import pytest
from browser_helpers import click, open_page, record_texts, set_number, wait_until
from selenium.webdriver.support.select import Select

from boltz.lj_io import lj_header

pytestmark = pytest.mark.browser


def test_a_small_lj_diffusion_job_against_metropolis(dashboard):
    duo = dashboard
    open_page(duo, "/lennard-jones", "#lj-sample")
    # Big enough that the denoising outlasts a few 0.4 s polls of the live view even on an idle machine.
    # The model's tested setting is the default and brings its own steps; a named solver takes the steps field,
    # and only pc its corrector steps.
    solver = Select(duo.find_element("#lj-solver"))
    assert solver.first_selected_option.text == "the model's tested setting"
    wait_until(lambda: not duo.find_element("#lj-steps").is_enabled(), 5, "the steps field to be greyed out")
    solver.select_by_value("sde")
    wait_until(duo.find_element("#lj-steps").is_enabled, 5, "the steps field to open for a named solver")
    assert not duo.find_element("#lj-corrector_steps").is_enabled()
    for name, value in {"N": 16, "n": 48, "steps": 60}.items():
        set_number(duo, f"#lj-{name}", value)
    record_texts(duo, "#lj-live-text")
    click(duo, "#lj-sample")
    duo.wait_for_contains_text("#lj-progress", "done", timeout=90)
    seen = duo.driver.execute_script("return window.seenTexts")
    assert any(text.startswith("diffusion: denoising") for text in seen), seen
    rows = [[cell.text for cell in row.find_elements("css selector", "td")]
            for row in duo.wait_for_element("#lj-observables", timeout=10).find_elements("css selector", "tbody tr")]
    assert [row[0] for row in rows[:3]] == ["U/N", "P", "c_v excess"]
    assert all("±" in row[1] and "±" in row[2] for row in rows[:3])
    # The particles move in the browser's player, level by level of the denoising.
    duo.wait_for_contains_text("#lj-anim-caption", "level 1/60", timeout=10)
    click(duo, "#lj-anim-play")
    duo.wait_for_contains_text("#lj-anim-caption", "level 60/60", timeout=15)
    points = duo.driver.execute_script("return document.querySelector('#lj-animation .js-plotly-plot').data[0].x.length")
    assert points == 16
    click(duo, "#lj-download-samples")
    path = Path(duo.download_path) / "lj_diffusion_N16_rho0.64_T0.75_samples.csv"
    wait_until(path.exists, 10, "the samples download")
    with open(path) as handle:
        rows = list(csv.reader(handle))
    assert rows[0] == lj_header(16) and len(rows) == 1 + 48
    assert duo.get_logs() == []
