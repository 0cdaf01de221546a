"""Idempotency-Key on POST: retries replay the first answer instead of creating duplicates."""

import re

import pytest

from clients.models import Client
from service_levels import services as service_level_services
from tenants.scope import tenant_scope
from tests.factories import CalendarFactory, api_key_for

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


# --- Every POST, by construction --------------------------------------------------------------------


def post_operations():
    """Every POST path of the published schema, with its path parameters filled with a number."""
    from django.test import Client as DjangoClient

    schema = DjangoClient().get("/api/v1/schema/?format=json").json()
    return sorted(
        re.sub(r"\{[^}]+\}", "99999999", path) for path, item in schema["paths"].items() if "post" in item
    )


def counting(monkeypatch, module, name):
    """Replace module.name with a wrapper that counts its calls; returns the list of calls."""
    calls, original = [], getattr(module, name)

    def wrapper(*args, **kwargs):
        calls.append(kwargs)
        return original(*args, **kwargs)

    monkeypatch.setattr(module, name, wrapper)
    return calls


def test_the_schema_has_post_operations_to_walk():
    paths = post_operations()

    assert "/api/v1/closures/" in paths
    assert "/api/v1/priority-matrix/" in paths
    assert len(paths) > 20


@pytest.mark.parametrize("path", post_operations())
def test_every_post_operation_replays_its_first_answer_for_a_retry(path, client, tenant):
    _, key = api_key_for(tenant)
    headers = {"HTTP_AUTHORIZATION": f"Bearer {key}", "HTTP_IDEMPOTENCY_KEY": f"walk {path}"}

    first = client.post(path, {}, content_type="application/json", **headers)
    retry = client.post(path, {}, content_type="application/json", **headers)

    assert first.status_code < 500
    assert first.status_code not in (401, 403, 429), first.content
    assert retry.headers.get("Idempotent-Replayed") == "true", (first.status_code, first.content)
    assert (retry.status_code, retry.json()) == (first.status_code, first.json())


def test_a_retried_closure_is_added_once(client, tenant, monkeypatch):
    calendar = CalendarFactory(tenant=tenant)
    _, key = api_key_for(tenant)
    calls = counting(monkeypatch, service_level_services, "add_closure")
    body = {"calendar": calendar.pk, "date": "2026-07-03", "reason": "Retreat"}

    first = post_to(client, "/api/v1/closures/", key, body, "closure-1")
    retry = post_to(client, "/api/v1/closures/", key, body, "closure-1")

    assert (first.status_code, retry.status_code) == (201, 201)
    assert retry.json() == first.json()
    assert retry.headers["Idempotent-Replayed"] == "true"
    assert len(calls) == 1


def test_a_retried_priority_matrix_change_is_made_once(client, tenant, monkeypatch):
    _, key = api_key_for(tenant)
    calls = counting(monkeypatch, service_level_services, "set_priority")
    body = {"impact": "high", "urgency": "low", "priority": "P2"}

    first = post_to(client, "/api/v1/priority-matrix/", key, body, "matrix-1")
    retry = post_to(client, "/api/v1/priority-matrix/", key, body, "matrix-1")
    changed = post_to(client, "/api/v1/priority-matrix/", key, {**body, "priority": "P1"}, "matrix-1")

    assert (first.status_code, retry.status_code) == (200, 200)
    assert retry.json() == first.json() == body
    assert len(calls) == 1
    assert changed.status_code == 422


def test_a_staff_session_retry_is_replayed_too(client, tenant, owner):
    client.force_login(owner)
    headers = {"HTTP_IDEMPOTENCY_KEY": "staff-1"}

    first = client.post(
        "/api/v1/clients/", {"name": "Staff Residence"}, content_type="application/json", **headers
    )
    retry = client.post(
        "/api/v1/clients/", {"name": "Staff Residence"}, content_type="application/json", **headers
    )

    assert (first.status_code, retry.status_code) == (201, 201)
    assert retry.headers["Idempotent-Replayed"] == "true"
    with tenant_scope(tenant):
        assert Client.objects.filter(name="Staff Residence").count() == 1


def test_a_refused_request_is_not_remembered(client, tenant):
    _, read_only = api_key_for(tenant, ["read"], name="Reader")

    refused = post_to(client, "/api/v1/clients/", read_only, {"name": "Nope"}, "refused-1")
    again = post_to(client, "/api/v1/clients/", read_only, {"name": "Nope"}, "refused-1")

    assert (refused.status_code, again.status_code) == (403, 403)
    assert "Idempotent-Replayed" not in again.headers


def test_an_over_long_idempotency_key_is_a_400(client, tenant):
    _, key = api_key_for(tenant)

    response = post_to(client, "/api/v1/clients/", key, {"name": "Long"}, "k" * 256)

    assert response.status_code == 400
    assert response.json()["errors"][0]["attr"] == "Idempotency-Key"


def post_to(client, path, key, body, idempotency_key):
    return client.post(
        path,
        body,
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {key}",
        HTTP_IDEMPOTENCY_KEY=idempotency_key,
    )
