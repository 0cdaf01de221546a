"""Celery tasks of contracts: thin wrappers that enter the tenant and call the services.

``run_daily_contracts`` (Celery beat, daily) lists the active tenants in the one explicit bypass and
queues ``run_contracts_for_tenant`` for each; that task runs inside its tenant (``TenantTask``) with the
tenant's own date: renewals, campaign reminders, reminders to each signer who has not signed, then
campaigns whose grace period is over. Every step is idempotent, so a repeated or overlapping delivery
sends nothing twice.
"""

from celery import shared_task

from contracts import campaigns, renewals, signers
from tenants.localtime import tenant_today
from tenants.models import Tenant
from tenants.scope import cross_tenant
from tenants.tasks import TenantTask


@shared_task
def run_daily_contracts() -> int:
    with cross_tenant("list tenants for the daily contract run"):
        tenants = list(Tenant.objects.filter(is_active=True).order_by("pk"))
    for tenant in tenants:
        run_contracts_for_tenant.delay(tenant_id=tenant.pk)
    return len(tenants)


@shared_task(base=TenantTask, typing=False)  # tenant_id is taken by TenantTask.__call__
def run_contracts_for_tenant() -> dict:
    today = tenant_today()
    run = renewals.run_renewals(today)
    reminded = campaigns.send_due_reminders(today)
    signers_reminded = signers.remind_waiting_signers()
    closed = campaigns.close_campaigns_past_deadline(today)
    return {
        "today": today.isoformat(),
        "renewal_reminders": len(run.reminders),
        "renewed": len(run.renewed),
        "expired": len(run.expired),
        "campaign_reminders": reminded,
        "signer_reminders": signers_reminded,
        "campaigns_closed": len(closed),
    }


@shared_task(base=TenantTask, typing=False)  # tenant_id is taken by TenantTask.__call__
def send_campaign_batch(*, campaign_id: int, recipient_ids: list[int]) -> int:
    return campaigns.send_to_recipients(campaign_id=campaign_id, recipient_ids=recipient_ids)
