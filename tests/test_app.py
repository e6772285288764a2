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
