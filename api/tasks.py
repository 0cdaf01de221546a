from celery import shared_task

from api.idempotency import purge_expired
from tenants.scope import cross_tenant


@shared_task
def purge_expired_idempotency_keys() -> int:
    with cross_tenant("purge day-old Idempotency-Key answers of every tenant"):
        return purge_expired()
