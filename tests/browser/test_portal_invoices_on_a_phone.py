"""Acceptance: a client opens the link of an invoice email on a phone, reads the invoice, downloads its
PDF and finds all their invoices. The `phone_page` fixture fails the test on any CSP violation or script
error."""

import re
from decimal import Decimal

import pytest
from django.core import mail
from playwright.sync_api import expect

from billing import services
from events.dispatch import dispatch_until_idle
from tenants.localtime import tenant_today
from tenants.scope import tenant_scope
from tests.billing.invoice_setup import issued_invoice
from tests.factories import ClientFactory, ContactFactory, TenantFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def emailed_invoice():
    tenant = TenantFactory(name="Northwind AV")
    household = ClientFactory(tenant=tenant, name="Whitaker Residence", email="accounts@whitaker.example")
    ContactFactory(
        client=household, full_name="Dana Whitaker", email="dana@whitaker.example", is_primary=True
    )
    earlier = issued_invoice(household, [("labour", "Call-out", "80.00")])
    with tenant_scope(tenant):
        services.record_payment(earlier, Decimal("80.00"), tenant_today(tenant), "card", "", "owner")
    invoice = issued_invoice(
        household,
        [
            {
                "kind": "plan",
                "description": "Gold membership",
                "detail": "Monthly plan at the agreed price",
                "amount": "149.00",
            },
            {
                "kind": "labour",
                "description": "Replaced the PoE injector at the gate camera",
                "detail": "Ticket #1042 · 1 h on site at $140/h, not covered: hardware replacement",
                "amount": "140.00",
            },
        ],
        tax_rate_percent="8.875",
        footer="Pay by bank transfer to Northwind AV, account 0012 3456 78, quoting the invoice number.",
    )
    mail.outbox.clear()
    dispatch_until_idle()  # both invoices' emails
    [message] = [email for email in mail.outbox if invoice.number in email.subject]
    return invoice, earlier, re.search(r"https?://[^/\s]+(/portal/\S+/invoices/\d+/)", message.body)[1]


def test_a_client_reads_an_emailed_invoice_on_a_phone(phone_page, emailed_invoice):
    invoice, earlier, path = emailed_invoice
    page = phone_page
    page.goto(path)

    expect(page.get_by_role("heading", name="$314.65 to pay")).to_be_visible()
    expect(page.get_by_text("Northwind AV").first).to_be_visible()
    expect(page.get_by_text("Ticket #1042 · 1 h on site at $140/h")).to_be_visible()
    expect(page.get_by_role("heading", name="How to pay")).to_be_visible()
    with page.expect_download() as download:
        page.get_by_role("link", name="Download the PDF").click()
    assert download.value.suggested_filename == f"{invoice.number} Whitaker Residence.pdf"

    page.wait_for_load_state("load")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390

    page.get_by_role("link", name="Your invoices").click()
    expect(page.get_by_role("heading", name="Your invoices")).to_be_visible()
    expect(page.get_by_role("heading", name="To pay: $314.65")).to_be_visible()
    expect(page.get_by_role("link", name=re.compile(f"{earlier.number}.*Paid"))).to_be_visible()
    page.wait_for_load_state("load")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390

    page.get_by_role("navigation", name="Your account").get_by_role("link", name="Support requests").click()
    expect(page.get_by_role("heading", name="Your support requests")).to_be_visible()
