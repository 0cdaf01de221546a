"""Acceptance: an invoice the run issued cannot be changed, neither through ``QuerySet.update()`` nor raw
SQL, and neither can its lines; only its status and what was paid or credited may move."""

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
import time_machine
from django.db import DatabaseError, connection, transaction

from billing.models import Invoice, InvoiceLine, InvoiceStatus, LineKind
from tenants.scope import tenant_scope
from tests.billing.run_setup import bill, catalog, customer, subscribe

pytestmark = pytest.mark.django_db


@pytest.fixture
def issued(tenant):
    with time_machine.travel(datetime(2026, 12, 1, 12, tzinfo=UTC), tick=False):
        plans = catalog(tenant)
        subscribe(
            tenant, customer(tenant, "Whitaker Residence"), started_on=date(2026, 12, 1), tier=plans.gold
        )
        (invoice_id,) = bill(tenant).invoice_ids
    return invoice_id


def refused(tenant, change) -> str:
    """Run ``change`` in the tenant's scope and return the database's refusal."""
    with pytest.raises(DatabaseError) as refusal, tenant_scope(tenant), transaction.atomic():
        change()
    return str(refusal.value)


def raw(sql: str, params=()):
    def run():
        with connection.cursor() as cursor:
            cursor.execute(sql, params)

    return run


@pytest.mark.parametrize(
    "values",
    [
        {"total": Decimal("1.00")},
        {"number": "INV-2026-999999"},
        {"due_on": date(2027, 1, 1)},
        {"status": "draft"},
    ],
    ids=["total", "number", "due date", "back to draft"],
)
def test_an_issued_invoice_cannot_be_changed_through_the_orm(tenant, issued, values):
    error = refused(tenant, lambda: Invoice.objects.filter(pk=issued).update(**values))
    assert "is issued" in error


def test_an_issued_invoice_cannot_be_changed_or_deleted_with_raw_sql(tenant, issued):
    assert "is issued" in refused(
        tenant, raw("UPDATE billing_invoice SET subtotal = 0, total = 0 WHERE id = %s", [issued])
    )
    assert "cannot be deleted" in refused(tenant, raw("DELETE FROM billing_invoice WHERE id = %s", [issued]))
    deleting = refused(tenant, lambda: Invoice.objects.filter(pk=issued).delete())  # its lines go first
    assert "The lines of an issued invoice cannot change" in deleting


def test_the_lines_of_an_issued_invoice_cannot_be_changed_added_or_removed(tenant, issued):
    def lines():
        return InvoiceLine.objects.filter(invoice_id=issued)

    message = "The lines of an issued invoice cannot change"

    assert message in refused(tenant, lambda: lines().update(amount=Decimal("0.01")))
    assert message in refused(
        tenant, raw("UPDATE billing_invoiceline SET description = 'Nothing' WHERE invoice_id = %s", [issued])
    )
    assert message in refused(tenant, raw("DELETE FROM billing_invoiceline WHERE invoice_id = %s", [issued]))
    assert message in refused(
        tenant,
        lambda: InvoiceLine.objects.create(
            tenant=tenant,
            invoice_id=issued,
            kind=LineKind.ADJUSTMENT,
            description="Sneaky",
            amount=Decimal("5"),
        ),
    )


def test_status_and_what_was_paid_or_credited_may_move(tenant, issued):
    with tenant_scope(tenant):
        Invoice.objects.filter(pk=issued).update(
            status=InvoiceStatus.PARTLY_PAID, amount_paid=Decimal("40.00")
        )
        with connection.cursor() as cursor:
            cursor.execute(
                "UPDATE billing_invoice SET status = 'paid', amount_paid = 100 WHERE id = %s", [issued]
            )
        Invoice.objects.filter(pk=issued).update(amount_credited=Decimal("0.00"))
        invoice = Invoice.objects.get(pk=issued)
        lines = list(invoice.lines.values_list("amount", flat=True))

    assert (invoice.status, invoice.amount_paid, invoice.total, invoice.number) == (
        InvoiceStatus.PAID,
        Decimal("100.00"),
        Decimal("100.00"),
        "INV-2026-000001",
    )
    assert lines == [Decimal("100.00")]
