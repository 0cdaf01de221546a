"""The best-practices program: scores from the latest checks, tiers put in force by the runner as labour
discounts (once, even when two runs race), and a Silver client's project labour billing 10% less."""

import threading
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
import time_machine
from django.db import connection

from billing.models import ClientLabourDiscount, InvoiceLine, LineKind
from contracts.coverage import WorkType
from rewards.best_practice_services import record_check, save_practice, save_tier
from rewards.best_practices import client_compliance, grant_best_practice_tiers
from rewards.models import CheckResult, ComplianceStanding, Program, Reward, RewardStatus
from rewards.programs import run_programs_due
from tenants.scope import tenant_scope
from tests.billing.run_setup import bill, customer, technician
from tests.factories import ClientFactory
from tickets import services as tickets

pytestmark = pytest.mark.django_db

MET, NOT_MET, NA = CheckResult.MET, CheckResult.NOT_MET, CheckResult.NOT_APPLICABLE


def program(tenant, weights=(1, 1, 1, 1), valid_for_months=None):
    with tenant_scope(tenant):
        practices = [
            save_practice(name=f"Practice {i}", weight=weight, valid_for_months=valid_for_months)
            for i, weight in enumerate(weights, start=1)
        ]
        for name, threshold, discount in (("Bronze", 50, 5), ("Silver", 75, 10), ("Gold", 90, 15)):
            save_tier(name=name, threshold_percent=threshold, discount_percent=discount)
    return practices


def check(tenant, client, practice, result, on, by, note="looked"):
    with tenant_scope(tenant):
        return record_check(
            client, practice=practice, result=result, checked_on=on, by=by, note=note, today=on
        )


def checks(tenant, client, practices, results, on, by):
    for practice, result in zip(practices, results, strict=True):
        if result is not None:
            check(tenant, client, practice, result, on, by)


def rewards_of(tenant, client):
    with tenant_scope(tenant):
        return list(
            Reward.objects.filter(client=client, program=Program.BEST_PRACTICES).order_by("granted_on", "id")
        )


def discounts_of(tenant, client):
    with tenant_scope(tenant):
        return list(ClientLabourDiscount.objects.filter(client=client).order_by("starts_on", "id"))


# --- The score ------------------------------------------------------------------------------------------


def test_the_score_is_the_weight_met_over_the_weight_that_applies(tenant, owner):
    practices = program(tenant, weights=(5, 3, 2, 10))
    client = ClientFactory(tenant=tenant)
    checks(tenant, client, practices, [MET, NOT_MET, MET, NA], date(2026, 3, 1), owner)
    with tenant_scope(tenant):
        compliance = client_compliance(client, on=date(2026, 3, 1))
    assert (compliance.met_weight, compliance.applicable_weight) == (7, 10)
    assert compliance.score == Decimal(70)
    assert compliance.tier.name == "Bronze"
    assert compliance.next_tier.name == "Silver"
    assert [(step.practice.name, step.points) for step in compliance.steps] == [
        ("Practice 2", Decimal("30.0"))
    ]


def test_the_latest_check_on_or_before_the_day_counts(tenant, owner):
    practices = program(tenant, weights=(1, 1))
    client = ClientFactory(tenant=tenant)
    checks(tenant, client, practices, [MET, MET], date(2026, 3, 1), owner)
    check(tenant, client, practices[0], NOT_MET, date(2026, 4, 1), owner)
    with tenant_scope(tenant):
        assert client_compliance(client, on=date(2026, 3, 31)).score == 100
        assert client_compliance(client, on=date(2026, 4, 1)).score == 50
        assert client_compliance(client, on=date(2026, 2, 28)).score == 0  # nothing verified yet


def test_an_expired_check_counts_as_not_met_until_checked_again(tenant, owner):
    practices = program(tenant, weights=(1, 1), valid_for_months=12)
    client = ClientFactory(tenant=tenant)
    checks(tenant, client, practices, [MET, MET], date(2025, 3, 1), owner)
    with tenant_scope(tenant):
        assert client_compliance(client, on=date(2026, 2, 28)).score == 100
        after = client_compliance(client, on=date(2026, 3, 1))
    assert after.score == 0
    assert all(standing.expired for standing in after.practices)


def test_archived_practices_leave_every_score(tenant, owner):
    from rewards.best_practice_services import archive_practice

    practices = program(tenant, weights=(1, 1))
    client = ClientFactory(tenant=tenant)
    checks(tenant, client, practices, [MET, NOT_MET], date(2026, 3, 1), owner)
    with tenant_scope(tenant):
        archive_practice(practices[1])
        assert client_compliance(client, on=date(2026, 3, 1)).score == 100


# --- The runner -----------------------------------------------------------------------------------------


def test_reaching_a_tier_grants_a_labour_discount_once(tenant, owner):
    practices = program(tenant)
    client = ClientFactory(tenant=tenant)
    checks(tenant, client, practices, [MET, MET, MET, NOT_MET], date(2026, 3, 2), owner)
    with tenant_scope(tenant):
        first = grant_best_practice_tiers(date(2026, 3, 2))
        again = grant_best_practice_tiers(date(2026, 3, 2))
        later = run_programs_due(date(2026, 3, 9)).granted
    assert [reward.title for reward in first] == ["Best practices Silver: 10% off project labour"]
    assert again == []
    assert later == []
    [reward] = rewards_of(tenant, client)
    assert reward.kind == "labour_discount"
    assert reward.percent == 10
    assert reward.value == 0
    [discount] = discounts_of(tenant, client)
    assert (discount.work_type, discount.percent, discount.starts_on, discount.ends_on) == (
        WorkType.PROJECT,
        Decimal("10.00"),
        date(2026, 3, 2),
        None,
    )
    assert discount.reason == "Best practices Silver"


def test_a_monthly_run_catches_up_the_day_a_tier_was_reached_and_the_next_tier_replaces_it(tenant, owner):
    practices = program(tenant)
    client = ClientFactory(tenant=tenant)
    checks(tenant, client, practices, [MET, MET, NOT_MET, NOT_MET], date(2026, 1, 5), owner)
    with tenant_scope(tenant):
        grant_best_practice_tiers(date(2026, 2, 1))  # Bronze from 1 Feb: the program starts then
    check(tenant, client, practices[2], MET, date(2026, 2, 10), owner)  # Silver
    check(tenant, client, practices[3], MET, date(2026, 2, 20), owner)  # Gold
    with tenant_scope(tenant):
        granted = grant_best_practice_tiers(date(2026, 3, 1))
    assert [(reward.granted_on, reward.percent) for reward in granted] == [
        (date(2026, 2, 10), Decimal("10.00")),
        (date(2026, 2, 20), Decimal("15.00")),
    ]
    statuses = [(reward.key.split("-")[0], reward.status) for reward in rewards_of(tenant, client)]
    assert statuses == [("tier", RewardStatus.WITHDRAWN)] * 2 + [("tier", RewardStatus.GRANTED)]
    assert [(d.percent, d.starts_on, d.ends_on) for d in discounts_of(tenant, client)] == [
        (Decimal("5.00"), date(2026, 2, 1), date(2026, 2, 10)),
        (Decimal("10.00"), date(2026, 2, 10), date(2026, 2, 20)),
        (Decimal("15.00"), date(2026, 2, 20), None),
    ]


def test_dropping_below_every_tier_ends_the_discount_and_reaching_it_again_is_a_new_grant(tenant, owner):
    practices = program(tenant, weights=(1, 1))
    client = ClientFactory(tenant=tenant)
    checks(tenant, client, practices, [MET, MET], date(2026, 1, 5), owner)
    with tenant_scope(tenant):
        grant_best_practice_tiers(date(2026, 1, 5))
    checks(tenant, client, practices, [NOT_MET, NOT_MET], date(2026, 2, 5), owner)
    with tenant_scope(tenant):
        assert grant_best_practice_tiers(date(2026, 2, 6)) == []
        assert ComplianceStanding.objects.get(client=client).tier is None
    checks(tenant, client, practices, [MET, MET], date(2026, 3, 5), owner)
    with tenant_scope(tenant):
        regained = grant_best_practice_tiers(date(2026, 3, 5))
    assert [reward.key for reward in regained] == [f"tier-{regained[0].details['tier_id']}-2026-03-05"]
    rewards = rewards_of(tenant, client)
    assert [reward.status for reward in rewards] == [RewardStatus.WITHDRAWN, RewardStatus.GRANTED]
    assert rewards[0].details["withdrawn_because"] == "Compliance fell below every tier on 5 Feb 2026"
    assert [(d.starts_on, d.ends_on) for d in discounts_of(tenant, client)] == [
        (date(2026, 1, 5), date(2026, 2, 5)),
        (date(2026, 3, 5), None),
    ]


def test_a_run_for_a_day_already_evaluated_changes_nothing(tenant, owner):
    practices = program(tenant, weights=(1,))
    client = ClientFactory(tenant=tenant)
    check(tenant, client, practices[0], MET, date(2026, 3, 1), owner)
    with tenant_scope(tenant):
        grant_best_practice_tiers(date(2026, 4, 1))
        assert grant_best_practice_tiers(date(2026, 3, 15)) == []
    assert len(rewards_of(tenant, client)) == 1


@pytest.mark.django_db(transaction=True)
def test_two_runs_racing_grant_one_tier(tenant, owner):
    practices = program(tenant)
    client = ClientFactory(tenant=tenant)
    checks(tenant, client, practices, [MET, MET, MET, MET], date(2026, 3, 2), owner)
    barrier = threading.Barrier(2)
    results, errors = [], []

    def run():
        try:
            with tenant_scope(tenant):
                barrier.wait(timeout=10)
                results.append(run_programs_due(date(2026, 3, 2)))
        except Exception as error:  # surfaced by the assertion below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert [run.failures for run in results] == [[], []]
    assert sorted(len(run.granted) for run in results) == [0, 1]
    assert len(rewards_of(tenant, client)) == 1
    assert len(discounts_of(tenant, client)) == 1


# --- Billing --------------------------------------------------------------------------------------------


def test_project_labour_logged_while_silver_bills_ten_percent_less_and_other_work_does_not(tenant, owner):
    with time_machine.travel(datetime(2026, 10, 5, 12, tzinfo=UTC), tick=False) as clock:
        practices = program(tenant)
        client = customer(tenant, "Whitaker Residence")
        jo = technician(tenant)
        checks(tenant, client, practices, [MET, MET, MET, NOT_MET], date(2026, 10, 5), owner)
        with tenant_scope(tenant):
            run_programs_due(date(2026, 10, 5))
        clock.move_to(datetime(2026, 10, 10, 12, tzinfo=UTC))
        with tenant_scope(tenant):
            for work_type, title in ((WorkType.PROJECT, "Cinema room"), ("installation", "New TV")):
                tickets.log_time(
                    tickets.open_ticket(client=client, title=title),
                    technician=jo,
                    work_type=work_type,
                    minutes=60,
                    location="remote",
                    worked_on=date(2026, 10, 10),
                )
        clock.move_to(datetime(2026, 11, 1, 12, tzinfo=UTC))
        bill(tenant)
    with tenant_scope(tenant):
        lines = {
            line.description.split("“")[1].split("”")[0]: line
            for line in InvoiceLine.objects.filter(kind=LineKind.LABOUR)
        }
    assert lines["Cinema room"].amount == Decimal("108.00")  # $120/h less 10%
    assert "Best practices Silver −10%" in lines["Cinema room"].detail
    assert lines["New TV"].amount == Decimal("120.00")
    assert "Best practices" not in lines["New TV"].detail
