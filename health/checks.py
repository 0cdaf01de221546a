"""What /healthz checks (django-health-check): the database, Redis (through the cache), and the Celery
worker's and beat's heartbeats. Nothing here reads a tenant's rows: the database check is ``SELECT 1``
as the web role, outside any tenant."""

from __future__ import annotations

import dataclasses

from health_check.base import HealthCheck
from health_check.checks import Cache, Database
from health_check.exceptions import ServiceUnavailable

from health import heartbeats


@dataclasses.dataclass
class _Heartbeat(HealthCheck):
    kind = ""
    what = ""

    def run(self):
        try:
            age = heartbeats.age_seconds(self.kind)
        except Exception as error:  # Redis down: the cache check says so; this one cannot tell
            raise ServiceUnavailable(f"cannot read the {self.what} heartbeat") from error
        if age is None:
            raise ServiceUnavailable(f"no {self.what} heartbeat recorded yet")
        limit = heartbeats.stale_after(self.kind)
        if age > limit:
            raise ServiceUnavailable(f"{self.what} last seen {int(age)} s ago (stale after {limit} s)")


@dataclasses.dataclass
class CeleryWorker(_Heartbeat):
    kind = heartbeats.WORKER
    what = "Celery worker"


@dataclasses.dataclass
class CeleryBeat(_Heartbeat):
    kind = heartbeats.BEAT
    what = "Celery beat"


# name -> check, in the order reports list them.
ALL = {"database": Database, "cache": Cache, "celery_worker": CeleryWorker, "celery_beat": CeleryBeat}
# What each process's healthcheck needs (docker-compose.yml): a web process is healthy when it can reach
# the database and Redis, whatever the worker does (a load balancer must not drop every web node then).
GROUPS = {
    "all": list(ALL),
    "web": ["database", "cache"],
    "worker": ["celery_worker"],
    "beat": ["celery_beat"],
}
