"""Writing events: one row per thing that happened, plus one pending delivery per interested consumer.

Call ``record_event`` inside the service that made the change, in its transaction: the event, its
deliveries and the change commit together or not at all. After the commit the dispatcher is woken at
once (``dispatch_events`` on the queue); Celery beat runs it every few seconds anyway, so a lost wake-up
only delays delivery.
"""

from __future__ import annotations

import contextlib
import json
import logging
from collections.abc import Iterable

from django.conf import settings
from django.core.cache import cache
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, transaction
from django.utils import timezone

from events import bus
from events.models import DeliveryStatus, EventDelivery, OutboxEvent
from tenants.scope import cross_tenant, current_tenant

logger = logging.getLogger(__name__)


def _json_safe(payload: dict) -> dict:
    return json.loads(json.dumps(payload, cls=DjangoJSONEncoder))


def record_event(name: str, **payload) -> OutboxEvent:
    """Write an event row in the caller's transaction (call it inside the service that made the change)."""
    return record_events([(current_tenant().pk, name, payload)])[0]


def record_events(events: Iterable[tuple[int, str, dict]]) -> list[OutboxEvent]:
    """Write many ``(tenant_id, name, payload)`` events and their deliveries in a few statements, in the
    caller's transaction: a billing run announces thousands of invoices at once. (The SLA sweeper writes
    its events in its claim's own statement instead, and the dispatcher makes their deliveries:
    ``OUTBOX_CTE`` below.)"""
    with transaction.atomic():
        events = OutboxEvent.objects.bulk_create(
            OutboxEvent(tenant_id=tenant_id, name=name, payload=_json_safe(payload))
            for tenant_id, name, payload in events
        )
        deliveries = [
            EventDelivery(tenant_id=event.tenant_id, event=event, consumer=consumer)
            for event in events
            for consumer in bus.consumers_for(event.name)
        ]
        EventDelivery.objects.bulk_create(deliveries)
        if deliveries:
            wake_dispatcher_after_commit()
    return events


# The outbox written from SQL, for a service that records its events in the same statement as its change
# (the SLA sweeper: one round trip per pass). ``{rows}`` names a relation with the columns
# ``tenant_id, name, payload, position``: the events are numbered in ``position`` order, as
# ``record_events`` numbers its list. They are written alone, awaiting their deliveries: the dispatcher
# makes them (``create_pending_deliveries`` below), a pending delivery per consumer, before it
# claims. So the writer's statement carries one row per event, not one per event and consumer with their
# indexes and foreign-key checks; the dispatcher, woken by the writer's commit, is the one that waits.
OUTBOX_CTE = """
    outbox AS (
        INSERT INTO events_outboxevent (tenant_id, name, payload, occurred_at, awaiting_deliveries)
        SELECT tenant_id, name, payload, %(outbox_occurred_at)s, true FROM {rows} ORDER BY position
        RETURNING id
    )
"""


def outbox_cte(rows: str) -> tuple[str, dict]:
    """The ``outbox`` CTE writing the events of ``rows`` (see ``OUTBOX_CTE``) and its parameters. Call
    ``wake_dispatcher_after_commit()`` when the statement wrote any event (count ``outbox``)."""
    # What OutboxEvent's auto_now_add would write.
    return OUTBOX_CTE.format(rows=rows), {"outbox_occurred_at": timezone.now()}


# The deliveries of events written from SQL (``OUTBOX_CTE``), made by the dispatcher before it claims:
# the events are locked (skipping those another dispatcher holds) and marked in one statement, their
# deliveries inserted in a second, both in the caller's transaction: a pass that rolls back leaves them
# awaiting for the next. Rows stay in event order, as ``record_events`` writes them.
TAKE_AWAITING = """
    UPDATE events_outboxevent event SET awaiting_deliveries = false
    WHERE event.id IN (
        SELECT id FROM events_outboxevent WHERE awaiting_deliveries {only}
        ORDER BY id LIMIT %(batch)s FOR UPDATE SKIP LOCKED
    ) AND event.awaiting_deliveries
    RETURNING event.id, event.tenant_id, event.name
"""
DELIVERIES_OF_TAKEN = """
    INSERT INTO events_eventdelivery (tenant_id, event_id, consumer, status, attempts, last_error)
    SELECT outbox.tenant_id, outbox.id, consumer.name, 'pending', 0, ''
    FROM unnest(%(ids)s::bigint[], %(tenants)s::bigint[], %(names)s::text[]) AS outbox (id, tenant_id, name)
    JOIN unnest(%(event_names)s::text[], %(consumers)s::text[]) AS consumer (event_name, name)
        ON consumer.event_name = outbox.name
    {wanted}
    ORDER BY outbox.id, consumer.name
"""


def create_pending_deliveries(*, event_ids: Iterable[int] | None = None, batch: int = 1000) -> int:
    """Make the deliveries of up to ``batch`` events awaiting them (of ``event_ids`` only, if given), oldest
    first: a pending delivery per consumer the bus registers for the event's name, but for a consumer whose
    ``wanted_where`` (events.bus) is false for the event. Returns how many events it took."""
    only = list(event_ids) if event_ids is not None else None
    with (
        cross_tenant("the dispatcher makes the deliveries of events written from SQL, of every tenant"),
        connection.cursor() as cursor,
    ):
        cursor.execute(
            TAKE_AWAITING.format(only="" if only is None else "AND id = ANY(%(only)s)"),
            {"batch": batch, "only": only},
        )
        taken = cursor.fetchall()
        names = {name for _, _, name in taken}
        wanted = [(name, consumer) for name in sorted(names) for consumer in bus.consumers_for(name)]
        if not wanted:
            return len(taken)
        conditions = {
            consumer: subscription.wanted_where
            for _, consumer in wanted
            if (subscription := bus.subscription(consumer)) and subscription.wanted_where
        }
        cases, params = [], {}
        for number, (consumer, condition) in enumerate(conditions.items()):
            cases.append(f"WHEN %(conditional_{number})s THEN ({condition})")
            params[f"conditional_{number}"] = consumer
        cursor.execute(
            DELIVERIES_OF_TAKEN.format(
                wanted=f"WHERE CASE consumer.name {' '.join(cases)} ELSE true END" if cases else ""
            ),
            {
                "ids": [event_id for event_id, _, _ in taken],
                "tenants": [tenant_id for _, tenant_id, _ in taken],
                "names": [name for _, _, name in taken],
                "event_names": [name for name, _ in wanted],
                "consumers": [consumer for _, consumer in wanted],
                **params,
            },
        )
    return len(taken)


def _wake_dispatcher() -> bool:
    from events.tasks import dispatch_events  # the task module imports the dispatcher, not the reverse

    try:
        dispatch_events.delay()
    except Exception:  # the broker is down: beat's next pass delivers, a little later
        logger.warning("could not wake the event dispatcher; beat will deliver", exc_info=True)
        return False
    return True


# "A wake-up is queued and its pass has not claimed yet", kept in Redis by
# ``wake_dispatcher_after_commit(unless_pending=True)``. The dispatcher clears it as its pass starts,
# before it claims (``clear_pending_wake_up``), so a commit that still finds it set is seen by that
# pass. It expires in case the queued wake-up is lost; beat's pass (every 2 s) clears it sooner.
WAKE_PENDING_SECONDS = 10


def _wake_pending_key() -> str:
    # Per queue: test runs with queues of their own share one Redis.
    return f"events:dispatcher-wake-pending:{settings.CELERY_TASK_DEFAULT_QUEUE}"


def _wake_dispatcher_unless_pending() -> None:
    try:
        first = cache.add(_wake_pending_key(), True, timeout=WAKE_PENDING_SECONDS)
    except Exception:  # Redis is unreachable: try the wake-up itself, which logs when it fails
        first = True
    if first and not _wake_dispatcher():
        with contextlib.suppress(Exception):  # else the flag expires by itself
            cache.delete(_wake_pending_key())  # nothing is queued after all: the next commit wakes it


def clear_pending_wake_up() -> None:
    """Called by the dispatcher as its pass starts, before it claims anything."""
    try:
        cache.delete(_wake_pending_key())
    except Exception:  # the flag expires by itself; a wake-up skipped meanwhile waits for beat
        logger.warning("could not clear the dispatcher's pending wake-up", exc_info=True)


def wake_dispatcher_after_commit(*, unless_pending: bool = False) -> None:
    """Queue one wake-up per transaction, however many events it records (a demo load records
    thousands). A rolled-back transaction drops its callback, so the next one registers again.

    ``unless_pending``: skip the wake-up when one is already queued and its pass has not started (a
    Redis ``SET NX``, a tenth of a millisecond, instead of publishing a task): for the SLA sweeper, which
    commits events every two seconds, often before the previous wake-up was picked up."""
    wake = _wake_dispatcher_unless_pending if unless_pending else _wake_dispatcher
    wakes = (_wake_dispatcher, _wake_dispatcher_unless_pending)
    if any(entry[1] in wakes for entry in connection.run_on_commit):
        return
    transaction.on_commit(wake)


def settle_as_history(event_ids: Iterable[int], *, now=None) -> int:
    """Mark the pending deliveries of ``event_ids`` done without running their handlers: seeded history
    (the demo load's months-old SLA warnings), which nobody should be told about today. Events written from
    SQL get their deliveries first, settled with the rest."""
    event_ids = list(event_ids)
    if event_ids:
        create_pending_deliveries(event_ids=event_ids, batch=len(event_ids))
    return EventDelivery.objects.filter(event_id__in=event_ids, status=DeliveryStatus.PENDING).update(
        status=DeliveryStatus.DONE, done_at=now or timezone.now(), last_error="Settled as seeded history."
    )


def retry_failed_deliveries(*, consumer: str | None = None, delivery_ids: Iterable[int] | None = None) -> int:
    """Put failed deliveries of every tenant back to pending, due now, and wake the dispatcher after
    commit; returns how many. Narrow it to one ``consumer`` and/or to ``delivery_ids``; rows that are not
    failed are left alone, so running it twice is harmless. The attempts start again from zero (a full
    backoff schedule for a consumer that is still broken); ``last_error`` stays until the next attempt.
    """
    with cross_tenant("an operator retries failed deliveries of every tenant"):
        failed = EventDelivery.objects.filter(status=DeliveryStatus.FAILED)
        if consumer is not None:
            failed = failed.filter(consumer=consumer)
        if delivery_ids is not None:
            failed = failed.filter(pk__in=list(delivery_ids))
        retried = failed.update(status=DeliveryStatus.PENDING, attempts=0, available_at=None)
        if retried:
            wake_dispatcher_after_commit()
    return retried
