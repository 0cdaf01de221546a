"""Anniversaries: the relationship starts at the first signed agreement (or where staff set it), and each
anniversary grants the year's step once, to clients still with us."""

import threading
from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from billing.models import CreditEntry
from rewards.anniversaries import (
    anniversary_on,
    anniversary_streak,
    grant_anniversary_rewards,
    relationship,
    save_step,
    set_relationship_start,
    step_for_year,
)
from rewards.models import AnniversaryStep, Program, Reward, RewardKind, RewardStatus
from rewards.programs import run_programs_due
from rewards.sections import sections_for
from tenants.scope import tenant_scope
from tests.factories import AgreementFactory, ClientFactory


def _table():
    save_step(years=1, credit=Decimal("0"), gift="A thank-you card and coffee", gift_cost=Decimal("15"))
    save_step(years=3, credit=Decimal("100"), gift="", gift_cost=Decimal("0"))
    save_step(years=5, credit=Decimal("250"), gift="A framed photo of the team", gift_cost=Decimal("40"))


def _client_since(tenant, start: date, **agreement):
    client = ClientFactory(tenant=tenant)
    AgreementFactory(client=client, tenant=tenant, starts_on=start, ends_on=date(2030, 1, 1), **agreement)
    return client


@pytest.mark.django_db
def test_the_reward_of_a_year_is_the_last_step_reached(tenant):
    with tenant_scope(tenant):
        _table()
        table = list(AnniversaryStep.objects.all())
        assert step_for_year(1, table).years == 1
        assert step_for_year(2, table).years == 1
        assert step_for_year(4, table).years == 3
        assert step_for_year(9, table).years == 5
        save_step(years=2, credit=Decimal("10"), gift="", gift_cost=Decimal("0"))
        assert step_for_year(0, list(AnniversaryStep.objects.all())) is None


@pytest.mark.django_db
def test_a_step_must_give_something(tenant):
    with tenant_scope(tenant):
        with pytest.raises(ValidationError, match="credit, a gift, or both"):
            save_step(years=2, credit=Decimal("0"), gift=" ", gift_cost=Decimal("0"))
        assert not AnniversaryStep.objects.exists()


def test_a_29_february_start_is_celebrated_on_28_february_in_other_years():
    assert anniversary_on(date(2024, 2, 29), 1) == date(2025, 2, 28)
    assert anniversary_on(date(2024, 2, 29), 4) == date(2028, 2, 29)


@pytest.mark.django_db
def test_the_third_anniversary_grants_its_credit_once(tenant):
    with tenant_scope(tenant):
        _table()
        client = _client_since(tenant, date(2023, 12, 14))
        assert grant_anniversary_rewards(date(2026, 12, 13)) == []
        [reward] = grant_anniversary_rewards(date(2026, 12, 14))
        assert (reward.key, reward.kind, reward.value) == ("year-3", RewardKind.CREDIT, Decimal("100.00"))
        assert "3rd anniversary" in reward.reason
        assert grant_anniversary_rewards(date(2026, 12, 15)) == []
        assert grant_anniversary_rewards(date(2027, 1, 3)) == []
        assert CreditEntry.objects.filter(client=client).count() == 1


@pytest.mark.django_db
def test_a_step_with_a_credit_and_a_gift_grants_both_and_the_gift_is_a_task(tenant):
    with tenant_scope(tenant):
        _table()
        client = _client_since(tenant, date(2021, 12, 20))
        rewards = grant_anniversary_rewards(date(2027, 1, 2))  # across the year end
        assert sorted(r.key for r in rewards) == ["year-5", "year-5-gift"]
        gift = Reward.objects.get(client=client, key="year-5-gift")
        assert gift.status == RewardStatus.TO_DELIVER
        assert gift.title == "A framed photo of the team"


@pytest.mark.django_db
def test_catch_up_is_bounded_so_switching_on_grants_no_past_years(tenant):
    with tenant_scope(tenant):
        _table()
        _client_since(tenant, date(2020, 10, 1))  # 6th anniversary was on 1 Oct 2026
        assert grant_anniversary_rewards(date(2026, 11, 1)) != []  # 31 days later: still caught up
        late = _client_since(tenant, date(2020, 9, 30))
        assert grant_anniversary_rewards(date(2026, 11, 1)) == []  # 32 days: missed, not granted
        assert not Reward.objects.filter(client=late).exists()


@pytest.mark.django_db
def test_archived_clients_and_clients_without_a_contract_in_force_get_nothing(tenant):
    with tenant_scope(tenant):
        _table()
        archived = _client_since(tenant, date(2025, 12, 1))
        archived.archived_at = "2026-11-01T00:00:00Z"
        archived.save()
        _client_since(tenant, date(2025, 12, 1), status="expired")
        never_signed = ClientFactory(tenant=tenant)
        AgreementFactory(client=never_signed, tenant=tenant, status="sent", starts_on=None)
        assert relationship(never_signed).started_on is None
        assert grant_anniversary_rewards(date(2026, 12, 1)) == []


@pytest.mark.django_db
def test_staff_set_the_start_with_a_reason_and_the_page_says_so(tenant, owner):
    with tenant_scope(tenant):
        _table()
        client = _client_since(tenant, date(2026, 3, 1))
        with pytest.raises(ValidationError, match="Say why"):
            set_relationship_start(client, started_on=date(2019, 12, 2), reason=" ", by=owner)
        set_relationship_start(
            client, started_on=date(2019, 12, 2), reason="Client since 2019, before Accord", by=owner
        )
        rel = relationship(client)
        assert (rel.started_on, rel.source, rel.signed_on) == (
            date(2019, 12, 2),
            "set by staff",
            date(2026, 3, 1),
        )
        streak = anniversary_streak(client, on=date(2026, 12, 6))
        assert streak.years == 7
        assert streak.next_on == date(2027, 12, 2)
        assert streak.next_years == 8
        assert "$250.00 credit" in streak.next_gives
        [credit, _gift] = sorted(grant_anniversary_rewards(date(2026, 12, 6)), key=lambda r: r.key)
        assert credit.key == "year-7"
        assert credit.details["step_years"] == 5


@pytest.mark.django_db
def test_the_runner_is_registered_and_idempotent_through_the_daily_run(tenant):
    with tenant_scope(tenant):
        _table()
        _client_since(tenant, date(2025, 12, 31))
        first = run_programs_due(date(2026, 12, 31), programs=[Program.ANNIVERSARY])
        again = run_programs_due(date(2027, 1, 1), programs=[Program.ANNIVERSARY])
        assert [r.key for r in first.granted] == ["year-1-gift"]
        assert first.failures == []
        assert again.granted == []


@pytest.mark.django_db
def test_another_tenants_clients_are_not_rewarded_by_this_tenants_table(tenant, other_tenant):
    with tenant_scope(other_tenant):
        theirs = _client_since(other_tenant, date(2023, 12, 1))
    with tenant_scope(tenant):
        _table()
        assert grant_anniversary_rewards(date(2026, 12, 1)) == []
    with tenant_scope(other_tenant):
        assert grant_anniversary_rewards(date(2026, 12, 1)) == []  # no table of its own
        assert not Reward.objects.filter(client=theirs).exists()


@pytest.mark.django_db(transaction=True)
def test_two_runs_racing_grant_the_year_once(tenant):
    with tenant_scope(tenant):
        _table()
        client = _client_since(tenant, date(2023, 12, 1))
    barrier = threading.Barrier(2)
    results, errors = [], []

    def run():
        try:
            with tenant_scope(tenant):
                barrier.wait(timeout=10)
                results.append(
                    len(run_programs_due(date(2026, 12, 2), programs=[Program.ANNIVERSARY]).granted)
                )
        except Exception as error:  # surfaced by the assertion below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert errors == []
    assert sorted(results) == [0, 1]
    with tenant_scope(tenant):
        assert CreditEntry.objects.filter(client=client).count() == 1


@pytest.mark.django_db
def test_the_streak_section_shows_only_while_the_program_is_on(tenant):
    with tenant_scope(tenant):
        client = _client_since(tenant, date(2023, 3, 14))
        assert sections_for(client, audience="staff", on=date(2026, 12, 6)) == []
        _table()
        [section] = sections_for(client, audience="portal", on=date(2026, 12, 6))
        assert section.program == Program.ANNIVERSARY
        assert section.context["streak"].next_on == date(2027, 3, 14)
        assert section.context["streak"].next_gives == "$100.00 credit"
