"""Recording payments: what an invoice accepts, how its status follows, and what is told."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from billing import disputes, services
from billing.models import Invoice, InvoiceEvent, Payment
from events.models import OutboxEvent
from tenants.localtime import tenant_today
from tests.billing.invoice_setup import issued_invoice

pytestmark = pytest.mark.django_db


def pay(invoice, amount, **kwargs):
    values = {
        "paid_on": tenant_today(),
        "method": "bank_transfer",
        "reference": "",
        "actor": "owner",
    } | kwargs
    return services.record_payment(invoice, Decimal(amount), **values)


def test_an_issued_invoice_owes_its_total(invoice, in_tenant):
    assert (invoice.subtotal, invoice.tax, invoice.total) == (
        Decimal("150.00"),
        Decimal("15.00"),
        Decimal("165.00"),
    )
    assert invoice.status == "issued"
    assert invoice.balance == Decimal("165.00")
    assert invoice.number.startswith("INV-")


def test_a_part_payment_makes_the_invoice_partly_paid_and_leaves_the_rest_due(invoice, in_tenant):
    payment = pay(invoice, "65.00", reference="TX-881")
    invoice.refresh_from_db()

    assert payment.amount == Decimal("65.00")
    assert (invoice.status, invoice.amount_paid, invoice.balance) == (
        "partly_paid",
        Decimal("65.00"),
        Decimal("100.00"),
    )
    assert InvoiceEvent.objects.filter(invoice=invoice, kind="payment").get().summary == (
        "Payment of $65.00 by bank transfer (TX-881)"
    )
    assert not OutboxEvent.objects.filter(name="invoice.paid").exists()


def test_paying_the_balance_makes_it_paid_and_tells_partners_once(invoice, in_tenant):
    pay(invoice, "65.00")
    pay(invoice, "100.00", method="card")
    invoice.refresh_from_db()

    assert (invoice.status, invoice.balance) == ("paid", Decimal("0.00"))
    [event] = OutboxEvent.objects.filter(name="invoice.paid")
    assert event.payload["invoice_id"] == invoice.pk
    assert event.payload["total"] == "165.00"
    assert InvoiceEvent.objects.filter(invoice=invoice, kind="paid").exists()


@pytest.mark.parametrize(
    ("amount", "message"),
    [
        ("0", "more than zero"),
        ("-5", "more than zero"),
        ("165.01", "cannot be more than"),
        ("1.005", "two decimals"),
    ],
)
def test_an_amount_that_is_not_owed_is_refused_and_nothing_is_recorded(invoice, in_tenant, amount, message):
    with pytest.raises(ValidationError) as error:
        pay(invoice, amount)

    assert message in str(error.value.message_dict["amount"])
    invoice.refresh_from_db()
    assert (invoice.status, invoice.amount_paid) == ("issued", Decimal("0.00"))
    assert not Payment.objects.exists()


def test_a_payment_dated_in_the_future_or_before_the_invoice_is_refused(invoice, in_tenant):
    with pytest.raises(ValidationError, match="future"):
        pay(invoice, "10", paid_on=tenant_today() + timedelta(days=1))
    with pytest.raises(ValidationError, match="cannot be dated earlier"):
        pay(invoice, "10", paid_on=invoice.issued_on - timedelta(days=1))
    with pytest.raises(ValidationError, match="Choose how it was paid"):
        pay(invoice, "10", method="bitcoin")


def test_a_disputed_invoice_stays_disputed_while_its_dispute_is_open_even_paid_in_full(invoice, in_tenant):
    disputes.open_dispute(invoice, reason="Says the visit was covered", party="staff", actor="owner")
    pay(invoice, "100.00")
    invoice.refresh_from_db()
    assert invoice.status == "disputed"

    pay(invoice, "65.00")
    invoice.refresh_from_db()
    assert invoice.status == "disputed"
    assert not OutboxEvent.objects.filter(name="invoice.paid").exists()


def test_ending_a_dispute_returns_the_invoice_to_where_its_payments_left_it(invoice, in_tenant):
    dispute = disputes.open_dispute(invoice, reason="Wrong hours", party="staff", actor="owner")
    pay(invoice, "15.00")
    disputes.withdraw(dispute, party="staff", actor="owner", note="Hours confirmed by the technician's log")
    invoice.refresh_from_db()

    assert invoice.status == "partly_paid"
    kinds = list(InvoiceEvent.objects.filter(invoice=invoice).values_list("kind", flat=True))
    assert kinds == ["issued", "disputed", "payment", "dispute_withdrawn"]


def test_a_paid_or_void_invoice_takes_no_payment(invoice, household, in_tenant):
    pay(invoice, "165.00")
    with pytest.raises(ValidationError, match="is paid"):
        pay(invoice, "1.00")

    voided = issued_invoice(household, [("labour", "Call-out", "80.00")])
    services.void_invoice(voided, reason="Billed twice", actor="owner")
    with pytest.raises(ValidationError, match="is void"):
        pay(voided, "1.00")


def test_two_payments_recorded_at_once_cannot_overpay(invoice, in_tenant):
    """The second one reads the balance after the first (the row lock), so it is refused."""
    pay(invoice, "165.00")
    stale = Invoice.objects.get(pk=invoice.pk)
    stale.status, stale.amount_paid = "issued", Decimal("0.00")  # what a concurrent request had read
    with pytest.raises(ValidationError):
        pay(stale, "165.00")
    assert Payment.objects.count() == 1
