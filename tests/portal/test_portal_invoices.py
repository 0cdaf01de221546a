"""Clients see their invoices through an account link (the one every invoice email carries): their own
client's issued invoices only, where each stands, the invoice itself and its PDF; and the invoice email."""

import re
from datetime import timedelta
from decimal import Decimal
from html import unescape

import pytest
import time_machine
from django.core import mail
from django.urls import reverse

from billing import services
from billing.models import BillingAccount, Invoice, InvoiceLine
from events.dispatch import dispatch_until_idle
from portal.links import resolve_portal_link
from portal.models import LinkPurpose, PortalLink
from tenants.localtime import tenant_today
from tenants.scope import tenant_scope
from tests.billing.invoice_setup import issued_invoice
from tests.factories import ClientFactory, ContactFactory, PortalLinkFactory

pytestmark = pytest.mark.django_db


def url(name, token, **kwargs):
    return reverse(f"portal:{name}", kwargs={"token": token, **kwargs})


def text(response):
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", response.content.decode())).split())


@pytest.fixture
def household(tenant):
    return ClientFactory(tenant=tenant, name="Whitaker Residence", email="accounts@whitaker.example")


@pytest.fixture
def dana(household):
    return ContactFactory(
        client=household, full_name="Dana Whitaker", email="dana@whitaker.example", is_primary=True
    )


@pytest.fixture
def token(dana):
    return PortalLinkFactory(contact=dana, purpose=LinkPurpose.ACCOUNT).token


@pytest.fixture
def invoice(household):
    return issued_invoice(
        household,
        [
            {
                "kind": "plan",
                "description": "Gold membership",
                "detail": "Monthly, agreed price",
                "amount": "149.00",
            },
            ("labour", "Replaced the PoE injector (ticket #1042)", "95.00"),
        ],
        tax_rate_percent="10",
    )


def pay(invoice, amount):
    with tenant_scope(invoice.tenant):
        services.record_payment(invoice, Decimal(amount), tenant_today(invoice.tenant), "card", "", "owner")


# --- The list and the invoice ------------------------------------------------------------------------


def test_an_account_link_opens_the_clients_invoices_with_what_is_left_to_pay(
    client, token, invoice, household
):
    paid = issued_invoice(household, [("labour", "Call-out", "80.00")])
    pay(paid, "80.00")

    response = client.get(url("open", token), follow=True)

    assert response.redirect_chain[-1][0] == url("invoices", token)
    page = text(response)
    assert "Your invoices" in page
    assert f"{invoice.number} Due $268.40" in page
    assert f"{paid.number} Paid $80.00" in page
    assert "To pay: $268.40" in page
    assert response["Cache-Control"] == "private, no-store"


def test_an_overdue_invoice_says_so_and_how_long(client, token, household):
    late = issued_invoice(
        household,
        [("labour", "Visit", "50.00")],
        issued_on=tenant_today(household.tenant) - timedelta(days=30),
    )

    listing = text(client.get(url("invoices", token)))
    page = text(client.get(url("invoice", token, pk=late.pk)))

    assert f"{late.number} Overdue" in listing
    assert "of which $50.00 is overdue" in listing
    assert "(16 days overdue)" in page  # due 14 days after issue


def test_the_invoice_page_shows_each_line_with_why_the_totals_and_the_payments(client, token, invoice):
    pay(invoice, "100.00")

    page = text(client.get(url("invoice", token, pk=invoice.pk)))

    assert "$168.40 to pay" in page
    assert "Gold membership Monthly, agreed price $149.00" in page
    assert "Replaced the PoE injector (ticket #1042) $95.00" in page
    assert "Sales tax (10 %) $24.40" in page
    assert "Total $268.40" in page
    assert "Payments received" in page
    assert "Card" in page
    assert "Left to pay $168.40" in page


def test_the_pdf_downloads_as_the_invoice(client, token, invoice):
    response = client.get(url("invoice_pdf", token, pk=invoice.pk))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    assert f'filename="{invoice.number} Whitaker Residence.pdf"' in response["Content-Disposition"]


# --- Who sees what -------------------------------------------------------------------------------------


def test_another_clients_invoice_is_not_found_and_says_where_to_go(client, token, tenant, invoice):
    neighbour = issued_invoice(
        ClientFactory(tenant=tenant, name="Nakamura Household"), [("labour", "Visit", "10")]
    )

    for name in ("invoice", "invoice_pdf"):
        response = client.get(url(name, token, pk=neighbour.pk))
        assert response.status_code == 404
        assert "Nakamura" not in response.content.decode()
    assert "See your invoices" in text(client.get(url("invoice", token, pk=neighbour.pk)))


def test_another_tenants_invoice_is_not_found(client, token, other_tenant):
    theirs = issued_invoice(
        ClientFactory(tenant=other_tenant, name="Rival Client"), [("labour", "Visit", "10")]
    )

    for name in ("invoice", "invoice_pdf"):
        assert client.get(url(name, token, pk=theirs.pk)).status_code == 404


def test_a_draft_is_not_shown_to_the_client(client, token, household, tenant):
    with tenant_scope(tenant):
        draft = Invoice.objects.create(
            tenant=tenant,
            client=household,
            kind="labour",
            period_start=tenant_today(tenant),
            period_end=tenant_today(tenant) + timedelta(days=30),
            currency="USD",
        )
        InvoiceLine.objects.create(
            tenant=tenant, invoice=draft, kind="labour", description="Visit", amount=Decimal("10")
        )

    assert client.get(url("invoice", token, pk=draft.pk)).status_code == 404
    assert "No invoices yet" in text(client.get(url("invoices", token)))


def test_a_tickets_or_agreement_link_does_not_open_invoices(client, dana, invoice):
    tickets_token = PortalLinkFactory(contact=dana, purpose=LinkPurpose.TICKETS).token

    response = client.get(url("invoices", tickets_token))

    assert response.status_code == 404
    assert "This link doesn't open your account" in text(response)
    assert "Go to your support requests" in text(response)
    assert client.get(url("invoice", tickets_token, pk=invoice.pk)).status_code == 404


def test_an_account_link_also_opens_the_clients_tickets(client, token):
    response = client.get(url("tickets", token))
    assert response.status_code == 200


# --- The invoice email ---------------------------------------------------------------------------------


def test_an_issued_invoice_is_emailed_with_its_pdf_and_a_link_to_it(tenant, household, dana):
    invoice = issued_invoice(household, [("labour", "Replaced the PoE injector", "95.00")])
    mail.outbox.clear()

    dispatch_until_idle()

    [email] = mail.outbox
    assert email.to == ["accounts@whitaker.example"]  # the client's main address
    assert (
        email.subject
        == f"Invoice {invoice.number} from {tenant.name}: $95.00, due {invoice.due_on:%-d %b %Y}"
    )
    [(filename, content, mimetype)] = email.attachments
    assert (filename, mimetype) == (f"{invoice.number} Whitaker Residence.pdf", "application/pdf")
    assert content.startswith(b"%PDF")
    assert "Replaced the PoE injector: $95.00" in email.body
    link_url = re.search(r"http\S+/invoices/\d+/", email.body).group(0)
    token = link_url.split("/portal/")[1].split("/")[0]
    link = resolve_portal_link(token)
    assert isinstance(link, PortalLink)
    assert (link.purpose, link.contact) == (LinkPurpose.ACCOUNT, dana)
    with tenant_scope(tenant):
        assert invoice.history.filter(kind="emailed", summary="Emailed to accounts@whitaker.example").exists()


def test_the_billing_accounts_invoice_address_comes_first(tenant, household, dana):
    with tenant_scope(tenant):
        BillingAccount.objects.create(tenant=tenant, client=household, invoice_email="dana@whitaker.example")
    issued_invoice(household, [("labour", "Visit", "10")])
    mail.outbox.clear()

    dispatch_until_idle()

    assert [email.to for email in mail.outbox] == [["dana@whitaker.example"]]


def test_without_any_address_nothing_is_sent_and_the_history_says_why(tenant):
    lonely = ClientFactory(tenant=tenant, name="No Email Household", email="")
    invoice = issued_invoice(lonely, [("labour", "Visit", "10")])
    mail.outbox.clear()

    dispatch_until_idle()

    assert mail.outbox == []
    with tenant_scope(tenant):
        assert invoice.history.filter(kind="not_emailed").exists()


def test_staff_can_send_it_again_to_another_address(tenant, invoice):
    dispatch_until_idle()
    mail.outbox.clear()
    with tenant_scope(tenant):
        services.request_invoice_email(invoice, actor="owner", to="bookkeeper@whitaker.example")

    dispatch_until_idle()

    assert [email.to for email in mail.outbox] == [["bookkeeper@whitaker.example"]]


def test_an_expired_account_link_offers_a_fresh_one_that_opens_the_invoices(client, dana, token, invoice):
    link = resolve_portal_link(token)
    with time_machine.travel(link.expires_at + timedelta(days=1)):
        assert client.get(url("invoices", token)).status_code == 410
        mail.outbox.clear()
        client.post(url("fresh_link", token), {"email": "dana@whitaker.example"})

        [message] = mail.outbox
        assert message.subject.startswith("Your invoices and account with")
        fresh = re.search(r"/portal/([A-Za-z0-9_-]{43})/", message.body)[1]
        response = client.get(url("open", fresh), follow=True)
    assert response.redirect_chain[-1][0] == url("invoices", fresh)
    assert invoice.number in text(response)
