"""Reads of partner webhooks for the staff pages: endpoints with their recent delivery counts, an
endpoint's delivery log, and the event types grouped for the form."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db.models import Count, Max, Prefetch, Q, QuerySet

from webhooks.models import DeliveryStatus, WebhookAttempt, WebhookDelivery, WebhookEndpoint
from webhooks.payloads import EVENT_TYPES, EventType

RECENT = timedelta(hours=24)
GROUP_TITLES = {
    "ticket": "Tickets",
    "sla": "SLA clocks",
    "agreement": "Agreements",
    "client": "Clients",
    "subscription": "Memberships",
    "invoice": "Invoices",
}


def endpoint_list(*, now: datetime) -> QuerySet[WebhookEndpoint]:
    """The tenant's endpoints, newest first, each with its deliveries of the last 24 hours counted by
    status and the time of its latest delivery."""
    recent = Q(deliveries__created_at__gte=now - RECENT)
    return WebhookEndpoint.objects.annotate(
        succeeded_recently=Count(
            "deliveries", filter=recent & Q(deliveries__status=DeliveryStatus.SUCCEEDED)
        ),
        failed_recently=Count("deliveries", filter=recent & Q(deliveries__status=DeliveryStatus.FAILED)),
        pending=Count("deliveries", filter=Q(deliveries__status=DeliveryStatus.PENDING)),
        last_delivery_at=Max("deliveries__created_at"),
    ).order_by("-created_at", "-id")


def delivery_log(endpoint: WebhookEndpoint, *, status: str = "") -> QuerySet[WebhookDelivery]:
    """The endpoint's deliveries, newest first, with their attempts (newest first), optionally of one
    status."""
    deliveries = endpoint.deliveries.prefetch_related(
        Prefetch("attempt_log", queryset=WebhookAttempt.objects.order_by("-number", "-id"))
    ).order_by("-created_at", "-id")
    if status in DeliveryStatus.values:
        deliveries = deliveries.filter(status=status)
    return deliveries


def delivery_counts(endpoint: WebhookEndpoint) -> dict[str, int]:
    counts = dict(
        endpoint.deliveries.values_list("status").annotate(n=Count("id")).values_list("status", "n")
    )
    return {status: counts.get(status, 0) for status in DeliveryStatus.values}


@dataclass(frozen=True)
class EventTypeGroup:
    title: str
    event_types: list[EventType]


def event_type_groups() -> list[EventTypeGroup]:
    groups: dict[str, list[EventType]] = {}
    for name, event_type in EVENT_TYPES.items():
        groups.setdefault(name.split(".", 1)[0], []).append(event_type)
    return [
        EventTypeGroup(GROUP_TITLES.get(prefix, prefix.title()), types) for prefix, types in groups.items()
    ]
