import pytest
from rest_framework.test import APIClient

from tests.factories import api_key_for

ERROR_TYPES = {"validation_error", "client_error", "server_error"}


def api_client(clear_key: str | None = None) -> APIClient:
    client = APIClient()
    if clear_key is not None:
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {clear_key}")
    return client


def check_error(response, status: int) -> dict:
    """The response is the API's one error format, with this status; returns the body."""
    assert response.status_code == status, response.content
    assert response["Content-Type"].startswith("application/json"), response["Content-Type"]
    body = response.json()
    assert set(body) == {"type", "errors"}, body
    assert body["type"] in ERROR_TYPES
    assert body["errors"], body
    for error in body["errors"]:
        assert set(error) == {"code", "detail", "attr"}, error
    return body


@pytest.fixture
def api_error():
    """check_error(response, status) -> body: asserts the standard error format."""
    return check_error


@pytest.fixture
def api_as():
    """api_as(clear_key) -> an APIClient sending ``Authorization: Bearer <clear_key>``."""
    return api_client


@pytest.fixture
def write_key(tenant):
    return api_key_for(tenant, ["read", "write"], name="Writer")


@pytest.fixture
def read_key(tenant):
    return api_key_for(tenant, ["read"], name="Reader")


@pytest.fixture
def writer(write_key):
    return api_client(write_key[1])


@pytest.fixture
def reader(read_key):
    return api_client(read_key[1])
