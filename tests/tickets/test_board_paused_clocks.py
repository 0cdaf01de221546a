"""Paused clocks on the SLA board: a paused clock keeps the business time it had left when it paused
(SlaClock.paused_business_left), and the board orders paused tickets by it in SQL. Every way a clock
moves keeps it true: pausing sets it, re-targeting while paused (a priority change, the client's terms)
recomputes it, resuming and stopping clear it."""

from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

import pytest
import time_machine

from service_levels import services as sla_services
from service_levels.models import Metric
from tenants.scope import tenant_scope
from tickets import selectors, services
from tickets.handlers import retarget_tickets_of_client
from tickets.models import ClockState, SlaClock, TicketStatus

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 11, 16, 14, 0, tzinfo=UTC)  # Monday 09:00 in New York
WAITING, WORKING = TicketStatus.WAITING_ON_CLIENT, TicketStatus.IN_PROGRESS


@pytest.fixture(autouse=True)
def frozen_now():
    with time_machine.travel(NOW, tick=False):
        yield


def minutes(n: float) -> timedelta:
    return timedelta(minutes=n)


def paused_ticket(tenant, client, title, *, opened: float, paused: float, priority: str = "P1"):
    """A ticket opened ``opened`` minutes before NOW and waiting on the client since ``paused`` minutes
    before NOW. The desk's P1 first response is 1 h on a 24/7 calendar, so it leads with 60 - (opened -
    paused) minutes left; P2 has 2 h."""
    with tenant_scope(tenant):
        opened_at = NOW - minutes(opened)
        ticket = services.open_ticket(client=client, title=title, priority=priority, now=opened_at)
        services.change_status(ticket, WAITING, actor="tech", now=NOW - minutes(paused))
    return ticket


def board_rows(tenant, **filters) -> list[tuple[str, str, timedelta | None]]:
    """(ticket title, state, business time left) of each row, top to bottom."""
    with tenant_scope(tenant):
        board = selectors.sla_board(now=NOW, **filters)
    return [(row.ticket.title, row.state, row.clock.business_left) for row in board.rows]


def clock(tenant, ticket, metric=Metric.FIRST_RESPONSE) -> SlaClock:
    with tenant_scope(tenant):
        return SlaClock.objects.get(ticket=ticket, metric=metric)


@pytest.fixture
def waiting(tenant, desk):
    """Three tickets waiting on the client, numbered in neither the order they paused nor the order of
    the business time they have left: #1 55 min left, #2 30 min, #3 (P2) 50 min."""
    client = desk["client"]
    return {
        "late": paused_ticket(tenant, client, "Label printer offline", opened=10, paused=5),
        "early": paused_ticket(tenant, client, "VPN drops hourly", opened=50, paused=20),
        "p2": paused_ticket(tenant, client, "Projector flickers", opened=100, paused=30, priority="P2"),
    }


def test_paused_tickets_are_ordered_by_the_business_time_they_have_left(tenant, waiting):
    assert board_rows(tenant) == [
        ("VPN drops hourly", "paused", minutes(30)),
        ("Projector flickers", "paused", minutes(50)),
        ("Label printer offline", "paused", minutes(55)),
    ]


def test_a_pause_keeps_what_the_engine_says_is_left_whenever_it_is_read(tenant, waiting):
    with tenant_scope(tenant):
        for ticket in waiting.values():
            for paused in SlaClock.objects.filter(ticket=ticket).select_related("calendar"):
                # A week later on the clock's own calendar (office hours, holidays): still the same.
                assert paused.paused_business_left == paused.business_time_left(NOW + timedelta(days=7))
        assert clock(tenant, waiting["early"], Metric.RESOLUTION).paused_business_left == minutes(8 * 60 - 30)


def test_running_tickets_come_before_paused_ones_and_the_counts_add_both(tenant, desk, waiting):
    with tenant_scope(tenant):
        services.open_ticket(client=desk["client"], title="Phones dead", priority="P4", now=NOW)
        board = selectors.sla_board(now=NOW)

    assert [row.ticket.title for row in board.rows][:2] == ["Phones dead", "VPN drops hourly"]
    assert board.counts == {"on_track": 1, "paused": 3}
    assert (board.total, board.without_clock) == (4, 0)


def test_a_paused_clock_out_of_business_time_is_breached_among_the_paused(tenant, desk, waiting):
    paused_ticket(tenant, desk["client"], "Server room hot", opened=90, paused=10)  # 80 of 60 min used

    assert board_rows(tenant)[0] == ("Server room hot", "breached", minutes(-20))
    assert board_rows(tenant, state="breached") == [("Server room hot", "breached", minutes(-20))]
    assert [title for title, _, _ in board_rows(tenant, state="paused")] == [
        "VPN drops hourly", "Projector flickers", "Label printer offline",
    ]  # fmt: skip


def test_a_priority_change_while_paused_recomputes_the_time_left_and_the_order(tenant, waiting):
    with tenant_scope(tenant):
        services.retarget(waiting["early"], actor="dispatcher", priority="P3", now=NOW)

    # P3: first response 4 h, of which 30 min were used before the pause; still paused.
    retargeted = clock(tenant, waiting["early"])
    assert (retargeted.state, retargeted.paused_business_left) == (ClockState.PAUSED, minutes(210))
    assert [title for title, _, _ in board_rows(tenant)] == [
        "Projector flickers", "Label printer offline", "VPN drops hourly",
    ]  # fmt: skip


def test_new_client_terms_while_paused_recompute_the_time_left(tenant, desk, waiting):
    with tenant_scope(tenant):  # the policy now promises a first response in 3 h at P1
        sla_services.set_targets(desk["policy"], {("P1", Metric.FIRST_RESPONSE): (180, desk["always"])})
        terms = {"client_id": desk["client"].pk, "why": "client terms changed"}
        event = SimpleNamespace(payload=terms)
        retarget_tickets_of_client(event, now=NOW)

    assert clock(tenant, waiting["early"]).paused_business_left == minutes(150)
    assert clock(tenant, waiting["late"]).paused_business_left == minutes(175)
    assert [title for title, _, _ in board_rows(tenant)] == [
        "Projector flickers", "VPN drops hourly", "Label printer offline",
    ]  # fmt: skip


def test_resuming_clears_the_kept_time_and_the_ticket_counts_down_again(tenant, waiting):
    with tenant_scope(tenant):
        services.change_status(waiting["early"], WORKING, actor="tech", now=NOW)

    resumed = clock(tenant, waiting["early"])
    assert (resumed.state, resumed.paused_business_left, resumed.due_at) == (
        ClockState.RUNNING,
        None,
        NOW + minutes(30),
    )
    assert board_rows(tenant)[0] == ("VPN drops hourly", "on_track", None)


def test_a_reply_that_meets_a_paused_clock_clears_its_time_and_the_next_clock_leads(tenant, waiting, owner):
    with tenant_scope(tenant):
        waiting["early"].refresh_from_db()  # waiting on the client, as a page would load it
        services.add_reply(waiting["early"], body="Here is what we found", author=owner, now=NOW)

    met = clock(tenant, waiting["early"])
    assert (met.state, met.paused_business_left) == (ClockState.STOPPED, None)
    # On-site arrival (4 business hours from 08:10, paused at 08:40) leads now: 3 h 30 min left.
    assert board_rows(tenant)[-1] == ("VPN drops hourly", "paused", minutes(210))


def test_closing_a_waiting_ticket_clears_every_kept_time(tenant, waiting):
    with tenant_scope(tenant):
        services.change_status(waiting["early"], TicketStatus.CLOSED, actor="tech", now=NOW)
        kept = set(
            SlaClock.objects.filter(ticket=waiting["early"]).values_list("state", "paused_business_left")
        )
    assert kept == {(ClockState.STOPPED, None)}
    assert "VPN drops hourly" not in [title for title, _, _ in board_rows(tenant)]
