"""The partner API of webhooks: registering endpoints (with their whsec_ secret), validation, changes,
disabling, rotating the secret, deleting, the delivery log with its attempts, and "send again"."""

import base64

import pytest
from django.utils import timezone
from standardwebhooks.webhooks import Webhook

from tenants.roles import Role
from tenants.scope import tenant_scope
from tests.api.conftest import api_client, check_error
from tests.factories import WebhookDeliveryFactory, WebhookEndpointFactory, api_key_for
from webhooks.models import DeliveryStatus, WebhookAttempt, WebhookEndpoint
from webhooks.payloads import EVENT_TYPES

pytestmark = pytest.mark.django_db

ENDPOINTS = "/api/v1/webhook-endpoints/"
DELIVERIES = "/api/v1/webhook-deliveries/"
LOCAL = "http://127.0.0.1:8765/hooks/accord"


@pytest.fixture
def writer(tenant):
    return api_client(api_key_for(tenant, ["read", "write"], name="Writer")[1])


@pytest.fixture
def reader(tenant):
    return api_client(api_key_for(tenant, ["read"], name="Reader")[1])


def attrs(body) -> set[str]:
    return {error["attr"] for error in body["errors"]}


def register(client, **fields):
    return client.post(ENDPOINTS, {"url": LOCAL, "events": ["ticket.created"], **fields}, format="json")


# --- Registering ------------------------------------------------------------------------------------


@pytest.mark.usefixtures("private_urls_allowed")
def test_registering_an_endpoint_returns_its_whsec_secret_of_32_random_bytes(tenant, writer):
    response = register(writer, events=["ticket.created", "sla.breached"], description="RMM")

    assert response.status_code == 201, response.content
    body = response.json()
    assert body["url"] == LOCAL
    assert body["events"] == ["ticket.created", "sla.breached"]
    assert body["enabled"] is True
    assert body["secret"].startswith("whsec_")
    assert len(base64.b64decode(body["secret"].removeprefix("whsec_"))) >= 24
    Webhook(body["secret"])  # a Standard Webhooks library accepts it as is
    with tenant_scope(tenant):
        assert WebhookEndpoint.objects.get(pk=body["id"]).secret == body["secret"]


@pytest.mark.usefixtures("private_urls_allowed")
def test_every_endpoint_gets_its_own_secret(writer):
    first, second = register(writer).json(), register(writer).json()

    assert first["secret"] != second["secret"]


@pytest.mark.usefixtures("private_urls_allowed")
def test_reading_an_endpoint_never_shows_its_secret(writer, reader):
    created = register(writer).json()

    assert "secret" not in writer.get(f"{ENDPOINTS}{created['id']}/").json()
    assert "secret" not in reader.get(ENDPOINTS).json()["results"][0]


@pytest.mark.parametrize(
    ("fields", "attr"),
    [
        ({"events": []}, "events"),
        ({"events": ["ticket.exploded"]}, "events.0"),
        ({"url": "not a url"}, "url"),
        ({"url": "ftp://hooks.partner.example/x"}, "url"),
        ({"url": "http://user:pw@127.0.0.1:8765/x"}, "url"),
    ],
)
@pytest.mark.usefixtures("private_urls_allowed")
def test_an_invalid_endpoint_is_refused_with_the_field_in_error(writer, fields, attr):
    body = check_error(register(writer, **fields), 400)

    assert attr in attrs(body)


def test_an_endpoint_on_a_private_address_is_refused(writer, settings):
    settings.ACCORD_WEBHOOK_ALLOW_PRIVATE_URLS = False

    body = check_error(register(writer, url="http://169.254.169.254/latest/meta-data/"), 400)

    assert attrs(body) == {"url"}
    assert "non-public address" in body["errors"][0]["detail"]


@pytest.mark.usefixtures("private_urls_allowed")
def test_a_retried_registration_with_an_idempotency_key_creates_one_endpoint(tenant, writer):
    first = writer.post(ENDPOINTS, {"url": LOCAL, "events": ["ticket.created"]}, format="json",
                        HTTP_IDEMPOTENCY_KEY="hook-1")  # fmt: skip
    again = writer.post(ENDPOINTS, {"url": LOCAL, "events": ["ticket.created"]}, format="json",
                        HTTP_IDEMPOTENCY_KEY="hook-1")  # fmt: skip

    assert again.status_code == 201
    assert again["Idempotent-Replayed"] == "true"
    assert again.json() == first.json()
    with tenant_scope(tenant):
        assert WebhookEndpoint.objects.count() == 1


# --- Changing, disabling, rotating, deleting --------------------------------------------------------


@pytest.mark.usefixtures("private_urls_allowed")
def test_an_endpoint_can_change_its_url_and_events(writer):
    created = register(writer).json()

    response = writer.patch(
        f"{ENDPOINTS}{created['id']}/",
        {"url": "http://127.0.0.1:9999/new", "events": ["agreement.signed"]},
        format="json",
    )

    assert response.status_code == 200, response.content
    assert (response.json()["url"], response.json()["events"]) == (
        "http://127.0.0.1:9999/new",
        ["agreement.signed"],
    )


@pytest.mark.usefixtures("private_urls_allowed")
def test_an_endpoint_can_be_disabled_with_a_reason_and_enabled_again(writer):
    url = f"{ENDPOINTS}{register(writer).json()['id']}/"

    disabled = writer.patch(
        url, {"enabled": False, "disabled_reason": "Moving servers"}, format="json"
    ).json()
    assert (disabled["enabled"], disabled["disabled_reason"]) == (False, "Moving servers")
    assert disabled["disabled_at"] is not None
    assert writer.get(f"{ENDPOINTS}?enabled=false").json()["results"][0]["id"] == disabled["id"]

    enabled = writer.patch(url, {"enabled": True}, format="json").json()
    assert (enabled["enabled"], enabled["disabled_reason"], enabled["disabled_at"]) == (True, "", None)


@pytest.mark.usefixtures("private_urls_allowed")
def test_a_disabled_reason_without_disabling_is_refused_not_silently_dropped(writer):
    url = f"{ENDPOINTS}{register(writer).json()['id']}/"

    response = writer.patch(url, {"disabled_reason": "Moving servers"}, format="json")

    assert response.status_code == 400
    assert response.json()["errors"][0]["attr"] == "disabled_reason"
    assert writer.get(url).json()["enabled"] is True


@pytest.mark.usefixtures("private_urls_allowed")
def test_rotating_the_secret_returns_a_new_one_and_keeps_the_old_one_valid_for_a_day(tenant, writer):
    created = register(writer).json()

    response = writer.post(f"{ENDPOINTS}{created['id']}/rotate-secret/")

    assert response.status_code == 200, response.content
    body = response.json()
    assert body["secret"].startswith("whsec_")
    assert body["secret"] != created["secret"]
    with tenant_scope(tenant):
        endpoint = WebhookEndpoint.objects.get(pk=created["id"])
    assert endpoint.previous_secret == created["secret"]
    hours_left = (endpoint.previous_secret_expires_at - timezone.now()).total_seconds() / 3600
    assert 23.9 < hours_left <= 24


@pytest.mark.usefixtures("private_urls_allowed")
def test_deleting_an_endpoint_removes_it_and_its_log(tenant, writer):
    created = register(writer).json()
    with tenant_scope(tenant):
        WebhookDeliveryFactory(endpoint=WebhookEndpoint.objects.get(pk=created["id"]))

    assert writer.delete(f"{ENDPOINTS}{created['id']}/").status_code == 204
    assert writer.get(f"{ENDPOINTS}{created['id']}/").status_code == 404
    assert writer.get(DELIVERIES).json()["results"] == []


# --- Who may ----------------------------------------------------------------------------------------


@pytest.mark.usefixtures("private_urls_allowed")
def test_a_read_key_lists_endpoints_but_cannot_register_or_rotate(tenant, reader):
    endpoint = WebhookEndpointFactory(tenant=tenant)

    assert reader.get(ENDPOINTS).status_code == 200
    check_error(register(reader), 403)
    check_error(reader.post(f"{ENDPOINTS}{endpoint.pk}/rotate-secret/"), 403)


@pytest.mark.parametrize(("role", "status"), [(Role.OWNER, 200), (Role.MANAGER, 200), (Role.DISPATCHER, 403),
                                              (Role.TECHNICIAN, 403), (Role.READ_ONLY, 403)])  # fmt: skip
def test_staff_sessions_need_to_be_managers_or_owners(client, login_as, tenant, role, status):
    login_as(tenant, role)

    assert client.get(ENDPOINTS).status_code == status
    assert client.get(DELIVERIES).status_code == status


def test_another_tenants_endpoints_and_deliveries_are_not_found(writer, other_tenant):
    theirs = WebhookDeliveryFactory(endpoint=WebhookEndpointFactory(tenant=other_tenant))

    assert writer.get(ENDPOINTS).json()["results"] == []
    check_error(writer.get(f"{ENDPOINTS}{theirs.endpoint_id}/"), 404)
    check_error(writer.post(f"{ENDPOINTS}{theirs.endpoint_id}/rotate-secret/"), 404)
    check_error(writer.post(f"{DELIVERIES}{theirs.pk}/retry/"), 404)
    assert writer.get(f"{DELIVERIES}?endpoint={theirs.endpoint_id}").json()["results"] == []


# --- Deliveries -------------------------------------------------------------------------------------


def test_deliveries_of_an_endpoint_are_listed_with_their_attempts(tenant, writer):
    endpoint, other = WebhookEndpointFactory(tenant=tenant), WebhookEndpointFactory(tenant=tenant)
    delivery = WebhookDeliveryFactory(endpoint=endpoint, attempts=2, status=DeliveryStatus.SUCCEEDED)
    WebhookDeliveryFactory(endpoint=other)
    with tenant_scope(tenant):
        for number, code in ((1, 500), (2, 200)):
            WebhookAttempt.objects.create(tenant=tenant, delivery=delivery, number=number, at=timezone.now(),
                                          status_code=code, duration_ms=40, response_body="ok")  # fmt: skip

    response = writer.get(f"{DELIVERIES}?endpoint={endpoint.pk}")

    assert response.status_code == 200, response.content
    [row] = response.json()["results"]
    assert (row["id"], row["status"], row["attempts"]) == (delivery.pk, "succeeded", 2)
    assert row["webhook_id"] == delivery.message_id
    assert row["message"]["type"] == "ticket.created"
    assert [(a["number"], a["status_code"]) for a in row["attempt_log"]] == [(2, 200), (1, 500)]


def test_a_failed_delivery_can_be_sent_again(tenant, writer):
    delivery = WebhookDeliveryFactory(
        endpoint=WebhookEndpointFactory(tenant=tenant), status=DeliveryStatus.FAILED, next_attempt_at=None
    )

    response = writer.post(f"{DELIVERIES}{delivery.pk}/retry/")

    assert response.status_code == 202, response.content
    assert response.json()["status"] == "pending"
    assert response.json()["next_attempt_at"] is not None


def test_a_delivery_to_a_disabled_endpoint_cannot_be_sent_again(tenant, writer):
    delivery = WebhookDeliveryFactory(endpoint=WebhookEndpointFactory(tenant=tenant, is_enabled=False))

    body = check_error(writer.post(f"{DELIVERIES}{delivery.pk}/retry/"), 400)

    assert "Enable the endpoint first" in body["errors"][0]["detail"]


# --- The documentation ------------------------------------------------------------------------------


@pytest.mark.usefixtures("private_urls_allowed")
def test_endpoints_can_be_filtered_by_the_event_type_they_receive(writer):
    tickets = register(writer, events=["ticket.created"]).json()
    register(writer, events=["client.created"])

    assert [row["id"] for row in writer.get(f"{ENDPOINTS}?event_type=ticket.created").json()["results"]] == [
        tickets["id"]
    ]


def test_the_schema_documents_every_event_types_message_and_the_signature_headers(client):
    schema = client.get("/api/v1/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()

    callbacks = schema["paths"][ENDPOINTS]["post"]["callbacks"]
    assert set(callbacks) == set(EVENT_TYPES)
    assert {"ticket.created", "ticket.updated", "ticket.resolved", "sla.warning", "sla.breached",
            "agreement.sent", "agreement.signed", "agreement.declined", "agreement.renewed",
            "client.created"} <= set(callbacks)  # fmt: skip
    for name, callback in callbacks.items():
        operation = callback["{$request.body#/url}"]["post"]
        assert {p["name"] for p in operation["parameters"]} == {
            "webhook-id", "webhook-timestamp", "webhook-signature"
        }  # fmt: skip
        component = operation["requestBody"]["content"]["application/json"]["schema"]["$ref"].split("/")[-1]
        message = schema["components"]["schemas"][component]
        assert set(message["properties"]) == {"type", "timestamp", "data"}, name
    ticket_data = schema["components"]["schemas"]["WebhookTicket"]["properties"]
    assert {"id", "number", "title", "status", "priority", "client", "created_at"} <= set(ticket_data)
