"""Celery tasks that belong to one tenant.

A task declared with ``base=TenantTask`` takes ``tenant_id`` as a keyword argument and runs its body
inside ``tenant_scope`` for that tenant (a transaction with ``app.tenant_id`` set), so a worker that
reuses its database connection never carries one tenant's setting into the next task. Enqueue with
``enqueue_for_tenant`` (after the surrounding transaction commits).
"""

from celery.contrib.django.task import DjangoTask

from tenants.models import Tenant
from tenants.scope import tenant_scope


class TenantTask(DjangoTask):
    abstract = True
    typing = False  # tenant_id is taken here, not by the task function, so Celery must not check arguments

    def __call__(self, *args, tenant_id: int, **kwargs):
        tenant = Tenant.objects.get(pk=tenant_id, is_active=True)
        with tenant_scope(tenant):
            return super().__call__(*args, **kwargs)


def enqueue_for_tenant(task, tenant, *args, **kwargs):
    """Queue ``task`` for ``tenant`` once the current transaction commits (at once outside one)."""
    return task.delay_on_commit(*args, tenant_id=tenant.pk, **kwargs)
