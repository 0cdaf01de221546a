"""The SLA board's row per ticket (tickets.models.BoardLead), kept by database triggers: whatever moves a
ticket or its clocks, the rows equal what building them again from the clocks gives, the board reads them,
and the sweeper's stamps pass without touching them."""

import importlib
from datetime import UTC, datetime, timedelta
from io import StringIO

import pytest
import time_machine
from django.core.management import call_command
from django.db import connection

from service_levels import services as sla_services
from service_levels.models import Metric
from tenants.roles import Role
from tenants.scope import tenant_scope
from tests.concurrency import race
from tests.factories import ClientFactory, StaffMembershipFactory
from tickets import selectors, services
from tickets.board_leads import rebuild_board_leads
from tickets.models import OPEN_STATUSES, BoardLead, ClockState, SlaClock, Ticket, TicketStatus
from tickets.sweeper import sweep

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 11, 16, 14, 0, tzinfo=UTC)  # Monday 09:00 in New York


@pytest.fixture(autouse=True)
def frozen_now():
    with time_machine.travel(NOW, tick=False):
        yield


def minutes(n: float) -> timedelta:
    return timedelta(minutes=n)


def kept(tenant) -> dict[int, tuple]:
    """ticket id: (leading clock's metric, its state, its due time, the ticket's status) of each row."""
    with tenant_scope(tenant):
        return {
            lead.ticket_id: (lead.metric, lead.state, lead.due_at, lead.status)
            for lead in BoardLead.objects.all()
        }


def assert_rows_hold(tenant) -> dict[int, tuple]:
    """The rows the triggers kept are the ones building them again gives: nothing to correct."""
    rows = kept(tenant)
    with tenant_scope(tenant):
        assert rebuild_board_leads().corrected == 0
    assert kept(tenant) == rows
    return rows


def open_ticket(tenant, client, *, minutes_ago: float = 0, **fields):
    with tenant_scope(tenant):
        return services.open_ticket(
            client=client, title=fields.pop("title", "Router down"), now=NOW - minutes(minutes_ago), **fields
        )


def test_an_opened_ticket_is_led_by_its_clock_due_first(tenant, desk):
    ticket = open_ticket(tenant, desk["client"], priority="P1")
    rows = assert_rows_hold(tenant)
    # First response 1 h on 24/7 beats on-site and resolution, counted in office hours.
    assert rows == {ticket.pk: (Metric.FIRST_RESPONSE, ClockState.RUNNING, NOW + minutes(60), "new")}


def test_every_action_on_a_ticket_leaves_its_row_as_a_rebuild_would(tenant, desk):
    tech = StaffMembershipFactory(tenant=tenant, role=Role.TECHNICIAN).user
    ticket = open_ticket(tenant, desk["client"], minutes_ago=30, priority="P2")
    other = open_ticket(tenant, desk["client"], priority="P3", title="Keypad dead")
    with tenant_scope(tenant):
        services.assign(ticket, assignee=tech, actor="lead", now=NOW)
        assert_rows_hold(tenant)
        services.change_status(ticket, TicketStatus.WAITING_ON_CLIENT, actor="tech", now=NOW)
        assert kept(tenant)[ticket.pk][1] == ClockState.PAUSED
        assert_rows_hold(tenant)
        services.change_status(ticket, TicketStatus.IN_PROGRESS, actor="tech", now=NOW + minutes(5))
        services.retarget(ticket, actor="lead", priority="P1", why="outage spread", now=NOW + minutes(6))
        assert_rows_hold(tenant)
        services.add_reply(ticket, body="On it.", author=tech, now=NOW + minutes(7))  # first response met
        assert kept(tenant)[ticket.pk][0] != Metric.FIRST_RESPONSE
        assert_rows_hold(tenant)
        services.change_status(other, TicketStatus.RESOLVED, actor="tech", now=NOW + minutes(8))
        assert_rows_hold(tenant)
        services.change_status(other, TicketStatus.CLOSED, actor="tech", now=NOW + minutes(9))
        ticket.refresh_from_db()
    rows = assert_rows_hold(tenant)
    assert rows[ticket.pk][3] == ticket.status
    assert other.pk not in rows


def test_an_open_ticket_whose_clocks_all_stopped_keeps_a_row_naming_no_clock(tenant, desk):
    ticket = open_ticket(tenant, desk["client"], priority="P1")
    with tenant_scope(tenant):
        SlaClock.objects.filter(ticket=ticket).update(state=ClockState.STOPPED)
        board = selectors.sla_board(now=NOW)
    assert kept(tenant) == {ticket.pk: (None, None, None, "new")}
    assert board.rows == []
    assert board.without_clock == 1  # "1 open ticket has no running clock"
    assert_rows_hold(tenant)


def test_a_closed_ticket_leaves_no_row(tenant, desk):
    ticket = open_ticket(tenant, desk["client"], priority="P1")
    with tenant_scope(tenant):
        services.change_status(ticket, TicketStatus.CLOSED, actor="tech", now=NOW)
    assert kept(tenant) == {}
    assert_rows_hold(tenant)


def test_an_open_ticket_written_in_sql_has_a_row_until_it_is_deleted(tenant, desk):
    """A bulk load or a data fix (the app never deletes a ticket: its history is evidence)."""
    ticket = open_ticket(tenant, desk["client"], priority="P1")
    with tenant_scope(tenant):
        copy = Ticket.objects.get(pk=ticket.pk)
        copy.pk, copy.number = None, ticket.number + 1
        (copy,) = Ticket.objects.bulk_create([copy])
    assert kept(tenant)[copy.pk] == (None, None, None, "new")
    with tenant_scope(tenant), connection.cursor() as cursor:
        cursor.execute("DELETE FROM tickets_ticket WHERE id = %s", [copy.pk])
    assert copy.pk not in kept(tenant)
    assert_rows_hold(tenant)


def test_the_triggers_open_statuses_are_the_apps():
    migration = importlib.import_module("tickets.migrations.0025_board_lead")
    assert "(" + ", ".join(f"'{status}'" for status in OPEN_STATUSES) + ")" == migration.OPEN


def test_a_resolved_ticket_with_a_running_clock_keeps_its_row_but_is_not_on_the_board(tenant, desk):
    ticket = open_ticket(tenant, desk["client"], priority="P1")
    with tenant_scope(tenant):
        services.change_status(ticket, TicketStatus.RESOLVED, actor="tech", now=NOW)
        board = selectors.sla_board(now=NOW)
    assert kept(tenant)[ticket.pk][3] == TicketStatus.RESOLVED  # resolving stops the resolution clock only
    assert board.rows == []
    assert board.total == 0


def test_the_sweepers_stamps_leave_the_rows_alone_and_the_board_still_says_breached(tenant, desk):
    ticket = open_ticket(tenant, desk["client"], minutes_ago=90, priority="P1")  # 1 h first response
    with tenant_scope(tenant):
        lead = BoardLead.objects.get(ticket=ticket)
    assert sweep(now=NOW).breached == 1
    with tenant_scope(tenant):
        clock = SlaClock.objects.get(ticket=ticket, metric=Metric.FIRST_RESPONSE)
        unchanged = BoardLead.objects.get(ticket=ticket)
        board = selectors.sla_board(now=NOW)
    assert clock.breached_at == NOW
    assert clock.warned_at == NOW
    assert (unchanged.breached_at, unchanged.warned_at) == (lead.breached_at, lead.warned_at) == (None, None)
    assert [row.state for row in board.rows] == [selectors.BREACHED]
    assert_rows_hold(tenant)  # stamps passed by are not rows to correct


def test_a_breach_stamped_before_its_due_time_is_copied(tenant, desk):
    """Only a stamp at or after the time it marks passes by: any other is what the board must show."""
    ticket = open_ticket(tenant, desk["client"], priority="P1")
    with tenant_scope(tenant):
        SlaClock.objects.filter(ticket=ticket, metric=Metric.FIRST_RESPONSE).update(breached_at=NOW)
        board = selectors.sla_board(now=NOW)
    assert [row.state for row in board.rows] == [selectors.BREACHED]
    assert_rows_hold(tenant)


def test_new_business_hours_move_the_rows_due_times(tenant, desk):
    ticket = open_ticket(tenant, desk["client"], priority="P1")
    with tenant_scope(tenant):
        SlaClock.objects.filter(ticket=ticket, metric=Metric.FIRST_RESPONSE).update(state=ClockState.STOPPED)
        before = BoardLead.objects.get(ticket=ticket).due_at
    with time_machine.travel(NOW + minutes(1), tick=False), tenant_scope(tenant):  # a new calendar version
        sla_services.add_closure(calendar=desk["office"], day=NOW.date(), reason="Flood")
        services.refresh_clocks_of_calendar(desk["office"].pk)
        after = BoardLead.objects.get(ticket=ticket).due_at
    assert before == datetime(2026, 11, 16, 18, 0, tzinfo=UTC)  # on-site: 4 office hours from 09:00 New York
    assert after == datetime(2026, 11, 17, 17, 0, tzinfo=UTC)  # counted from Tuesday 08:00 instead
    assert_rows_hold(tenant)


def test_the_board_filters_the_rows_by_the_tickets_current_fields(tenant, desk):
    tech = StaffMembershipFactory(tenant=tenant, role=Role.TECHNICIAN).user
    okafor = ClientFactory(tenant=tenant, name="Okafor Dental Group")
    ticket = open_ticket(tenant, desk["client"], priority="P2")
    with tenant_scope(tenant):
        services.assign(ticket, assignee=tech, actor="lead", now=NOW)
        services.retarget(ticket, actor="lead", priority="P1", why="outage", now=NOW)
        mine = selectors.sla_board(now=NOW, technician="me", user=tech, priority="P1")
        theirs = selectors.sla_board(now=NOW, client=str(okafor.pk))
    assert [row.ticket.pk for row in mine.rows] == [ticket.pk]
    assert theirs.rows == []
    assert theirs.without_clock == 0


def test_rows_stay_with_their_tenant(tenant, other_tenant, desk):
    open_ticket(tenant, desk["client"], priority="P1")
    with tenant_scope(other_tenant):
        assert BoardLead.objects.count() == 0
        assert selectors.sla_board(now=NOW).total == 0


def test_the_command_builds_rows_lost_or_wrong_and_says_how_many(tenant, desk):
    first = open_ticket(tenant, desk["client"], priority="P1")
    second = open_ticket(tenant, desk["client"], priority="P2", title="Keypad dead")
    rows = kept(tenant)
    with tenant_scope(tenant), connection.cursor() as cursor:  # as a load with triggers off leaves them
        cursor.execute("DELETE FROM tickets_boardlead WHERE ticket_id = %s", [first.pk])
        cursor.execute("UPDATE tickets_boardlead SET status = 'closed' WHERE ticket_id = %s", [second.pk])
    out = StringIO()
    call_command("rebuild_sla_board", "--tenant", tenant.slug, stdout=out)
    assert "2 tickets on the board; 2 rows corrected." in out.getvalue()
    assert kept(tenant) == rows


def test_the_migration_builds_the_rows_of_clocks_written_before_it(tenant, desk):
    ticket = open_ticket(tenant, desk["client"], priority="P1")
    rows = kept(tenant)
    migration = importlib.import_module("tickets.migrations.0025_board_lead")
    with tenant_scope(tenant):
        BoardLead.objects.all().delete()  # as before the migration
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL ROLE NONE")  # the owner, who migrates
        cursor.execute(migration.BUILD_EXISTING)
        cursor.execute("RESET ROLE")
    assert kept(tenant) == rows == {ticket.pk: rows[ticket.pk]}


@pytest.mark.django_db(transaction=True)
def test_a_calendar_refresh_racing_an_action_on_the_same_ticket_leaves_its_row_right(tenant, desk):
    """Each writer locks the ticket before its clocks, so the last one computes the row from both."""
    ticket = open_ticket(tenant, desk["client"], priority="P1")
    calls = iter(["refresh", "pause"])

    def work():
        with tenant_scope(tenant):
            if next(calls) == "refresh":
                services.refresh_clocks_of_calendar(desk["office"].pk)
            else:
                services.change_status(ticket, TicketStatus.WAITING_ON_CLIENT, actor="tech", now=NOW)

    race(work)
    rows = assert_rows_hold(tenant)
    assert rows[ticket.pk][1] == ClockState.PAUSED
