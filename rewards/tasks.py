"""Celery tasks of rewards: thin wrappers around ``rewards.programs``.

``run_daily_rewards`` (Celery beat, hourly) queues ``run_rewards_for_tenant`` for every active tenant;
each runs every program due on the tenant's own date. Every program is idempotent, so the 23 passes of a
day that find nothing due grant nothing, and a tenant's first pass after its midnight grants the day's.
"""

from celery import shared_task

from rewards.programs import run_programs_due
from tenants.models import Tenant
from tenants.scope import cross_tenant
from tenants.tasks import TenantTask


@shared_task(ignore_result=True)
def run_daily_rewards() -> int:
    with cross_tenant("list the active tenants for the rewards run"):
        tenant_ids = list(Tenant.objects.filter(is_active=True).order_by("pk").values_list("pk", flat=True))
    for tenant_id in tenant_ids:
        run_rewards_for_tenant.delay(tenant_id=tenant_id)
    return len(tenant_ids)


@shared_task(base=TenantTask, typing=False)  # tenant_id is taken by TenantTask.__call__
def run_rewards_for_tenant() -> dict:
    run = run_programs_due()
    return {
        "on": run.on.isoformat(),
        "granted": len(run.granted),
        "failures": [f"{program}: {error}" for program, error in run.failures],
    }
