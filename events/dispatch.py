"""The event bus's worker side: hands each pending delivery to its consumer's handler, once.

One pass (``dispatch_pending``) first makes the deliveries of events written from SQL (the SLA sweeper's,
``events.services.create_pending_deliveries``), then claims a batch of due deliveries of every tenant with
``FOR UPDATE SKIP LOCKED`` and keeps the row locks while it runs the handlers, each in a savepoint inside
the event's tenant. A handler's writes and its delivery's ``done`` commit together, so:

- two workers never run one delivery: the second skips the locked row, and the ``status = 'pending'``
  re-check catches a row that was done between the two statements;
- a worker killed mid-pass rolls back: its rows are pending again for the next pass, and nothing a
  handler wrote survives without the delivery being done;
- a handler that raises leaves its delivery pending with ``available_at`` pushed out (exponential
  backoff) and the error recorded; after ``MAX_ATTEMPTS`` it is marked failed and left for a person;
- a delivery whose consumer has no handler in this process (renamed or removed) is failed at once: no
  retry can make a missing handler appear. See ``_fail_unsubscribed`` for what that means in a rolling
  deploy. Failed deliveries go back to pending with ``python manage.py event_deliveries --retry-failed``.

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
from django.db.models import Exists, F, OuterRef, Q
from django.utils import timezone

from events import bus
from events.models import DeliveryStatus, EventDelivery, OutboxEvent
from events.services import create_pending_deliveries
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
    given_deliveries: int = 0  # events written from SQL whose deliveries this pass made

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


def unsubscribed_error(consumer: str) -> str:
    return f"No handler is subscribed as {consumer!r} in this process"


def _fail_unsubscribed(delivery: EventDelivery) -> None:
    """Fail a delivery whose consumer this process does not know, at once instead of after 12 attempts
    over many hours: the usual cause is a handler renamed or removed, and waiting cannot fix that.

    In a rolling deploy an old worker can meet a delivery for a consumer that only the new code has (the
    new web process recorded it). It fails it too rather than hold it: nothing is lost, since the event
    and the delivery stay (the purge keeps failed deliveries' events for three retention periods), and
    ``manage.py event_deliveries`` points at such consumers once the new code knows them, for
    ``--retry-failed --consumer NAME``. Deploy workers before (or with) the code that adds a consumer to
    avoid the step. Failing loudly was chosen over leaving the rows pending, which would hide a removed
    consumer's backlog forever and keep its events from ever being purged.
    """
    delivery.attempts += 1
    delivery.status = DeliveryStatus.FAILED
    delivery.last_error = unsubscribed_error(delivery.consumer)
    delivery.save(update_fields=["status", "attempts", "last_error"])


def _run_handler(subscription: bus.Subscription, delivery: EventDelivery, now: datetime) -> str | None:
    """Run one delivery's handler in a savepoint. ``None`` when it succeeded; otherwise the failure is
    recorded on the (locked) row and its new status returned."""
    try:
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
    unsubscribed: dict[str, int] = defaultdict(int)
    # One transaction on the worker's connection: the claim's row locks last until every handler of the
    # batch has run, and each handler runs in its event's tenant scope.
    with cross_tenant("the event dispatcher claims due deliveries of every tenant and runs them"):
        given_deliveries = create_pending_deliveries()
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
                    subscription = bus.subscription(delivery.consumer)
                    if subscription is None:
                        _fail_unsubscribed(delivery)
                        unsubscribed[delivery.consumer] += 1
                        outcomes[DeliveryStatus.FAILED] += 1
                        continue
                    failure = _run_handler(subscription, delivery, now)
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
    if unsubscribed:  # once per pass: a removed consumer's backlog would otherwise log a line per row
        logger.warning(
            "failed %s deliveries at once: no handler is subscribed as %s in this process "
            "(renamed or removed, or a worker older than the code that recorded them); "
            "retry with: manage.py event_deliveries --retry-failed --consumer NAME",
            sum(unsubscribed.values()),
            ", ".join(f"{consumer!r} ({count})" for consumer, count in sorted(unsubscribed.items())),
        )
    done, failed = outcomes[DeliveryStatus.DONE], outcomes[DeliveryStatus.FAILED]
    return DispatchResult(
        done=done, retried=outcomes["retried"], failed=failed, given_deliveries=given_deliveries
    )


def dispatch_until_idle(*, now: datetime | None = None, max_passes: int = 1000) -> int:
    """Run passes until nothing due is left (tests, the demo load, a backlog after an outage)."""
    handled = 0
    for _ in range(max_passes):
        result = dispatch_pending(now=now)
        handled += result.handled
        if result.given_deliveries == 0 and (result.handled == 0 or result.done + result.failed == 0):
            break
    return handled


def purge_old_events(*, now: datetime | None = None, batch: int = 5000) -> int:
    """Delete events older than the retention period whose deliveries are all settled, with their
    delivery rows. Events no consumer wanted have no deliveries and go the same way.

    An event with a failed delivery is kept until an operator retries it (and it settles as done) or
    until it is three retention periods old (90 days by default). Purging it with the done ones would
    delete the only copy of what a consumer never handled, so a retry after a fortnight's holiday would
    find nothing; keeping it forever would let a consumer removed for good grow the table without end.
    An event with a pending delivery, or still awaiting its deliveries, is never purged.
    """
    now = now or timezone.now()
    retention = timedelta(days=settings.ACCORD_EVENT_RETENTION_DAYS)
    cutoff, abandon_failed_cutoff = now - retention, now - 3 * retention
    deleted = 0
    with cross_tenant("the retention purge removes settled events of every tenant"):
        has_pending = EventDelivery.objects.filter(event=OuterRef("pk"), status=DeliveryStatus.PENDING)
        has_failed = EventDelivery.objects.filter(event=OuterRef("pk"), status=DeliveryStatus.FAILED)
        purgeable = (
            OutboxEvent.objects.filter(occurred_at__lt=cutoff, awaiting_deliveries=False)
            .exclude(Exists(has_pending))
            .filter(Q(occurred_at__lt=abandon_failed_cutoff) | ~Exists(has_failed))
        )
        while True:
            with transaction.atomic():
                ids = list(purgeable.order_by("occurred_at").values_list("pk", flat=True)[:batch])
                if not ids:
                    break
                EventDelivery.objects.filter(event_id__in=ids).delete()
                deleted += OutboxEvent.objects.filter(pk__in=ids).delete()[0]
    return deleted
