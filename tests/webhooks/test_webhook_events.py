"""Which events partners receive and what is in them: the new ``ticket.updated`` and ``client.created``
events, the fan-out to the endpoints that want an event, and the ``data`` of each kind of message."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from clients import services as client_services
from contracts import agreements
from events import bus
from events.dispatch import dispatch_until_idle
from events.models import EventDelivery, OutboxEvent
from events.services import create_pending_deliveries, record_event
from service_levels.models import Metric
from tenants.roles import Role
from tenants.scope import cross_tenant, tenant_scope
from tests.contracts.contract_setup import service_version
from tests.factories import PlanFactory, StaffMembershipFactory, WebhookEndpointFactory
from tickets import services as ticket_services
from tickets.models import SlaClock, TicketStatus
from tickets.sweeper import sweep
from webhooks.models import WebhookDelivery
from webhooks.payloads import EVENT_TYPES
from webhooks.services import fan_out

pytestmark = pytest.mark.django_db

OPENED = datetime(2026, 11, 16, 14, 0, tzinfo=UTC)


@pytest.fixture
def ticket(desk, tenant):
    with tenant_scope(tenant):
        return ticket_services.open_ticket(
            client=desk["client"], title="Wi-Fi down", priority="P2", now=OPENED
        )


def events_named(name):
    return list(OutboxEvent.objects.filter(name=name).order_by("id"))


def message_for(tenant, event):
    """The message the endpoint gets for ``event``, once the event bus has handed it to webhooks."""
    dispatch_until_idle()
    with tenant_scope(tenant):
        return WebhookDelivery.objects.get(event=event).message


# --- The new events ---------------------------------------------------------------------------------


def test_each_ticket_change_records_one_ticket_updated_event_with_the_changed_fields(ticket, tenant):
    tech = StaffMembershipFactory(tenant=tenant, role=Role.TECHNICIAN).user
    with tenant_scope(tenant):
        ticket_services.change_status(ticket, TicketStatus.IN_PROGRESS, actor="tech")
        ticket_services.retarget(ticket, actor="dispatch", priority="P1", why="Whole house down")
        ticket_services.assign(ticket, assignee=tech, actor="dispatch")
        ticket_services.assign(ticket, assignee=tech, actor="dispatch")  # no change: no event
        changes = [event.payload["changes"] for event in events_named("ticket.updated")]

    assert changes == [
        {"status": ["new", "in_progress"]},
        {"priority": ["P2", "P1"]},
        {"assignee": [None, tech.pk]},
    ]


def test_resolving_a_ticket_records_ticket_resolved_and_ticket_updated(ticket, tenant):
    with tenant_scope(tenant):
        ticket_services.change_status(ticket, TicketStatus.RESOLVED, actor="tech")
        assert len(events_named("ticket.resolved")) == 1
        assert events_named("ticket.updated")[-1].payload["changes"] == {"status": ["new", "resolved"]}


def test_creating_a_client_records_client_created(tenant):
    with tenant_scope(tenant):
        client = client_services.create_client(name="Harbor View Condos", email="office@harborview.example")
        [event] = events_named("client.created")
    assert event.payload["client_id"] == client.pk


# --- Fan-out ----------------------------------------------------------------------------------------


def test_an_event_becomes_one_delivery_per_enabled_endpoint_that_wants_it(ticket, tenant, other_tenant):
    wants = WebhookEndpointFactory(tenant=tenant, events=["ticket.created"])
    also_wants = WebhookEndpointFactory(tenant=tenant, events=["sla.breached", "ticket.created"])
    WebhookEndpointFactory(tenant=tenant, events=["ticket.created"], is_enabled=False)
    WebhookEndpointFactory(tenant=tenant, events=["ticket.resolved"])
    WebhookEndpointFactory(tenant=other_tenant, events=["ticket.created"])

    dispatch_until_idle()  # the event bus hands ticket.created to the webhooks consumer
    with tenant_scope(tenant):
        [event] = events_named("ticket.created")
        again = fan_out(event, now=timezone.now())  # a repeated fan-out adds nothing
        rows = list(WebhookDelivery.objects.order_by("endpoint_id"))

    assert [row.endpoint_id for row in rows] == [wants.pk, also_wants.pk]
    assert again == []
    assert len({row.message_id for row in rows}) == 2
    assert rows[0].body == rows[1].body
    assert all(row.status == "pending" and row.event_type == "ticket.created" for row in rows)


def consumers_told_of(tenant, name):
    """Which consumers got a delivery of each ``name`` event of ``tenant``, in event order, once the
    dispatcher made the deliveries of the sweeper's events."""
    create_pending_deliveries()
    with cross_tenant("check the sweeper's deliveries"):
        return [
            sorted(EventDelivery.objects.filter(event=event).values_list("consumer", flat=True))
            for event in OutboxEvent.objects.filter(tenant=tenant, name=name).order_by("id")
        ]


def test_the_sweepers_events_get_no_webhooks_delivery_where_no_endpoint_of_the_tenant_lists_them(
    ticket, tenant, other_tenant
):
    WebhookEndpointFactory(tenant=tenant, events=["ticket.created"])
    WebhookEndpointFactory(tenant=other_tenant, events=["sla.warning", "sla.breached"])
    sweep(now=OPENED + timedelta(hours=3))
    assert consumers_told_of(tenant, "sla.breached")[0] == ["notifications.staff_sla_alerts"]
    dispatch_until_idle()
    with cross_tenant("no SLA webhook was queued for either tenant"):
        assert not WebhookDelivery.objects.filter(event_type__startswith="sla.").exists()


def test_an_endpoint_for_warnings_only_gets_the_sweepers_warnings_and_not_its_breaches(ticket, tenant):
    WebhookEndpointFactory(tenant=tenant, events=["sla.warning"])
    sweep(now=OPENED + timedelta(hours=3))
    assert consumers_told_of(tenant, "sla.warning")[0] == ["notifications.staff_sla_alerts", "webhooks"]
    assert consumers_told_of(tenant, "sla.breached")[0] == ["notifications.staff_sla_alerts"]


def test_a_disabled_endpoint_enabled_before_the_dispatcher_runs_still_gets_the_breach(ticket, tenant):
    endpoint = WebhookEndpointFactory(tenant=tenant, events=["sla.breached"], is_enabled=False)
    sweep(now=OPENED + timedelta(hours=3))
    with tenant_scope(tenant):
        endpoint.is_enabled = True
        endpoint.save()
        event = OutboxEvent.objects.get(name="sla.breached", payload__metric=Metric.FIRST_RESPONSE)
    assert message_for(tenant, event)["type"] == "sla.breached"


def test_the_webhooks_consumer_is_subscribed_to_every_event_type_partners_can_receive():
    for name in EVENT_TYPES:
        assert "webhooks" in bus.consumers_for(name), name
    assert "webhooks" not in bus.consumers_for("client.terms_changed")


def test_events_partners_cannot_subscribe_to_are_not_sent(tenant):
    WebhookEndpointFactory(tenant=tenant, events=list(EVENT_TYPES))
    with tenant_scope(tenant):
        record_event("contract_version.published", version_id=1)
        event = OutboxEvent.objects.create(tenant=tenant, name="agreement.archived", payload={})
        assert fan_out(event, now=timezone.now()) == []  # matches agreement.* but is no event type
    dispatch_until_idle()
    with tenant_scope(tenant):
        assert not WebhookDelivery.objects.exists()


# --- The messages -----------------------------------------------------------------------------------


def test_a_ticket_message_carries_the_ticket_as_a_partner_wants_it(ticket, tenant, desk):
    WebhookEndpointFactory(tenant=tenant, events=["ticket.created"])
    with tenant_scope(tenant):
        message = message_for(tenant, events_named("ticket.created")[0])

    assert set(message) == {"type", "timestamp", "data"}
    data = message["data"]["ticket"]
    assert data["id"] == ticket.pk
    assert data["number"] == ticket.number
    assert (data["title"], data["status"], data["priority"]) == ("Wi-Fi down", "new", "P2")
    assert data["client"] == {"id": desk["client"].pk, "name": "Whitaker Residence"}
    assert data["assignee"] is None
    assert datetime.fromisoformat(data["created_at"]) == OPENED  # ISO 8601 with its offset


def test_a_ticket_updated_message_says_what_changed(ticket, tenant):
    WebhookEndpointFactory(tenant=tenant, events=["ticket.updated"])
    with tenant_scope(tenant):
        ticket_services.change_status(ticket, TicketStatus.WAITING_ON_CLIENT, actor="tech")
        message = message_for(tenant, events_named("ticket.updated")[0])

    assert message["data"]["changes"] == {"status": {"from": "new", "to": "waiting_on_client"}}
    assert message["data"]["ticket"]["status"] == "waiting_on_client"


def test_an_sla_breached_message_carries_the_ticket_and_the_clock(ticket, tenant):
    WebhookEndpointFactory(tenant=tenant, events=["sla.breached"])
    sweep(now=OPENED + timedelta(hours=3))  # P2 first response: 2 h on the 24/7 calendar
    with tenant_scope(tenant):
        event = OutboxEvent.objects.get(name="sla.breached", payload__metric=Metric.FIRST_RESPONSE)
        message = message_for(tenant, event)
        clock = SlaClock.objects.get(ticket=ticket, metric=Metric.FIRST_RESPONSE)

    assert message["type"] == "sla.breached"
    assert message["data"]["ticket"]["id"] == ticket.pk
    assert message["data"]["clock"]["id"] == clock.pk
    assert message["data"]["clock"]["metric"] == "first_response"
    assert datetime.fromisoformat(message["data"]["clock"]["due_at"]) == OPENED + timedelta(hours=2)


def test_an_agreement_message_carries_the_agreement_its_contract_and_currency(tenant, desk):
    WebhookEndpointFactory(tenant=tenant, events=["agreement.sent", "agreement.signed"])
    version = service_version(tenant, title="Home Care Plan")
    with tenant_scope(tenant):
        gold = PlanFactory(tenant=tenant, key="gold")
        agreement = agreements.create_agreement(
            client=desk["client"], version=version, actor="owner", plan=gold, plan_price=Decimal("149.00")
        )
        agreements.mark_sent(agreement, actor="owner")
        message = message_for(tenant, events_named("agreement.sent")[0])

    data = message["data"]["agreement"]
    assert (data["id"], data["status"], data["tier"]) == (agreement.pk, "sent", "gold")
    assert data["client"] == {"id": desk["client"].pk, "name": "Whitaker Residence"}
    assert data["contract"]["id"] == version.pk
    assert data["contract"]["title"] == "Home Care Plan"
    assert (data["monthly_fee"], data["currency"]) == ("149.00", "USD")


def test_a_client_created_message_carries_the_client(tenant):
    WebhookEndpointFactory(tenant=tenant, events=["client.created"])
    with tenant_scope(tenant):
        client = client_services.create_client(name="Harbor View Condos", managed_endpoints=40)
        message = message_for(tenant, events_named("client.created")[0])

    assert message["data"]["client"]["id"] == client.pk
    assert message["data"]["client"]["name"] == "Harbor View Condos"
    assert message["data"]["client"]["managed_endpoints"] == 40
    assert message["data"]["client"]["archived"] is False
