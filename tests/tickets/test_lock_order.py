"""Ticket writes and the SLA sweeper take locks in one order (ticket, then its running clocks, then breach
rows), run interleaved on two real connections with a pause injected where the deadlock was found.

Each thread gets its own database connection (Django opens one per thread) and closes it at the end;
the main thread watches ``pg_locks`` to see whether the other side is waiting for a lock.
"""

import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection

from service_levels.models import Metric
from tenants.scope import cross_tenant, tenant_scope
from tests.factories import StaffMembershipFactory
from tickets import services, sweeper
from tickets.models import ClockState, SlaBreach, SlaClock, Ticket, TicketStatus

pytestmark = pytest.mark.django_db(transaction=True)

NY_MONDAY_9AM = datetime(2026, 11, 16, 14, 0, tzinfo=UTC)  # 09:00 in New York
TWO_HOURS_LATER = NY_MONDAY_9AM + timedelta(hours=2)  # first response (1 h, 24/7) is overdue
PATIENCE = 20  # seconds: only reached when something is wrong


def backend_pid() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        return cursor.fetchone()[0]


def is_waiting_for_a_lock(pid: int) -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT EXISTS (SELECT 1 FROM pg_locks WHERE pid = %s AND NOT granted)", [pid])
        return cursor.fetchone()[0]


def wait_until_blocked_or_finished(thread: threading.Thread, pids: dict, name: str) -> bool:
    """True if the thread waits for a lock, False if it finished first."""
    deadline = time.monotonic() + PATIENCE
    while time.monotonic() < deadline:
        if not thread.is_alive():
            return False
        if name in pids and is_waiting_for_a_lock(pids[name]):
            return True
        thread.join(timeout=0.02)
    raise AssertionError(f"{name} neither finished nor waited for a lock within {PATIENCE} s")


def in_thread(
    name: str, work: Callable[[], object], pids: dict, results: dict, errors: list
) -> threading.Thread:
    def run():
        try:
            pids[name] = backend_pid()
            results[name] = work()
        except Exception as error:
            errors.append(error)
        finally:
            connection.close()

    thread = threading.Thread(target=run, name=name)
    thread.start()
    return thread


def paused(function: Callable, reached: threading.Event, resume: threading.Event) -> Callable:
    def wrapper(*args, **kwargs):
        reached.set()
        assert resume.wait(timeout=PATIENCE), "never resumed"
        return function(*args, **kwargs)

    return wrapper


@pytest.fixture
def overdue_ticket(desk, tenant):
    with tenant_scope(tenant):
        return services.open_ticket(
            client=desk["client"], title="Projector dead", priority="P1", now=NY_MONDAY_9AM
        )


def breaches_recorded() -> list[tuple[int, str]]:
    with cross_tenant("check what the sweeper recorded"):
        return list(SlaBreach.objects.values_list("ticket_id", "metric"))


def test_the_sweeper_skips_a_ticket_a_retarget_holds_and_breaches_it_on_the_next_pass(
    overdue_ticket, tenant, monkeypatch
):
    # The pause of the issue: inside retarget, with the ticket locked and its clocks not yet touched.
    ticket_locked, resume = threading.Event(), threading.Event()
    monkeypatch.setattr(services, "_apply_targets", paused(services._apply_targets, ticket_locked, resume))
    pids, results, errors = {}, {}, []

    def retarget():
        with tenant_scope(tenant):
            return services.retarget(
                overdue_ticket, actor="Dispatcher", why="tier re-read", now=TWO_HOURS_LATER
            )

    action = in_thread("retarget", retarget, pids, results, errors)
    sweep = None
    try:
        assert ticket_locked.wait(timeout=PATIENCE)
        sweep = in_thread("sweeper", lambda: sweeper.sweep(now=TWO_HOURS_LATER), pids, results, errors)
        sweeper_waited = wait_until_blocked_or_finished(sweep, pids, "sweeper")
    finally:
        resume.set()
        for thread in (action, sweep):
            if thread is not None:
                thread.join(timeout=PATIENCE)

    assert errors == []  # no deadlock detected on either side
    assert not sweeper_waited  # the sweeper never waits for a ticket action
    assert results["sweeper"].breached == 0  # the busy ticket was left for the next pass
    assert sweeper.sweep(now=TWO_HOURS_LATER).breached == 1
    assert sweeper.sweep(now=TWO_HOURS_LATER).breached == 0
    assert breaches_recorded() == [(overdue_ticket.pk, Metric.FIRST_RESPONSE)]


def test_a_status_change_waits_for_a_sweeper_holding_the_ticket_and_both_finish(
    overdue_ticket, tenant, monkeypatch
):
    # The sweeper paused after its statement claimed the overdue clock and inserted the breach, before it
    # commits.
    claimed, resume = threading.Event(), threading.Event()
    claim = sweeper._claim_and_record

    def claim_then_pause(now):
        counts = claim(now)
        claimed.set()
        assert resume.wait(timeout=PATIENCE), "never resumed"
        return counts

    monkeypatch.setattr(sweeper, "_claim_and_record", claim_then_pause)
    pids, results, errors = {}, {}, []
    sweep = in_thread("sweeper", lambda: sweeper.sweep(now=TWO_HOURS_LATER), pids, results, errors)
    action = None
    try:
        assert claimed.wait(timeout=PATIENCE)

        def wait_on_client():
            with tenant_scope(tenant):
                return services.change_status(
                    overdue_ticket, TicketStatus.WAITING_ON_CLIENT, actor="Dispatcher", now=TWO_HOURS_LATER
                )

        action = in_thread("status change", wait_on_client, pids, results, errors)
        action_waited = wait_until_blocked_or_finished(action, pids, "status change")
    finally:
        resume.set()
        for thread in (sweep, action):
            if thread is not None:
                thread.join(timeout=PATIENCE)

    assert errors == []  # no deadlock detected on either side
    assert action_waited  # the ticket action queued behind the sweeper's lock on the clock
    assert results["sweeper"].breached == 1
    assert breaches_recorded() == [(overdue_ticket.pk, Metric.FIRST_RESPONSE)]
    with tenant_scope(tenant):
        assert Ticket.objects.get(pk=overdue_ticket.pk).status == TicketStatus.WAITING_ON_CLIENT
        states = set(SlaClock.objects.filter(ticket=overdue_ticket).values_list("state", flat=True))
    assert states == {ClockState.PAUSED}


def test_a_reply_locks_the_ticket_before_its_first_response_clock(overdue_ticket, tenant, monkeypatch):
    """Every path takes the ticket first: a reply holding the ticket makes the sweeper skip it too."""
    ticket_locked, resume = threading.Event(), threading.Event()
    monkeypatch.setattr(services, "_stop_clock", paused(services._stop_clock, ticket_locked, resume))
    pids, results, errors = {}, {}, []
    staff = StaffMembershipFactory(tenant=tenant).user

    def reply():
        with tenant_scope(tenant):
            return services.add_reply(overdue_ticket, body="On it", author=staff, now=TWO_HOURS_LATER)

    action = in_thread("reply", reply, pids, results, errors)
    sweep = None
    try:
        assert ticket_locked.wait(timeout=PATIENCE)
        sweep = in_thread("sweeper", lambda: sweeper.sweep(now=TWO_HOURS_LATER), pids, results, errors)
        sweeper_waited = wait_until_blocked_or_finished(sweep, pids, "sweeper")
    finally:
        resume.set()
        for thread in (action, sweep):
            if thread is not None:
                thread.join(timeout=PATIENCE)

    assert errors == []
    assert not sweeper_waited
    assert results["sweeper"].breached == 0
