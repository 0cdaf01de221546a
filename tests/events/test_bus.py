"""The outbox as the event bus: every consumer gets every event it subscribed to, once, in the event's
tenant, with its own progress; failures retry with backoff; settled events are purged."""

from datetime import UTC, datetime, timedelta

import pytest

from events import bus
from events.dispatch import MAX_ATTEMPTS, dispatch_pending, purge_old_events, retry_delay
from events.models import DeliveryStatus, EventDelivery, OutboxEvent
from events.services import record_event
from tenants.scope import cross_tenant, tenant_scope
from tests.concurrency import race
from tests.factories import ClientFactory

pytestmark = pytest.mark.django_db

T0 = datetime(2026, 11, 16, 15, 0, tzinfo=UTC)


def deliveries(**filters):
    with cross_tenant("tests read every delivery"):
        return list(EventDelivery.objects.filter(**filters).select_related("event").order_by("id"))


def test_each_consumer_gets_the_events_it_subscribed_to(tenant, consumers):
    billing = consumers("test.billing", "agreement.signed")
    audit = consumers("test.audit", "agreement.*", "ticket.created")
    with tenant_scope(tenant):
        record_event("agreement.signed", agreement_id=7)
        record_event("agreement.declined", agreement_id=8)
        record_event("ticket.created", ticket_id=9)
    dispatch_pending(now=T0)
    assert [name for name, *_ in billing] == ["agreement.signed"]
    assert [name for name, *_ in audit] == ["agreement.signed", "agreement.declined", "ticket.created"]
    assert {d.status for d in deliveries()} >= {DeliveryStatus.DONE}


def test_an_event_nobody_wants_has_no_delivery_to_wait_for(tenant, consumers):
    consumers("test.billing", "agreement.signed")
    with tenant_scope(tenant):
        record_event("contract_version.published", version_id=1)
    assert deliveries(event__name="contract_version.published", consumer="test.billing") == []


def test_handlers_run_in_the_events_tenant_and_see_only_its_rows(tenant, other_tenant, consumers):
    counts = []
    seen = consumers(
        "test.counter", "client.created",
        handler=lambda event: counts.append(__import__("clients.models").models.Client.objects.count()),
    )  # fmt: skip
    ClientFactory(tenant=tenant)
    ClientFactory(tenant=other_tenant)
    ClientFactory(tenant=other_tenant)
    with tenant_scope(tenant):
        record_event("client.created", client_id=1)
    with tenant_scope(other_tenant):
        record_event("client.created", client_id=2)
    dispatch_pending(now=T0)
    assert [tenant_id for _, _, tenant_id, _ in seen] == [tenant.pk, other_tenant.pk]
    assert counts == [1, 2]


def test_a_failing_consumer_retries_with_backoff_and_never_holds_up_another(tenant, consumers):
    steady = consumers("test.steady", "ticket.created")
    flaky = consumers("test.flaky", "ticket.created", fail_times=2)
    with tenant_scope(tenant):
        record_event("ticket.created", ticket_id=1)
    dispatch_pending(now=T0)
    assert len(steady) == 1
    assert flaky == []
    [delivery] = deliveries(consumer="test.flaky")
    assert (delivery.status, delivery.attempts) == (DeliveryStatus.PENDING, 1)
    assert delivery.available_at == T0 + retry_delay(1)
    assert "receiver is down" in delivery.last_error

    dispatch_pending(now=T0 + retry_delay(1) - timedelta(seconds=1))  # not yet
    assert deliveries(consumer="test.flaky")[0].attempts == 1
    dispatch_pending(now=T0 + retry_delay(1))
    dispatch_pending(now=T0 + retry_delay(1) + retry_delay(2))
    assert len(flaky) == 1
    assert len(steady) == 1  # the steady consumer was not run again
    assert deliveries(consumer="test.flaky")[0].status == DeliveryStatus.DONE


def test_the_backoff_doubles_and_is_capped_at_an_hour():
    assert [retry_delay(n).total_seconds() for n in (1, 2, 3, 4)] == [10, 20, 40, 80]
    assert retry_delay(30) == timedelta(hours=1)


def test_a_consumer_that_keeps_failing_is_marked_failed_after_the_last_attempt(tenant, consumers):
    consumers("test.broken", "ticket.created", fail_times=10_000)
    with tenant_scope(tenant):
        record_event("ticket.created", ticket_id=1)
    at = T0
    for _ in range(MAX_ATTEMPTS + 3):
        dispatch_pending(now=at)
        at += timedelta(hours=2)
    [delivery] = deliveries(consumer="test.broken")
    assert (delivery.status, delivery.attempts) == (DeliveryStatus.FAILED, MAX_ATTEMPTS)


def test_a_handler_that_fails_leaves_none_of_its_writes_behind(tenant, consumers):
    def write_then_fail(event):
        ClientFactory(tenant=tenant, name="Half-written")
        raise RuntimeError("boom")

    consumers("test.half", "ticket.created", handler=write_then_fail)
    with tenant_scope(tenant):
        record_event("ticket.created", ticket_id=1)
    dispatch_pending(now=T0)
    with tenant_scope(tenant):
        from clients.models import Client

        assert not Client.objects.filter(name="Half-written").exists()


def test_each_event_is_handled_once_however_often_the_dispatcher_runs(tenant, consumers):
    seen = consumers("test.once", "ticket.created")
    with tenant_scope(tenant):
        record_event("ticket.created", ticket_id=1)
    for minute in range(3):
        dispatch_pending(now=T0 + timedelta(minutes=minute))
    assert len(seen) == 1


@pytest.mark.django_db(transaction=True)
def test_two_dispatchers_racing_hand_each_event_to_a_consumer_once(tenant, consumers):
    seen = consumers("test.race", "ticket.created")
    with tenant_scope(tenant):
        for number in range(40):
            record_event("ticket.created", ticket_id=number)

    def drain():
        while dispatch_pending(now=T0, batch=7).handled:
            pass

    race(drain)
    assert sorted(payload["ticket_id"] for _, payload, _, _ in seen) == list(range(40))


def test_settled_events_are_purged_after_the_retention_period_and_pending_ones_kept(
    tenant, consumers, settings
):
    settings.ACCORD_EVENT_RETENTION_DAYS = 30
    consumers("test.slow", "ticket.created", fail_times=10_000)
    with tenant_scope(tenant):
        unwanted = record_event("contract_version.published", version_id=1)
        waiting = record_event("ticket.created", ticket_id=1)
    dispatch_pending(now=T0)
    with cross_tenant("age the events"):
        OutboxEvent.objects.update(occurred_at=T0 - timedelta(days=31))
    assert purge_old_events(now=T0) == 1
    with cross_tenant("check what is left"):
        assert list(OutboxEvent.objects.values_list("pk", flat=True)) == [waiting.pk]
    assert unwanted.pk != waiting.pk


def test_recent_settled_events_are_kept(tenant, consumers):
    consumers("test.fine", "ticket.created")
    with tenant_scope(tenant):
        record_event("ticket.created", ticket_id=1)
    dispatch_pending(now=T0)
    assert purge_old_events(now=T0 + timedelta(days=1)) == 0


def test_a_transaction_recording_many_events_wakes_the_dispatcher_once_after_commit(
    tenant, consumers, monkeypatch, django_capture_on_commit_callbacks
):
    from events import services

    woken = []
    monkeypatch.setattr(services, "_wake_dispatcher", lambda: woken.append(1))
    consumers("test.wake", "ticket.created")
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        with tenant_scope(tenant):
            for number in range(5):
                record_event("ticket.created", ticket_id=number)
        assert woken == []  # not before the commit
    assert len(callbacks) == 1
    assert woken == [1]


def record_then_fail(tenant):
    with tenant_scope(tenant):
        record_event("ticket.created", ticket_id=1)
        raise RuntimeError("the change failed")


def test_a_rolled_back_transaction_wakes_nobody_and_the_next_one_still_does(
    tenant, consumers, monkeypatch, django_capture_on_commit_callbacks
):
    from events import services

    woken = []
    monkeypatch.setattr(services, "_wake_dispatcher", lambda: woken.append(1))
    consumers("test.wake", "ticket.created")
    with django_capture_on_commit_callbacks(execute=True):
        with pytest.raises(RuntimeError, match="the change failed"):
            record_then_fail(tenant)
        with tenant_scope(tenant):
            record_event("ticket.created", ticket_id=2)
    assert woken == [1]
    assert [d.event.payload["ticket_id"] for d in deliveries(consumer="test.wake")] == [2]


def test_a_consumer_name_cannot_be_taken_twice_and_wildcards_only_end_a_prefix(consumers):
    consumers("test.taken", "ticket.created")
    with pytest.raises(ValueError, match="taken"):
        bus.subscribe("test.taken", "ticket.created")(lambda event, *, now: None)
    with pytest.raises(ValueError, match="prefix"):
        bus.subscribe("test.bad", "ticket*")
    with pytest.raises(ValueError, match="subscribes to nothing"):
        bus.subscribe("test.none")


def test_a_delivery_whose_handler_is_gone_fails_at_once_and_warns_once_per_pass(tenant, consumers, caplog):
    consumers("test.renamed", "ticket.created")
    with tenant_scope(tenant):
        for number in range(3):
            record_event("ticket.created", ticket_id=number)
    bus._subscriptions.pop("test.renamed")  # the handler was renamed or removed before the worker ran

    with caplog.at_level("WARNING", logger="events.dispatch"):
        result = dispatch_pending(now=T0)

    assert result.failed == 3
    assert {(d.status, d.attempts, d.last_error) for d in deliveries(consumer="test.renamed")} == {
        (DeliveryStatus.FAILED, 1, "No handler is subscribed as 'test.renamed' in this process")
    }
    [warning] = [record for record in caplog.records if record.name == "events.dispatch"]
    assert "'test.renamed' (3)" in warning.getMessage()


def test_a_handler_that_raises_lookup_error_itself_is_retried_like_any_failure(tenant, consumers):
    def look_up_nothing(event):
        raise LookupError("no such ticket yet")

    consumers("test.lookup", "ticket.created", handler=look_up_nothing)
    with tenant_scope(tenant):
        record_event("ticket.created", ticket_id=1)
    dispatch_pending(now=T0)
    [delivery] = deliveries(consumer="test.lookup")
    assert (delivery.status, delivery.attempts) == (DeliveryStatus.PENDING, 1)
    assert "no such ticket yet" in delivery.last_error


def test_a_failed_deliverys_event_outlives_the_retention_until_three_times_it(tenant, consumers, settings):
    settings.ACCORD_EVENT_RETENTION_DAYS = 30
    consumers("test.fine", "test.thing_happened")
    consumers("test.broken", "test.thing_happened")
    with tenant_scope(tenant):
        event = record_event("test.thing_happened", ticket_id=1)
    with cross_tenant("the broken consumer gave up on it"):
        EventDelivery.objects.filter(consumer="test.broken").update(status=DeliveryStatus.FAILED)
    dispatch_pending(now=T0)
    with cross_tenant("age the event"):
        OutboxEvent.objects.update(occurred_at=T0)

    assert purge_old_events(now=T0 + timedelta(days=31)) == 0
    assert purge_old_events(now=T0 + timedelta(days=89)) == 0
    assert purge_old_events(now=T0 + timedelta(days=91)) == 1
    with cross_tenant("check it is gone with its deliveries"):
        assert not OutboxEvent.objects.filter(pk=event.pk).exists()
        assert not EventDelivery.objects.filter(event_id=event.pk).exists()


def test_a_failed_delivery_retried_to_done_lets_its_event_go_after_the_retention(tenant, consumers, settings):
    from events.services import retry_failed_deliveries

    settings.ACCORD_EVENT_RETENTION_DAYS = 30
    consumers("test.recovered", "test.thing_happened")
    with tenant_scope(tenant):
        record_event("test.thing_happened", ticket_id=1)
    with cross_tenant("the consumer gave up on it"):
        EventDelivery.objects.update(status=DeliveryStatus.FAILED)
        OutboxEvent.objects.update(occurred_at=T0)
    assert purge_old_events(now=T0 + timedelta(days=31)) == 0

    assert retry_failed_deliveries() == 1
    dispatch_pending(now=T0 + timedelta(days=31))
    assert purge_old_events(now=T0 + timedelta(days=31)) == 1
