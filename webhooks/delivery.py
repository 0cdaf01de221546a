"""Sending webhook deliveries: claim one, POST it, record the attempt, schedule the retry.

The database is the source of truth, as for the SLA sweeper. A delivery is claimed with one conditional
UPDATE (``FOR UPDATE SKIP LOCKED`` plus the re-check) that sets a lease, ``claimed_until``, and a
``claim_token``; the claim commits before the HTTP request, so no transaction stays open while a
partner answers. Hence:

- two workers never send one delivery at the same time: the second skips the locked row or sees the
  lease, and the lease outlasts the request (its timeout is a hard deadline, the lease is longer);
- a worker killed between claim and answer loses nothing: once the lease expires the delivery is due
  again and the next pass sends it, with the same webhook-id (receivers de-duplicate on it). The lost
  attempt is logged and counts as a failure, so a message that kills every worker still gives up;
- a result is recorded only by the worker holding the lease (its token): a late answer after the lease
  was taken over is logged but decides nothing.

A failure (non-2xx, timeout, refused connection, unsafe address) waits the next step of
``ACCORD_WEBHOOK_RETRY_SCHEDULE``; after the last step the delivery is failed (gave up).
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from tenants.models import Tenant
from tenants.scope import cross_tenant, tenant_scope
from webhooks import sender, signing
from webhooks.destinations import UnsafeDestination, check_destination
from webhooks.models import DeliveryStatus, WebhookAttempt, WebhookDelivery
from webhooks.services import signing_secrets

logger = logging.getLogger(__name__)

# One row at a time: each claim's lease then covers exactly one request.
CLAIM_ONE = """
    WITH due AS (
        SELECT id, claimed_until AS expired_lease FROM webhooks_webhookdelivery
        WHERE status = 'pending' AND next_attempt_at <= %(now)s
          AND (claimed_until IS NULL OR claimed_until <= %(now)s) {only}
        ORDER BY next_attempt_at, id LIMIT 1 FOR UPDATE SKIP LOCKED
    )
    UPDATE webhooks_webhookdelivery AS delivery
    SET claimed_until = %(lease)s, claim_token = %(token)s, attempts = delivery.attempts + 1
    FROM due
    WHERE delivery.id = due.id AND delivery.status = 'pending'
      AND (delivery.claimed_until IS NULL OR delivery.claimed_until <= %(now)s)
    RETURNING delivery.id, delivery.tenant_id, delivery.attempts, due.expired_lease
"""


@dataclass(frozen=True)
class Claim:
    delivery_id: int
    tenant_id: int
    attempt: int
    token: uuid.UUID
    expired_lease: datetime | None  # set when a previous worker's lease ran out (it died mid-send)


@dataclass(frozen=True)
class SendPass:
    sent: int
    succeeded: int


def retry_delay(failures: int, schedule: list[float] | None = None) -> timedelta | None:
    """How long to wait after the ``failures``-th failure in a row; None once the schedule is spent."""
    schedule = settings.ACCORD_WEBHOOK_RETRY_SCHEDULE if schedule is None else schedule
    if failures < 1 or failures > len(schedule):
        return None
    return timedelta(seconds=schedule[failures - 1])


def lease_seconds() -> float:
    # Never shorter than the request's hard deadline plus time to record the answer.
    return max(settings.ACCORD_WEBHOOK_LEASE_SECONDS, settings.ACCORD_WEBHOOK_TIMEOUT_SECONDS + 5)


def claim_next(*, now: datetime, only: list[int] | None = None) -> Claim | None:
    """Claim the most overdue delivery (of ``only`` these ids, if given) in the current tenant, or
    across tenants inside ``cross_tenant``. The caller's scope commits the claim before it sends."""
    token = uuid.uuid4()
    params = {"now": now, "lease": now + timedelta(seconds=lease_seconds()), "token": token, "only": only}
    sql = CLAIM_ONE.format(only="AND id = ANY(%(only)s)" if only is not None else "")
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql, params)
        row = cursor.fetchone()
    if row is None:
        return None
    delivery_id, tenant_id, attempt, expired_lease = row
    return Claim(delivery_id, tenant_id, attempt, token, expired_lease)


def _fail(delivery: WebhookDelivery, *, now: datetime, error: str, status_code: int | None) -> None:
    delivery.failures += 1
    delivery.last_error = error[:500]
    delivery.last_status_code = status_code
    delay = retry_delay(delivery.failures)
    if delay is None:
        delivery.status, delivery.next_attempt_at = DeliveryStatus.FAILED, None
    else:
        delivery.next_attempt_at = now + delay


def _note_lost_attempt(claim: Claim, delivery: WebhookDelivery) -> bool:
    """The previous holder of the lease never recorded its attempt: it died (or hung) mid-send. Log it
    as a failed attempt; True if that spends the schedule (the delivery gives up instead of sending)."""
    error = "No result recorded: the worker sending it stopped; sent again once its lease expired."
    WebhookAttempt.objects.create(
        tenant_id=delivery.tenant_id, delivery=delivery, number=claim.attempt - 1,
        at=claim.expired_lease - timedelta(seconds=lease_seconds()), error=error,
    )  # fmt: skip
    delivery.failures += 1
    delivery.last_error = error
    gives_up = retry_delay(delivery.failures) is None
    if gives_up:
        delivery.status, delivery.next_attempt_at = DeliveryStatus.FAILED, None
        delivery.claimed_until = delivery.claim_token = None
    delivery.save()
    return gives_up


def _record(claim: Claim, *, at: datetime, result: sender.SendResult, now: datetime) -> bool:
    """Log the attempt and, if this worker still holds the lease, decide the delivery's next state."""
    delivery = WebhookDelivery.objects.select_for_update().filter(pk=claim.delivery_id).first()
    if delivery is None:  # its endpoint was deleted while it was being sent
        return False
    WebhookAttempt.objects.create(
        tenant_id=delivery.tenant_id, delivery=delivery, number=claim.attempt, at=at,
        status_code=result.status_code, duration_ms=result.duration_ms, error=result.error[:500],
        response_body=result.response_body,
    )  # fmt: skip
    if delivery.claim_token != claim.token:
        logger.warning("webhook delivery %s: answer came after the lease was taken over", delivery.pk)
        return False
    delivery.last_attempt_at = at
    delivery.claimed_until = delivery.claim_token = None
    if result.succeeded:
        delivery.status, delivery.succeeded_at, delivery.next_attempt_at = DeliveryStatus.SUCCEEDED, now, None
        delivery.failures, delivery.last_error, delivery.last_status_code = 0, "", result.status_code
    else:
        _fail(delivery, now=now, error=result.error, status_code=result.status_code)
    delivery.save()
    return True


def send_claimed(claim: Claim, *, tenant: Tenant) -> bool:
    """Send one claimed delivery and record the outcome. True if the partner answered 2xx."""
    with tenant_scope(tenant):
        delivery = WebhookDelivery.objects.select_related("endpoint").filter(pk=claim.delivery_id).first()
        if delivery is None:  # its endpoint was deleted since the claim
            return False
        if claim.expired_lease is not None and _note_lost_attempt(claim, delivery):
            return False
        endpoint = delivery.endpoint
    at = timezone.now()
    body = delivery.body.encode()
    if not endpoint.is_enabled:
        result = sender.SendResult(
            status_code=None, duration_ms=0, error="Not sent: the endpoint is disabled."
        )
    else:
        try:
            destination = check_destination(endpoint.url)  # again now: the name may point elsewhere today
        except UnsafeDestination as error:
            result = sender.SendResult(status_code=None, duration_ms=0, error=" ".join(error.messages))
        else:
            headers = signing.signature_headers(
                message_id=delivery.message_id,
                at=at,
                body=body,
                secrets_in_use=signing_secrets(endpoint, now=at),
            )
            result = sender.post(
                destination, body=body, headers=headers, timeout=settings.ACCORD_WEBHOOK_TIMEOUT_SECONDS
            )
    with tenant_scope(tenant):
        _record(claim, at=at, result=result, now=timezone.now())
    return result.succeeded


def send_deliveries(tenant: Tenant, delivery_ids: list[int]) -> SendPass:
    """Send these deliveries of ``tenant`` now if they are due and nobody holds them (the fast path,
    queued when an event's fan-out commits)."""
    sent = succeeded = 0
    while True:
        with tenant_scope(tenant):
            claim = claim_next(now=timezone.now(), only=delivery_ids)
        if claim is None:
            return SendPass(sent, succeeded)
        sent += 1
        succeeded += send_claimed(claim, tenant=tenant)


def send_due(*, budget_seconds: float = 30, now: datetime | None = None) -> SendPass:
    """Send due deliveries of every tenant, one claim at a time, until none is due or the time budget
    is spent (beat queues the next pass). Safe to run on many workers at once."""
    started = timezone.now()
    sent = succeeded = 0
    tenants: dict[int, Tenant] = {}
    while (timezone.now() - started).total_seconds() < budget_seconds:
        with cross_tenant("the webhook sender claims due deliveries of every tenant"):
            claim = claim_next(now=now or timezone.now())
            if claim is not None and claim.tenant_id not in tenants:
                tenants[claim.tenant_id] = Tenant.objects.get(pk=claim.tenant_id)
        if claim is None:
            break
        sent += 1
        succeeded += send_claimed(claim, tenant=tenants[claim.tenant_id])
    return SendPass(sent, succeeded)
