import pytest
from dash.testing.application_runners import import_app

pytestmark = pytest.mark.browser


def test_home_page_loads_without_console_errors(dash_duo):
    app = import_app("app")
    dash_duo.start_server(app)
    dash_duo.wait_for_text_to_equal("#home-title", "Diffusion Boltzmann Sampler", timeout=10)
    assert "T_c = 2.269185" in dash_duo.find_element("#home-card-ising").text
    assert dash_duo.get_logs() == []
