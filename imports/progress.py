"""How far a running import has got, for its page to poll: rows written and rows in all, in the cache
(Redis). The import writes in one transaction, so its job row cannot say until it commits; this can.
Not the truth about what was imported (the job's summary is, once done)."""

from __future__ import annotations

from django.core.cache import cache

KEEP_FOR = 6 * 3600  # seconds


def _key(job_id: int) -> str:
    return f"imports:progress:{job_id}"


def advanced(job_id: int, done: int, total: int) -> None:
    cache.set(_key(job_id), {"done": done, "total": total}, KEEP_FOR)


def current(job_id: int) -> dict | None:
    return cache.get(_key(job_id))


def percent(job_id: int) -> int:
    record = current(job_id)
    if not record or not record["total"]:
        return 0
    return round(100 * record["done"] / record["total"])
