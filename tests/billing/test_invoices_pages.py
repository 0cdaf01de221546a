"""Staff pages of billing: the invoice list (filters, totals, htmx), the invoice page and what it does
(payments, credit notes, void, resend, disputes), credit notes, billing settings, a client's billing
account, and who may see and do what."""

import re
from datetime import timedelta
from decimal import Decimal
from html import unescape

import pytest
from django.core import mail
from django.urls import reverse

from billing.models import BillingAccount, BillingSettings, CreditNote, Invoice
from events.dispatch import dispatch_until_idle
from tenants.localtime import tenant_today
from tenants.roles import Role
from tenants.scope import tenant_scope
from tests.billing.invoice_setup import issued_invoice
from tests.factories import ClientFactory

pytestmark = pytest.mark.django_db


def text(response):
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", response.content.decode())).split())


def row_of(response, number: str) -> str:
    """The text of the table row that shows ``number``."""
    rows = re.findall(r"<tr>.*?</tr>", response.content.decode(), re.S)
    [row] = [row for row in rows if number in row]
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", row)).split())


def no_inline_script_or_style(html: str) -> bool:
    return not re.search(r"<script(?![^>]*\bsrc=)|\sstyle=|\son[a-z]+=", html)


@pytest.fixture
def book(tenant, household, invoice):
    """Whitaker: the 165.00 invoice of today; Okafor: 80.00 issued 40 days ago, overdue."""
    okafor = ClientFactory(tenant=tenant, name="Okafor Dental Group")
    late = issued_invoice(
        okafor, [("labour", "Network audit", "80.00")], issued_on=tenant_today(tenant) - timedelta(days=40)
    )
    return {"current": invoice, "late": late, "okafor": okafor}


# --- The list ------------------------------------------------------------------------------------------


def test_the_list_shows_every_invoice_where_it_stands_and_the_totals(staff_client, book):
    response = staff_client.get(reverse("billing:invoice_list"))
    page = text(response)

    assert row_of(response, book["current"].number).startswith(f"{book['current'].number} Whitaker Residence")
    assert " Due " in row_of(response, book["current"].number)
    assert " Overdue " in row_of(response, book["late"].number)
    assert "Invoiced $245.00" in page
    assert "Outstanding $245.00" in page
    assert "Overdue $80.00" in page
    assert no_inline_script_or_style(response.content.decode())


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"status": "overdue"}, ["late"]),
        ({"q": "okafor"}, ["late"]),
        ({"status": "paid"}, []),
        ({"status": "open"}, ["current", "late"]),
    ],
)
def test_the_list_filters_and_answers_htmx_with_the_results_only(staff_client, book, query, expected):
    response = staff_client.get(reverse("billing:invoice_list"), query, HTTP_HX_REQUEST="true")
    html = response.content.decode()

    assert "<nav" not in html  # the results partial, not the page
    shown = {key for key in ("current", "late") if book[key].number in html}
    assert shown == set(expected)
    if not expected:
        assert "No invoice matches these filters" in html


def test_the_list_filters_by_client_and_period(staff_client, book):
    by_client = staff_client.get(
        reverse("billing:invoice_list"), {"client": book["okafor"].pk}
    ).content.decode()
    start = book["current"].period_start
    by_period = staff_client.get(
        reverse("billing:invoice_list"), {"period_from": start, "period_to": start + timedelta(days=3)}
    ).content.decode()

    assert book["late"].number in by_client
    assert book["current"].number not in by_client
    assert book["current"].number in by_period
    assert book["late"].number not in by_period


def test_with_no_invoices_the_list_says_what_happens_next(staff_client):
    assert "No invoices yet. The daily billing run issues them" in text(
        staff_client.get(reverse("billing:invoice_list"))
    )


# --- The invoice page ---------------------------------------------------------------------------------


def test_the_invoice_page_shows_the_lines_why_the_totals_and_history(staff_client, household, tenant):
    invoice = issued_invoice(
        household,
        [
            {
                "kind": "labour",
                "description": "Replaced the PoE injector",
                "detail": "Ticket #1042, 1 h on site at $140/h",
                "amount": "140.00",
            }
        ],
        tax_rate_percent="8.875",
    )

    page = text(staff_client.get(reverse("billing:invoice_detail", args=[invoice.pk])))

    assert f"Invoice {invoice.number} Due" in page
    assert "Replaced the PoE injector Ticket #1042, 1 h on site at $140/h" in page
    assert "Sales tax (8.875 %) $12.43" in page
    assert "Total $152.43" in page
    assert f"Issued {invoice.number} for 152.43 USD · by owner@example.com" in page


def test_recording_a_payment_from_the_page(staff_client, invoice, tenant):
    response = staff_client.post(
        reverse("billing:invoice_payment", args=[invoice.pk]),
        {"amount": "165.00", "paid_on": tenant_today(tenant), "method": "check", "reference": "Check 2231"},
        follow=True,
    )

    page = text(response)
    assert "Payment of 165.00 USD paid in full" in page
    assert f"Invoice {invoice.number} Paid" in page
    assert "Check 2231" in page
    assert "Record a payment" not in page  # nothing left to pay


def test_a_payment_the_service_refuses_comes_back_with_the_reason_and_what_was_typed(
    staff_client, invoice, tenant
):
    response = staff_client.post(
        reverse("billing:invoice_payment", args=[invoice.pk]),
        {"amount": "500.00", "paid_on": tenant_today(tenant), "method": "card", "reference": "ch_9"},
    )

    assert response.status_code == 400
    page = text(response)
    assert "a payment cannot be more than that" in page
    assert 'value="500.00"' in response.content.decode()
    with tenant_scope(tenant):
        assert Invoice.objects.get(pk=invoice.pk).amount_paid == 0


def test_a_credit_note_for_part_of_a_line_from_its_form(staff_client, invoice, tenant):
    with tenant_scope(tenant):
        labour = invoice.lines.get(kind="labour")
    url = reverse("billing:invoice_credit", args=[invoice.pk])
    form = text(staff_client.get(url))
    assert "Replaced the PoE injector $50.00 left" in form

    response = staff_client.post(
        url, {"scope": "lines", f"line_{labour.pk}": "20", "reason": "Half covered"}, follow=True
    )

    page = text(response)
    with tenant_scope(tenant):
        note = CreditNote.objects.get()
    assert f"Credit note {note.number} issued for 22.00 USD" in page
    assert "Why: Half covered" in page


def test_a_credit_note_form_with_too_much_keeps_what_was_typed(staff_client, invoice, tenant):
    with tenant_scope(tenant):
        labour = invoice.lines.get(kind="labour")

    response = staff_client.post(
        reverse("billing:invoice_credit", args=[invoice.pk]),
        {"scope": "lines", f"line_{labour.pk}": "75", "reason": "Covered"},
    )

    assert response.status_code == 400
    assert "only $50.00 is left to credit" in text(response)
    assert 'value="75"' in response.content.decode()


def test_voiding_from_the_page_issues_a_credit_note_for_everything(staff_client, invoice, tenant):
    response = staff_client.post(
        reverse("billing:invoice_void", args=[invoice.pk]), {"void-reason": "Wrong client"}, follow=True
    )

    assert f"{invoice.number} is void" in text(response)
    with tenant_scope(tenant):
        assert Invoice.objects.get(pk=invoice.pk).status == "void"
        assert CreditNote.objects.get().total == Decimal("165.00")


def test_voiding_without_a_reason_opens_the_form_again_with_the_error(staff_client, invoice):
    response = staff_client.post(reverse("billing:invoice_void", args=[invoice.pk]), {"void-reason": ""})

    assert response.status_code == 400
    assert '<details class="action-details" open>' in response.content.decode()


def test_sending_the_invoice_again_emails_it_with_the_pdf(staff_client, invoice):
    dispatch_until_idle()
    mail.outbox.clear()

    response = staff_client.post(
        reverse("billing:invoice_email", args=[invoice.pk]), {"resend-to": ""}, follow=True
    )
    dispatch_until_idle()

    assert "will be emailed to accounts@whitaker.example" in text(response)
    [email] = mail.outbox
    assert email.attachments[0][2] == "application/pdf"


def labour_line_of(invoice):
    with tenant_scope(invoice.tenant):
        return invoice.lines.get(kind="labour")


def test_staff_record_a_dispute_for_the_client_from_the_invoice_page(staff_client, invoice, tenant):
    line = labour_line_of(invoice)
    response = staff_client.post(
        reverse("billing:invoice_dispute", args=[invoice.pk]),
        {"dispute-reason": "Says it was covered", "dispute-line": str(line.pk), "dispute-amount": "20.00"},
        follow=True,
    )

    with tenant_scope(tenant):
        assert Invoice.objects.get(pk=invoice.pk).status == "disputed"
        dispute = invoice.disputes.get()
    assert (dispute.opened_by, dispute.line_id, dispute.amount) == ("staff", line.pk, Decimal("20.00"))
    assert response.redirect_chain[-1][0] == reverse("billing:dispute_detail", args=[dispute.pk])
    page = text(staff_client.get(reverse("billing:invoice_detail", args=[invoice.pk])))
    assert "Disputed by the client since" in page
    assert "Record a dispute for the client" not in page  # one open dispute at a time


def test_a_dispute_for_more_than_the_line_keeps_what_was_typed(staff_client, invoice, tenant):
    line = labour_line_of(invoice)
    response = staff_client.post(
        reverse("billing:invoice_dispute", args=[invoice.pk]),
        {"dispute-reason": "Says it was covered", "dispute-line": str(line.pk), "dispute-amount": "70.00"},
    )

    assert response.status_code == 400
    assert "At most $50.00" in text(response)
    assert "Says it was covered" in response.content.decode()
    with tenant_scope(tenant):
        assert not invoice.disputes.exists()


def test_the_staff_pdf_of_an_invoice_and_a_credit_note(staff_client, invoice, tenant):
    response = staff_client.get(reverse("billing:invoice_pdf", args=[invoice.pk]))
    assert response.content.startswith(b"%PDF")

    staff_client.post(reverse("billing:invoice_void", args=[invoice.pk]), {"void-reason": "Wrong client"})
    with tenant_scope(tenant):
        note = CreditNote.objects.get()
    assert staff_client.get(reverse("billing:credit_note_pdf", args=[note.pk])).content.startswith(b"%PDF")
    assert note.number in text(staff_client.get(reverse("billing:credit_note_list")))


# --- Settings and billing accounts ---------------------------------------------------------------------


EXPORT_CODES = {
    "membership_account_code": "4000",
    "labour_account_code": "4100",
    "xero_tax_type": "Tax on Sales",
    "xero_exempt_tax_type": "Tax Exempt",
    "qbo_tax_code": "TAX",
    "qbo_exempt_tax_code": "NON",
}


def test_an_owner_sets_the_company_billing_settings(staff_client, tenant):
    response = staff_client.post(
        reverse("billing:settings"),
        {
            "tax_rate_percent": "8.875",
            "tax_label": "Sales tax",
            "payment_terms_days": "30",
            "run_hour": "5",
            "invoice_footer": "Pay by bank transfer",
            **EXPORT_CODES,
        },
        follow=True,
    )

    assert "Billing settings saved" in text(response)
    with tenant_scope(tenant):
        saved = BillingSettings.objects.get()
    assert (saved.tax_rate_percent, saved.payment_terms_days, saved.run_hour) == (Decimal("8.875"), 30, 5)
    assert (saved.membership_account_code, saved.labour_account_code, saved.xero_tax_type) == (
        "4000",
        "4100",
        "Tax on Sales",
    )


def test_the_accounting_export_codes_cannot_be_left_blank(staff_client, tenant):
    data = {"tax_rate_percent": "0", "tax_label": "VAT", "payment_terms_days": "14", "run_hour": "6"}
    response = staff_client.post(reverse("billing:settings"), {**data, **EXPORT_CODES, "qbo_tax_code": " "})

    assert response.status_code == 400
    assert "This field is required" in text(response)
    with tenant_scope(tenant):
        assert not BillingSettings.objects.exists()


def test_a_bad_tax_rate_is_refused_with_the_form_kept(staff_client, tenant):
    response = staff_client.post(
        reverse("billing:settings"),
        {"tax_rate_percent": "180", "tax_label": "VAT", "payment_terms_days": "14", "run_hour": "6"},
    )

    assert response.status_code == 400
    assert 'value="VAT"' in response.content.decode()
    with tenant_scope(tenant):
        assert not BillingSettings.objects.exists()


def test_a_clients_billing_account_sets_where_invoices_go_and_shows_on_the_client_page(
    staff_client, household, tenant
):
    response = staff_client.post(
        reverse("billing:billing_account", args=[household.pk]),
        {"invoice_email": "bookkeeper@whitaker.example", "tax_rate_percent": "0", "timezone": ""},
        follow=True,
    )

    assert "Billing account of Whitaker Residence saved" in text(response)
    assert "Invoices to bookkeeper@whitaker.example · own tax rate 0 %" in text(response)
    with tenant_scope(tenant):
        account = BillingAccount.objects.get(client=household)
    assert (account.invoice_email, account.tax_rate_percent) == ("bookkeeper@whitaker.example", Decimal("0"))


# --- Who may see and do what ---------------------------------------------------------------------------


def test_technicians_see_nothing_of_billing(client, login_as, tenant, invoice, household):
    login_as(tenant, Role.TECHNICIAN)

    assert client.get(reverse("billing:invoice_list")).status_code == 403
    assert client.get(reverse("billing:invoice_detail", args=[invoice.pk])).status_code == 403
    assert client.get(reverse("billing:invoice_pdf", args=[invoice.pk])).status_code == 403
    client_page = client.get(reverse("clients:detail", args=[household.pk])).content.decode()
    assert "data-billing-panel" not in client_page
    assert reverse("billing:invoice_list") not in client_page


def test_read_only_staff_see_invoices_but_cannot_act(client, login_as, tenant, invoice):
    login_as(tenant, Role.READ_ONLY)

    page = client.get(reverse("billing:invoice_detail", args=[invoice.pk]))
    assert page.status_code == 200
    assert "Record a payment" not in text(page)
    assert (
        client.post(reverse("billing:invoice_void", args=[invoice.pk]), {"void-reason": "x"}).status_code
        == 403
    )


def test_the_billing_role_acts_on_invoices_but_not_on_the_company_settings(client, login_as, tenant, invoice):
    login_as(tenant, Role.BILLING)

    assert "Record a payment" in text(client.get(reverse("billing:invoice_detail", args=[invoice.pk])))
    assert client.get(reverse("billing:settings")).status_code == 403
