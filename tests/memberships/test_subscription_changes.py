"""Changing a membership, with its money (billing.subscriptions on memberships.services): an upgrade now
with prorated charges, a downgrade at the period end, riders added and removed, cancel and resume, two
changes in one period, and what the client's open tickets make of it (through the event bus)."""

from datetime import date
from decimal import Decimal

import pytest
import time_machine
from django.core.exceptions import ValidationError

from billing import subscriptions
from billing.models import ProrationCharge
from events.dispatch import dispatch_pending
from events.models import OutboxEvent
from memberships import selectors
from memberships import services as memberships
from memberships.models import ChangeKind, Plan, Subscription, SubscriptionStatus
from service_levels.models import Metric
from tenants.scope import tenant_scope
from tests.factories import AgreementFactory, ClientFactory, give_membership
from tests.memberships.membership_setup import MEMBER_SINCE, TODAY, in_tenant

pytestmark = pytest.mark.django_db

APRIL = date(2026, 4, 1)  # the next period of the membership (periods start on the 1st)


def change(member, **asked):
    """Change the Whitakers' membership today, as staff would; returns (history row, preview)."""
    with tenant_scope(member.tenant):
        return subscriptions.change_subscription(member, actor="Sam Manager", **asked)


def terms_on(member, day):
    """The tier and riders the client has on ``day``, by key."""
    with tenant_scope(member.tenant):
        terms = selectors.plan_terms(member.client_id, on=day)
        return (terms.tier.key if terms.tier else None, [rider.key for rider in terms.riders])


def charges_of(member):
    with tenant_scope(member.tenant):
        return [
            (charge.plan.key, charge.amount) for charge in ProrationCharge.objects.filter(subscription=member)
        ]


def fresh(member) -> Subscription:
    with tenant_scope(member.tenant):
        return Subscription.objects.get(pk=member.pk)


# --- Upgrades, downgrades and riders --------------------------------------------------------------


def test_an_upgrade_takes_effect_today_and_charges_the_rest_of_the_period(member, plans):
    record, preview = change(member, tier=plans.platinum)

    # 22 of March's 31 days are left: Platinum for them, less the Gold already paid for them.
    assert charges_of(member) == [("gold", Decimal("-127.03")), ("platinum", Decimal("283.16"))]
    assert preview.due_now == Decimal("156.13")
    assert preview.sentence("USD") == "today: +$156.13; from 1 Apr: $399.00/month"
    assert (record.kind, record.effective_on, record.actor) == (ChangeKind.UPGRADED, TODAY, "Sam Manager")
    assert terms_on(member, TODAY) == ("platinum", [])
    assert terms_on(member, date(2026, 3, 9)) == ("gold", [])  # the past is not rewritten


def test_a_downgrade_waits_for_the_period_end_and_charges_nothing(member, plans):
    record, preview = change(member, tier=plans.silver)

    assert (record.kind, record.effective_on) == (ChangeKind.DOWNGRADED, APRIL)
    assert preview.charges == ()
    assert charges_of(member) == []
    assert preview.sentence("USD") == "today: nothing (takes effect on 1 Apr); from 1 Apr: $59.00/month"
    assert terms_on(member, date(2026, 3, 31)) == ("gold", [])
    assert terms_on(member, APRIL) == ("silver", [])
    with tenant_scope(member.tenant):
        assert selectors.scheduled_phase(fresh(member), TODAY).starts_on == APRIL


def test_a_rider_is_added_at_once_and_removed_at_the_period_end(member, plans):
    added, preview = change(member, tier=plans.gold, riders=[plans.premium])
    assert added.kind == ChangeKind.RIDER_ADDED
    assert charges_of(member) == [("premium-response", Decimal("34.77"))]  # 49.00 x 22/31
    assert terms_on(member, TODAY) == ("gold", ["premium-response"])

    removed, preview = change(member, tier=plans.gold, riders=[])
    assert (removed.kind, removed.effective_on, preview.due_now) == (ChangeKind.RIDER_REMOVED, APRIL, 0)
    assert terms_on(member, date(2026, 3, 31)) == ("gold", ["premium-response"])  # paid for until then
    assert terms_on(member, APRIL) == ("gold", [])


def test_agreed_prices_stay_when_the_list_price_moves_and_a_free_rider_stays_free(tenant, contract, plans):
    with tenant_scope(tenant):
        member = memberships.start_subscription(
            client=contract.client,
            agreement=contract,
            started_on=MEMBER_SINCE,
            actor="test",
            holding=memberships.Holding(
                "monthly", plans.gold, Decimal("150.00"), riders=((plans.premium, Decimal("0.00")),)
            ),
        )
        Plan.objects.filter(pk=plans.gold.pk).update(monthly_price=Decimal("199.00"))

    _, preview = change(member, tier=plans.platinum, riders=[plans.premium])

    assert preview.change.before.total == Decimal("150.00")  # Gold as agreed, not the new list price
    assert preview.change.after.riders == ((plans.premium, Decimal("0.00")),)  # kept at 0.00, not re-priced
    assert charges_of(member) == [("gold", Decimal("-106.45")), ("platinum", Decimal("283.16"))]


def test_a_change_on_the_first_day_of_a_period_not_invoiced_yet_is_billed_by_that_invoice(member, plans):
    with tenant_scope(member.tenant):
        preview = subscriptions.preview_change(member, tier=plans.platinum, on=MEMBER_SINCE)

    assert preview.charges == ()
    assert preview.new_price_from == MEMBER_SINCE  # the period's own invoice bills Platinum in full
    assert preview.sentence("USD") == "today: +$0.00; from 1 Mar: $399.00/month"


def test_switching_to_annual_billing_waits_for_the_period_end_and_starts_the_year_then(member, plans):
    record, preview = change(member, tier=plans.gold, cycle="annual")

    assert (record.kind, record.effective_on, preview.new_price) == (
        ChangeKind.CYCLE_CHANGED,
        APRIL,
        Decimal("1790.00"),
    )
    with tenant_scope(member.tenant):
        member = fresh(member)
        assert selectors.current_period(member, APRIL).start == APRIL  # not 1 March, already paid monthly
        assert selectors.current_period(member, date(2027, 3, 31)).end == date(2027, 4, 1)


# --- Two changes in one period ----------------------------------------------------------------------


def test_two_upgrades_in_one_period_each_charge_their_own_days(member, plans):
    change(member, tier=plans.platinum)
    with time_machine.travel("2026-03-20 14:00Z", tick=False):
        change(member, tier=plans.platinum, riders=[plans.premium])

    assert charges_of(member) == [
        ("gold", Decimal("-127.03")),
        ("platinum", Decimal("283.16")),
        ("premium-response", Decimal("18.97")),  # 49.00 x 12/31
    ]
    assert terms_on(member, date(2026, 3, 15)) == ("platinum", [])
    assert terms_on(member, date(2026, 3, 20)) == ("platinum", ["premium-response"])


def test_an_upgrade_replaces_a_downgrade_waiting_for_the_period_end(member, plans):
    change(member, tier=plans.silver)
    record, preview = change(member, tier=plans.platinum)

    assert "replaces the change that was waiting for the period end" in record.summary
    assert preview.due_now == Decimal("156.13")  # from Gold, what the client has today
    assert terms_on(member, APRIL) == ("platinum", [])


def test_a_second_downgrade_replaces_the_first(member, plans):
    change(member, tier=plans.silver)
    change(member, tier=plans.gold, riders=[], cycle="annual")

    assert terms_on(member, APRIL) == ("gold", [])
    with tenant_scope(member.tenant):
        phases = list(fresh(member).phases.order_by("starts_on"))
    assert [(p.starts_on, p.ends_on, p.billing_cycle) for p in phases] == [
        (MEMBER_SINCE, APRIL, "monthly"),
        (APRIL, None, "annual"),
    ]


def test_the_change_already_scheduled_is_kept_or_dropped_on_purpose(member, plans):
    change(member, tier=plans.silver)
    with pytest.raises(ValidationError, match="drop the change scheduled for 1 Apr 2026"):
        change(member, tier=plans.gold)  # what the client has today

    with tenant_scope(member.tenant):
        record = memberships.drop_scheduled_change(member, on=TODAY, actor="Sam Manager")
        assert record.kind == ChangeKind.SCHEDULED_CHANGE_DROPPED
        with pytest.raises(ValidationError, match="No change is waiting"):
            memberships.drop_scheduled_change(member, on=TODAY, actor="Sam Manager")
    assert terms_on(member, APRIL) == ("gold", [])
    with pytest.raises(ValidationError, match="nothing to change"):
        change(member, tier=plans.gold)


# --- Cancel and resume ------------------------------------------------------------------------------


def test_cancelling_keeps_the_plan_until_the_period_end_and_resuming_withdraws_it(member, plans):
    with tenant_scope(member.tenant):
        record = memberships.cancel_at_period_end(member, on=TODAY, actor="Sam Manager", reason="Moving")
        assert (record.kind, record.effective_on, record.summary) == (
            ChangeKind.CANCELLED,
            APRIL,
            "Cancelled from 1 Apr 2026: Moving",
        )
        with pytest.raises(ValidationError, match="already cancelled"):
            memberships.cancel_at_period_end(member, on=TODAY, actor="Sam Manager")
    assert terms_on(member, date(2026, 3, 31)) == ("gold", [])
    assert terms_on(member, APRIL) == (None, [])

    with tenant_scope(member.tenant):
        memberships.resume(member, on=TODAY, actor="Sam Manager")
        assert fresh(member).ends_on is None
    assert terms_on(member, APRIL) == ("gold", [])


def test_a_cancelled_membership_ends_at_the_period_end_and_cannot_be_resumed_after(member):
    with tenant_scope(member.tenant):
        memberships.cancel_at_period_end(member, on=TODAY, actor="Sam Manager")
        assert memberships.close_ended(today=date(2026, 3, 31)) == 0
        assert memberships.close_ended(today=APRIL) == 1
        assert fresh(member).status == SubscriptionStatus.ENDED
        with pytest.raises(ValidationError, match="Only a membership waiting to end"):
            memberships.resume(member, on=APRIL, actor="Sam Manager")


def test_cancelling_drops_a_scheduled_change_and_resuming_keeps_the_current_plan_running(member, plans):
    change(member, tier=plans.silver)
    with tenant_scope(member.tenant):
        record = memberships.cancel_at_period_end(member, on=TODAY, actor="Sam Manager")
        memberships.resume(member, on=TODAY, actor="Sam Manager")

    assert "the change waiting for the period end is dropped" in record.summary
    assert terms_on(member, APRIL) == ("gold", [])  # Gold runs on: the membership did not lose its plan
    assert terms_on(member, date(2026, 7, 1)) == ("gold", [])


def test_a_downgrade_after_cancelling_is_refused_but_an_upgrade_is_not(member, plans):
    with tenant_scope(member.tenant):
        memberships.cancel_at_period_end(member, on=TODAY, actor="Sam Manager")
    with pytest.raises(ValidationError, match="withdraw the cancellation first"):
        change(member, tier=plans.silver)
    _, preview = change(member, tier=plans.platinum)
    assert preview.due_now == Decimal("156.13")
    assert fresh(member).ends_on == APRIL


# --- Starting a membership ---------------------------------------------------------------------------


def test_a_membership_starts_today_on_the_signed_contract_and_only_once(tenant, contract, plans):
    with tenant_scope(tenant):
        member = subscriptions.start_membership(
            client=contract.client, tier=plans.gold, riders=[plans.premium], actor="Sam Manager"
        )
        assert (member.started_on, member.anchor_day, member.agreement_id) == (TODAY, 10, contract.pk)
        with pytest.raises(ValidationError, match="already has a membership"):
            subscriptions.start_membership(client=contract.client, tier=plans.silver, actor="Sam Manager")
    assert terms_on(member, TODAY) == ("gold", ["premium-response"])


def test_a_membership_needs_a_signed_contract_in_force(tenant, plans):
    unsigned = ClientFactory(tenant=tenant, name="Okafor Dental Group")
    expired = AgreementFactory(
        client=ClientFactory(tenant=tenant), starts_on=date(2024, 1, 1), ends_on=date(2024, 12, 31)
    )
    for client in (unsigned, expired.client):
        with tenant_scope(tenant), pytest.raises(ValidationError, match="no signed service contract"):
            subscriptions.start_membership(client=client, tier=plans.gold, actor="Sam Manager")


def test_an_archived_plan_is_not_offered_but_a_client_on_it_keeps_it(member, plans):
    with tenant_scope(member.tenant):
        memberships.archive_plan(plans.gold)
        memberships.archive_plan(plans.silver)
    change(member, tier=plans.gold, riders=[plans.premium])  # keeps archived Gold
    assert terms_on(member, TODAY) == ("gold", ["premium-response"])
    with pytest.raises(ValidationError, match="Silver is archived"):
        change(member, tier=plans.silver)


def test_a_plan_keeps_its_kind(plans):
    plans.gold.kind = "rider"
    plans.gold.sla_policy = None
    with tenant_scope(plans.gold.tenant), pytest.raises(ValidationError) as refused:
        memberships.save_plan(plans.gold)
    assert "cannot become a rider" in refused.value.message_dict["kind"][0]


# --- What tickets and partners hear -------------------------------------------------------------------


def test_an_upgrade_re_targets_open_tickets_through_the_bus_and_a_downgrade_when_it_starts(member, plans):
    from tickets.models import SlaClock
    from tickets.services import open_ticket

    def first_response(ticket):
        return in_tenant(
            member.tenant, lambda: SlaClock.objects.get(ticket=ticket, metric=Metric.FIRST_RESPONSE)
        )

    with tenant_scope(member.tenant):
        ticket = open_ticket(client=member.client, title="Whole-home audio dead", priority="P1")
    dispatch_pending()  # the news of the membership's start
    assert first_response(ticket).target_minutes == 30  # Gold

    change(member, tier=plans.platinum)
    assert first_response(ticket).target_minutes == 30  # not yet: tickets hears it from the bus
    dispatch_pending()
    assert first_response(ticket).target_minutes == 15  # Platinum
    with tenant_scope(member.tenant):
        whys = [event.details["why"] for event in ticket.history.filter(kind="sla_targets")]
    assert whys[-1] == "Upgraded: Gold → Platinum, now", whys

    change(member, tier=plans.silver)  # from 1 April: nothing changes today
    dispatch_pending()
    assert first_response(ticket).target_minutes == 15
    with time_machine.travel("2026-04-01 14:00Z", tick=False):
        with tenant_scope(member.tenant):
            assert memberships.announce_phases_starting(today=APRIL) == 1
            assert memberships.announce_phases_starting(today=APRIL) == 0  # once
        dispatch_pending()
    assert first_response(ticket).target_minutes == 45  # Silver


def test_every_change_is_announced_for_partners_and_only_those_in_force_today_re_target(member, plans):
    change(member, tier=plans.platinum)
    change(member, tier=plans.silver)
    with tenant_scope(member.tenant):
        names = list(OutboxEvent.objects.order_by("id").values_list("name", flat=True))
    assert names[-3:] == ["subscription.changed", "client.terms_changed", "subscription.changed"]


def test_another_client_can_hold_the_same_plans_on_its_own(tenant, member, plans):
    other = AgreementFactory(client=ClientFactory(tenant=tenant, name="Lindqvist Penthouse"))
    give_membership(other, tier="gold", riders=["premium-response"], started_on=TODAY)
    change(member, tier=plans.platinum)
    with tenant_scope(tenant):
        holders = selectors.holders_by_plan(on=TODAY)
    assert (holders.get(plans.gold.pk), holders.get(plans.platinum.pk), holders.get(plans.premium.pk)) == (
        1,
        1,
        1,
    )
