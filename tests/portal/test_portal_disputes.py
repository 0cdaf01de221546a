"""Clients dispute an invoice, or one of its lines, from its portal page; then they follow the thread there,
answer, accept an explanation or withdraw. Every step is emailed to them with a link back to the invoice,
and written in the invoice's history. Another client's invoice (or tenant's) is a dead end."""

import re
from decimal import Decimal
from html import unescape

import pytest
from django.core import mail
from django.urls import reverse

from billing import disputes
from billing.models import Dispute, InvoiceEvent
from events.dispatch import dispatch_until_idle
from portal.models import LinkPurpose
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
        [("plan", "Gold membership", "100.00"), ("labour", "Replaced the PoE injector", "50.00")],
        tax_rate_percent="10",
    )


def labour_line(invoice):
    with tenant_scope(invoice.tenant):
        return invoice.lines.get(kind="labour")


def the_dispute(invoice):
    with tenant_scope(invoice.tenant):
        return Dispute.objects.select_related("invoice", "contact", "line").get(invoice=invoice)


def test_the_invoice_page_offers_to_dispute_it_and_each_line(client, token, invoice):
    page = client.get(url("invoice", token, pk=invoice.pk))
    html = page.content.decode()

    assert "Dispute this invoice" in text(page)
    assert f"{url('invoice_dispute', token, pk=invoice.pk)}?line={labour_line(invoice).pk}" in html
    assert "Dispute this line : Replaced the PoE injector" in text(page)  # its name for screen readers


def test_a_client_disputes_a_line_with_an_amount_and_sees_the_thread(client, token, invoice, dana):
    line = labour_line(invoice)
    form = client.get(url("invoice_dispute", token, pk=invoice.pk), {"line": line.pk})
    assert "Dispute this line" in text(form)
    assert "Replaced the PoE injector" in text(form)

    response = client.post(
        url("invoice_dispute", token, pk=invoice.pk),
        {"line": line.pk, "reason": "The injector was under warranty", "amount": "50.00"},
        follow=True,
    )

    page = text(response)
    assert "Thank you, " in page
    assert "has your dispute" in page
    assert "Disputed" in page  # the badge
    assert "“Replaced the PoE injector”: $50.00" in page
    assert "You · " in page
    assert "The injector was under warranty" in page
    assert "Dispute this invoice" not in page  # one open dispute at a time
    dispute = the_dispute(invoice)
    assert (dispute.opened_by, dispute.contact, dispute.line, dispute.amount) == (
        "client",
        dana,
        line,
        Decimal("50.00"),
    )
    assert "(client contact)" in dispute.actor


def test_a_refused_dispute_keeps_what_was_typed_and_says_why(client, token, invoice):
    response = client.post(
        url("invoice_dispute", token, pk=invoice.pk),
        {"line": labour_line(invoice).pk, "reason": "Under warranty, see receipt", "amount": "75"},
    )

    assert response.status_code == 400
    assert "At most $50.00 of “Replaced the PoE injector” can be disputed." in text(response)
    assert "Under warranty, see receipt" in response.content.decode()
    assert 'value="75"' in response.content.decode()

    response = client.post(url("invoice_dispute", token, pk=invoice.pk), {"reason": "", "amount": "ten"})
    assert response.status_code == 400
    assert "This field is required." in text(response)


def test_a_client_answers_an_explanation_then_accepts_the_next(client, token, invoice, dana):
    client.post(url("invoice_dispute", token, pk=invoice.pk), {"reason": "Too much"})
    dispute = the_dispute(invoice)
    with tenant_scope(invoice.tenant):
        disputes.propose_explanation(dispute, body="The plan is billed in advance.", actor="owner")

    page = text(client.get(url("invoice", token, pk=invoice.pk)))
    assert "is waiting for your answer" in page
    assert "That explains it: close my dispute" in page

    client.post(url("dispute_reply", token, pk=invoice.pk), {"body": "But I cancelled in November."})
    assert the_dispute(invoice).status == "open"
    with tenant_scope(invoice.tenant):
        disputes.propose_explanation(dispute, body="The cancellation starts in January.", actor="owner")
    client.post(url("dispute_accept", token, pk=invoice.pk))

    dispute = the_dispute(invoice)
    assert (dispute.status, dispute.resolution) == ("resolved", "explanation_accepted")
    page = text(client.get(url("invoice", token, pk=invoice.pk)))
    assert "You accepted the explanation" in page
    assert "$165.00 to pay" in page
    assert "Due" in page  # not disputed any more


def test_accepting_when_no_explanation_waits_says_so(client, token, invoice):
    client.post(url("invoice_dispute", token, pk=invoice.pk), {"reason": "Too much"})
    response = client.post(url("dispute_accept", token, pk=invoice.pk))
    assert response.status_code == 409
    assert "There is no explanation waiting for the client's answer." in text(response)


def test_a_client_withdraws_their_dispute(client, token, invoice):
    client.post(url("invoice_dispute", token, pk=invoice.pk), {"reason": "Too much"})
    client.post(url("dispute_drop", token, pk=invoice.pk), {"note": "Found the quote, sorry."})

    dispute = the_dispute(invoice)
    assert dispute.status == "withdrawn"
    page = text(client.get(url("invoice", token, pk=invoice.pk)))
    assert "Your dispute is withdrawn" in page
    assert "Dispute this invoice again" in page


def test_an_empty_answer_is_refused_and_nothing_is_written(client, token, invoice):
    client.post(url("invoice_dispute", token, pk=invoice.pk), {"reason": "Too much"})
    response = client.post(url("dispute_reply", token, pk=invoice.pk), {"body": "  "})
    assert response.status_code == 400
    assert "This field is required." in text(response)
    with tenant_scope(invoice.tenant):
        assert the_dispute(invoice).messages.count() == 1


def test_the_client_sees_the_balance_after_a_partial_credit_note(client, token, invoice):
    line = labour_line(invoice)
    client.post(url("invoice_dispute", token, pk=invoice.pk), {"line": line.pk, "reason": "Warranty"})
    with tenant_scope(invoice.tenant):
        disputes.resolve_with_credit_note(
            the_dispute(invoice), lines={line: Decimal("50.00")}, reason="Warranty", actor="owner"
        )

    page = text(client.get(url("invoice", token, pk=invoice.pk)))
    assert "$110.00 to pay" in page
    assert "Your dispute is resolved" in page
    assert "issued credit note CN-" in page
    assert "for $55.00" in page


def test_another_clients_invoice_cannot_be_disputed(client, token, tenant):
    other = issued_invoice(ClientFactory(tenant=tenant, name="Okafor Dental"), [("labour", "Visit", "80.00")])
    response = client.post(url("invoice_dispute", token, pk=other.pk), {"reason": "Not ours"})
    assert response.status_code == 404
    assert client.post(url("dispute_reply", token, pk=other.pk), {"body": "Hi"}).status_code == 404
    with tenant_scope(tenant):
        assert not Dispute.objects.exists()


def test_another_tenants_dispute_is_not_reachable(client, token, other_tenant):
    stranger = issued_invoice(
        ClientFactory(tenant=other_tenant, name="Rival client"), [("labour", "X", "9.00")]
    )
    with tenant_scope(other_tenant):
        disputes.open_dispute(stranger, reason="Hm", party="staff", actor="owner")
    assert client.get(url("invoice", token, pk=stranger.pk)).status_code == 404
    assert client.post(url("dispute_drop", token, pk=stranger.pk)).status_code == 404


def test_a_tickets_link_cannot_dispute(client, dana, invoice):
    tickets = PortalLinkFactory(contact=dana, purpose=LinkPurpose.TICKETS).token
    response = client.post(url("invoice_dispute", tickets, pk=invoice.pk), {"reason": "Too much"})
    assert response.status_code == 404
    with tenant_scope(invoice.tenant):
        assert not Dispute.objects.exists()


# --- Emails ------------------------------------------------------------------------------------------


def test_every_step_is_emailed_to_the_client_with_a_link_to_the_invoice(client, token, invoice, dana):
    dispatch_until_idle()  # the invoice's own email
    mail.outbox.clear()
    client.post(url("invoice_dispute", token, pk=invoice.pk), {"reason": "Too much"})
    dispute = the_dispute(invoice)
    with tenant_scope(invoice.tenant):
        disputes.reply(dispute, body="Looking into it.", party="staff", actor="owner")
        disputes.propose_explanation(dispute, body="The plan is billed in advance.", actor="owner")
    client.post(url("dispute_reply", token, pk=invoice.pk), {"body": "I cancelled."})
    with tenant_scope(invoice.tenant):
        disputes.resolve_with_credit_note(dispute, lines=None, reason="Cancelled", actor="owner")
    dispatch_until_idle()

    number = invoice.number
    assert [email.subject for email in mail.outbox] == [
        f"Your dispute of invoice {number} is recorded",
        f"Re: your dispute of invoice {number}",
        f"Invoice {number}: our explanation of your dispute",
        f"We have your message about invoice {number}",
        f"Invoice {number}: credit note CN-{invoice.issued_on.year}-000001, your dispute is resolved",
    ]
    assert {tuple(email.to) for email in mail.outbox} == {("dana@whitaker.example",)}
    explanation = mail.outbox[2]
    assert "The plan is billed in advance." in explanation.body
    link = re.search(r"http\S+/invoices/\d+/#dispute", explanation.body).group(0)
    assert "accept the explanation on the invoice's page" in explanation.body
    assert client.get(link.split("testserver")[-1].split("#")[0]).status_code == 200
    assert "$165.00" in mail.outbox[-1].body
    with tenant_scope(invoice.tenant):
        emailed = InvoiceEvent.objects.filter(invoice=invoice, kind="dispute_emailed").count()
    assert emailed == 5


def test_a_dispute_staff_opened_for_the_client_goes_to_the_invoice_address(household, invoice, tenant):
    dispatch_until_idle()
    mail.outbox.clear()
    with tenant_scope(tenant):
        disputes.open_dispute(invoice, reason="Called about the tax", party="staff", actor="owner")
    dispatch_until_idle()

    [email] = mail.outbox
    assert email.to == ["accounts@whitaker.example"]
    assert "Called about the tax" in email.body
