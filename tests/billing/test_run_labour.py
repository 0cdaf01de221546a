"""Acceptance: the billable labour on the invoices equals, to the cent, the billable time entries of the
period; covered work never appears; each entry is invoiced once across all invoices, through several
runs, late entries (logged after their month was invoiced) and days without a run."""

from collections import Counter, defaultdict
from datetime import UTC, date, datetime
from decimal import ROUND_HALF_UP, Decimal

import pytest
import time_machine

from billing.models import InvoiceKind, InvoiceLine, LineKind
from tenants.scope import tenant_scope
from tests.billing.run_setup import bill, catalog, customer, subscribe, technician, work
from tickets.models import TimeEntry

pytestmark = pytest.mark.django_db


def expected_amount(entry: TimeEntry, discount_percent: Decimal) -> Decimal:
    """Independently of billing.run_plan: rate x after-hours multiplier x hours, less the tier's
    discount, rounded half-up once."""
    exact = (
        entry.bill_rate * entry.rate_multiplier * Decimal(entry.minutes) / 60 * (1 - discount_percent / 100)
    )
    return exact.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


@pytest.fixture
def months_of_work(tenant):
    """Three clients over October to December, billed by runs on some days only:

    - Whitaker: Gold from 1 Oct (10% off labour), periods on the 1st;
    - Lindqvist: Silver from 15 Oct (no discount), periods on the 15th;
    - Castillo: no membership, monthly labour invoices.
    """
    with time_machine.travel(datetime(2026, 10, 1, 12, tzinfo=UTC), tick=False) as clock:
        plans = catalog(tenant)
        jo, sam = technician(tenant, "Jo Tech"), technician(tenant, "Sam Rivera")
        whitaker = customer(tenant, "Whitaker Residence")
        lindqvist = customer(tenant, "Lindqvist Loft")
        castillo = customer(tenant, "Castillo Studio")
        subscribe(tenant, whitaker, started_on=date(2026, 10, 1), tier=plans.gold)
        subscribe(tenant, lindqvist, started_on=date(2026, 10, 15), tier=plans.silver)
        discount = {whitaker.pk: Decimal("10"), lindqvist.pk: Decimal("0"), castillo.pk: Decimal("0")}
        entries = []

        def log(client, day, minutes, **kwargs):
            entries.append(
                (client, work(tenant, client, on=day, minutes=minutes, tech=kwargs.pop("tech", jo), **kwargs))
            )

        # (the day the work is logged, then the work)
        timeline = [
            (date(2026, 10, 1), lambda: bill(tenant)),
            (date(2026, 10, 6), lambda: log(whitaker, date(2026, 10, 6), 95, after_hours=True)),
            (date(2026, 10, 9), lambda: log(castillo, date(2026, 10, 9), 50, location="on_site", tech=sam)),
            (date(2026, 10, 9), lambda: log(whitaker, date(2026, 10, 9), 60, billable=False)),
            (date(2026, 10, 14), lambda: log(lindqvist, date(2026, 10, 14), 7)),  # before its membership
            (date(2026, 10, 15), lambda: bill(tenant)),
            (date(2026, 10, 20), lambda: log(lindqvist, date(2026, 10, 20), 133, after_hours=True)),
            (date(2026, 10, 31), lambda: log(castillo, date(2026, 10, 31), 20, after_hours=True)),
            (date(2026, 11, 1), lambda: bill(tenant)),
            (date(2026, 11, 2), lambda: log(castillo, date(2026, 10, 30), 35)),  # late for October
            (date(2026, 11, 2), lambda: log(whitaker, date(2026, 10, 30), 41, location="on_site")),  # late
            (date(2026, 11, 10), lambda: log(lindqvist, date(2026, 11, 10), 25, billable=False)),
            (date(2026, 11, 18), lambda: log(lindqvist, date(2026, 11, 18), 70, tech=sam)),
            (date(2026, 11, 20), lambda: log(whitaker, date(2026, 11, 20), 17, after_hours=True)),
            # no run on 15 Nov: the 1 Dec run catches Lindqvist's period up
            (date(2026, 12, 1), lambda: bill(tenant)),
            (date(2026, 12, 2), lambda: log(castillo, date(2026, 11, 29), 11)),
            (date(2026, 12, 3), lambda: bill(tenant)),
            (date(2026, 12, 4), lambda: log(castillo, date(2026, 12, 4), 65, location="on_site")),
            (date(2026, 12, 15), lambda: bill(tenant)),
            (date(2027, 1, 1), lambda: bill(tenant)),
            (date(2027, 1, 2), lambda: bill(tenant)),
        ]
        for day, step in timeline:
            clock.move_to(datetime(day.year, day.month, day.day, 15, tzinfo=UTC))
            step()
    return entries, discount


def test_each_billable_entry_is_invoiced_once_at_its_exact_amount_and_covered_work_never(
    tenant, months_of_work
):
    entries, discount = months_of_work
    billable = {entry.pk: (client, entry) for client, entry in entries if not entry.covered}
    covered = {entry.pk for _, entry in entries if entry.covered}
    with tenant_scope(tenant):
        lines = list(InvoiceLine.objects.filter(kind=LineKind.LABOUR).select_related("invoice"))

    on_lines = Counter(line.time_entry_id for line in lines)
    assert set(on_lines) == set(billable)
    assert set(on_lines.values()) == {1}
    assert not covered & set(on_lines)
    for line in lines:
        client, entry = billable[line.time_entry_id]
        tier_discount = discount[client.pk] if entry.worked_on >= _member_since(client) else Decimal("0")
        assert line.amount == expected_amount(entry, tier_discount), line.description
        assert line.invoice.client_id == client.pk
        assert line.invoice.period_start > entry.worked_on or line.invoice.kind == InvoiceKind.LABOUR
    assert sum(line.amount for line in lines) == sum(
        expected_amount(
            entry, discount[client.pk] if entry.worked_on >= _member_since(client) else Decimal("0")
        )
        for client, entry in billable.values()
    )


def test_the_labour_on_each_invoice_is_the_work_of_its_period_to_the_cent(tenant, months_of_work):
    placed = defaultdict(list)
    with tenant_scope(tenant):
        labour = InvoiceLine.objects.filter(kind=LineKind.LABOUR).select_related(
            "invoice__client", "time_entry"
        )
        for line in labour:
            invoice = line.invoice
            placed[(invoice.client.name, invoice.kind, invoice.period_start)].append(
                (line.time_entry.worked_on, line.amount)
            )

    assert {key: sorted(value) for key, value in placed.items()} == {
        # Whitaker's October work on November's invoice, the late 30 Oct entry and November's on December's
        ("Whitaker Residence", "subscription", date(2026, 11, 1)): [(date(2026, 10, 6), Decimal("256.50"))],
        ("Whitaker Residence", "subscription", date(2026, 12, 1)): [
            (date(2026, 10, 30), Decimal("98.40")),
            (date(2026, 11, 20), Decimal("45.90")),
        ],
        # Lindqvist's periods start on the 15th: work before one goes on it, work after its period
        # started but before the 1st (with no other invoice in that run) on a labour invoice
        ("Lindqvist Loft", "subscription", date(2026, 10, 15)): [(date(2026, 10, 14), Decimal("14.00"))],
        ("Lindqvist Loft", "labour", date(2026, 10, 1)): [(date(2026, 10, 20), Decimal("399.00"))],
        ("Lindqvist Loft", "labour", date(2026, 11, 1)): [(date(2026, 11, 18), Decimal("140.00"))],
        # Castillo: October on the 1 Nov labour invoice, the late 30 Oct entry on November's; the late
        # 29 Nov entry came after November's went out, so it waits for December's
        ("Castillo Studio", "labour", date(2026, 10, 1)): [
            (date(2026, 10, 9), Decimal("133.33")),
            (date(2026, 10, 31), Decimal("60.00")),
        ],
        ("Castillo Studio", "labour", date(2026, 11, 1)): [(date(2026, 10, 30), Decimal("70.00"))],
        ("Castillo Studio", "labour", date(2026, 12, 1)): [
            (date(2026, 11, 29), Decimal("22.00")),
            (date(2026, 12, 4), Decimal("173.33")),
        ],
    }


def _member_since(client) -> date:
    return {"Whitaker Residence": date(2026, 10, 1), "Lindqvist Loft": date(2026, 10, 15)}.get(
        client.name, date.max
    )
