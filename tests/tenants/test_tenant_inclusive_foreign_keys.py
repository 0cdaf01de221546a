"""The rows the SLA sweeper writes by the hundred reference their parents by tenant and id: a breach its
clock and, through the same key, that clock's ticket; a clock its ticket; a delivery its event. One check
per row at commit, and the database itself refuses a row that names another tenant's parent, or a ticket
other than its clock's, whatever wrote it (raw SQL here, as the sweeper's is)."""

from datetime import UTC, datetime

import pytest
from django.db import IntegrityError, connection, transaction

from events.models import OutboxEvent
from service_levels.models import Metric
from tenants.scope import cross_tenant, tenant_scope
from tests.factories import ClientFactory, sla_desk
from tickets import services
from tickets.models import SlaClock

pytestmark = pytest.mark.django_db

OPENED = datetime(2026, 11, 16, 14, 0, tzinfo=UTC)


@pytest.fixture
def clock(tenant):
    sla_desk(tenant)
    with tenant_scope(tenant):
        ticket = services.open_ticket(client=ClientFactory(tenant=tenant), title="NAS offline", now=OPENED)
        return SlaClock.objects.get(ticket=ticket, metric=Metric.FIRST_RESPONSE)


def insert_checked(sql, params):
    """Insert as the sweeper does (the worker role, past RLS) and check the foreign keys at once."""
    with (
        cross_tenant("write a row by hand, as the sweeper's SQL does"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(sql, params)
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")


BREACH = """
    INSERT INTO tickets_slabreach (tenant_id, clock_id, ticket_id, metric, due_at, recorded_at, reason)
    VALUES (%s, %s, %s, 'first_response', now(), now(), '')
"""


def test_a_breach_is_recorded_for_a_clock_and_ticket_of_its_own_tenant(clock):
    insert_checked(BREACH, [clock.tenant_id, clock.pk, clock.ticket_id])


def test_a_breach_naming_another_tenants_clock_and_ticket_is_refused(clock, other_tenant):
    with pytest.raises(IntegrityError, match="sla_breach_clock_of_tenant_fk"):
        insert_checked(BREACH, [other_tenant.pk, clock.pk, clock.ticket_id])


def test_a_breach_naming_a_clock_that_does_not_exist_is_refused(clock):
    with pytest.raises(IntegrityError, match="sla_breach_clock_of_tenant_fk"):
        insert_checked(BREACH, [clock.tenant_id, clock.pk + 1000, clock.ticket_id])


def test_a_breach_naming_a_ticket_other_than_its_clocks_is_refused(clock, tenant):
    with tenant_scope(tenant):
        other_ticket = services.open_ticket(client=ClientFactory(tenant=tenant), title="Printer", now=OPENED)
    with pytest.raises(IntegrityError, match="sla_breach_clock_of_tenant_fk"):
        insert_checked(BREACH, [clock.tenant_id, clock.pk, other_ticket.pk])


def test_a_clock_on_another_tenants_ticket_is_refused(clock, other_tenant):
    sla_desk(other_tenant)
    with tenant_scope(other_tenant):
        foreign = services.open_ticket(client=ClientFactory(tenant=other_tenant), title="Door", now=OPENED)
    move = "UPDATE tickets_slaclock SET ticket_id = %s WHERE id = %s"
    with pytest.raises(IntegrityError, match="sla_clock_ticket_of_tenant_fk"):
        insert_checked(move, [foreign.pk, clock.pk])


DELIVERY = """
    INSERT INTO events_eventdelivery (tenant_id, event_id, consumer, status, attempts, last_error)
    VALUES (%s, %s, %s, 'pending', 0, '')
"""


def test_a_delivery_runs_in_its_events_tenant_only(tenant, other_tenant):
    with tenant_scope(tenant):
        event = OutboxEvent.objects.create(tenant=tenant, name="sla.breached", payload={})
    insert_checked(DELIVERY, [tenant.pk, event.pk, "webhooks"])
    with pytest.raises(IntegrityError, match="delivery_event_of_tenant_fk"):
        insert_checked(DELIVERY, [other_tenant.pk, event.pk, "notifications.staff_sla_alerts"])
