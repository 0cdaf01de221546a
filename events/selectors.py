"""Reads for operating the bus: where each consumer stands, and what failed. They read every tenant's
rows (inside ``cross_tenant``), for the ``event_deliveries`` command and a future staff page."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db.models import Count, Min, Q

from events import bus
from events.models import DeliveryStatus, EventDelivery, OutboxEvent
from tenants.scope import cross_tenant

RECENT = timedelta(hours=24)


@dataclass(frozen=True)
class ConsumerDeliveries:
    consumer: str
    due_now: int
    waiting_for_retry: int
    failed: int
    done_recently: int  # in the last ``RECENT``
    oldest_pending_since: datetime | None  # when the oldest pending delivery's event occurred
    last_failed_id: int | None
    last_error: str  # of the most recently created failed delivery
    is_subscribed: bool  # in this process: False for a renamed or removed handler


def deliveries_by_consumer(*, now: datetime) -> list[ConsumerDeliveries]:
    """Every consumer that is subscribed or has pending, failed or recent done deliveries, by name.

    Done rows older than ``RECENT`` are left out by the filter, but the done rows of the last day are
    counted without an index on ``done_at``: fine for an operator's look, not for a page polled often.
    """
    due = Q(status=DeliveryStatus.PENDING) & (Q(available_at__isnull=True) | Q(available_at__lte=now))
    with cross_tenant("operators see the bus's deliveries of every tenant"):
        counts = {
            row["consumer"]: row
            for row in EventDelivery.objects.filter(
                Q(status__in=[DeliveryStatus.PENDING, DeliveryStatus.FAILED])
                | Q(status=DeliveryStatus.DONE, done_at__gte=now - RECENT)
            )
            .order_by()
            .values("consumer")
            .annotate(
                due_now=Count("pk", filter=due),
                waiting_for_retry=Count("pk", filter=Q(status=DeliveryStatus.PENDING, available_at__gt=now)),
                failed=Count("pk", filter=Q(status=DeliveryStatus.FAILED)),
                done_recently=Count("pk", filter=Q(status=DeliveryStatus.DONE)),
                oldest_pending_since=Min("event__occurred_at", filter=Q(status=DeliveryStatus.PENDING)),
            )
        }
        last_failures = {
            consumer: (delivery_id, error)
            for consumer, delivery_id, error in EventDelivery.objects.filter(status=DeliveryStatus.FAILED)
            .order_by("consumer", "-id")
            .distinct("consumer")
            .values_list("consumer", "id", "last_error")
        }
    subscribed = {subscription.consumer for subscription in bus.subscriptions()}
    summaries = []
    for consumer in sorted(subscribed | counts.keys()):
        row = counts.get(consumer, {})
        last_failed_id, last_error = last_failures.get(consumer, (None, ""))
        summaries.append(
            ConsumerDeliveries(
                consumer=consumer,
                due_now=row.get("due_now", 0),
                waiting_for_retry=row.get("waiting_for_retry", 0),
                failed=row.get("failed", 0),
                done_recently=row.get("done_recently", 0),
                oldest_pending_since=row.get("oldest_pending_since"),
                last_failed_id=last_failed_id,
                last_error=last_error,
                is_subscribed=consumer in subscribed,
            )
        )
    return summaries


def failed_deliveries(*, consumer: str | None = None) -> list[EventDelivery]:
    """Failed deliveries of every tenant, oldest first, with their event and tenant loaded."""
    with cross_tenant("operators list the bus's failed deliveries of every tenant"):
        failed = EventDelivery.objects.filter(status=DeliveryStatus.FAILED)
        if consumer is not None:
            failed = failed.filter(consumer=consumer)
        return list(failed.select_related("event", "tenant").order_by("id"))


@dataclass(frozen=True)
class AwaitingDeliveries:
    events: int
    oldest_since: datetime | None  # when the oldest of them occurred


def events_awaiting_deliveries() -> AwaitingDeliveries:
    """Events written from SQL whose deliveries the dispatcher has not made yet (its next pass makes them):
    a count that stays high means no dispatcher is running."""
    with cross_tenant("operators see the bus's events of every tenant awaiting deliveries"):
        found = OutboxEvent.objects.filter(awaiting_deliveries=True).aggregate(
            events=Count("pk"), oldest_since=Min("occurred_at")
        )
    return AwaitingDeliveries(**found)
