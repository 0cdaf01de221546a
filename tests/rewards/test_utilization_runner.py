"""The utilisation runner: each ended billing period evaluated once, the tier's credit granted once and
spent by the next plan invoice once, across a month end and a year end, even with two runs at once."""

import threading
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
import time_machine
from django.db import connection

from billing.models import CreditEntry
from rewards.models import EvaluationBasis, EvaluationOutcome, Reward, UtilizationEvaluation
from rewards.programs import run_programs_due, run_rewards
from rewards.utilization import CATCH_UP_DAYS, grant_utilization_rewards
from tenants.scope import tenant_scope
from tests.billing.run_setup import bill, catalog, customer, invoices_of, subscribe
from tests.rewards.utilization_setup import switch_on, tickets

pytestmark = pytest.mark.django_db


def at_noon(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, 17, 0, tzinfo=UTC)  # noon in New York


def evaluations(tenant, client=None, *, basis=EvaluationBasis.MEMBERSHIP):
    with tenant_scope(tenant):
        rows = UtilizationEvaluation.objects.select_related("client", "reward").order_by(
            "period_start", "client_id"
        )
        if client is not None:
            rows = rows.filter(client=client)
        if basis:
            rows = rows.filter(basis=basis)
        return list(rows)


def test_a_credit_granted_at_period_end_is_on_the_next_invoice_once_and_never_again(tenant):
    plans = catalog(tenant)
    switch_on(tenant)
    whitaker = customer(tenant, "Whitaker Residence")
    with tenant_scope(tenant):
        whitaker.managed_endpoints = 80
        whitaker.save(update_fields=["managed_endpoints"])
    subscribe(tenant, whitaker, started_on=date(2026, 11, 1), tier=plans.gold, riders=[plans.premium])
    with time_machine.travel(at_noon(date(2026, 11, 1)), tick=False):
        bill(tenant)  # November's invoice: $125
    tickets(tenant, whitaker, 6, at=datetime(2026, 11, 12, 15))
    tickets(tenant, whitaker, 17, at=datetime(2026, 12, 9, 15))  # December: 21.25%, no tier

    for day in (date(2026, 12, 1), date(2027, 1, 1)):
        with time_machine.travel(at_noon(day), tick=False):
            run_rewards(on=day, tenant=tenant)
            run_rewards(on=day, tenant=tenant)  # the hourly beat runs again: nothing more
            bill(tenant, on=day)
            bill(tenant, on=day)

    invoices = invoices_of(tenant, whitaker)
    assert [(i.period_start, i.total) for i in invoices] == [
        (date(2026, 11, 1), Decimal("125.00")),
        (date(2026, 12, 1), Decimal("112.50")),
        (date(2027, 1, 1), Decimal("125.00")),
    ]
    credit_lines = [
        (i.period_start, line.amount) for i in invoices for line in i.lines.all() if line.kind == "credit"
    ]
    assert credit_lines == [(date(2026, 12, 1), Decimal("-12.50"))]
    with tenant_scope(tenant):
        (reward,) = Reward.objects.all()
        assert reward.title == "10% off your next plan invoice"
        assert reward.reason == "6 tickets on 80 endpoints (7.5%) in November 2026, under the 10% tier"
        assert (reward.value, reward.percent, reward.key) == (
            Decimal("12.50"),
            Decimal("10"),
            "period-2026-11-01",
        )
        ledger = sorted(CreditEntry.objects.values_list("amount", flat=True))
        assert ledger == [Decimal("-12.50"), Decimal("12.50")]  # granted once, spent once
    november, december = evaluations(tenant)
    assert (november.tickets, november.endpoints, november.percent) == (6, 80, Decimal("7.50"))
    assert (november.outcome, november.reward, november.tier_name) == ("rewarded", reward, "Quiet")
    assert (december.tickets, december.percent, december.outcome) == (17, Decimal("21.25"), "no_tier")
    assert december.reward is None
    assert "needed at most 15" in december.note


def test_month_end_and_year_end_are_each_evaluated_once_for_monthly_and_annual_members(tenant):
    plans = catalog(tenant)
    switch_on(tenant)
    annual = customer(tenant, "Annual Estate")
    monthly = customer(tenant, "Monthly Loft")
    with tenant_scope(tenant):
        for client in (annual, monthly):
            client.managed_endpoints = 100
            client.save(update_fields=["managed_endpoints"])
    subscribe(tenant, annual, started_on=date(2026, 1, 1), tier=plans.gold, cycle="annual")
    subscribe(tenant, monthly, started_on=date(2026, 11, 1), tier=plans.silver)
    tickets(tenant, annual, 9, at=datetime(2026, 6, 3, 15))  # 9% of 100 in 2026
    # 22:30 in New York on 30 November is 1 December in UTC: it counts in November, on the tenant's calendar.
    tickets(tenant, monthly, 15, at=datetime(2026, 12, 1, 3, 30))
    tickets(tenant, monthly, 4, at=datetime(2026, 12, 31, 23, 30))  # 18:30 on 31 Dec in New York

    with tenant_scope(tenant):
        on_last_day = grant_utilization_rewards(date(2026, 12, 31))
        assert grant_utilization_rewards(date(2026, 12, 31)) == []
        on_new_year = grant_utilization_rewards(date(2027, 1, 1))
        assert grant_utilization_rewards(date(2027, 1, 1)) == []
        assert grant_utilization_rewards(date(2027, 1, 2)) == []

    assert [(r.client_id, r.key, r.value) for r in on_last_day] == [
        (monthly.pk, "period-2026-11-01", Decimal("3.00"))  # 15% of 100 endpoints: 5% of Silver's $60
    ]
    assert [(r.client_id, r.key, r.value, r.title) for r in on_new_year] == [
        (annual.pk, "period-2026-01-01", Decimal("100.00"), "10% off your next plan invoice"),  # of $1,000
        (monthly.pk, "period-2026-12-01", Decimal("6.00"), "10% off your next plan invoice"),
    ]
    assert on_new_year[0].reason == "9 tickets on 100 endpoints (9%) in 2026, under the 10% tier"
    assert [(e.client, e.period_start, e.period_end, e.tickets, e.basis) for e in evaluations(tenant)] == [
        (annual, date(2026, 1, 1), date(2027, 1, 1), 9, EvaluationBasis.MEMBERSHIP),
        (monthly, date(2026, 11, 1), date(2026, 12, 1), 15, EvaluationBasis.MEMBERSHIP),
        (monthly, date(2026, 12, 1), date(2027, 1, 1), 4, EvaluationBasis.MEMBERSHIP),
    ]
    with tenant_scope(tenant):
        assert Reward.objects.count() == 3
        assert CreditEntry.objects.count() == 3


@pytest.mark.django_db(transaction=True)
def test_two_runs_at_once_evaluate_and_grant_once(tenant):
    plans = catalog(tenant)
    switch_on(tenant)
    members = [customer(tenant, f"Member {n} Residence") for n in range(3)]
    for member in members:
        subscribe(tenant, member, started_on=date(2026, 11, 1), tier=plans.gold)
    barrier = threading.Barrier(2)
    granted, errors = [], []

    def run():
        try:
            with tenant_scope(tenant):
                barrier.wait(timeout=10)
                result = run_programs_due(date(2026, 12, 1))
                granted.append(len(result.granted))
                errors.extend(result.failures)
        except Exception as error:  # surfaced by the assertion below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    assert sum(granted) == 3
    with tenant_scope(tenant):
        assert Reward.objects.count() == 3
        assert CreditEntry.objects.filter(amount__gt=0).count() == 3
        assert UtilizationEvaluation.objects.filter(basis=EvaluationBasis.MEMBERSHIP).count() == 3


def test_switching_the_program_on_catches_up_about_two_months_not_years(tenant):
    plans = catalog(tenant)
    member = customer(tenant, "Old Friend Residence")
    subscribe(tenant, member, started_on=date(2024, 3, 1), tier=plans.gold)
    with tenant_scope(tenant):
        assert grant_utilization_rewards(date(2026, 12, 5)) == []  # switched off: nothing at all
        assert not UtilizationEvaluation.objects.exists()
    switch_on(tenant)

    with tenant_scope(tenant):
        granted = grant_utilization_rewards(date(2026, 12, 5))

    assert CATCH_UP_DAYS == 62
    assert [r.period_start for r in granted] == [date(2026, 10, 1), date(2026, 11, 1)]


def test_clients_without_endpoints_or_a_plan_invoice_are_evaluated_and_get_nothing(tenant):
    plans = catalog(tenant)
    switch_on(tenant)
    no_endpoints = customer(tenant, "Blank Slate")
    leaving = customer(tenant, "Leaving Soon")
    walk_in = customer(tenant, "Walk In")
    with tenant_scope(tenant):
        no_endpoints.managed_endpoints = 0
        no_endpoints.save(update_fields=["managed_endpoints"])
    subscribe(tenant, no_endpoints, started_on=date(2026, 11, 1), tier=plans.gold)
    ending = subscribe(tenant, leaving, started_on=date(2026, 11, 1), tier=plans.gold)
    with tenant_scope(tenant):
        ending.ends_on = date(2026, 12, 1)
        ending.save(update_fields=["ends_on"])

    with tenant_scope(tenant):
        assert grant_utilization_rewards(date(2026, 12, 1)) == []
        assert not Reward.objects.exists()

    found = {e.client: e for e in evaluations(tenant, basis=None) if e.period_start == date(2026, 11, 1)}
    assert found[no_endpoints].outcome == EvaluationOutcome.NO_ENDPOINTS
    assert "cannot be measured" in found[no_endpoints].note
    assert found[leaving].outcome == EvaluationOutcome.NO_PLAN_INVOICE
    assert "membership ended" in found[leaving].note
    assert found[walk_in].basis == EvaluationBasis.CALENDAR_MONTH
    assert found[walk_in].outcome == EvaluationOutcome.NO_PLAN_INVOICE
    assert found[walk_in].note == (
        "0 tickets on 25 endpoints (0%) in November 2026, under the 10% tier; no membership, so no plan "
        "invoice to discount."
    )


def test_a_membership_started_mid_period_is_first_evaluated_on_its_first_whole_period(tenant):
    plans = catalog(tenant)
    switch_on(tenant)
    member = customer(tenant, "Late Starter")
    subscribe(tenant, member, started_on=date(2026, 11, 10), tier=plans.gold, anchor_day=1)

    with tenant_scope(tenant):
        assert grant_utilization_rewards(date(2026, 12, 1)) == []
        granted = grant_utilization_rewards(date(2027, 1, 1))

    assert [r.period_start for r in granted] == [date(2026, 12, 1)]
    assert [e.period_start for e in evaluations(tenant, member)] == [date(2026, 12, 1)]
