"""Profitability per client: revenue (membership, labour, minus credit notes and account credit) minus
the cost of the time entries, at the cost rate of each technician on the day of the work."""

from datetime import date
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from billing import services as billing
from billing.models import Invoice, InvoiceLine
from reports.periods import Period
from reports.profitability import client_detail, profitability_by_agreement, profitability_by_client
from tenants.roles import Role
from tenants.scope import tenant_scope
from tests.billing.invoice_setup import issued_invoice
from tests.factories import (
    AgreementFactory,
    ClientFactory,
    PlanFactory,
    StaffMembershipFactory,
    TicketFactory,
    give_membership,
)
from tickets import services as tickets
from tickets.models import TimeEntry

pytestmark = pytest.mark.django_db

MARCH = ("custom", date(2026, 3, 1), date(2026, 3, 31))


@pytest.fixture
def march(tenant):
    return Period(*MARCH, tenant.timezone)


def work(client, tech, *, on: date, minutes: int) -> TimeEntry:
    with tenant_scope(client.tenant):
        ticket = TicketFactory(client=client)
        return tickets.log_time(
            ticket, technician=tech.user, work_type="repair", minutes=minutes, location="remote", worked_on=on
        )


def report(tenant, period, **kwargs):
    with tenant_scope(tenant):
        return profitability_by_client(period, **kwargs)


def row_of(result, client):
    return next(row for row in result.rows if row.client_id == client.pk)


@pytest.fixture
def books(tenant):
    """Whitaker in March 2026: two technicians whose rates change mid-month (one before the work was
    logged, one after, re-valuing it), invoices issued, draft, void and out of the period, a partial
    credit note, goodwill credit, a refund of paid money as credit, and account credit used."""
    client = ClientFactory(tenant=tenant, name="Whitaker Residence")
    ada = StaffMembershipFactory(tenant=tenant, role=Role.TECHNICIAN, cost_rate="40.00")
    grace = StaffMembershipFactory(tenant=tenant, role=Role.TECHNICIAN, cost_rate="60.00")
    with tenant_scope(tenant):
        tickets.set_cost_rate(grace, rate="66.50", effective_from=date(2026, 3, 10))
    work(client, ada, on=date(2026, 3, 5), minutes=90)  # 40.00 x 1.5 = 60.00
    work(client, ada, on=date(2026, 3, 20), minutes=50)  # re-valued below: 45.00 x 50/60 = 37.50
    work(client, grace, on=date(2026, 3, 9), minutes=37)  # 60.00 x 37/60 = 37.00
    work(client, grace, on=date(2026, 3, 12), minutes=37)  # 66.50 x 37/60 = 41.0083 -> 41.01
    work(client, grace, on=date(2026, 2, 28), minutes=600)  # before the period
    with tenant_scope(tenant):
        tickets.set_cost_rate(ada, rate="45.00", effective_from=date(2026, 3, 16))

    main = issued_invoice(
        client,
        [("plan", "Gold", "149.00"), ("rider", "Premium response", "20.00"), ("labour", "Repair", "75.00")],
        issued_on=date(2026, 3, 1),
        tax_rate_percent="10",
    )
    issued_invoice(client, [("labour", "Old work", "100.00")], issued_on=date(2026, 2, 28))
    voided = issued_invoice(client, [("labour", "Billed by mistake", "300.00")], issued_on=date(2026, 3, 2))
    paid = issued_invoice(client, [("adjustment", "Cabling", "50.00")], issued_on=date(2026, 3, 3))
    with tenant_scope(tenant):
        Invoice.objects.create(
            tenant=tenant,
            client=client,
            kind="labour",
            period_start=date(2026, 3, 1),
            period_end=date(2026, 3, 31),
            currency="USD",
        )  # a draft: never counts
        labour_line = InvoiceLine.objects.get(invoice=main, kind="labour")
        billing.issue_credit_note(
            main,
            lines={labour_line: Decimal("25.00")},
            reason="Goodwill",
            actor="owner",
            on=date(2026, 3, 20),
        )
        billing.void_invoice(voided, reason="Mistake", actor="owner", on=date(2026, 3, 4))
        billing.record_payment(
            paid,
            amount=Decimal("50.00"),
            paid_on=date(2026, 3, 5),
            method="card",
            reference="",
            actor="owner",
        )
        # a credit note on a paid invoice gives the money back as account credit: counted once, as a note
        billing.issue_credit_note(
            paid,
            lines={InvoiceLine.objects.get(invoice=paid): Decimal("5.00")},
            reason="Short cable",
            actor="owner",
            on=date(2026, 3, 21),
        )
        billing.grant_credit(
            client, "10.00", reason="Sorry for the wait", source="staff", actor="owner", on=date(2026, 3, 3)
        )
    used = issued_invoice(
        client,
        [("labour", "Visit", "30.00"), ("credit", "Account credit", "-15.00")],
        issued_on=date(2026, 3, 25),
    )
    return {"client": client, "techs": (ada, grace), "invoices": (main, voided, paid, used)}


def test_profit_of_a_client_is_revenue_minus_the_cost_of_its_time_entries_to_the_cent(tenant, march, books):
    row = row_of(report(tenant, march), books["client"])
    assert row.membership == Decimal("169.00")  # plan + rider, net of tax
    assert row.labour == Decimal("155.00")  # 75 + 50 cabling + 30 visit (void and February left out)
    assert row.credit_notes == Decimal("30.00")  # 25 on the labour line + 5 on the cabling
    assert row.credits == Decimal("10.00")  # goodwill; the refund and the credit used do not count again
    assert row.revenue == Decimal("284.00")
    assert row.cost == Decimal("175.51")  # 60.00 + 37.50 + 37.00 + 41.01
    with tenant_scope(tenant):
        entries = TimeEntry.objects.filter(ticket__client=books["client"], worked_on__gte=date(2026, 3, 1))
        assert row.cost == sum(entry.cost for entry in entries)
    assert row.margin == row.revenue - row.cost == Decimal("108.49")
    assert (row.minutes, row.hours) == (214, Decimal("3.57"))
    assert row.effective_rate == Decimal("79.63")  # 284.00 / (214 / 60)
    assert row.margin_percent == Decimal("38.2")


def test_the_drill_down_lists_what_adds_up_to_the_row(tenant, march, books):
    with tenant_scope(tenant):
        detail = client_detail(books["client"], march)
    assert sum(i.membership_amount + i.labour_amount for i in detail.invoices) == detail.row.billed
    assert sum(note.counted for note in detail.credit_notes) == detail.row.credit_notes
    assert sum(grant.amount for grant in detail.credits) == detail.row.credits
    assert sum(entry.line_cost for entry in detail.entries) == detail.row.cost
    assert sum(ticket.entry_cost for ticket in detail.tickets) == detail.row.cost
    assert books["invoices"][1].pk not in {invoice.pk for invoice in detail.invoices}  # void


def test_clients_that_cost_more_than_they_pay_come_first(tenant, march, books):
    ada = books["techs"][0]
    costly = ClientFactory(tenant=tenant, name="Zed Costly Estate")
    work(costly, ada, on=date(2026, 3, 10), minutes=600)
    issued_invoice(costly, [("plan", "Silver", "99.00")], issued_on=date(2026, 3, 1))
    rows = report(tenant, march).rows
    assert rows[0].client == "Zed Costly Estate"
    assert rows[0].is_loss
    assert rows[0].margin == Decimal("99.00") - Decimal("400.00")
    by_client = report(tenant, march, sort="client").rows
    assert [r.client for r in by_client] == ["Whitaker Residence", "Zed Costly Estate"]


def test_another_tenants_invoices_and_work_stay_out(tenant, other_tenant, march, books):
    theirs = ClientFactory(tenant=other_tenant, name="Rival Client")
    tech = StaffMembershipFactory(tenant=other_tenant, role=Role.TECHNICIAN, cost_rate="99")
    work(theirs, tech, on=date(2026, 3, 10), minutes=60)
    issued_invoice(theirs, [("plan", "Gold", "500.00")], issued_on=date(2026, 3, 1))
    result = report(tenant, march)
    assert [row.client for row in result.rows] == ["Whitaker Residence"]
    assert result.totals.revenue == Decimal("284.00")


def test_included_hours_are_prorated_by_the_days_the_plan_was_held(tenant, march):
    client = ClientFactory(tenant=tenant)
    agreement = AgreementFactory(client=client, starts_on=date(2026, 1, 1), ends_on=date(2026, 12, 31))
    PlanFactory(tenant=tenant, key="care", hours_included=Decimal("10"))
    give_membership(agreement, tier="care", started_on=date(2026, 3, 16))
    tech = StaffMembershipFactory(tenant=tenant, role=Role.TECHNICIAN, cost_rate="40")
    work(client, tech, on=date(2026, 3, 20), minutes=30)
    row = row_of(report(tenant, march), client)
    assert row.included_hours == Decimal("5.2")  # 10 h x 16 / 31 days
    quarter = Period("custom", date(2026, 1, 1), date(2026, 4, 30), tenant.timezone)
    assert row_of(report(tenant, quarter), client).included_hours == Decimal("15.2")  # + all of April


def test_included_hours_add_the_riders_and_count_an_annual_plan_by_the_month(tenant, march):
    monthly, annual, none = (
        ClientFactory(tenant=tenant, name=name) for name in ("Monthly", "Annual", "None")
    )
    PlanFactory(tenant=tenant, key="care", hours_included=Decimal("10"))
    PlanFactory(tenant=tenant, key="bare", hours_included=Decimal("0"))
    PlanFactory(tenant=tenant, key="extra", kind="rider", hours_included=Decimal("1.5"))
    PlanFactory(tenant=tenant, key="nothing", kind="rider", hours_included=Decimal("0"))
    for client, tier, cycle in (
        (monthly, "care", "monthly"),
        (annual, "care", "annual"),
        (none, "bare", "monthly"),
    ):
        agreement = AgreementFactory(client=client, starts_on=date(2026, 1, 1), ends_on=date(2026, 12, 31))
        give_membership(agreement, tier=tier, riders=("extra", "nothing"), cycle=cycle)
    tech = StaffMembershipFactory(tenant=tenant, role=Role.TECHNICIAN, cost_rate="40")
    for client in (monthly, annual, none):
        work(client, tech, on=date(2026, 3, 20), minutes=30)
    result = report(tenant, march)
    assert row_of(result, monthly).included_hours == Decimal("11.5")  # 10 h + 1.5 h
    assert row_of(result, annual).included_hours == Decimal("1.0")  # (10 h + 1.5 h) / 12 = 0.958…
    assert row_of(result, none).included_hours == Decimal("1.5")  # the rider's alone
    assert result.totals.included_hours == Decimal("14.0")


def test_per_agreement_the_amounts_go_to_the_contract_in_force_on_their_day(tenant, march):
    client = ClientFactory(tenant=tenant, name="Okafor Dental")
    old = AgreementFactory(
        client=client, status="expired", starts_on=date(2025, 3, 1), ends_on=date(2026, 3, 14)
    )
    new = AgreementFactory(client=client, starts_on=date(2026, 3, 15), ends_on=date(2027, 3, 14))
    tech = StaffMembershipFactory(tenant=tenant, role=Role.TECHNICIAN, cost_rate="60")
    work(client, tech, on=date(2026, 3, 14), minutes=60)
    work(client, tech, on=date(2026, 3, 15), minutes=30)
    issued_invoice(
        client, [("plan", "Gold", "149.00")], issued_on=date(2026, 3, 20), period_start=date(2026, 3, 15)
    )
    with tenant_scope(tenant):
        rows = {row.agreement_id: row for row in profitability_by_agreement(march).rows}
    assert (rows[old.pk].cost, rows[old.pk].revenue) == (Decimal("60.00"), Decimal("0.00"))
    assert (rows[new.pk].cost, rows[new.pk].revenue) == (Decimal("30.00"), Decimal("149.00"))


def test_per_agreement_each_day_goes_to_the_contract_in_force_and_days_outside_have_none(tenant, march):
    # One service agreement is in force per client and term (a database constraint), so contracts follow
    # each other; a declined one never counts.
    client = ClientFactory(tenant=tenant, name="Lindqvist Studio")
    first = AgreementFactory(client=client, starts_on=date(2026, 1, 1), ends_on=date(2026, 3, 9))
    short = AgreementFactory(
        client=client, status="signed", starts_on=date(2026, 3, 10), ends_on=date(2026, 3, 15)
    )
    AgreementFactory(client=client, status="declined", starts_on=date(2026, 3, 16), ends_on=date(2026, 3, 31))
    then = AgreementFactory(client=client, starts_on=date(2026, 3, 16), ends_on=date(2026, 3, 25))
    tech = StaffMembershipFactory(tenant=tenant, role=Role.TECHNICIAN, cost_rate="60")
    for day, minutes in ((5, 10), (10, 20), (15, 30), (16, 40), (25, 50), (26, 60)):
        work(client, tech, on=date(2026, 3, day), minutes=minutes)
    issued_invoice(
        client, [("plan", "Gold", "149.00")], issued_on=date(2026, 3, 20), period_start=date(2026, 3, 12)
    )
    with tenant_scope(tenant):
        rows = {row.agreement_id: row for row in profitability_by_agreement(march).rows}
    assert set(rows) == {first.pk, short.pk, then.pk, None}
    assert (rows[first.pk].minutes, rows[first.pk].revenue) == (10, Decimal("0.00"))
    assert (rows[short.pk].minutes, rows[short.pk].revenue) == (20 + 30, Decimal("149.00"))
    assert (rows[then.pk].minutes, rows[then.pk].revenue) == (40 + 50, Decimal("0.00"))
    assert (rows[None].minutes, rows[None].agreement) == (60, "No agreement in force")


def test_the_number_of_queries_does_not_grow_with_the_number_of_clients(tenant, march):
    tech = StaffMembershipFactory(tenant=tenant, role=Role.TECHNICIAN, cost_rate="50")

    def clients(count):
        for _ in range(count):
            client = ClientFactory(tenant=tenant)
            issued_invoice(client, [("plan", "Gold", "149.00")], issued_on=date(2026, 3, 1))
            work(client, tech, on=date(2026, 3, 2), minutes=45)

    def queries():
        with tenant_scope(tenant), CaptureQueriesContext(connection) as captured:
            result = profitability_by_client(march)
            profitability_by_agreement(march)
        return len(result.rows), len(captured)

    clients(5)
    few = queries()
    clients(45)
    many = queries()
    assert (few[0], many[0]) == (5, 50)
    assert few[1] == many[1]
