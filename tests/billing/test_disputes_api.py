"""Partner API of disputes: list (filters), get with the thread, open one for a client, and reply /
explain / resolve / withdraw; Idempotency-Key, the one error format, scopes, and another tenant's dispute
is a 404. The invoice.disputed and dispute.resolved webhooks carry the dispute as the API shows it."""

from decimal import Decimal

import pytest

from billing import disputes
from billing.models import Dispute
from events.dispatch import dispatch_until_idle
from events.models import OutboxEvent
from tenants.scope import tenant_scope
from tests.api.conftest import api_client, check_error
from tests.billing.invoice_setup import issued_invoice
from tests.factories import ClientFactory, ContactFactory, WebhookEndpointFactory, api_key_for
from webhooks.models import WebhookDelivery

pytestmark = pytest.mark.django_db


@pytest.fixture
def writer(tenant):
    return api_client(api_key_for(tenant, ["read", "write"], name="Accounting sync")[1])


@pytest.fixture
def reader(tenant):
    return api_client(api_key_for(tenant, ["read"], name="Dashboard")[1])


@pytest.fixture
def labour(invoice):
    with tenant_scope(invoice.tenant):
        return invoice.lines.get(kind="labour")


@pytest.fixture
def dana(household, tenant):
    with tenant_scope(tenant):
        return ContactFactory(client=household, full_name="Dana Whitaker", email="dana@whitaker.example")


def test_staff_open_a_dispute_for_the_client_and_read_it_back(writer, reader, invoice, labour, dana):
    response = writer.post(
        "/api/v1/disputes/",
        {
            "invoice": invoice.pk,
            "line": labour.pk,
            "amount": "20.00",
            "reason": "Called: covered",
            "contact": dana.pk,
        },
        format="json",
    )

    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["invoice"], body["invoice_number"], body["line"], body["amount"]) == (
        invoice.pk,
        invoice.number,
        labour.pk,
        "20.00",
    )
    assert (body["status"], body["opened_by"], body["contact"], body["resolution"]) == (
        "open",
        "staff",
        dana.pk,
        "",
    )
    assert [(m["party"], m["body"], m["author"]) for m in body["messages"]] == [
        ("staff", "Called: covered", invoice.tenant.name)
    ]
    assert reader.get(f"/api/v1/disputes/{body['id']}/").json() == body
    assert reader.get(f"/api/v1/invoices/{invoice.pk}/").json()["status"] == "disputed"


def test_the_list_filters_by_status_client_and_invoice(reader, tenant, household, invoice):
    other = issued_invoice(ClientFactory(tenant=tenant, name="Okafor Dental"), [("labour", "Visit", "80.00")])
    with tenant_scope(tenant):
        first = disputes.open_dispute(invoice, reason="A", party="staff", actor="owner")
        second = disputes.open_dispute(other, reason="B", party="staff", actor="owner")
        disputes.withdraw(second, party="staff", actor="owner")

    def ids(**params):
        return [row["id"] for row in reader.get("/api/v1/disputes/", params).json()["results"]]

    assert ids() == [second.pk, first.pk]  # newest first, as every list of the API
    assert ids(status="withdrawn") == [second.pk]
    assert ids(client=household.pk) == [first.pk]
    assert ids(invoice=other.pk) == [second.pk]
    assert "messages" not in reader.get("/api/v1/disputes/").json()["results"][0]


def test_reply_explain_and_resolve_with_a_partial_credit_note(writer, invoice, labour):
    dispute = writer.post(
        "/api/v1/disputes/", {"invoice": invoice.pk, "reason": "Too much"}, format="json"
    ).json()
    base = f"/api/v1/disputes/{dispute['id']}"

    assert writer.post(f"{base}/reply/", {"body": "Checking."}, format="json").json()["status"] == "open"
    explained = writer.post(f"{base}/explain/", {"body": "It is right."}, format="json").json()
    assert explained["status"] == "awaiting_client"
    assert explained["messages"][-1]["kind"] == "explanation"

    resolved = writer.post(
        f"{base}/resolve/",
        {"reason": "Goodwill", "lines": [{"line": labour.pk, "amount": "50.00"}], "note": "Credited."},
        format="json",
    )

    assert resolved.status_code == 200, resolved.content
    body = resolved.json()
    assert (body["status"], body["resolution"]) == ("resolved", "credit_note")
    note = writer.get(f"/api/v1/credit-notes/{body['credit_note']}/").json()
    assert note["total"] == "55.00"
    invoice_now = writer.get(f"/api/v1/invoices/{invoice.pk}/").json()
    assert (invoice_now["status"], invoice_now["balance"]) == ("issued", "110.00")


def test_withdraw_ends_it_and_later_steps_are_refused_in_the_error_format(writer, invoice):
    dispute = writer.post(
        "/api/v1/disputes/", {"invoice": invoice.pk, "reason": "Too much"}, format="json"
    ).json()
    base = f"/api/v1/disputes/{dispute['id']}"

    assert (
        writer.post(f"{base}/withdraw/", {"note": "On the phone"}, format="json").json()["status"]
        == "withdrawn"
    )

    body = check_error(writer.post(f"{base}/reply/", {"body": "Hello"}, format="json"), 400)
    assert "is withdrawn: it takes no more steps" in body["errors"][0]["detail"]
    assert body["errors"][0]["attr"] == "non_field_errors"


def test_a_second_open_dispute_and_an_amount_too_large_are_400s(writer, invoice, labour):
    body = check_error(
        writer.post(
            "/api/v1/disputes/",
            {"invoice": invoice.pk, "line": labour.pk, "amount": "60.00", "reason": "x"},
            format="json",
        ),
        400,
    )
    assert body["errors"][0]["attr"] == "amount"
    assert "At most $50.00" in body["errors"][0]["detail"]

    writer.post("/api/v1/disputes/", {"invoice": invoice.pk, "reason": "x"}, format="json")
    body = check_error(
        writer.post("/api/v1/disputes/", {"invoice": invoice.pk, "reason": "y"}, format="json"), 400
    )
    assert "already disputed" in body["errors"][0]["detail"]


def test_a_line_of_another_invoice_or_a_contact_of_another_client_is_refused(writer, tenant, invoice):
    other_client = ClientFactory(tenant=tenant, name="Okafor Dental")
    other = issued_invoice(other_client, [("labour", "Visit", "80.00")])
    with tenant_scope(tenant):
        stranger = ContactFactory(client=other_client, full_name="Ada Okafor")
        foreign_line = other.lines.get()
    body = check_error(
        writer.post(
            "/api/v1/disputes/",
            {"invoice": invoice.pk, "line": foreign_line.pk, "reason": "x"},
            format="json",
        ),
        400,
    )
    assert body["errors"][0]["attr"] == "line"
    body = check_error(
        writer.post(
            "/api/v1/disputes/", {"invoice": invoice.pk, "contact": stranger.pk, "reason": "x"}, format="json"
        ),
        400,
    )
    assert body["errors"][0]["attr"] == "contact"


def test_resolving_needs_full_or_lines(writer, invoice):
    dispute = writer.post("/api/v1/disputes/", {"invoice": invoice.pk, "reason": "x"}, format="json").json()
    body = check_error(
        writer.post(f"/api/v1/disputes/{dispute['id']}/resolve/", {"reason": "r"}, format="json"), 400
    )
    assert "Give either `full: true` or `lines`" in body["errors"][0]["detail"]


def test_a_retried_open_with_the_same_idempotency_key_opens_one_dispute(writer, invoice, tenant):
    payload = {"invoice": invoice.pk, "reason": "Too much"}
    first = writer.post("/api/v1/disputes/", payload, format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    again = writer.post("/api/v1/disputes/", payload, format="json", HTTP_IDEMPOTENCY_KEY="k-1")

    assert (first.status_code, again.status_code) == (201, 201)
    assert first.json()["id"] == again.json()["id"]
    with tenant_scope(tenant):
        assert Dispute.objects.count() == 1


def test_a_read_key_cannot_write_and_another_tenants_dispute_is_404(reader, invoice, other_tenant):
    check_error(reader.post("/api/v1/disputes/", {"invoice": invoice.pk, "reason": "x"}, format="json"), 403)
    with tenant_scope(invoice.tenant):
        dispute = disputes.open_dispute(invoice, reason="x", party="staff", actor="owner")
    rival = api_client(api_key_for(other_tenant, ["read", "write"])[1])
    check_error(rival.get(f"/api/v1/disputes/{dispute.pk}/"), 404)
    check_error(rival.post(f"/api/v1/disputes/{dispute.pk}/withdraw/", {}, format="json"), 404)
    assert rival.get("/api/v1/disputes/").json()["results"] == []
    body = check_error(
        rival.post("/api/v1/disputes/", {"invoice": invoice.pk, "reason": "x"}, format="json"), 400
    )
    assert body["errors"][0]["attr"] == "invoice"


# --- Webhooks ---------------------------------------------------------------------------------------


def message_for(tenant, name):
    dispatch_until_idle()
    with tenant_scope(tenant):
        event = OutboxEvent.objects.filter(name=name).latest("id")
        return WebhookDelivery.objects.get(event=event).message


def test_the_dispute_webhooks_carry_the_dispute_as_the_api_shows_it(tenant, writer, reader, invoice, labour):
    WebhookEndpointFactory(tenant=tenant, events=["invoice.disputed", "dispute.resolved"])
    dispute = writer.post(
        "/api/v1/disputes/", {"invoice": invoice.pk, "reason": "Too much"}, format="json"
    ).json()

    opened = message_for(tenant, "invoice.disputed")
    assert opened["type"] == "invoice.disputed"
    assert opened["data"]["dispute"]["id"] == dispute["id"]
    assert opened["data"]["dispute"]["status"] == "open"

    writer.post(
        f"/api/v1/disputes/{dispute['id']}/resolve/",
        {"reason": "Goodwill", "lines": [{"line": labour.pk, "amount": "10.00"}]},
        format="json",
    )
    resolved = message_for(tenant, "dispute.resolved")
    assert resolved["data"]["dispute"] == reader.get(f"/api/v1/disputes/{dispute['id']}/").json()
    assert resolved["data"]["dispute"]["resolution"] == "credit_note"
    with tenant_scope(tenant):
        assert not WebhookDelivery.objects.filter(event_type="dispute.replied").exists()
        assert Decimal(resolved["data"]["dispute"]["amount_at_stake"]) == Decimal("165.00")
