"""The sweeper's pass is one SQL statement: claim, breach rows and outbox events, with the events shaped
exactly as the handlers and webhooks read them; the dispatcher makes their deliveries."""

from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from events import bus
from events.models import EventDelivery, OutboxEvent
from events.services import create_pending_deliveries
from events.tasks import dispatch_events
from service_levels.models import Metric
from tenants.scope import cross_tenant, tenant_scope
from tests.factories import WebhookEndpointFactory
from tickets import services, sweeper
from tickets.models import SlaBreach, SlaClock
from tickets.sweeper import sweep

pytestmark = pytest.mark.django_db

NY_MONDAY_9AM = datetime(2026, 11, 16, 14, 0, tzinfo=UTC)


@pytest.fixture
def ticket(desk, tenant):
    with tenant_scope(tenant):
        return services.open_ticket(
            client=desk["client"], title="Wi-Fi down", priority="P1", now=NY_MONDAY_9AM
        )


def first_response(ticket, tenant) -> SlaClock:
    with tenant_scope(tenant):
        return SlaClock.objects.get(ticket=ticket, metric=Metric.FIRST_RESPONSE)


def events_of(clock) -> list[OutboxEvent]:
    with cross_tenant("check what the sweeper wrote"):
        return list(OutboxEvent.objects.filter(payload__clock_id=clock.pk).order_by("id"))


def prepared_sweeps() -> list[tuple[str, str, int]]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT name, statement, generic_plans FROM pg_prepared_statements"
            " WHERE name LIKE 'accord_sweep_%%'"
        )
        return cursor.fetchall()


@pytest.fixture
def unprepared():
    """A connection that has not prepared the pass yet (prepared statements outlive a test's rollback)."""
    with connection.cursor() as cursor:
        cursor.execute("DEALLOCATE ALL")
    sweeper._prepared_on.pop(connection.connection, None)


def test_a_pass_is_one_statement_prepared_once_per_connection(unprepared, ticket, tenant):
    with CaptureQueriesContext(connection) as queries:
        assert sweep(now=NY_MONDAY_9AM + timedelta(hours=2)).breached == 1
    with tenant_scope(tenant):
        services.open_ticket(client=ticket.client, title="Second", priority="P1", now=NY_MONDAY_9AM)
    with CaptureQueriesContext(connection) as second:
        assert sweep(now=NY_MONDAY_9AM + timedelta(hours=2)).breached == 1

    [(name, statement, generic_plans)] = prepared_sweeps()
    assert "INSERT INTO tickets_slabreach" in statement
    assert "INSERT INTO events_outboxevent" in statement
    assert "INSERT INTO events_eventdelivery" not in statement  # the dispatcher makes them
    assert generic_plans == 2  # planned once, run by name by both passes
    # The first pass on the connection prepares; every pass is then one EXECUTE, its settings in the same
    # round trip.
    assert [q["sql"] for q in queries if "PREPARE" in q["sql"]] == [statement]  # as the server keeps it
    [execute] = [q["sql"] for q in second if "accord_sweep_" in q["sql"]]
    assert execute.startswith("SET LOCAL synchronous_commit = off;")
    assert f"EXECUTE {name}(" in execute


def test_a_connection_that_lost_its_prepared_pass_prepares_it_again(ticket):
    sweep(now=NY_MONDAY_9AM)  # prepares the pass on this connection
    with connection.cursor() as cursor:
        cursor.execute("DEALLOCATE ALL")  # as a pooler's DISCARD ALL would
    assert sweep(now=NY_MONDAY_9AM + timedelta(hours=2)).breached == 1
    assert len(prepared_sweeps()) == 1


def test_unprepared_for_a_transaction_pooler_a_pass_is_the_same_statement_run_as_is(ticket, settings):
    settings.ACCORD_SWEEP_PREPARED = False
    with CaptureQueriesContext(connection) as queries:
        assert sweep(now=NY_MONDAY_9AM + timedelta(hours=2)).breached == 1
    [statement] = [q["sql"] for q in queries if "tickets_slaclock" in q["sql"]]
    assert statement.startswith("SET LOCAL synchronous_commit = off;")
    assert "INSERT INTO tickets_slabreach" in statement
    assert not [q for q in queries if "PREPARE" in q["sql"] or "EXECUTE" in q["sql"]]


def test_a_clock_due_for_both_warns_before_it_breaches_in_the_same_pass(ticket, tenant):
    clock = first_response(ticket, tenant)
    result = sweep(now=NY_MONDAY_9AM + timedelta(hours=2))
    assert (result.warned, result.breached) == (1, 1)
    assert [event.name for event in events_of(clock)] == ["sla.warning", "sla.breached"]


def test_the_events_carry_the_payloads_handlers_and_webhooks_read_to_the_microsecond(ticket, tenant):
    clock = first_response(ticket, tenant)
    due_at = datetime(2026, 11, 16, 15, 0, 0, 250, tzinfo=UTC)  # microseconds, as isoformat writes them
    warn_at = datetime(2026, 11, 16, 14, 45, tzinfo=UTC)  # whole seconds: no fraction written
    with cross_tenant("move the clock's deadlines"):
        SlaClock.objects.filter(pk=clock.pk).update(due_at=due_at, warn_at=warn_at)
    sweep(now=NY_MONDAY_9AM + timedelta(hours=2))
    warning, breach = events_of(clock)
    assert warning.tenant_id == breach.tenant_id == tenant.pk
    assert warning.payload == {
        "clock_id": clock.pk, "ticket_id": ticket.pk, "metric": Metric.FIRST_RESPONSE,
        "warn_at": warn_at.isoformat(), "due_at": due_at.isoformat(),
    }  # fmt: skip
    assert breach.payload == {
        "clock_id": clock.pk, "ticket_id": ticket.pk, "metric": Metric.FIRST_RESPONSE,
        "due_at": due_at.isoformat(),
    }  # fmt: skip
    with cross_tenant("check the breach row"):
        recorded = SlaBreach.objects.get(clock=clock)
    assert recorded.reason == "Not met by 2026-11-16 15:00 UTC"
    assert recorded.recorded_at == NY_MONDAY_9AM + timedelta(hours=2)


def test_the_dispatcher_gives_each_event_a_pending_delivery_per_consumer_of_its_name(ticket, tenant):
    # Webhooks is one of them only for a tenant with an endpoint for the event (tests/webhooks say more).
    WebhookEndpointFactory(tenant=tenant, events=["sla.warning", "sla.breached"])
    clock = first_response(ticket, tenant)
    sweep(now=NY_MONDAY_9AM + timedelta(hours=2))
    events = events_of(clock)
    assert [event.awaiting_deliveries for event in events] == [True, True]
    with cross_tenant("check the pass wrote none"):
        assert not EventDelivery.objects.filter(event__in=events).exists()
    assert create_pending_deliveries() == 2
    with cross_tenant("check the deliveries"):
        for event in events:
            pending = EventDelivery.objects.filter(event=event, status="pending", attempts=0)
            consumers = sorted(pending.values_list("consumer", flat=True))
            assert consumers == sorted(bus.consumers_for(event.name))


def test_a_breach_row_already_there_is_kept_and_told_no_second_time(ticket, tenant):
    clock = first_response(ticket, tenant)
    sweep(now=NY_MONDAY_9AM + timedelta(hours=2))
    with cross_tenant("re-arm the clock as if its claim had been lost"):
        SlaClock.objects.filter(pk=clock.pk).update(breached_at=None)
    assert sweep(now=NY_MONDAY_9AM + timedelta(hours=3)).breached == 0
    assert [event.name for event in events_of(clock)] == ["sla.warning", "sla.breached"]


@pytest.mark.django_db(transaction=True)
def test_only_the_pass_commits_without_waiting_for_the_disk(ticket):
    assert sweep(now=NY_MONDAY_9AM + timedelta(hours=2)).breached == 1
    with connection.cursor() as cursor:
        cursor.execute("SHOW synchronous_commit")
        assert cursor.fetchone()[0] == "on"


@pytest.mark.django_db(transaction=True)
def test_passes_while_a_wake_up_is_queued_wake_the_dispatcher_once(ticket, monkeypatch):
    from events import services as events_services

    woken = []
    monkeypatch.setattr(events_services, "_wake_dispatcher", lambda: woken.append(1) or True)
    assert sweep(now=NY_MONDAY_9AM + timedelta(minutes=50)).warned == 1
    assert sweep(now=NY_MONDAY_9AM + timedelta(hours=2)).breached == 1
    assert woken == [1]
    dispatch_events()  # the wake-up is picked up: the next pass wakes the dispatcher again
    assert sweep(now=NY_MONDAY_9AM + timedelta(hours=9)).breached > 0
    assert woken == [1, 1]
