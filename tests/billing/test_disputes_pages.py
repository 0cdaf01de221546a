"""Staff pages of disputes: the queue (open first, the longest waiting on top, with client, invoice, amount,
age, status and last message; filters and search), one dispute with its thread and what staff do on it,
the dispute rate (selector, table, chart data, CSV), permissions and isolation between tenants."""

import csv
import io
import re
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from html import unescape

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from billing import disputes, selectors
from billing.models import Dispute
from tenants.roles import Role
from tenants.scope import tenant_scope
from tests.billing.invoice_setup import issued_invoice
from tests.factories import ClientFactory, ContactFactory

pytestmark = pytest.mark.django_db


def text(response):
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", response.content.decode())).split())


def rows_of(response) -> list[str]:
    html = response.content.decode()
    body = html[html.index("<tbody>") : html.index("</tbody>")]
    return [" ".join(unescape(re.sub(r"<[^>]+>", " ", "<tr" + row)).split()) for row in body.split("<tr")[1:]]


@pytest.fixture
def dana(household, tenant):
    with tenant_scope(tenant):
        return ContactFactory(client=household, full_name="Dana Whitaker", email="dana@whitaker.example")


def open_as_client(invoice, contact, **kwargs):
    with tenant_scope(invoice.tenant):
        kwargs.setdefault("reason", "The injector was under warranty")
        return disputes.open_dispute(invoice, party="client", contact=contact, actor="Dana", **kwargs)


@pytest.fixture
def queue(tenant, household, dana, invoice):
    """Three disputes: Whitaker's opened 5 days ago, Okafor's 2 days ago (awaiting the client), and a
    withdrawn one."""
    okafor = ClientFactory(tenant=tenant, name="Okafor Dental")
    with tenant_scope(tenant):
        ada = ContactFactory(client=okafor, full_name="Ada Okafor", email="ada@okafor.example")
    second = issued_invoice(okafor, [("labour", "Rack rebuild", "400.00")])
    third = issued_invoice(household, [("labour", "Call-out", "40.00")])
    now = timezone.now()
    with time_machine.travel(now - timedelta(days=5), tick=False):
        with tenant_scope(tenant):
            line = invoice.lines.get(kind="labour")
        first = open_as_client(invoice, dana, line=line, amount="30.00")
    with time_machine.travel(now - timedelta(days=2), tick=False):
        awaiting = open_as_client(second, ada, reason="We only ordered half")
        with tenant_scope(tenant):
            disputes.propose_explanation(awaiting, body="The quote said the full rack.", actor="owner")
    ended = open_as_client(third, dana, reason="Wrong client?")
    with tenant_scope(tenant):
        disputes.withdraw(ended, party="client", contact=dana, actor="Dana")
    return {"first": first, "awaiting": awaiting, "ended": ended}


def test_the_queue_lists_open_disputes_the_longest_waiting_first(staff_client, queue):
    response = staff_client.get(reverse("billing:disputes"))

    rows = rows_of(response)
    assert len(rows) == 2
    assert rows[0].startswith("Whitaker Residence Replaced the PoE injector INV-")
    assert "$30.00 5 days Waiting for us Client: The injector was under warranty" in rows[0]
    assert rows[1].startswith("Okafor Dental INV-")
    assert "$400.00 the whole invoice 2 days Awaiting the client Us: The quote said the full rack." in rows[1]
    assert "2 disputes" in text(response)


@pytest.mark.parametrize(
    ("status", "expected"),
    [("open", ["Whitaker"]), ("awaiting_client", ["Okafor"]), ("resolved", ["Whitaker"]), ("all", None)],
)
def test_the_queue_filters_by_status(staff_client, queue, status, expected):
    rows = rows_of(staff_client.get(reverse("billing:disputes"), {"status": status}))
    if expected is None:
        assert len(rows) == 3
        assert "Withdrawn" in rows[-1]  # ended ones after the open ones
    else:
        assert [row.split()[0] for row in rows] == expected


def test_the_queue_searches_by_client_or_invoice_number(staff_client, queue):
    rows = rows_of(staff_client.get(reverse("billing:disputes"), {"q": "okafor"}))
    assert [row.split()[0] for row in rows] == ["Okafor"]
    number = queue["first"].invoice.number
    rows = rows_of(staff_client.get(reverse("billing:disputes"), {"q": number, "status": "all"}))
    assert len(rows) == 1
    assert number in rows[0]


def test_an_empty_queue_says_what_to_do(staff_client, invoice):
    page = text(staff_client.get(reverse("billing:disputes")))
    assert "No open disputes." in page
    assert "Clients dispute an invoice, or one of its lines, from the invoice's page in their portal" in page


def test_the_dispute_page_shows_the_thread_and_the_credit_note_prefilled(staff_client, queue):
    dispute = queue["first"]
    response = staff_client.get(reverse("billing:dispute_detail", args=[dispute.pk]))

    page = text(response)
    assert "Dispute on " + dispute.invoice.number in page
    assert "Line “Replaced the PoE injector”: $30.00" in page
    assert "Dana Whitaker Client" in page
    assert "The injector was under warranty" in page
    html = response.content.decode()
    assert f'name="resolve-line_{dispute.line_id}"' in html
    assert re.search(rf'name="resolve-line_{dispute.line_id}" value="30.00"', html)


def test_staff_reply_and_explain_from_the_page(staff_client, queue, tenant):
    dispute = queue["first"]
    url = reverse("billing:dispute_reply", args=[dispute.pk])
    staff_client.post(url, {"reply-body": "Checking the warranty dates."})
    staff_client.post(
        reverse("billing:dispute_explain", args=[dispute.pk]), {"explain-body": "The warranty ended in May."}
    )

    with tenant_scope(tenant):
        dispute.refresh_from_db()
        assert dispute.status == "awaiting_client"
        assert [m.kind for m in dispute.messages.all()] == ["message", "message", "explanation"]


def test_an_empty_reply_is_refused_on_the_page(staff_client, queue):
    response = staff_client.post(
        reverse("billing:dispute_reply", args=[queue["first"].pk]), {"reply-body": " "}
    )
    assert response.status_code == 400
    assert "This field is required." in text(response)


def test_staff_resolve_by_a_partial_credit_note_from_the_page(staff_client, queue, tenant):
    dispute = queue["first"]
    response = staff_client.post(
        reverse("billing:dispute_resolve", args=[dispute.pk]),
        {
            "resolve-scope": "lines",
            f"resolve-line_{dispute.line_id}": "30.00",
            "resolve-reason": "Injector under warranty",
            "resolve-note": "You were right.",
        },
        follow=True,
    )

    assert "Resolved by credit note CN-" in text(response)
    with tenant_scope(tenant):
        dispute.refresh_from_db()
        invoice = dispute.invoice
        invoice.refresh_from_db()
        assert (dispute.status, dispute.credit_note.total) == ("resolved", Decimal("33.00"))
        assert (invoice.status, invoice.balance) == ("issued", Decimal("132.00"))


def test_a_credit_note_for_more_than_is_left_keeps_the_form(staff_client, queue, tenant):
    dispute = queue["first"]
    response = staff_client.post(
        reverse("billing:dispute_resolve", args=[dispute.pk]),
        {"resolve-scope": "lines", f"resolve-line_{dispute.line_id}": "80.00", "resolve-reason": "Warranty"},
    )
    assert response.status_code == 400
    assert "only $50.00 is left to credit" in text(response)
    assert 'value="80.00"' in response.content.decode()
    with tenant_scope(tenant):
        assert Dispute.objects.get(pk=dispute.pk).status == "open"


def test_staff_withdraw_for_the_client(staff_client, queue, tenant):
    dispute = queue["first"]
    staff_client.post(
        reverse("billing:dispute_withdraw", args=[dispute.pk]), {"withdraw-note": "Dana called: all fine."}
    )
    with tenant_scope(tenant):
        assert Dispute.objects.get(pk=dispute.pk).status == "withdrawn"
    page = text(staff_client.get(reverse("billing:dispute_detail", args=[dispute.pk])))
    assert "Withdrawn on" in page
    assert "Send reply" not in page


def test_read_only_staff_read_disputes_but_cannot_act(client, login_as, tenant, queue):
    login_as(tenant, Role.READ_ONLY)
    dispute = queue["first"]
    assert client.get(reverse("billing:disputes")).status_code == 200
    assert client.get(reverse("billing:dispute_detail", args=[dispute.pk])).status_code == 200
    response = client.post(reverse("billing:dispute_reply", args=[dispute.pk]), {"reply-body": "Hi"})
    assert response.status_code == 403
    login_as(tenant, Role.TECHNICIAN)
    assert client.get(reverse("billing:disputes")).status_code == 403


def test_another_tenants_dispute_is_not_found(client, login_as, other_tenant, queue):
    login_as(other_tenant, Role.OWNER)
    dispute = queue["first"]
    assert client.get(reverse("billing:dispute_detail", args=[dispute.pk])).status_code == 404
    assert client.post(reverse("billing:dispute_withdraw", args=[dispute.pk])).status_code == 404
    assert "No open disputes." in text(client.get(reverse("billing:disputes")))


# --- The dispute rate -------------------------------------------------------------------------------


@pytest.fixture
def months_of_invoices(tenant, household, dana):
    """October: two invoices (100 + 300), one disputed for 30; November: one of 200, disputed whole then
    withdrawn, and disputed again for 50 (capped at its total); December: none."""
    october = issued_invoice(household, [("labour", "A", "100.00")], issued_on=date(2026, 10, 5))
    issued_invoice(household, [("labour", "B", "300.00")], issued_on=date(2026, 10, 20))
    november = issued_invoice(household, [("labour", "C", "200.00")], issued_on=date(2026, 11, 3))
    with time_machine.travel(datetime(2026, 12, 10, 15, 0, tzinfo=UTC), tick=False):
        open_as_client(october, dana, amount="30.00")
        with tenant_scope(tenant):
            disputes.withdraw(open_as_client(november, dana), party="client", contact=dana, actor="Dana")
        open_as_client(november, dana, amount="50.00")


def test_the_dispute_rate_counts_invoices_and_amounts_by_the_month_they_were_issued(
    months_of_invoices, tenant
):
    with tenant_scope(tenant):
        rows = selectors.dispute_rate(months=3, today=date(2026, 12, 15))

    assert [row.month for row in rows] == [date(2026, 10, 1), date(2026, 11, 1), date(2026, 12, 1)]
    october, november, december = rows
    assert (october.invoices, october.disputed, october.invoice_percent) == (2, 1, Decimal("50.0"))
    assert (october.billed, october.amount_disputed, october.amount_percent) == (
        Decimal("400.00"),
        Decimal("30.00"),
        Decimal("7.5"),
    )
    assert (november.invoices, november.disputed) == (1, 1)  # one invoice, however often disputed
    assert (november.amount_disputed, november.amount_percent) == (Decimal("200.00"), Decimal("100.0"))
    assert (december.invoices, december.invoice_percent, december.amount_percent) == (0, None, None)


def test_the_rate_table_chart_data_and_csv_agree(staff_client, owner, months_of_invoices):
    with time_machine.travel(datetime(2026, 12, 15, 15, 0, tzinfo=UTC), tick=False):
        staff_client.force_login(
            owner
        )  # signed in on that day: a session idle since today would be signed out
        page = text(staff_client.get(reverse("billing:disputes")))
        data = staff_client.get(reverse("billing:dispute_rate_json")).json()
        response = staff_client.get(reverse("billing:dispute_rate_csv"))

    assert "Oct 2026 2 1 50.0 % $400.00 $30.00 7.5 %" in page
    assert len(data["rows"]) == 12
    assert data["rows"][-3] == {
        "label": "Oct 2026",
        "month": "2026-10-01",
        "invoices": 2,
        "disputed": 1,
        "invoice_percent": 50.0,
        "billed": "400.00",
        "amount_disputed": "30.00",
        "amount_percent": 7.5,
    }
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0][:4] == ["month", "invoices_issued", "invoices_disputed", "invoices_disputed_percent"]
    assert ["2026-10", "2", "1", "50.0", "400.00", "30.00", "7.5"] in rows
    assert rows[-1] == ["2026-12", "0", "0", "", "0.00", "0.00", ""]
