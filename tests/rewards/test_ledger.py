"""The rewards ledger every program writes: a grant is made once per occasion, credit lands on the
client's billing ledger, and ``reward.granted`` goes on the bus."""

import threading
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from billing.models import CreditEntry
from events.models import OutboxEvent
from rewards.models import Program, Reward, RewardKind, RewardStatus
from rewards.services import grant_reward, mark_delivered, withdraw_reward
from tenants.scope import tenant_scope
from tests.factories import ClientFactory


def _credit(client, key="2026-11", value="12.50"):
    return grant_reward(
        client,
        program=Program.UTILIZATION,
        key=key,
        kind=RewardKind.CREDIT,
        title="5% off your next plan invoice",
        reason="8 tickets on 100 endpoints in November",
        value=Decimal(value),
        actor="rewards run",
    )


@pytest.mark.django_db
def test_a_credit_reward_puts_credit_on_the_ledger_and_records_the_event(tenant):
    with tenant_scope(tenant):
        client = ClientFactory(tenant=tenant)
        grant = _credit(client)
        assert grant.created
        entry = CreditEntry.objects.get(client=client)
        assert entry.amount == Decimal("12.50")
        assert entry.source == "rewards"
        assert grant.reward.credit_entry == entry
        event = OutboxEvent.objects.get(name="reward.granted")
        assert event.payload["reward_id"] == grant.reward.pk
        assert event.payload["value"] == "12.50"


@pytest.mark.django_db
def test_the_same_occasion_is_rewarded_once(tenant):
    with tenant_scope(tenant):
        client = ClientFactory(tenant=tenant)
        first = _credit(client)
        again = _credit(client, value="99.00")
        assert not again.created
        assert again.reward == first.reward
        assert CreditEntry.objects.filter(client=client).count() == 1
        assert OutboxEvent.objects.filter(name="reward.granted").count() == 1
        assert _credit(client, key="2026-12").created


@pytest.mark.django_db(transaction=True)
def test_two_runs_racing_grant_one_reward(tenant):
    with tenant_scope(tenant):
        client = ClientFactory(tenant=tenant)
    barrier = threading.Barrier(2)
    results, errors = [], []

    def grant():
        try:
            with tenant_scope(tenant):
                barrier.wait(timeout=10)
                results.append(_credit(client).created)
        except Exception as error:  # surfaced by the assertion below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=grant) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert errors == []
    assert sorted(results) == [False, True]
    with tenant_scope(tenant):
        assert Reward.objects.count() == 1
        assert CreditEntry.objects.filter(client=client).count() == 1


@pytest.mark.django_db
def test_a_credit_needs_an_amount_and_a_known_program(tenant):
    with tenant_scope(tenant):
        client = ClientFactory(tenant=tenant)
        with pytest.raises(ValidationError, match="amount above zero"):
            _credit(client, value="0")
        with pytest.raises(ValidationError, match="Unknown rewards program"):
            grant_reward(
                client, program="lottery", key="x", kind=RewardKind.GIFT, title="t", reason="r", actor="a"
            )
        assert not Reward.objects.exists()


@pytest.mark.django_db
def test_a_gift_is_a_task_until_delivered_and_credit_cannot_be_withdrawn(tenant, owner):
    with tenant_scope(tenant):
        client = ClientFactory(tenant=tenant)
        gift = grant_reward(
            client,
            program=Program.ANNIVERSARY,
            key="year-1",
            kind=RewardKind.GIFT,
            title="A gift basket",
            reason="One year together",
            value=Decimal("60"),
            actor="rewards run",
        ).reward
        assert gift.status == RewardStatus.TO_DELIVER
        assert mark_delivered(gift, by=owner).status == RewardStatus.DELIVERED
        with pytest.raises(ValidationError, match="already delivered"):
            withdraw_reward(gift, actor="owner", reason="changed our mind")
        credit = _credit(client).reward
        with pytest.raises(ValidationError, match="cannot be withdrawn"):
            withdraw_reward(credit, actor="owner", reason="oops")
