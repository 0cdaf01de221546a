"""The worker side of a large import: thin around ``imports.services``.

Not ``TenantTask`` (one transaction for the whole body): the job is marked running in one transaction,
so its page can say so, and the rows are written in another, all or nothing, while progress goes to the
cache. A failure marks the job failed in a third.
"""

from celery import shared_task

from imports import services
from imports.models import ImportJob
from tenants.models import Tenant
from tenants.scope import tenant_scope


@shared_task(ignore_result=True)
def run_import(*, tenant_id: int, job_id: int) -> dict | None:
    tenant = Tenant.objects.get(pk=tenant_id, is_active=True)
    with tenant_scope(tenant):
        if not services.mark_running(ImportJob.objects.get(pk=job_id)):
            return None
    try:
        with tenant_scope(tenant):
            return services.import_now(ImportJob.objects.get(pk=job_id))
    except services.ImportRefused as refused:  # the clients changed since the preview: back to it
        with tenant_scope(tenant):
            services.back_to_preview(ImportJob.objects.get(pk=job_id), refused.checked)
        return {"refused": str(refused)}
    except Exception as error:
        with tenant_scope(tenant):
            services.mark_failed(ImportJob.objects.get(pk=job_id), str(error) or type(error).__name__)
        raise
