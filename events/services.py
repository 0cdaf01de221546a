import json

from django.core.serializers.json import DjangoJSONEncoder

from events.models import OutboxEvent
from tenants.scope import current_tenant


def record_event(name: str, **payload) -> OutboxEvent:
    """Write an event row in the caller's transaction (call it inside the service that made the change)."""
    safe_payload = json.loads(json.dumps(payload, cls=DjangoJSONEncoder))
    return OutboxEvent.objects.create(tenant=current_tenant(), name=name, payload=safe_payload)
