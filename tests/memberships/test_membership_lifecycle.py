"""A membership follows the service contract it rides on, and gives the client its tier's targets."""

from datetime import date, datetime
from decimal import Decimal

import pytest
import time_machine

from billing.subscriptions import change_subscription
from contracts import agreements
from events.dispatch import dispatch_pending
from memberships.models import ChangeKind, SubscriptionStatus
from memberships.selectors import current_subscription, plan_terms
from service_levels import services as sla_services
from service_levels.models import Metric, PolicyKind
from tenants.scope import tenant_scope
from tests.contracts.contract_setup import client_with_signers, service_version, sla_policies
from tickets.models import SlaClock
from tickets.services import open_ticket

pytestmark = pytest.mark.django_db
H = 60
NOW = "2026-12-07 15:00Z"  # Monday morning in New York


@pytest.fixture
def targets(tenant):
    """First response on P1: basic triage 8 h, standard 1 h, Silver 45 min, Gold 30 min."""
    _basic, standard = sla_policies(tenant)
    with tenant_scope(tenant):
        always = standard.targets.first().calendar
        for name, key, minutes in (("Silver", "silver", 45), ("Gold", "gold", 30)):
            policy = sla_services.create_policy(name=name, kind=PolicyKind.TIER, key=key)
            sla_services.set_targets(policy, {("P1", Metric.FIRST_RESPONSE): (minutes, always)})
    return tenant


@pytest.fixture
def plans(targets):
    from tests.factories import plan_with_key

    return {
        "silver": plan_with_key(targets, "silver", price="59.00", rank=1, name="Silver"),
        "gold": plan_with_key(targets, "gold", price="179.00", rank=2, name="Gold"),
    }


def first_response_minutes(ticket):
    with tenant_scope(ticket.tenant):
        return SlaClock.objects.get(ticket=ticket, metric=Metric.FIRST_RESPONSE).target_minutes


def p1(client):
    with tenant_scope(client.tenant):
        return open_ticket(client=client, title="Whole-home Wi-Fi down", priority="P1", actor="tech")


def signed(tenant, client, plan=None, *, number=1, **kwargs):
    version = service_version(tenant, number=number)
    with tenant_scope(tenant):
        agreement = agreements.create_agreement(
            client=client, version=version, actor="owner", plan=plan, **kwargs
        )
        agreements.mark_sent(agreement, actor="owner")
        return agreements.mark_signed(agreement, actor="Dana")


@time_machine.travel(NOW, tick=False)
def test_signing_a_contract_that_offers_a_tier_starts_the_membership_and_its_targets(tenant, plans):
    client, _ = client_with_signers(tenant, "Whitaker Residence", "dana@whitaker.example")
    agreement = signed(tenant, client, plans["gold"])
    with tenant_scope(tenant):
        membership = current_subscription(client)
        assert (membership.agreement_id, membership.started_on, membership.anchor_day) == (
            agreement.pk,
            date(2026, 12, 7),
            7,
        )
    assert first_response_minutes(p1(client)) == 30


@time_machine.travel(NOW, tick=False)
def test_a_signed_contract_without_a_plan_gives_the_standard_targets(tenant, plans):
    client, _ = client_with_signers(tenant, "Okafor Residence", "office@okafor.example")
    signed(tenant, client)
    with tenant_scope(tenant):
        assert current_subscription(client) is None
    assert first_response_minutes(p1(client)) == H


@time_machine.travel(NOW, tick=False)
def test_an_upgrade_retargets_the_open_tickets_once_the_bus_delivers_it(tenant, plans):
    client, _ = client_with_signers(tenant, "Whitaker Residence", "dana@whitaker.example")
    signed(tenant, client, plans["silver"])
    ticket = p1(client)
    assert first_response_minutes(ticket) == 45
    with tenant_scope(tenant):
        change_subscription(current_subscription(client), tier=plans["gold"], actor="owner")
    assert first_response_minutes(ticket) == 45  # until the worker runs
    dispatch_pending(now=datetime.fromisoformat("2026-12-07T15:00:05+00:00"))
    assert first_response_minutes(ticket) == 30


@time_machine.travel(NOW, tick=False)
def test_the_membership_ends_the_day_after_its_contract_expires_without_renewal(tenant, plans):
    client, _ = client_with_signers(tenant, "Whitaker Residence", "dana@whitaker.example")
    agreement = signed(tenant, client, plans["gold"])
    with tenant_scope(tenant):
        agreement.auto_renew = False
        agreement.save()
        agreements.mark_expired(agreement)
        membership = current_subscription(client)
        assert membership.ends_on == agreement.ends_on + (date(2000, 1, 2) - date(2000, 1, 1))
        assert plan_terms(client, on=agreement.ends_on).tier.key == "gold"
        assert plan_terms(client, on=membership.ends_on).tier is None
        assert membership.changes.first().kind == ChangeKind.CANCELLED


@time_machine.travel(NOW, tick=False)
def test_cancelling_the_contract_stops_the_membership_at_the_end_of_the_paid_period(tenant, plans):
    client, _ = client_with_signers(tenant, "Whitaker Residence", "dana@whitaker.example")
    agreement = signed(tenant, client, plans["gold"], plan_price=Decimal("150.00"))
    with tenant_scope(tenant):
        agreements.cancel(agreement, actor="owner", reason="moved away")
        membership = current_subscription(client)
        assert (membership.status, membership.ends_on) == (SubscriptionStatus.ACTIVE, date(2027, 1, 7))
        assert plan_terms(client, on=date(2027, 1, 6)).recurring_price == Decimal("150.00")


@time_machine.travel(NOW, tick=False)
def test_a_second_service_contract_carries_the_existing_membership_and_changes_it_when_it_offers_another(
    tenant, plans
):
    client, _ = client_with_signers(tenant, "Whitaker Residence", "dana@whitaker.example")
    signed(tenant, client, plans["silver"])
    newer = signed(tenant, client, plans["gold"], number=2)
    dispatch_pending(now=datetime.fromisoformat("2026-12-07T15:00:05+00:00"))
    with tenant_scope(tenant):
        membership = current_subscription(client)
        assert membership.agreement_id == newer.pk
        assert plan_terms(client, on=date(2026, 12, 7)).tier.key == "gold"


def sign_supplement(tenant, parent, plan):
    from tests.contracts.contract_setup import supplement_version

    version = supplement_version(tenant)
    with tenant_scope(tenant):
        supplement = agreements.create_agreement(
            client=parent.client, version=version, actor="Dana (portal)", parent=parent, plan=plan
        )
        agreements.mark_sent(supplement, actor="owner")
    return supplement


@time_machine.travel(NOW, tick=False)
def test_a_signed_upgrade_is_honoured_even_if_the_plan_was_archived_after_it_was_offered(tenant, plans):
    from memberships.services import archive_plan

    client, _ = client_with_signers(tenant, "Whitaker Residence", "dana@whitaker.example")
    contract = signed(tenant, client, plans["silver"])
    supplement = sign_supplement(tenant, contract, plans["gold"])
    with tenant_scope(tenant):
        archive_plan(plans["gold"])
        agreements.mark_signed(supplement, actor="Dana")
    dispatch_pending(now=datetime.fromisoformat("2026-12-07T15:00:05+00:00"))
    with tenant_scope(tenant):
        assert plan_terms(client, on=date(2026, 12, 7)).tier.key == "gold"
        assert supplement.plan_offer.__class__.objects.get(agreement=supplement).applied_at is not None


@time_machine.travel(NOW, tick=False)
def test_a_signed_change_that_can_no_longer_apply_is_noted_on_the_agreement_not_retried(tenant, plans):
    from events.models import EventDelivery
    from memberships.services import end_subscription

    client, _ = client_with_signers(tenant, "Whitaker Residence", "dana@whitaker.example")
    contract = signed(tenant, client, plans["silver"])
    supplement = sign_supplement(tenant, contract, plans["gold"])
    with tenant_scope(tenant):
        end_subscription(current_subscription(client), on=date(2026, 12, 7), actor="owner", why="moved")
        agreements.mark_signed(supplement, actor="Dana")
    dispatch_pending(now=datetime.fromisoformat("2026-12-07T15:00:05+00:00"))
    with tenant_scope(tenant):
        note = supplement.history.get(kind="membership_change_not_applied")
        assert note.details["reason"] == "The membership is not in force on 7 Dec 2026."
        pending = EventDelivery.objects.filter(consumer="billing.plan_offers").exclude(status="done")
        assert not pending.exists()
