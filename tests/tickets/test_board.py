"""The SLA board: open tickets by time to breach, each with its most urgent clock, coloured by state with
a word, live countdowns next to the due time in the tenant's zone, refreshing itself, and filtered by
technician, client, priority and metric (kept in the URL)."""

import re
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.urls import reverse

from tenants.roles import Role
from tenants.scope import tenant_scope
from tests.factories import ClientFactory, StaffMembershipFactory
from tickets import selectors, services
from tickets.models import TicketStatus

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 11, 16, 14, 0, tzinfo=UTC)  # Monday 09:00 in New York


@pytest.fixture(autouse=True)
def frozen_now():
    with time_machine.travel(NOW, tick=False):
        yield


def open_ticket(tenant, client, title, *, minutes_ago=0, **fields):
    with tenant_scope(tenant):
        return services.open_ticket(
            client=client, title=title, now=NOW - timedelta(minutes=minutes_ago), **fields
        )


@pytest.fixture
def floor(tenant, desk):
    """Four open tickets of the desk's basic-triage SLA (first response 1 h × 1/2/4 for P1/P2/P3, 24/7):
    breached, warning (past 75 %), on track, and paused (waiting on the client); one resolved."""
    tech = StaffMembershipFactory(tenant=tenant, role=Role.TECHNICIAN, user__full_name="Theo Tran").user
    okafor = ClientFactory(tenant=tenant, name="Okafor Dental Group")
    whitaker = desk["client"]
    tickets = {
        "breached": open_ticket(tenant, whitaker, "Core switch down", minutes_ago=120, priority="P1"),
        "warning": open_ticket(tenant, whitaker, "Gate camera offline", minutes_ago=50, priority="P1"),
        "on_track": open_ticket(tenant, whitaker, "Keypad dead", priority="P2", assignee=tech),
        "paused": open_ticket(tenant, okafor, "Email not syncing", minutes_ago=60, priority="P3"),
        "resolved": open_ticket(tenant, okafor, "Printer jam", minutes_ago=30, priority="P1"),
    }
    with tenant_scope(tenant):
        services.change_status(tickets["paused"], TicketStatus.WAITING_ON_CLIENT, actor="tech", now=NOW)
        services.change_status(tickets["resolved"], TicketStatus.RESOLVED, actor="tech", now=NOW)
    return {**tickets, "tech": tech, "okafor": okafor, "whitaker": whitaker}


def rows(page: str) -> list[tuple[str, str]]:
    """(state, ticket title) of each board row, top to bottom."""
    return re.findall(
        r'<tr class="[^"]*" data-state="([a-z_]+)" data-ticket="\d+">.*?#\d+ ([^<]+)</a>', page, re.S
    )


def board(staff_client, **params) -> str:
    response = staff_client.get(reverse("tickets:board"), params)
    assert response.status_code == 200
    return response.content.decode()


def test_open_tickets_are_sorted_by_time_to_breach_with_paused_clocks_last(staff_client, floor):
    assert rows(board(staff_client)) == [
        ("breached", "Core switch down"),
        ("warning", "Gate camera offline"),
        ("on_track", "Keypad dead"),
        ("paused", "Email not syncing"),
    ]


def test_each_row_says_its_state_in_a_word_and_a_colour_with_a_countdown_and_the_due_time(
    staff_client, floor
):
    page = board(staff_client)

    assert re.search(r'class="table-danger" data-state="breached".*?>Breached<', page, re.S)
    assert re.search(r'class="table-warning" data-state="warning".*?>Warning<', page, re.S)
    assert 'data-due="2026-11-16T08:00:00-05:00">breached 1 h ago<' in page
    assert "was due Mon 16 Nov, 08:00 EST" in page
    assert 'data-due="2026-11-16T09:10:00-05:00">breaches in 10 min<' in page
    assert "due Mon 16 Nov, 09:10 EST" in page
    assert ">3 h of business time left<" in page
    assert "clock paused" in page
    for state, count in (("breached", 1), ("warning", 1), ("on_track", 1), ("paused", 1)):
        assert re.search(rf'data-count="{state}">[A-Za-z ]+ · {count}<', page)
    assert "times in America/New_York" in page
    assert "js/countdown.js" in page
    assert not re.search(r"<script(?![^>]*\bsrc=)|\sstyle=|\son[a-z]+=", page)


def test_the_board_refreshes_itself_every_15_seconds_with_its_filters(staff_client, floor):
    page = board(staff_client, priority="P1")
    partial = staff_client.get(reverse("tickets:board"), {"priority": "P1"}, HTTP_HX_REQUEST="true")

    expected = 'hx-get="/tickets/board/?priority=P1" hx-trigger="every 15s" hx-swap="outerHTML"'
    assert expected in page
    body = partial.content.decode()
    assert "<html" not in body
    assert expected in body
    assert rows(body) == [("breached", "Core switch down"), ("warning", "Gate camera offline")]
    assert 'data-countdown-now="2026-11-16T09:00:00-05:00"' in body  # the server's clock for countdown.js


def test_the_board_filters_by_technician_client_priority_and_metric(staff_client, floor, owner):
    tech, okafor = floor["tech"], floor["okafor"]

    assert rows(board(staff_client, technician=str(tech.pk))) == [("on_track", "Keypad dead")]
    assert [title for _, title in rows(board(staff_client, technician="none"))] == [
        "Core switch down", "Gate camera offline", "Email not syncing",
    ]  # fmt: skip
    assert rows(board(staff_client, technician="me")) == []
    assert rows(board(staff_client, client=str(okafor.pk))) == [("paused", "Email not syncing")]
    assert rows(board(staff_client, priority="P2")) == [("on_track", "Keypad dead")]
    resolution = board(staff_client, metric="resolution")
    # Resolution runs in office hours (from 08:00): 16:00 for the ticket of 07:00, 16:10 for 08:10's.
    assert [title for _, title in rows(resolution)][:3] == [
        "Core switch down",
        "Gate camera offline",
        "Keypad dead",
    ]
    assert "First response" not in resolution.split("<tbody>")[1]
    assert f'<option value="{okafor.pk}" selected>' in board(staff_client, client=str(okafor.pk))


def test_a_met_first_response_hands_the_row_to_the_next_clock(staff_client, tenant, floor, owner):
    with tenant_scope(tenant):
        services.add_reply(floor["breached"], body="On it", author=owner, now=NOW)

    page = board(staff_client)

    row = page.split('data-state="on_track" data-ticket="1"')[1].split("</tr>")[0]
    assert "On-site arrival" in row  # 4 business hours from 08:00: due 12:00
    assert "due Mon 16 Nov, 12:00 EST" in row


def test_nothing_on_the_board_says_so(staff_client, tenant, desk):
    page = board(staff_client)
    assert "Nothing is waiting on an SLA clock." in page
    assert "Breached · 0" in page


def test_the_selector_gives_seconds_to_breach_and_counts(tenant, floor):
    with tenant_scope(tenant):
        result = selectors.sla_board(now=NOW)
    seconds = [row.clock.seconds_left for row in result.rows]
    assert seconds[:3] == [-3600, 600, 7200]
    assert result.rows[3].clock.business_left == timedelta(hours=3)
    assert result.counts == {"breached": 1, "warning": 1, "on_track": 1, "paused": 1}
    assert result.without_clock == 0


def test_the_board_shows_a_page_of_the_most_urgent_and_more_on_request(staff_client, floor, monkeypatch):
    monkeypatch.setattr(selectors, "BOARD_PAGE", 2)

    first = board(staff_client)
    assert rows(first) == [("breached", "Core switch down"), ("warning", "Gate camera offline")]
    assert "Showing the 2 most urgent of 4 tickets." in first
    assert 'href="/tickets/board/?shown=4"' in first
    assert ">Show 2 more</a>" in first
    for state in ("breached", "warning", "on_track", "paused"):  # the counts cover every ticket
        assert re.search(rf'data-count="{state}">[A-Za-z ]+ · 1<', first)

    more = board(staff_client, shown="4")
    assert [state for state, _ in rows(more)] == ["breached", "warning", "on_track", "paused"]
    assert "most urgent of" not in more
    # The refresh every 15 s keeps as many rows.
    assert 'hx-get="/tickets/board/?shown=4" hx-trigger="every 15s"' in more


def test_showing_more_keeps_the_filters(staff_client, floor, monkeypatch):
    monkeypatch.setattr(selectors, "BOARD_PAGE", 2)

    page = board(staff_client, technician="none")

    assert "Showing the 2 most urgent of 3 tickets." in page
    assert 'href="/tickets/board/?technician=none&amp;shown=4"' in page
    assert ">Show 1 more</a>" in page
