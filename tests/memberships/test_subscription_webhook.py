"""``subscription.changed``: partners hear every change of a membership, with the membership as it is now
and the change (kind, from which day, summary)."""

import pytest

from billing.subscriptions import change_subscription
from events.dispatch import dispatch_until_idle
from events.models import OutboxEvent
from memberships import services as memberships
from tenants.scope import tenant_scope
from tests.factories import WebhookEndpointFactory
from tests.memberships.membership_setup import TODAY
from webhooks.models import WebhookDelivery
from webhooks.payloads import EVENT_TYPES

pytestmark = pytest.mark.django_db


def messages_of(tenant):
    dispatch_until_idle()
    with tenant_scope(tenant):
        return [
            d.message
            for d in WebhookDelivery.objects.filter(event_type="subscription.changed").order_by("id")
        ]


def test_partners_can_subscribe_to_membership_changes():
    assert "subscription.changed" in EVENT_TYPES


def test_a_change_message_carries_the_membership_and_the_change(tenant, member, plans):
    dispatch_until_idle()  # the membership's start went out before the endpoint was registered
    WebhookEndpointFactory(tenant=tenant, events=["subscription.changed"])
    with tenant_scope(tenant):
        record, _ = change_subscription(
            member, tier=plans.platinum, riders=[plans.premium], actor="Sam Manager"
        )

    [message] = messages_of(tenant)
    data = message["data"]
    assert message["type"] == "subscription.changed"
    assert data["change"] == {
        "id": record.pk,
        "kind": "upgraded",
        "effective_on": "2026-03-10",
        "summary": "Upgraded: Gold → Platinum + Premium Response, now",
        "at": data["change"]["at"],
    }
    subscription = data["subscription"]
    assert subscription["id"] == member.pk
    assert subscription["client"] == {"id": member.client_id, "name": "Whitaker Residence"}
    assert subscription["tier"] == {"key": "platinum", "name": "Platinum", "price": "399.00"}
    assert subscription["riders"] == [
        {"key": "premium-response", "name": "Premium Response", "price": "49.00"}
    ]
    assert (subscription["billing_cycle"], subscription["price"], subscription["currency"]) == (
        "monthly",
        "448.00",
        "USD",
    )
    assert (subscription["status"], subscription["state"], subscription["ends_on"]) == (
        "active",
        "active",
        None,
    )


def test_a_cancellation_says_when_the_membership_ends(tenant, member):
    dispatch_until_idle()
    WebhookEndpointFactory(tenant=tenant, events=["subscription.changed"])
    with tenant_scope(tenant):
        memberships.cancel_at_period_end(member, on=TODAY, actor="Sam Manager")

    [message] = messages_of(tenant)
    assert (message["data"]["change"]["kind"], message["data"]["change"]["effective_on"]) == (
        "cancelled",
        "2026-04-01",
    )
    assert (message["data"]["subscription"]["state"], message["data"]["subscription"]["ends_on"]) == (
        "cancelling",
        "2026-04-01",
    )


def test_only_endpoints_that_want_it_get_it_and_other_events_do_not_bring_it(tenant, member, plans):
    WebhookEndpointFactory(tenant=tenant, events=["ticket.created"])
    with tenant_scope(tenant):
        change_subscription(member, tier=plans.platinum, actor="Sam Manager")
        assert OutboxEvent.objects.filter(name="subscription.changed").count() == 2  # started, upgraded
    assert messages_of(tenant) == []
