"""Where a tenant's billing run stands, for the run page to poll: one small record per tenant in the
cache (Redis), written by the task as it goes. Not the truth about what was issued (the invoices are):
only what the page shows while a run is queued, running, or just finished.

A run that stops reporting (its worker died; Celery redelivers it, and the run is idempotent) is shown
as stalled once ``STALLED_AFTER`` passes without news, so the page never polls forever.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.core.cache import cache
from django.utils import timezone

from billing.runs import RunProgress, TenantRun

QUEUED, RUNNING, DONE, FAILED = "queued", "running", "done", "failed"
STALLED_AFTER = timedelta(minutes=15)
KEEP_FOR = 24 * 3600  # seconds a finished run's summary stays on the page


def record_key(tenant_id: int) -> str:
    """The cache key of the tenant's run record."""
    return f"billing:run:{tenant_id}"


def _write(tenant_id: int, **values) -> dict:
    record = {**(cache.get(record_key(tenant_id)) or {}), **values, "updated_at": timezone.now().isoformat()}
    cache.set(record_key(tenant_id), record, KEEP_FOR)
    return record


def queued(tenant_id: int, *, started_by: str) -> dict:
    """A new run was asked for: the previous run's record is replaced."""
    cache.delete(record_key(tenant_id))
    return _write(
        tenant_id, state=QUEUED, started_by=started_by, processed=0, total=None, summary=None, error=""
    )


def started(tenant_id: int, *, started_by: str) -> dict:
    record = cache.get(record_key(tenant_id)) or {}
    if record.get("state") != QUEUED:  # a run nobody queued from the page (beat, a redelivery)
        cache.delete(record_key(tenant_id))
    return _write(tenant_id, state=RUNNING, started_by=started_by, started_at=timezone.now().isoformat())


def advanced(progress: RunProgress) -> dict:
    return _write(progress.tenant.pk, state=RUNNING, processed=progress.processed, total=progress.total)


def finished(tenant_id: int, run: TenantRun) -> dict:
    return _write(tenant_id, state=DONE, processed=run.processed, total=run.clients, summary=run.summary())


def failed(tenant_id: int, error: str) -> dict:
    return _write(tenant_id, state=FAILED, error=error)


def current(tenant_id: int, *, now: datetime | None = None) -> dict | None:
    """The tenant's latest run record, with ``stalled`` set when a queued or running run has been silent
    for too long; None when there is none."""
    record = cache.get(record_key(tenant_id))
    if record is None:
        return None
    silent = (now or timezone.now()) - datetime.fromisoformat(record["updated_at"])
    record["stalled"] = record["state"] in (QUEUED, RUNNING) and silent > STALLED_AFTER
    record["active"] = record["state"] in (QUEUED, RUNNING) and not record["stalled"]
    return record
