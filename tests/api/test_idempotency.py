"""Idempotency-Key on POST: retries replay the first answer instead of creating duplicates."""

import pytest

from clients.models import Client
from tenants.scope import tenant_scope
from tests.factories import api_key_for

pytestmark = pytest.mark.django_db


def post(client, key, body, idempotency_key=None):
    headers = {"HTTP_AUTHORIZATION": f"Bearer {key}"}
    if idempotency_key:
        headers["HTTP_IDEMPOTENCY_KEY"] = idempotency_key
    return client.post("/api/v1/clients/", body, content_type="application/json", **headers)


def test_a_retried_post_creates_one_client_and_replays_the_first_answer(client, tenant):
    _, key = api_key_for(tenant)
    first = post(client, key, {"name": "Retry Residence"}, "req-1")
    second = post(client, key, {"name": "Retry Residence"}, "req-1")
    assert (first.status_code, second.status_code) == (201, 201)
    assert second.json() == first.json()
    assert second.headers["Idempotent-Replayed"] == "true"
    with tenant_scope(tenant):
        assert Client.objects.filter(name="Retry Residence").count() == 1


def test_a_validation_error_is_replayed_too(client, tenant):
    _, key = api_key_for(tenant)
    first = post(client, key, {"name": ""}, "req-2")
    second = post(client, key, {"name": ""}, "req-2")
    assert (first.status_code, second.status_code) == (400, 400)
    assert second.json() == first.json()


def test_reusing_a_key_for_a_different_request_is_refused(client, tenant):
    _, key = api_key_for(tenant)
    post(client, key, {"name": "First Residence"}, "req-3")
    response = post(client, key, {"name": "Second Residence"}, "req-3")
    assert response.status_code == 422
    assert response.json()["errors"][0]["code"] == "idempotency_key_reused"
    with tenant_scope(tenant):
        assert not Client.objects.filter(name="Second Residence").exists()


def test_keys_are_per_caller(client, tenant):
    _, key_a = api_key_for(tenant, name="A")
    _, key_b = api_key_for(tenant, name="B")
    assert post(client, key_a, {"name": "Shared Key One"}, "same").status_code == 201
    assert post(client, key_b, {"name": "Shared Key Two"}, "same").status_code == 201


def test_without_a_key_every_post_is_new(client, tenant):
    _, key = api_key_for(tenant)
    post(client, key, {"name": "Plain Residence"})
    assert post(client, key, {"name": "Plain Residence"}).status_code == 400  # the name is taken now
