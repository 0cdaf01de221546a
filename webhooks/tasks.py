"""Celery tasks of webhooks. Not ``TenantTask``: that runs the whole body in one transaction, and a
delivery's claim must commit before its HTTP request (``webhooks.delivery`` enters the tenant per step)."""

from celery import shared_task

from tenants.models import Tenant
from webhooks import delivery


@shared_task(ignore_result=True)
def send_deliveries(tenant_id: int, delivery_ids: list[int]) -> dict:
    """Queued when an event's deliveries commit: send them at once rather than at beat's next pass."""
    result = delivery.send_deliveries(Tenant.objects.get(pk=tenant_id), delivery_ids)
    return {"sent": result.sent, "succeeded": result.succeeded}


@shared_task(ignore_result=True)
def send_due_webhooks() -> dict:
    """Beat runs this every few seconds: retries whose time has come, and deliveries whose worker died."""
    result = delivery.send_due()
    return {"sent": result.sent, "succeeded": result.succeeded}
