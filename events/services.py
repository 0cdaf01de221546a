import json
from collections.abc import Iterable
from datetime import datetime

from django.core.serializers.json import DjangoJSONEncoder

from events.models import OutboxEvent
from tenants.scope import current_tenant


def _json_safe(payload: dict) -> dict:
    return json.loads(json.dumps(payload, cls=DjangoJSONEncoder))


def record_event(name: str, **payload) -> OutboxEvent:
    """Write an event row in the caller's transaction (call it inside the service that made the change)."""
    return OutboxEvent.objects.create(tenant=current_tenant(), name=name, payload=_json_safe(payload))


def record_events(events: Iterable[tuple[int, str, dict]]) -> list[OutboxEvent]:
    """Write many ``(tenant_id, name, payload)`` events in one statement, in the caller's transaction:
    the SLA sweeper records every tenant's warnings and breaches together with its claim (inside its
    cross-tenant bypass)."""
    return OutboxEvent.objects.bulk_create(
        OutboxEvent(tenant_id=tenant_id, name=name, payload=_json_safe(payload))
        for tenant_id, name, payload in events
    )


def mark_processed(events: Iterable[OutboxEvent], *, at: datetime) -> int:
    """Settle events without delivering them (seeded history is not news). Returns how many were still
    unprocessed."""
    unprocessed = OutboxEvent.objects.filter(pk__in=[event.pk for event in events], processed_at__isnull=True)
    return unprocessed.update(processed_at=at)
