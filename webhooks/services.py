"""Writes of partner webhooks: endpoints (register, change, rotate the secret, disable, delete), the
fan-out of an event to the endpoints that want it, and "send again". Each runs in the current tenant.

Sending itself is ``webhooks.delivery``: a loop of its own, not the event bus's, because an HTTP call to a
partner may take seconds and must never hold the bus's transaction open.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from events.models import OutboxEvent
from tenants.scope import current_tenant
from webhooks import signing
from webhooks.destinations import UnsafeDestination, validate_webhook_url
from webhooks.models import DeliveryStatus, WebhookDelivery, WebhookEndpoint
from webhooks.payloads import EVENT_TYPES, build_message

PREVIOUS_SECRET_VALID_FOR = timedelta(hours=24)
ENDPOINT_FIELDS = {"url", "description", "events"}


def _check_events(events: Iterable[str]) -> list[str]:
    events = list(dict.fromkeys(events))  # keeps the order given, each once
    if not events:
        raise ValidationError({"events": "Choose at least one event type."})
    unknown = [name for name in events if name not in EVENT_TYPES]
    if unknown:
        raise ValidationError(
            {"events": f"Unknown event types: {', '.join(unknown)}. Known: {', '.join(EVENT_TYPES)}."}
        )
    return events


def _check_url(url: str) -> str:
    url = url.strip()
    try:
        validate_webhook_url(url)
    except UnsafeDestination as error:
        raise ValidationError({"url": error.messages}) from error
    return url


@transaction.atomic
def create_endpoint(
    *, url: str, events: Iterable[str], description: str = "", created_by=None
) -> WebhookEndpoint:
    """Register an endpoint of the current tenant with a new ``whsec_`` secret. The URL must resolve to
    public addresses only (see ``webhooks.destinations``)."""
    return WebhookEndpoint.objects.create(
        tenant=current_tenant(),
        url=_check_url(url),
        events=_check_events(events),
        description=description.strip(),
        secret=signing.new_secret(),
        created_by=created_by,
    )


@transaction.atomic
def update_endpoint(endpoint: WebhookEndpoint, **changes) -> WebhookEndpoint:
    """Change the URL, description or event types. Deliveries already made keep their URL's log; pending
    ones go to the new URL."""
    unknown = set(changes) - ENDPOINT_FIELDS
    if unknown:
        raise TypeError(f"Unknown fields for a webhook endpoint: {', '.join(sorted(unknown))}")
    if "url" in changes:
        changes["url"] = _check_url(changes["url"])
    if "events" in changes:
        changes["events"] = _check_events(changes["events"])
    if "description" in changes:
        changes["description"] = changes["description"].strip()
    for name, value in changes.items():
        setattr(endpoint, name, value)
    endpoint.save()
    return endpoint


@transaction.atomic
def rotate_secret(endpoint: WebhookEndpoint, *, now: datetime | None = None) -> WebhookEndpoint:
    """A new secret signs from now on; the one it replaces also signs for 24 hours (both signatures in
    the header), so the partner can switch without a gap. Rotating again within those hours drops the
    oldest secret at once."""
    now = now or timezone.now()
    endpoint = WebhookEndpoint.objects.select_for_update().get(pk=endpoint.pk)
    endpoint.previous_secret = endpoint.secret
    endpoint.previous_secret_expires_at = now + PREVIOUS_SECRET_VALID_FOR
    endpoint.secret = signing.new_secret()
    endpoint.save(update_fields=["secret", "previous_secret", "previous_secret_expires_at", "updated_at"])
    return endpoint


def signing_secrets(endpoint: WebhookEndpoint, *, now: datetime) -> list[str]:
    """The secrets that sign a message sent at ``now``: the current one, and the previous one while it
    is still valid."""
    secrets_in_use = [endpoint.secret]
    if (
        endpoint.previous_secret
        and endpoint.previous_secret_expires_at
        and endpoint.previous_secret_expires_at > now
    ):
        secrets_in_use.append(endpoint.previous_secret)
    return secrets_in_use


@transaction.atomic
def set_enabled(endpoint: WebhookEndpoint, enabled: bool, *, reason: str = "", now: datetime | None = None):
    """Disable (no new deliveries; pending ones stop, marked failed) or enable an endpoint again. Events
    that happen while it is disabled are not sent later: 'send again' sends a stopped one by hand."""
    now = now or timezone.now()
    if enabled == endpoint.is_enabled:
        return endpoint
    endpoint.is_enabled = enabled
    endpoint.disabled_at = None if enabled else now
    endpoint.disabled_reason = "" if enabled else (reason.strip() or "Disabled.")
    endpoint.save(update_fields=["is_enabled", "disabled_at", "disabled_reason", "updated_at"])
    if not enabled:
        endpoint.deliveries.filter(status=DeliveryStatus.PENDING).update(
            status=DeliveryStatus.FAILED,
            next_attempt_at=None,
            last_error=f"Not sent: the endpoint was disabled ({endpoint.disabled_reason}).",
        )
    return endpoint


def delete_endpoint(endpoint: WebhookEndpoint) -> None:
    """Delete the endpoint with its delivery log. Nothing more is sent to it."""
    endpoint.delete()


@transaction.atomic
def fan_out(event: OutboxEvent, *, now: datetime | None = None) -> list[WebhookDelivery]:
    """One pending delivery of ``event`` per enabled endpoint that wants its type, due now, with the
    message built once for all of them. Idempotent: an endpoint that already has this event is skipped.
    After the commit the deliveries are handed to a worker at once (``send_deliveries``)."""
    if event.name not in EVENT_TYPES:
        return []
    now = now or timezone.now()
    endpoints = WebhookEndpoint.objects.filter(is_enabled=True, events__contains=[event.name])
    endpoints = endpoints.exclude(pk__in=WebhookDelivery.objects.filter(event=event).values("endpoint_id"))
    endpoints = list(endpoints)
    if not endpoints:
        return []
    message = build_message(event)
    deliveries = WebhookDelivery.objects.bulk_create(
        WebhookDelivery(
            tenant_id=event.tenant_id,
            endpoint=endpoint,
            event=event,
            event_type=event.name,
            message_id=signing.new_message_id(),
            body=signing.message_body(message).decode(),
            next_attempt_at=now,
        )
        for endpoint in endpoints
    )
    _send_after_commit(deliveries)
    return deliveries


def _send_after_commit(deliveries: list[WebhookDelivery]) -> None:
    from webhooks.tasks import send_deliveries  # the task module imports the sender, not the reverse

    tenant_id, ids = deliveries[0].tenant_id, [delivery.pk for delivery in deliveries]
    transaction.on_commit(lambda: send_deliveries.delay(tenant_id, ids))


@transaction.atomic
def send_again(delivery: WebhookDelivery, *, now: datetime | None = None) -> WebhookDelivery:
    """Queue the delivery to be sent now, with the same webhook-id and body, whatever its status; a
    failure then retries on the full schedule again. The endpoint must be enabled."""
    now = now or timezone.now()
    delivery = WebhookDelivery.objects.select_for_update().select_related("endpoint").get(pk=delivery.pk)
    if not delivery.endpoint.is_enabled:
        raise ValidationError("Enable the endpoint first: a disabled endpoint receives nothing.")
    delivery.status = DeliveryStatus.PENDING
    delivery.failures = 0
    delivery.next_attempt_at = now
    delivery.save(update_fields=["status", "failures", "next_attempt_at"])
    _send_after_commit([delivery])
    return delivery
