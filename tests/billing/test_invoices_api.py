"""Partner API: invoices (read-only, with their lines, and as PDF), credit notes and payments (list, get,
create with Idempotency-Key), their permissions and their errors."""

import pytest

from billing.models import CreditNote, Payment
from tenants.localtime import tenant_today
from tenants.roles import Role
from tenants.scope import tenant_scope
from tests.api.conftest import api_client, check_error
from tests.billing.invoice_setup import issued_invoice
from tests.factories import ClientFactory, TicketFactory, api_key_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def writer(tenant):
    return api_client(api_key_for(tenant, ["read", "write"], name="Accounting sync")[1])


@pytest.fixture
def reader(tenant):
    return api_client(api_key_for(tenant, ["read"], name="Dashboard")[1])


def test_an_invoice_reads_with_its_money_and_its_lines(reader, invoice, household):
    body = reader.get(f"/api/v1/invoices/{invoice.pk}/").json()

    assert body["number"] == invoice.number
    assert body["sequence"] == invoice.sequence
    assert (body["status"], body["client"], body["currency"]) == ("issued", household.pk, "USD")
    assert (body["subtotal"], body["tax"], body["total"]) == ("150.00", "15.00", "165.00")
    assert (body["amount_paid"], body["amount_credited"], body["balance"]) == ("0.00", "0.00", "165.00")
    assert body["issued_on"] == tenant_today(household.tenant).isoformat()
    assert [(line["kind"], line["description"], line["amount"]) for line in body["lines"]] == [
        ("plan", "Gold membership, December", "100.00"),
        ("labour", "Replaced the PoE injector", "50.00"),
    ]
    assert set(body["lines"][0]) >= {
        "period_start",
        "period_end",
        "subscription",
        "detail",
        "time_entry",
        "ticket",
    }


def test_a_labour_line_names_its_time_entry_and_ticket(reader, tenant, household, owner):
    from tickets import services as ticket_services

    ticket = TicketFactory(client=household)
    with tenant_scope(tenant):
        entry = ticket_services.log_time(
            ticket, technician=owner, work_type="repair", minutes=60, location="on_site"
        )
    invoice = issued_invoice(
        household, [{"kind": "labour", "description": "Repair", "amount": "160.00", "time_entry": entry}]
    )

    [line] = reader.get(f"/api/v1/invoices/{invoice.pk}/").json()["lines"]

    assert (line["time_entry"], line["ticket"]) == (entry.pk, ticket.pk)


def test_invoices_filter_by_status_client_and_issue_date(reader, invoice, tenant):
    other = issued_invoice(ClientFactory(tenant=tenant, name="Okafor Dental"), [("labour", "Visit", "10")])
    today = tenant_today(tenant)

    def numbers(query):
        return [row["number"] for row in reader.get(f"/api/v1/invoices/?{query}").json()["results"]]

    assert numbers("") == [other.number, invoice.number]
    assert numbers(f"client={invoice.client_id}") == [invoice.number]
    assert numbers("status=paid") == []
    assert numbers(f"issued_after={today}&issued_before={today}") == [other.number, invoice.number]
    assert numbers(f"issued_before={today.replace(year=today.year - 1)}") == []
    assert numbers("search=Okafor") == [other.number]


def test_the_pdf_of_an_invoice_downloads(reader, invoice):
    response = reader.get(f"/api/v1/invoices/{invoice.pk}/pdf/")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    assert reader.get(f"/api/v1/invoices/{invoice.pk}/pdf/", HTTP_ACCEPT="application/pdf").status_code == 200


def test_invoices_cannot_be_written(writer, invoice):
    assert writer.post("/api/v1/invoices/", {}, format="json").status_code == 405
    assert writer.patch(f"/api/v1/invoices/{invoice.pk}/", {"total": "1"}, format="json").status_code == 405
    assert writer.delete(f"/api/v1/invoices/{invoice.pk}/").status_code == 405


# --- Payments ---------------------------------------------------------------------------------------


def test_a_payment_is_recorded_once_per_idempotency_key(writer, invoice, tenant):
    payload = {"invoice": invoice.pk, "amount": "100.00", "paid_on": str(tenant_today(tenant)),
               "method": "bank_transfer", "reference": "TX-1"}  # fmt: skip

    first = writer.post("/api/v1/payments/", payload, format="json", HTTP_IDEMPOTENCY_KEY="pay-1")
    again = writer.post("/api/v1/payments/", payload, format="json", HTTP_IDEMPOTENCY_KEY="pay-1")

    assert first.status_code == 201, first.content
    assert again.status_code == 201
    assert again["Idempotent-Replayed"] == "true"
    assert first.json()["id"] == again.json()["id"]
    assert first.json()["actor"] == "API key “Accounting sync”"
    with tenant_scope(tenant):
        assert Payment.objects.count() == 1
    body = writer.get(f"/api/v1/invoices/{invoice.pk}/").json()
    assert (body["status"], body["balance"]) == ("partly_paid", "65.00")


def test_a_payment_over_the_balance_is_a_400_that_says_so(writer, invoice, tenant):
    payload = {
        "invoice": invoice.pk,
        "amount": "200.00",
        "paid_on": str(tenant_today(tenant)),
        "method": "card",
    }

    body = check_error(writer.post("/api/v1/payments/", payload, format="json"), 400)

    assert body["errors"][0]["attr"] == "amount"
    assert "cannot be more than" in body["errors"][0]["detail"]


def test_a_read_only_key_or_a_technician_cannot_record_payments(reader, invoice, tenant, client, login_as):
    payload = {
        "invoice": invoice.pk,
        "amount": "1.00",
        "paid_on": str(tenant_today(tenant)),
        "method": "cash",
    }
    check_error(reader.post("/api/v1/payments/", payload, format="json"), 403)

    login_as(tenant, Role.TECHNICIAN)
    assert client.get("/api/v1/invoices/").status_code == 403
    login_as(tenant, Role.BILLING)
    assert client.post("/api/v1/payments/", payload, content_type="application/json").status_code == 201


# --- Credit notes -----------------------------------------------------------------------------------


def test_a_credit_note_for_chosen_lines(writer, invoice, tenant):
    with tenant_scope(tenant):
        labour = invoice.lines.get(kind="labour")
    payload = {
        "invoice": invoice.pk,
        "reason": "Covered by the plan",
        "lines": [{"line": labour.pk, "amount": "20.00"}],
    }

    response = writer.post("/api/v1/credit-notes/", payload, format="json")

    assert response.status_code == 201, response.content
    body = response.json()
    assert body["number"].startswith("CN-")
    assert (body["subtotal"], body["tax"], body["total"]) == ("20.00", "2.00", "22.00")
    assert body["lines"] == [{"id": body["lines"][0]["id"], "invoice_line": labour.pk,
                              "description": "Replaced the PoE injector", "amount": "20.00"}]  # fmt: skip
    assert writer.get(f"/api/v1/invoices/{invoice.pk}/").json()["amount_credited"] == "22.00"


def test_a_full_credit_note_voids_the_invoice(writer, invoice):
    response = writer.post(
        "/api/v1/credit-notes/",
        {"invoice": invoice.pk, "reason": "Billed twice", "full": True},
        format="json",
    )

    assert response.status_code == 201, response.content
    assert response.json()["total"] == "165.00"
    assert writer.get(f"/api/v1/invoices/{invoice.pk}/").json()["status"] == "void"


@pytest.mark.parametrize(
    ("payload", "attr"),
    [
        ({"reason": "x", "full": True, "lines": [{"line": 1, "amount": "1"}]}, "non_field_errors"),
        ({"reason": "x"}, "non_field_errors"),
        ({"reason": "x", "lines": [{"line": 999999, "amount": "1"}]}, "lines"),
        ({"reason": "", "full": True}, "reason"),
    ],
)
def test_a_credit_note_request_that_makes_no_sense_is_a_400(writer, invoice, tenant, payload, attr):
    body = check_error(
        writer.post("/api/v1/credit-notes/", {"invoice": invoice.pk, **payload}, format="json"), 400
    )

    assert body["errors"][0]["attr"] == attr
    with tenant_scope(tenant):
        assert not CreditNote.objects.exists()


def test_more_than_is_left_of_a_line_is_a_400(writer, invoice, tenant):
    with tenant_scope(tenant):
        labour = invoice.lines.get(kind="labour")
    payload = {"invoice": invoice.pk, "reason": "x", "lines": [{"line": labour.pk, "amount": "50.01"}]}

    body = check_error(writer.post("/api/v1/credit-notes/", payload, format="json"), 400)

    assert "only $50.00 is left to credit" in body["errors"][0]["detail"]


def test_another_tenants_invoice_cannot_be_paid_or_credited(writer, other_tenant):
    theirs = issued_invoice(ClientFactory(tenant=other_tenant), [("labour", "Visit", "10.00")])

    paid = writer.post(
        "/api/v1/payments/",
        {"invoice": theirs.pk, "amount": "1", "paid_on": "2026-01-01", "method": "cash"},
        format="json",
    )
    credited = writer.post(
        "/api/v1/credit-notes/", {"invoice": theirs.pk, "reason": "x", "full": True}, format="json"
    )

    assert check_error(paid, 400)["errors"][0]["attr"] == "invoice"
    assert check_error(credited, 400)["errors"][0]["attr"] == "invoice"
    assert writer.get(f"/api/v1/invoices/{theirs.pk}/").status_code == 404
    assert writer.get("/api/v1/invoices/").json()["results"] == []
