"""Acceptance 2 of issue 13: a dispute opened in the portal in Chromium appears in the staff queue, is
resolved by a partial credit note, and the client's invoice then shows the right balance. Both pages are
watched for CSP violations and script errors (the fixtures fail the test on any)."""

import re

import pytest
from playwright.sync_api import expect

from portal.models import LinkPurpose
from tenants.roles import Role
from tenants.scope import tenant_scope
from tests.billing.invoice_setup import issued_invoice
from tests.factories import (
    ClientFactory,
    ContactFactory,
    PortalLinkFactory,
    StaffMembershipFactory,
    TenantFactory,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def setting():
    tenant = TenantFactory(name="Northwind AV")
    household = ClientFactory(tenant=tenant, name="Whitaker Residence", email="accounts@whitaker.example")
    with tenant_scope(tenant):
        dana = ContactFactory(
            client=household, full_name="Dana Whitaker", email="dana@whitaker.example", is_primary=True
        )
    invoice = issued_invoice(
        household,
        [("plan", "Gold membership", "100.00"), ("labour", "Replaced the PoE injector", "50.00")],
        tax_rate_percent="10",
    )
    token = PortalLinkFactory(contact=dana, purpose=LinkPurpose.ACCOUNT).token
    owner = StaffMembershipFactory(tenant=tenant, role=Role.BILLING).user
    return invoice, f"/portal/{token}/invoices/{invoice.pk}/", owner


def test_a_dispute_from_the_portal_is_resolved_by_a_partial_credit_note(phone_page, page, sign_in, setting):
    invoice, invoice_path, staff = setting

    # The client disputes one line, on a phone.
    client = phone_page
    client.goto(invoice_path)
    expect(client.get_by_role("heading", name="$165.00 to pay")).to_be_visible()
    client.get_by_role("link", name=re.compile(r"Dispute this line.*PoE injector")).click()
    expect(client.get_by_role("heading", name="Dispute this line")).to_be_visible()
    client.get_by_label("What is wrong?").fill("The injector was replaced under warranty last spring.")
    client.get_by_label("How much do you dispute?").fill("30.00")
    client.get_by_role("button", name="Send the dispute").click()
    expect(client.get_by_text("has your dispute")).to_be_visible()
    expect(client.get_by_role("heading", name="Your dispute")).to_be_visible()
    client.wait_for_load_state("load")
    assert client.evaluate("document.documentElement.scrollWidth") <= 390

    # Staff find it in the queue and resolve it by crediting what was disputed.
    sign_in(page, staff)
    page.goto("/billing/disputes/")
    row = page.get_by_role("row", name="Whitaker Residence")
    expect(row).to_contain_text(invoice.number)
    expect(row).to_contain_text("$30.00")
    expect(row).to_contain_text("Waiting for us")
    row.get_by_role("link", name="Whitaker Residence").click()
    expect(page.get_by_role("heading", name=f"Dispute on {invoice.number}")).to_be_visible()
    expect(page.get_by_label("Replaced the PoE injector")).to_have_value("30.00")  # prefilled
    page.get_by_label("Reason").fill("Injector under warranty")
    page.get_by_role("button", name="Issue the credit note and resolve").click()
    expect(page.get_by_text("Resolved by credit note CN-")).to_be_visible()
    expect(page.get_by_role("heading", name=re.compile("Resolved: credit note"))).to_be_visible()

    # The client's invoice now asks for the rest: 165.00 less 30.00 and its 3.00 of tax.
    client.goto(invoice_path)
    expect(client.get_by_role("heading", name="$132.00 to pay")).to_be_visible()
    expect(client.get_by_role("heading", name="Your dispute is resolved")).to_be_visible()
    expect(client.get_by_text("for $33.00")).to_be_visible()
