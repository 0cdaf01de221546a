"""Celery tasks of reports: thin wrappers around ``reports.rollup``.

``roll_up_sla_compliance`` (beat, every minute) queues ``roll_up_sla_compliance_for_tenant`` for each tenant
whose roll-up is behind; a tenant's first run counts its whole history, later ones the days that changed.
"""

from celery import shared_task

from reports.rollup import roll_up_compliance, tenants_behind
from tenants.scope import cross_tenant
from tenants.tasks import TenantTask


@shared_task(ignore_result=True)
def roll_up_sla_compliance() -> int:
    with cross_tenant("find the tenants whose SLA compliance roll-up is behind"):
        tenant_ids = tenants_behind()
    for tenant_id in tenant_ids:
        roll_up_sla_compliance_for_tenant.delay(tenant_id=tenant_id)
    return len(tenant_ids)


@shared_task(base=TenantTask, typing=False)  # tenant_id is taken by TenantTask.__call__
def roll_up_sla_compliance_for_tenant() -> dict:
    done = roll_up_compliance()
    return {"days": done.days, "rebuilt": done.rebuilt} if done else {"skipped": "another run holds it"}
