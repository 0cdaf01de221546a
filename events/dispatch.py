"""The event bus's worker side: hands each pending delivery to its consumer's handler, once.

One pass (``dispatch_pending``) claims a batch of due deliveries of every tenant with
``FOR UPDATE SKIP LOCKED`` and keeps the row locks while it runs the handlers, each in a savepoint inside
the event's tenant. A handler's writes and its delivery's ``done`` commit together, so:

- two workers never run one delivery: the second skips the locked row, and the ``status = 'pending'``
  re-check catches a row that was done between the two statements;
- a worker killed mid-pass rolls back: its rows are pending again for the next pass, and nothing a
  handler wrote survives without the delivery being done;
- a handler that raises leaves its delivery pending with ``available_at`` pushed out (exponential
  backoff) and the error recorded; after ``MAX_ATTEMPTS`` it is marked failed and left for a person.

Side effects outside the database (an email) can repeat if a worker dies after sending and before the
commit; handlers that send queue the message in their own table and send after commit where that matters.
"""

from __future__ import annotations

import logging
import traceback
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone

from events import bus
from events.models import DeliveryStatus, EventDelivery, OutboxEvent
from tenants.models import Tenant
from tenants.scope import cross_tenant, tenant_scope

logger = logging.getLogger(__name__)

BATCH = 100
MAX_ATTEMPTS = 12
FIRST_RETRY = timedelta(seconds=10)
LONGEST_RETRY = timedelta(hours=1)

CLAIM = """
    SELECT id FROM events_eventdelivery
    WHERE status = 'pending' AND (available_at IS NULL OR available_at <= %(now)s)
    ORDER BY id LIMIT %(batch)s FOR UPDATE SKIP LOCKED
"""


@dataclass(frozen=True)
class DispatchResult:
    done: int
    retried: int
    failed: int

    @property
    def handled(self) -> int:
        return self.done + self.retried + self.failed


def retry_delay(attempts: int) -> timedelta:
    """10 s, 20 s, 40 s ... doubling per failed attempt, never more than an hour apart."""
    return min(FIRST_RETRY * 2 ** max(attempts - 1, 0), LONGEST_RETRY)


def _claim(now: datetime, batch: int) -> list[int]:
    with connection.cursor() as cursor:
        cursor.execute(CLAIM, {"now": now, "batch": batch})
        return [row[0] for row in cursor.fetchall()]


def _run_handler(delivery: EventDelivery, now: datetime) -> str | None:
    """Run one delivery's handler in a savepoint. ``None`` when it succeeded; otherwise the failure is
    recorded on the (locked) row and its new status returned."""
    subscription = bus.subscription(delivery.consumer)
    try:
        if subscription is None:
            raise LookupError(f"No handler is subscribed as {delivery.consumer!r} in this process")
        with transaction.atomic():
            subscription.handler(delivery.event, now=now)
    except Exception as error:
        logger.warning("event %s: consumer %s failed", delivery.event_id, delivery.consumer, exc_info=True)
        delivery.attempts += 1
        delivery.last_error = "".join(traceback.format_exception_only(error)).strip()[:2000]
        if delivery.attempts >= MAX_ATTEMPTS:
            delivery.status = DeliveryStatus.FAILED
        else:
            delivery.available_at = now + retry_delay(delivery.attempts)
        delivery.save(update_fields=["status", "attempts", "available_at", "last_error"])
        return "retried" if delivery.status == DeliveryStatus.PENDING else delivery.status
    return None


def dispatch_pending(*, now: datetime | None = None, batch: int = BATCH) -> DispatchResult:
    """One pass over every tenant's due deliveries. Safe to run concurrently and repeatedly."""
    now = now or timezone.now()
    outcomes: dict[str, int] = defaultdict(int)
    with transaction.atomic():  # the row locks last until every handler of the batch has run
        with cross_tenant("the event dispatcher claims due deliveries of every tenant"):
            claimed = _claim(now, batch)
            tenant_of = dict(EventDelivery.objects.filter(pk__in=claimed).values_list("pk", "tenant_id"))
        by_tenant: dict[int, list[int]] = defaultdict(list)
        for delivery_id in claimed:
            by_tenant[tenant_of[delivery_id]].append(delivery_id)
        for tenant in Tenant.objects.filter(pk__in=by_tenant):
            with tenant_scope(tenant):
                deliveries = (
                    EventDelivery.objects.filter(pk__in=by_tenant[tenant.pk], status=DeliveryStatus.PENDING)
                    .select_related("event")
                    .order_by("event__occurred_at", "event_id", "id")
                )
                done, skipped = [], []
                for delivery in deliveries:
                    delivery.event.tenant = tenant  # handlers read it; spare them a query each
                    if not tenant.is_active:
                        skipped.append(delivery.pk)
                        continue
                    failure = _run_handler(delivery, now)
                    if failure:
                        outcomes[failure] += 1
                    else:
                        done.append(delivery.pk)
                # One statement for the batch's successes (they hold their row locks until commit).
                EventDelivery.objects.filter(pk__in=done).update(
                    status=DeliveryStatus.DONE, done_at=now, attempts=F("attempts") + 1, last_error=""
                )
                EventDelivery.objects.filter(pk__in=skipped).update(
                    status=DeliveryStatus.DONE, done_at=now, last_error="Skipped: the company is deactivated."
                )
                outcomes[DeliveryStatus.DONE] += len(done) + len(skipped)
    done, failed = outcomes[DeliveryStatus.DONE], outcomes[DeliveryStatus.FAILED]
    return DispatchResult(done=done, retried=outcomes["retried"], failed=failed)


def dispatch_until_idle(*, now: datetime | None = None, max_passes: int = 1000) -> int:
    """Run passes until nothing due is left (tests, the demo load, a backlog after an outage)."""
    handled = 0
    for _ in range(max_passes):
        result = dispatch_pending(now=now)
        handled += result.handled
        if result.handled == 0 or result.done + result.failed == 0:
            break
    return handled


def purge_old_events(*, now: datetime | None = None, batch: int = 5000) -> int:
    """Delete events older than the retention period whose deliveries are all settled (done or failed),
    with their delivery rows. Events no consumer wanted have no deliveries and go the same way."""
    now = now or timezone.now()
    cutoff = now - timedelta(days=settings.ACCORD_EVENT_RETENTION_DAYS)
    deleted = 0
    with cross_tenant("the retention purge removes settled events of every tenant"):
        while True:
            with transaction.atomic():
                ids = list(
                    OutboxEvent.objects.filter(occurred_at__lt=cutoff)
                    .exclude(deliveries__status=DeliveryStatus.PENDING)
                    .order_by("occurred_at")
                    .values_list("pk", flat=True)[:batch]
                )
                if not ids:
                    break
                EventDelivery.objects.filter(event_id__in=ids).delete()
                deleted += OutboxEvent.objects.filter(pk__in=ids).delete()[0]
    return deleted
