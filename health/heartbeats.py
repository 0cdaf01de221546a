"""Whether the Celery worker and beat are alive, as timestamps in Redis.

Beat schedules ``health.heartbeat`` every ``ACCORD_HEALTH_HEARTBEAT_SECONDS``. Publishing it is beat's
tick: the ``before_task_publish`` signal, in the beat process, records the time (``beat``). Running it is
the worker's heartbeat: the task records the time it ran (``worker``). So a dead beat leaves both stale,
and a dead worker (or one stuck on a backlog) only the worker's, and /healthz says which.
"""

from __future__ import annotations

import time

from django.conf import settings
from django.core.cache import cache

HEARTBEAT_TASK = "health.heartbeat"
WORKER, BEAT = "worker", "beat"
_KEY = "health:last-seen:{}"


def record(kind: str, at: float | None = None) -> None:
    # Kept well past staleness, so a stale heartbeat reads as "last seen N s ago", not as "never".
    cache.set(_KEY.format(kind), time.time() if at is None else at, timeout=7 * 86400)


def last_seen(kind: str) -> float | None:
    return cache.get(_KEY.format(kind))


def age_seconds(kind: str) -> float | None:
    seen = last_seen(kind)
    return None if seen is None else max(0.0, time.time() - seen)


def stale_after(kind: str) -> int:
    return settings.ACCORD_HEALTH_STALE_SECONDS[kind]


def on_task_published(sender=None, **kwargs) -> None:
    if sender == HEARTBEAT_TASK:
        record(BEAT)
