"""Customer of the month: nominations, one vote per person and month, the month's close with its tie
rule (idempotent, race-safe, across a year end), and the client's opt-in spotlight."""

import threading
from datetime import UTC, date, datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction

from rewards.customer_of_the_month import (
    choose_customers_of_the_month,
    nominate,
    public_spotlight,
    publish_spotlight,
    unvote,
    vote,
    withdraw_spotlight,
)
from rewards.models import MonthlyAward, Program, Reward, RewardKind, Spotlight, Vote
from rewards.programs import run_programs_due
from tenants.roles import Role
from tenants.scope import tenant_scope
from tests.conftest import staff_of
from tests.factories import ClientFactory

DEC = date(2026, 12, 10)


def _at(day, hour=9):
    return datetime(day.year, day.month, day.day, hour, tzinfo=UTC)


def _nominate(tenant, by, *, on=DEC, hour=9, name=None):
    client = ClientFactory(tenant=tenant, **({"name": name} if name else {}))
    return nominate(
        client,
        category="project_finished",
        reason="Wrapped up the office move",
        by=by,
        on=on,
        now=_at(on, hour),
    )


@pytest.mark.django_db
def test_a_client_is_nominated_once_a_month(tenant, owner):
    with tenant_scope(tenant):
        first = _nominate(tenant, owner)
        with pytest.raises(ValidationError, match="already nominated"):
            nominate(first.client, category="other", reason="Again", by=staff_of(tenant), on=DEC)
        with pytest.raises(ValidationError, match="few words"):
            nominate(ClientFactory(tenant=tenant), category="other", reason="", by=owner, on=DEC)


@pytest.mark.django_db
def test_everyone_votes_once_a_month_and_may_move_or_take_back_their_vote(tenant, owner):
    with tenant_scope(tenant):
        tech = staff_of(tenant, Role.TECHNICIAN)
        a, b = _nominate(tenant, owner), _nominate(tenant, owner, hour=10)
        vote(a, by=tech, on=DEC)
        vote(b, by=tech, on=DEC)
        assert list(Vote.objects.values_list("nomination", flat=True)) == [b.pk]
        unvote(DEC.replace(day=1), by=tech, on=DEC)
        assert not Vote.objects.exists()


@pytest.mark.django_db
def test_the_database_refuses_a_second_vote_in_a_month(tenant, owner):
    with tenant_scope(tenant):
        tech = staff_of(tenant, Role.TECHNICIAN)
        a, b = _nominate(tenant, owner), _nominate(tenant, owner)
        vote(a, by=tech, on=DEC)
        with pytest.raises(IntegrityError), transaction.atomic():
            Vote.objects.create(tenant=tenant, voter=tech, month=b.month, nomination=b, cast_at=_at(DEC))


@pytest.mark.django_db
def test_nobody_votes_for_their_own_nomination_or_in_a_closed_month(tenant, owner):
    with tenant_scope(tenant):
        mine = _nominate(tenant, owner)
        with pytest.raises(ValidationError, match="You nominated"):
            vote(mine, by=owner, on=DEC)
        with pytest.raises(ValidationError, match="closed"):
            vote(mine, by=staff_of(tenant), on=date(2027, 1, 2))


@pytest.mark.django_db
def test_the_month_closes_once_with_the_most_voted_client_as_winner(tenant, owner):
    with tenant_scope(tenant):
        a, b = _nominate(tenant, owner), _nominate(tenant, owner, hour=10)
        for _ in range(2):
            vote(b, by=staff_of(tenant), on=DEC)
        vote(a, by=staff_of(tenant), on=DEC)
        assert choose_customers_of_the_month(date(2026, 12, 31)) == []  # December not over yet
        [reward] = choose_customers_of_the_month(date(2027, 1, 1))  # across the year end
        assert (reward.client, reward.key, reward.kind) == (b.client, "2026-12", RewardKind.RECOGNITION)
        assert reward.title == "Customer of the month, December 2026"
        award = MonthlyAward.objects.get(month=date(2026, 12, 1))
        assert (award.votes, award.decided_by) == (2, "Most votes (2 votes).")
        assert choose_customers_of_the_month(date(2027, 1, 1)) == []
        assert choose_customers_of_the_month(date(2027, 2, 1)) == []  # January: no nominations
        assert MonthlyAward.objects.get(month=date(2027, 1, 1)).client is None
        assert Reward.objects.filter(program=Program.CUSTOMER_OF_THE_MONTH).count() == 1


@pytest.mark.django_db
def test_a_tie_goes_to_the_earliest_nomination(tenant, owner):
    with tenant_scope(tenant):
        late = _nominate(tenant, owner, hour=15)
        early = _nominate(tenant, owner, hour=8)
        vote(late, by=staff_of(tenant), on=DEC)
        vote(early, by=staff_of(tenant), on=DEC)
        [reward] = choose_customers_of_the_month(date(2027, 1, 1))
        assert reward.client == early.client
        assert "earliest nomination" in MonthlyAward.objects.get().decided_by


@pytest.mark.django_db
def test_missed_month_ends_are_caught_up_a_few_months_back_only(tenant, owner):
    with tenant_scope(tenant):
        for month in (date(2026, 6, 3), date(2026, 9, 3), date(2026, 10, 3)):
            _nominate(tenant, owner, on=month)
        rewards = choose_customers_of_the_month(date(2026, 12, 5))
        assert [r.key for r in rewards] == ["2026-09", "2026-10"]
        assert sorted(MonthlyAward.objects.values_list("month", flat=True)) == [
            date(2026, 9, 1),
            date(2026, 10, 1),
            date(2026, 11, 1),
        ]


@pytest.mark.django_db(transaction=True)
def test_two_closing_runs_racing_decide_the_month_once(tenant):
    with tenant_scope(tenant):
        owner = staff_of(tenant)
        _nominate(tenant, owner)
    barrier = threading.Barrier(2)
    results, errors = [], []

    def run():
        try:
            with tenant_scope(tenant):
                barrier.wait(timeout=10)
                run = run_programs_due(date(2027, 1, 1), programs=[Program.CUSTOMER_OF_THE_MONTH])
                assert run.failures == []
                results.append(len(run.granted))
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
        assert MonthlyAward.objects.count() == 1
        assert Spotlight.objects.count() == 1


@pytest.mark.django_db
def test_the_spotlight_is_public_only_while_the_client_has_it_published(tenant, owner):
    with tenant_scope(tenant):
        _nominate(tenant, owner, name="Harbor Bakery")
        choose_customers_of_the_month(date(2027, 1, 1))
        spotlight = Spotlight.objects.get()
    assert public_spotlight(spotlight.share_token) is None
    with tenant_scope(tenant):
        publish_spotlight(spotlight, actor="client")
    page = public_spotlight(spotlight.share_token)
    assert (page.client, page.company, page.month) == ("Harbor Bakery", tenant.name, date(2026, 12, 1))
    assert "Wrapped up the office move" in page.reasons
    with tenant_scope(tenant):
        withdraw_spotlight(spotlight, actor="client")
    assert public_spotlight(spotlight.share_token) is None
    assert public_spotlight("not-a-token") is None


@pytest.mark.django_db
def test_a_month_is_closed_per_tenant(tenant, other_tenant, owner):
    with tenant_scope(tenant):
        _nominate(tenant, owner)
        choose_customers_of_the_month(date(2027, 1, 1))
    with tenant_scope(other_tenant):
        theirs = _nominate(other_tenant, staff_of(other_tenant))
        assert not MonthlyAward.objects.exists()
        [reward] = choose_customers_of_the_month(date(2027, 1, 1))
        assert reward.client == theirs.client
