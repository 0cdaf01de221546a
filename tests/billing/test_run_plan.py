"""billing.run_plan, without a database: which invoices a client is due on a day and what each line says
and costs. The run (billing.runs) only loads ledgers and writes what this decides."""

from datetime import date
from decimal import Decimal

import pytest

from billing.run_plan import (
    Charge,
    ClientLedger,
    PhaseTerms,
    PlanItem,
    SubscriptionTerms,
    WorkEntry,
    billed_spans,
    invoices_due,
    labour_amount,
)

GOLD = PlanItem(1, "Gold", Decimal("10"))
PLATINUM = PlanItem(2, "Platinum", Decimal("15"))
PREMIUM = PlanItem(3, "Premium Response")


def membership(started_on, *, phases=None, ends_on=None, anchor_day=None, cycle="monthly", id=7):
    phases = phases or [
        PhaseTerms(started_on, None, cycle, GOLD, Decimal("100.00"), ((PREMIUM, Decimal("25.00")),))
    ]
    return SubscriptionTerms(
        id=id,
        started_on=started_on,
        ends_on=ends_on,
        anchor_day=anchor_day or started_on.day,
        anchor_month=started_on.month,
        phases=tuple(phases),
    )


def ledger(day, *subscriptions, **values):
    return ClientLedger(
        client_id=1,
        day=day,
        currency="USD",
        tax_rate_percent=values.pop("tax", Decimal("0")),
        subscriptions=subscriptions,
        **values,
    )


def entry(worked_on, minutes=60, *, id=1, rate="120.00", multiplier="1", location="remote"):
    return WorkEntry(
        id=id,
        worked_on=worked_on,
        minutes=minutes,
        bill_rate=Decimal(rate),
        rate_multiplier=Decimal(multiplier),
        location=location,
        ticket_number=123,
        ticket_title="Lounge TV has no picture",
        technician="Jo Tech",
        coverage_reason="The agreement does not cover this work: billable at contract rates.",
    )


def charge(on, amount, *, id=1):
    return Charge(
        id=id,
        on=on,
        description="Platinum, 15 Dec 2026 – 31 Dec 2026 (17 of 31 days)",
        amount=Decimal(amount),
        subscription_id=7,
        plan_id=PLATINUM.id,
        period_start=date(2026, 12, 1),
        period_end=date(2027, 1, 1),
    )


def summary(invoices):
    return [(invoice.kind, invoice.period_start, invoice.period_end, invoice.total) for invoice in invoices]


# --- Membership periods ---------------------------------------------------------------------------------


def test_a_period_is_billed_in_advance_on_its_first_day_with_the_tier_and_each_rider():
    (invoice,) = invoices_due(ledger(date(2026, 12, 1), membership(date(2026, 12, 1))))

    assert (invoice.kind, invoice.subscription_id, invoice.period_start, invoice.period_end) == (
        "subscription",
        7,
        date(2026, 12, 1),
        date(2027, 1, 1),
    )
    assert [(line.kind, line.description, line.amount, line.plan_id) for line in invoice.lines] == [
        ("plan", "Gold membership, 1 Dec 2026 – 31 Dec 2026", Decimal("100.00"), GOLD.id),
        ("rider", "Premium Response rider, 1 Dec 2026 – 31 Dec 2026", Decimal("25.00"), PREMIUM.id),
    ]
    assert invoice.lines[0].detail == "Monthly, billed in advance"
    assert invoice.total == Decimal("125.00")


def test_a_period_that_has_not_started_is_not_due():
    assert invoices_due(ledger(date(2026, 11, 30), membership(date(2026, 12, 1)))) == []


def test_a_first_partial_period_is_prorated_from_the_start_day():
    started_mid_month = membership(date(2026, 12, 10), anchor_day=1)

    (invoice,) = invoices_due(ledger(date(2026, 12, 10), started_mid_month))

    assert (invoice.period_start, invoice.period_end) == (date(2026, 12, 10), date(2027, 1, 1))
    # 22 of December's 31 days: 100 x 22/31 = 70.967… and 25 x 22/31 = 17.741…
    assert [line.amount for line in invoice.lines] == [Decimal("70.97"), Decimal("17.74")]
    assert invoice.lines[0].description == "Gold membership, 10 Dec 2026 – 31 Dec 2026"
    assert invoice.lines[0].detail == "Monthly, billed in advance; prorated for 22 of 31 days"


def test_an_annual_plan_is_billed_once_a_year():
    annual = membership(
        date(2026, 3, 15), phases=[PhaseTerms(date(2026, 3, 15), None, "annual", GOLD, Decimal("1000.00"))]
    )

    first = invoices_due(ledger(date(2026, 12, 1), annual))
    second = invoices_due(
        ledger(date(2027, 3, 15), annual, invoiced_periods=frozenset({(7, date(2026, 3, 15))}))
    )

    assert summary(first) == [("subscription", date(2026, 3, 15), date(2027, 3, 15), Decimal("1000.00"))]
    assert summary(second) == [("subscription", date(2027, 3, 15), date(2028, 3, 15), Decimal("1000.00"))]
    assert first[0].lines[0].detail == "Annual, billed in advance"


def test_missed_periods_are_caught_up_oldest_first_and_invoiced_ones_skipped():
    invoiced = frozenset({(7, date(2026, 10, 1))})

    invoices = invoices_due(
        ledger(date(2026, 12, 1), membership(date(2026, 9, 1)), invoiced_periods=invoiced)
    )

    assert [invoice.period_start for invoice in invoices] == [
        date(2026, 9, 1),
        date(2026, 11, 1),
        date(2026, 12, 1),
    ]


def test_nothing_is_billed_from_the_day_a_membership_ends():
    cancelled = membership(date(2026, 9, 1), ends_on=date(2026, 11, 1))

    invoices = invoices_due(ledger(date(2026, 12, 1), cancelled))

    assert [invoice.period_start for invoice in invoices] == [date(2026, 9, 1), date(2026, 10, 1)]


def test_a_membership_ending_mid_period_bills_only_its_last_days():
    # Anchored on the 1st; the contract expired on 14 October, so the membership ends on the 15th.
    ended = membership(date(2026, 9, 1), ends_on=date(2026, 10, 15))

    invoices = invoices_due(ledger(date(2026, 10, 1), ended))

    last = invoices[-1]
    assert (last.period_start, last.period_end) == (date(2026, 10, 1), date(2026, 10, 15))
    # 100 x 14/31 = 45.16 (31 - 17 days of what is left at the start and at the end: 100.00 - 54.84)
    assert [line.amount for line in last.lines] == [Decimal("45.16"), Decimal("11.29")]
    assert "prorated for 14 of 31 days" in last.lines[0].detail
    assert last.lines[0].description.endswith("1 Oct 2026 – 14 Oct 2026")


def test_each_period_bills_the_phase_in_force_on_its_first_day_at_the_agreed_price():
    upgraded = membership(
        date(2026, 10, 1),
        phases=[
            PhaseTerms(date(2026, 10, 1), date(2026, 11, 15), "monthly", GOLD, Decimal("90.00")),
            PhaseTerms(date(2026, 11, 15), None, "monthly", PLATINUM, Decimal("200.00")),
        ],
    )

    invoices = invoices_due(ledger(date(2026, 12, 1), upgraded))

    assert [(invoice.lines[0].description, invoice.total) for invoice in invoices] == [
        ("Gold membership, 1 Oct 2026 – 31 Oct 2026", Decimal("90.00")),
        (
            "Gold membership, 1 Nov 2026 – 30 Nov 2026",
            Decimal("90.00"),
        ),  # the change's charges cover the rest
        ("Platinum membership, 1 Dec 2026 – 31 Dec 2026", Decimal("200.00")),
    ]


def test_after_a_switch_to_annual_billing_the_first_year_is_prorated_to_the_anchor():
    switched = membership(
        date(2026, 3, 15),
        phases=[
            PhaseTerms(date(2026, 3, 15), date(2026, 6, 15), "monthly", GOLD, Decimal("100.00")),
            PhaseTerms(date(2026, 6, 15), None, "annual", GOLD, Decimal("1000.00")),
        ],
    )

    spans = list(billed_spans(switched, through=date(2027, 3, 15)))

    assert [(span.start, span.period.end) for span in spans][-2:] == [
        (date(2026, 6, 15), date(2027, 3, 15)),  # the rest of the year from the anchor month
        (date(2027, 3, 15), date(2028, 3, 15)),
    ]
    annual = invoices_due(
        ledger(
            date(2026, 6, 15),
            switched,
            invoiced_periods=frozenset({(7, date(2026, m, 15)) for m in (3, 4, 5)}),
        )
    )
    assert summary(annual) == [("subscription", date(2026, 6, 15), date(2027, 3, 15), Decimal("747.95"))]


def test_a_membership_with_no_phase_on_a_billing_day_is_refused_with_a_clear_error():
    broken = membership(
        date(2026, 10, 1),
        phases=[PhaseTerms(date(2026, 10, 1), date(2026, 10, 20), "monthly", GOLD, Decimal("1"))],
    )

    with pytest.raises(ValueError, match="Membership #7 has no phase in force on 1 Nov 2026"):
        invoices_due(ledger(date(2026, 12, 1), broken))


# --- Work and charges -------------------------------------------------------------------------------------


def test_labour_is_rate_times_multiplier_times_hours_less_the_discount_rounded_once():
    # $160/h x 1.5 x 50 min = $200 exactly; less 10% = $180
    assert labour_amount(
        bill_rate=Decimal("160"), rate_multiplier=Decimal("1.5"), minutes=50, discount_percent=Decimal("10")
    ) == Decimal("180.00")
    # $145/h x 7 min = 16.9166…; x 0.85 = 14.379… -> 14.38 (not 16.92 x 0.85 = 14.382 -> 14.38, nor 14.37)
    assert labour_amount(
        bill_rate=Decimal("145"), rate_multiplier=Decimal("1"), minutes=7, discount_percent=Decimal("15")
    ) == Decimal("14.38")
    # half a cent rounds up: $0.30/h x 1 min = 0.005
    assert labour_amount(
        bill_rate=Decimal("0.30"), rate_multiplier=Decimal("1"), minutes=1, discount_percent=Decimal("0")
    ) == Decimal("0.01")


def test_a_labour_line_says_which_ticket_how_long_who_when_and_why_that_price():
    work = (entry(date(2026, 11, 3), 90, multiplier="1.5"),)

    _november, december = invoices_due(ledger(date(2026, 12, 1), membership(date(2026, 11, 1)), entries=work))

    line = december.lines[-1]
    assert line.kind == "labour"
    assert (
        line.description == "Ticket #123 “Lounge TV has no picture” — 1 h 30 min remote, Jo Tech, 3 Nov 2026"
    )
    assert line.detail == (
        "The agreement does not cover this work: billable at contract rates. · $120.00/h · "
        "after hours ×1.5 · Gold −10%"
    )
    assert (line.quantity, line.unit_price, line.amount) == (
        Decimal("1.50"),
        Decimal("162.00"),
        Decimal("243.00"),
    )


def test_the_discount_is_the_one_of_the_tier_held_on_the_day_of_the_work():
    upgraded = membership(
        date(2026, 10, 1),
        phases=[
            PhaseTerms(date(2026, 10, 1), date(2026, 11, 15), "monthly", GOLD, Decimal("100.00")),
            PhaseTerms(date(2026, 11, 15), None, "monthly", PLATINUM, Decimal("200.00")),
        ],
    )
    work = (entry(date(2026, 9, 30), id=1), entry(date(2026, 11, 14), id=2), entry(date(2026, 11, 15), id=3))

    invoices = invoices_due(ledger(date(2026, 12, 1), upgraded, entries=work))

    labour = {
        line.time_entry_id: line.amount
        for invoice in invoices
        for line in invoice.lines
        if line.time_entry_id
    }
    assert labour == {1: Decimal("120.00"), 2: Decimal("108.00"), 3: Decimal("102.00")}  # none, 10%, 15%


def test_work_goes_on_the_first_invoice_of_the_run_dated_after_it():
    work = (entry(date(2026, 9, 20), id=1), entry(date(2026, 11, 30), id=2), entry(date(2026, 12, 1), id=3))

    invoices = invoices_due(ledger(date(2026, 12, 1), membership(date(2026, 9, 1)), entries=work))

    placed = {
        line.time_entry_id: invoice.period_start
        for invoice in invoices
        for line in invoice.lines
        if line.time_entry_id
    }
    assert placed == {1: date(2026, 10, 1), 2: date(2026, 12, 1)}  # December's own work waits


def test_work_of_a_client_without_a_membership_goes_on_a_labour_invoice_for_last_month():
    work = (entry(date(2026, 10, 20), id=1), entry(date(2026, 11, 30), id=2), entry(date(2026, 12, 2), id=3))

    (labour,) = invoices_due(ledger(date(2026, 12, 3), entries=work))

    assert (labour.kind, labour.period_start, labour.period_end) == (
        "labour",
        date(2026, 11, 1),
        date(2026, 12, 1),
    )
    assert [line.time_entry_id for line in labour.lines] == [1, 2]  # December's work waits for January


def test_a_month_already_on_a_labour_invoice_gets_no_second_one():
    late = (entry(date(2026, 11, 28)),)

    assert (
        invoices_due(
            ledger(date(2026, 12, 3), entries=late, invoiced_labour_months=frozenset({date(2026, 11, 1)}))
        )
        == []
    )
    (january,) = invoices_due(
        ledger(date(2027, 1, 1), entries=late, invoiced_labour_months=frozenset({date(2026, 11, 1)}))
    )
    assert (january.period_start, [line.time_entry_id for line in january.lines]) == (date(2026, 12, 1), [1])


def test_a_member_anchored_mid_month_gets_last_months_leftover_work_on_a_labour_invoice():
    anchored_on_20th = membership(date(2026, 11, 20))
    work = (entry(date(2026, 11, 10), id=1), entry(date(2026, 11, 25), id=2))

    invoices = invoices_due(
        ledger(
            date(2026, 12, 1),
            anchored_on_20th,
            entries=work,
            invoiced_periods=frozenset({(7, date(2026, 11, 20))}),
        )
    )

    # 10 Nov: before the membership, $120; 25 Nov: Gold, $108
    assert summary(invoices) == [("labour", date(2026, 11, 1), date(2026, 12, 1), Decimal("228.00"))]


def test_proration_charges_go_on_the_next_invoice_with_the_membership_lines():
    charges = (charge(date(2026, 12, 15), "56.45"), charge(date(2026, 12, 15), "-30.10", id=2))

    (january,) = invoices_due(ledger(date(2027, 1, 1), membership(date(2027, 1, 1)), charges=charges))

    assert [(line.kind, line.charge_id, line.amount) for line in january.lines] == [
        ("plan", None, Decimal("100.00")),
        ("rider", None, Decimal("25.00")),
        ("proration", 1, Decimal("56.45")),
        ("proration", 2, Decimal("-30.10")),
    ]
    assert january.total == Decimal("151.35")


# --- Credit and tax ---------------------------------------------------------------------------------------


def test_account_credit_is_spent_up_to_each_invoices_subtotal_oldest_first():
    invoices = invoices_due(
        ledger(date(2026, 12, 1), membership(date(2026, 11, 1)), credit_balance=Decimal("150.00"))
    )

    assert [invoice.total for invoice in invoices] == [Decimal("0.00"), Decimal("100.00")]
    assert [invoice.credit_used for invoice in invoices] == [Decimal("125.00"), Decimal("25.00")]
    credit = invoices[0].lines[-1]
    assert (credit.kind, credit.description, credit.amount, credit.taxable) == (
        "credit",
        "Account credit",
        Decimal("-125.00"),
        True,
    )
    assert credit.detail == "$125.00 of a $150.00 balance"


def test_tax_is_charged_on_the_taxable_subtotal_after_credit():
    (invoice,) = invoices_due(
        ledger(
            date(2026, 12, 1),
            membership(date(2026, 12, 1)),
            credit_balance=Decimal("25.00"),
            tax=Decimal("8.875"),
        )
    )

    assert (invoice.subtotal, invoice.tax, invoice.total) == (
        Decimal("100.00"),
        Decimal("8.88"),
        Decimal("108.88"),
    )


def test_the_same_ledger_always_gives_the_same_invoices():
    day = date(2026, 12, 1)
    work = (entry(date(2026, 11, 3), id=2), entry(date(2026, 11, 3), id=1))
    first = invoices_due(
        ledger(day, membership(date(2026, 10, 1)), entries=work, credit_balance=Decimal("10"))
    )
    again = invoices_due(
        ledger(day, membership(date(2026, 10, 1)), entries=work[::-1], credit_balance=Decimal("10"))
    )

    assert first == again
