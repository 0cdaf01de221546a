"""Celery tasks of billing: thin wrappers around ``billing.runs``.

``run_due_billing`` (Celery beat, hourly) lists the active tenants in the one explicit bypass and queues
``bill_tenant`` for each whose local hour has reached its ``BillingSettings.run_hour`` (6 by default).
Repeated hours issue nothing new: the run is idempotent. The run page queues ``bill_tenant`` on demand.
Not ``TenantTask``: that runs its body in one transaction, and the run commits chunk by chunk.
"""

from celery import shared_task

from billing import run_progress
from billing.models import BillingSettings
from billing.runs import RUN_ACTOR, run_billing
from tenants.localtime import tenant_now
from tenants.models import Tenant
from tenants.scope import cross_tenant

DEFAULT_RUN_HOUR = BillingSettings._meta.get_field("run_hour").default


def tenants_due_for_billing() -> list[Tenant]:
    """Active tenants whose wall clock has reached their billing run hour today."""
    with cross_tenant("find the tenants whose daily billing run hour has come"):
        tenants = list(Tenant.objects.filter(is_active=True).order_by("pk"))
        hours = dict(BillingSettings.objects.values_list("tenant_id", "run_hour"))
    return [tenant for tenant in tenants if tenant_now(tenant).hour >= hours.get(tenant.pk, DEFAULT_RUN_HOUR)]


@shared_task(ignore_result=True)
def run_due_billing() -> int:
    due = tenants_due_for_billing()
    for tenant in due:
        bill_tenant.delay(tenant_id=tenant.pk)
    return len(due)


@shared_task(ignore_result=True)
def bill_tenant(*, tenant_id: int, started_by: str = RUN_ACTOR) -> dict:
    """One tenant's run for its clients' today, reporting progress for the run page."""
    tenant = Tenant.objects.get(pk=tenant_id, is_active=True)
    run_progress.started(tenant_id, started_by=started_by)
    try:
        result = run_billing(tenant=tenant, progress=run_progress.advanced, actor=started_by)
    except Exception as error:
        run_progress.failed(tenant_id, str(error) or type(error).__name__)
        raise
    (run,) = result.tenants
    run_progress.finished(tenant_id, run)
    return run.summary()
