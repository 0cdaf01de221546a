"""A time entry carries its ticket's client (TimeEntry.client), kept by database triggers: set from the ticket
whatever a writer passes, and moved with the ticket when the ticket moves to another client. The reports sum
entries per client from it."""

import importlib
from datetime import date

import pytest
from django.db import connection

from tenants.roles import Role
from tenants.scope import tenant_scope
from tests.factories import ClientFactory, StaffMembershipFactory
from tickets import services
from tickets.models import Ticket, TimeEntry

pytestmark = pytest.mark.django_db


@pytest.fixture
def logged(tenant, desk):
    """A ticket of the desk's client with an hour logged on it."""
    tech = StaffMembershipFactory(tenant=tenant, role=Role.TECHNICIAN).user
    with tenant_scope(tenant):
        ticket = services.open_ticket(client=desk["client"], title="Router down", priority="P2")
        entry = services.log_time(
            ticket, technician=tech, work_type="troubleshooting", minutes=60, location="remote",
            worked_on=date(2026, 11, 16),
        )  # fmt: skip
    return ticket, entry


def client_of(tenant, entry) -> int:
    with tenant_scope(tenant):
        return TimeEntry.objects.get(pk=entry.pk).client_id


def test_logged_time_carries_its_tickets_client(tenant, desk, logged):
    _, entry = logged
    assert entry.client_id == desk["client"].pk
    assert client_of(tenant, entry) == desk["client"].pk


def test_an_entry_written_with_another_client_gets_its_tickets_anyway(tenant, desk, logged):
    ticket, entry = logged
    stranger = ClientFactory(tenant=tenant, name="Okafor Dental Group")
    with tenant_scope(tenant):
        TimeEntry.objects.filter(pk=entry.pk).update(client=stranger)
    assert client_of(tenant, entry) == ticket.client_id


def test_a_ticket_moved_to_another_client_takes_its_entries_along(tenant, desk, logged):
    ticket, entry = logged
    okafor = ClientFactory(tenant=tenant, name="Okafor Dental Group")
    with tenant_scope(tenant):
        Ticket.objects.filter(pk=ticket.pk).update(client=okafor)
    assert client_of(tenant, entry) == okafor.pk


def test_the_migration_fills_the_client_of_entries_written_before_it(tenant, desk, logged):
    ticket, entry = logged
    migration = importlib.import_module("tickets.migrations.0026_time_entry_client")
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # the foreign-key checks done, so the table alters
        cursor.execute("SET LOCAL ROLE NONE")  # the owner, who migrates
        cursor.execute("ALTER TABLE tickets_timeentry DISABLE TRIGGER tickets_time_entry_client")
        cursor.execute("UPDATE tickets_timeentry SET client_id = 0 WHERE id = %s", [entry.pk])  # as unset
        cursor.execute(migration.FILL_EXISTING)
        cursor.execute("ALTER TABLE tickets_timeentry ENABLE TRIGGER tickets_time_entry_client")
        cursor.execute("RESET ROLE")
    assert client_of(tenant, entry) == ticket.client_id
