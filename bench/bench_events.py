"""Events per second through the bus (outbox -> per-consumer deliveries -> handler) with 1, 2 and 4
worker processes.

Each run records EVENTS events for one consumer whose handler makes one query (the cost of a light
consumer such as an in-app notification is a few of those), then starts the workers, each looping
``dispatch_pending`` until nothing is left, and times until every delivery is done (after a warm-up
run, the median of three). Prints events/s and the ratio to one worker measured in the same run. Runs
in a scratch database `<app db>_bench_events`. The machine's core count caps the scaling: PostgreSQL
runs on the same cores, so on 2 cores one worker and the database already use both.
"""

import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("ACCORD_TESTING", "0")

import django

from bench.scratch import scratch_database
from tenants.connections import role_urls

ROOT = Path(__file__).resolve().parents[1]
EVENTS = int(os.environ.get("ACCORD_BENCH_EVENTS", "4000"))
WORKERS = [1, 2, 4]
RUNS = 3
CONSUMER = "bench.consumer"


def register_consumer() -> None:
    from django.db import connection

    from events.bus import subscribe

    @subscribe(CONSUMER, "bench.ping")
    def handle(event, *, now):
        with connection.cursor() as cursor:
            cursor.execute("SELECT %s", [event.payload["n"]])


def worker(go: Path) -> None:
    django.setup()
    register_consumer()
    from django.db import connection

    from events.dispatch import dispatch_pending

    connection.ensure_connection()
    while not go.exists():  # start together, after the interpreter and Django are up
        time.sleep(0.001)
    while dispatch_pending().handled:
        pass


def main() -> None:
    django.setup()
    with scratch_database("bench_events") as bench_name:
        run(bench_name)


def run(bench_name: str) -> None:
    from django.db import connection

    register_consumer()

    from events.models import EventDelivery, OutboxEvent
    from events.services import record_events
    from tenants.models import Tenant
    from tenants.scope import cross_tenant

    tenant = Tenant.objects.create(name="Bench AV", slug="bench-av")
    env = {**os.environ, **role_urls(connection.settings_dict["NAME"])}

    def one_run(count: int) -> float:
        """Seconds for ``count`` workers to drain EVENTS deliveries, from the moment all are ready."""
        with cross_tenant("the benchmark records its events"):
            record_events((tenant.pk, "bench.ping", {"n": n}) for n in range(EVENTS))
        go = Path(tempfile.mkdtemp()) / "go"
        processes = [
            subprocess.Popen([sys.executable, __file__, "--worker", str(go)], cwd=ROOT, env=env)
            for _ in range(count)
        ]
        time.sleep(3)  # let every worker import Django and connect
        started = time.perf_counter()
        go.touch()
        for process in processes:
            process.wait()
        elapsed = time.perf_counter() - started
        with cross_tenant("the benchmark checks and clears its deliveries"):
            left = EventDelivery.objects.filter(consumer=CONSUMER, status="pending").count()
            OutboxEvent.objects.all().delete()
        if left:
            raise SystemExit(f"{left} deliveries were left pending with {count} workers")
        return elapsed

    one_run(1)  # warm-up: caches, the first autovacuum, the planner's statistics
    baseline = None
    for count in WORKERS:
        elapsed = statistics.median(one_run(count) for _ in range(RUNS))
        rate = EVENTS / elapsed
        baseline = baseline or rate
        print(
            f"{count} worker(s): {EVENTS} events in {elapsed:.2f} s (median of {RUNS}) = {rate:,.0f} events/s "
            f"(x{rate / baseline:.2f} vs 1 worker)",
            flush=True,
        )


if __name__ == "__main__":
    if "--worker" in sys.argv:
        worker(Path(sys.argv[-1]))
    else:
        main()
