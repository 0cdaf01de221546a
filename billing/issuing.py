"""Issuing: totals, the gapless numbers and the draft -> issued step every invoice goes through.

Numbers come from one counter row per tenant and series, incremented in the transaction that issues:
the row lock makes concurrent issuers wait their turn, and a rolled-back issue gives its number back,
so the series has no gap and no duplicate (a unique constraint on (tenant, sequence) stands behind it).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils import timezone

from billing.models import (
    BillingAccount,
    BillingSettings,
    Invoice,
    InvoiceEvent,
    InvoiceLine,
    InvoiceStatus,
)
from events.services import record_events

CENT = Decimal("0.01")
INVOICE_SERIES = "INV"
CREDIT_NOTE_SERIES = "CN"


def cents(amount: Decimal) -> Decimal:
    return amount.quantize(CENT, rounding=ROUND_HALF_UP)


def document_number(series: str, year: int, sequence: int) -> str:
    """INV-2026-000123: the series, the year it was issued in, and the tenant's gapless sequence."""
    return f"{series}-{year}-{sequence:06d}"


def take_sequences(tenant_id: int, series: str, count: int = 1) -> list[int]:
    """``count`` consecutive numbers of the tenant's series, held under a row lock until the caller's
    transaction ends."""
    if count < 1:
        return []
    with connection.cursor() as cursor:
        cursor.execute(
            """
            INSERT INTO billing_documentseries (tenant_id, series, last_sequence) VALUES (%s, %s, %s)
            ON CONFLICT (tenant_id, series) DO UPDATE
                SET last_sequence = billing_documentseries.last_sequence + EXCLUDED.last_sequence
            RETURNING last_sequence
            """,
            [tenant_id, series, count],
        )
        last = cursor.fetchone()[0]
    return list(range(last - count + 1, last + 1))


def billing_settings(tenant_id: int) -> BillingSettings:
    settings = BillingSettings.objects.filter(tenant_id=tenant_id).first()
    return settings or BillingSettings(tenant_id=tenant_id)


def tax_rate_for(client, settings: BillingSettings | None = None) -> Decimal:
    """The client's own rate if it has one, else the company's."""
    account = BillingAccount.objects.filter(client=client).first()
    return tax_rate_of(account, settings or billing_settings(client.tenant_id))


def tax_rate_of(account: BillingAccount | None, settings: BillingSettings) -> Decimal:
    """``tax_rate_for`` with the account already read (a billing run reads a chunk's accounts at once)."""
    if account is not None and account.tax_rate_percent is not None:
        return account.tax_rate_percent
    return settings.tax_rate_percent


def totals(lines: Iterable[InvoiceLine], tax_rate_percent: Decimal) -> tuple[Decimal, Decimal, Decimal]:
    """(subtotal, tax, total): tax on the taxable lines' sum, rounded half-up once per invoice."""
    lines = list(lines)
    subtotal = sum((line.amount for line in lines), Decimal("0.00"))
    taxable = sum((line.amount for line in lines if line.taxable), Decimal("0.00"))
    tax = cents(max(taxable, Decimal("0")) * tax_rate_percent / 100)
    return cents(subtotal), tax, cents(subtotal + tax)


def history(invoice: Invoice, kind: str, summary: str, *, actor: str, at=None) -> InvoiceEvent:
    return InvoiceEvent.objects.create(
        tenant_id=invoice.tenant_id, invoice=invoice, kind=kind, summary=summary[:300], actor=actor,
        at=at or timezone.now(),
    )  # fmt: skip


@transaction.atomic
def issue(invoice: Invoice, *, on: date, actor: str) -> Invoice:
    """Number and issue a draft: totals fixed, due date set, ``invoice.issued`` recorded."""
    invoice = Invoice.objects.select_for_update().select_related("client").get(pk=invoice.pk)
    if invoice.status != InvoiceStatus.DRAFT:
        raise ValidationError(f"{invoice} is already issued.")
    lines = list(invoice.lines.all())
    if not lines:
        raise ValidationError("An invoice needs at least one line.")
    settings = billing_settings(invoice.tenant_id)
    invoice.subtotal, invoice.tax, invoice.total = totals(lines, invoice.tax_rate_percent)
    (sequence,) = take_sequences(invoice.tenant_id, INVOICE_SERIES)
    invoice.sequence = sequence
    invoice.number = document_number(INVOICE_SERIES, on.year, sequence)
    invoice.issued_on = on
    invoice.due_on = invoice.due_on or on + timedelta(days=settings.payment_terms_days)
    invoice.status = InvoiceStatus.PAID if invoice.total <= 0 else InvoiceStatus.ISSUED
    invoice.save()
    history(invoice, "issued", f"Issued {invoice.number} for {invoice.total} {invoice.currency}", actor=actor)
    announce_issued([invoice])
    return invoice


def announce_issued(invoices: Iterable[Invoice]) -> None:
    """One ``invoice.issued`` event per invoice, written together (a billing run issues thousands)."""
    record_events(
        (
            invoice.tenant_id,
            "invoice.issued",
            {
                "invoice_id": invoice.pk,
                "client_id": invoice.client_id,
                "number": invoice.number,
                "total": str(invoice.total),
                "currency": invoice.currency,
            },
        )
        for invoice in invoices
    )
