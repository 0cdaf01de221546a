"""How long one SLA sweep takes with 100 clocks due among N open clocks, outbox included.

    python bench/bench_sweeper.py [--clocks N]      (or BENCH_SWEEP_CLOCKS=N; default 1,000,000)

Loads 10,000 and then N open tickets with a running clock each in bulk SQL (one INSERT ... SELECT from
generate_series), then, at each size, median of 7 passes:

* the breach half: 100 random clocks armed due a minute ago; ``sweep()`` claims them, inserts the 100
  breach rows and the 100 ``sla.breached`` events in one statement (the dispatcher makes their deliveries
  afterwards, a delivery per consumer that has something to do: not measured here);
* beside it, in the same run and on the same armed clocks, the bare claim: the sweeper's own claim CTEs
  with nothing recorded (rolled back), i.e. what locking and marking the clocks costs by itself;
* the warning half: 100 random clocks armed to warn a minute ago (not yet due), ``sweep()`` records
  the 100 ``sla.warning`` events.

Target (issue 18): the sweep of 100 due among 1M open clocks under 10 ms, median of 7, and flat from
10,000 (the partial indexes on due_at and warn_at of running clocks mean a pass touches only what is
due). Printed, not asserted. Runs in a scratch database `<app db>_bench`, created and dropped here.
"""

import argparse
import os
import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("ACCORD_TESTING", "0")

import django

from bench.scratch import as_web, as_worker, owner_connection, scratch_database

BASELINE = 10_000
DUE = 100
RUNS = 7
TARGET_MS = 10


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--clocks", type=int, default=int(os.environ.get("BENCH_SWEEP_CLOCKS", 1_000_000)),
        help="open clocks to sweep among (default 1,000,000)",
    )  # fmt: skip
    clocks = parser.parse_args().clocks
    django.setup()
    with scratch_database("bench") as bench_name:
        run(bench_name, sorted({min(BASELINE, clocks), clocks}))


def seed_tenant(cursor) -> dict:
    cursor.execute(
        "INSERT INTO tenants_tenant (name, slug, timezone, currency, country, subdivision, is_active,"
        " reply_to_email, created_at) VALUES ('Bench', 'bench', 'UTC', 'USD', 'US', '', true, '', now())"
        " RETURNING id"
    )
    tenant_id = cursor.fetchone()[0]
    cursor.execute(
        "INSERT INTO clients_client (tenant_id, name, email, phone, managed_endpoints, notes,"
        " created_at, updated_at) VALUES (%s, 'Bench client', '', '', 0, '', now(), now()) RETURNING id",
        [tenant_id],
    )
    client_id = cursor.fetchone()[0]
    cursor.execute(
        "INSERT INTO service_levels_businesscalendar (tenant_id, name, timezone, weekly_hours,"
        " holiday_country, holiday_subdivision, created_at, updated_at) VALUES (%s, '24/7', 'UTC',"
        " '{}', '', '', now(), now()) RETURNING id",
        [tenant_id],
    )
    return {"tenant": tenant_id, "client": client_id, "calendar": cursor.fetchone()[0]}


def seed_open_clocks(cursor, ids: dict, first: int, last: int) -> None:
    """Tickets ``first``..``last``, each with a running resolution clock, warned already and due in a day
    or more (so neither half of the sweep finds it until it is armed)."""
    cursor.execute(
        """
        WITH new_tickets AS (
            INSERT INTO tickets_ticket (tenant_id, number, client_id, title, description, impact, urgency,
                priority, work_location, channel, status, sla_policy_name, sla_reasons, sla_pause_statuses,
                created_at, updated_at)
            SELECT %(tenant)s, n, %(client)s, 'Bench ticket', '', 'medium', 'medium', 'P3', 'remote',
                'api', 'new', 'Bench', '[]', '[]', now(), now()
            FROM generate_series(%(first)s, %(last)s) AS n
            RETURNING id, number
        )
        INSERT INTO tickets_slaclock (tenant_id, ticket_id, metric, target_minutes, calendar_id,
            warn_percent, policy_name, reason, state, started_at, pauses, due_at, warn_at, warned_at)
        SELECT %(tenant)s, id, 'resolution', 480, %(calendar)s, 75, 'Bench', '', 'running', now(), '[]',
            now() + interval '1 day' + (number || ' seconds')::interval, now(), now()
        FROM new_tickets
        """,
        {**ids, "first": first, "last": last},
    )
    cursor.execute("ANALYZE tickets_ticket")
    cursor.execute("ANALYZE tickets_slaclock")


ARM = {
    # Due a minute ago, already warned: only the breach half finds them.
    "breach": "UPDATE tickets_slaclock SET due_at = now() - interval '1 minute', breached_at = NULL"
    " WHERE id = ANY(%s)",
    # Warning a minute ago, due tomorrow: only the warning half finds them.
    "warning": "UPDATE tickets_slaclock SET warn_at = now() - interval '1 minute', warned_at = NULL"
    " WHERE id = ANY(%s)",
}
DISARM = (
    "UPDATE tickets_slaclock SET due_at = now() + interval '1 day', breached_at = NULL, warn_at = started_at,"
    " warned_at = now() WHERE id = ANY(%s)"
)


WARM_UP = (
    "SELECT (SELECT count(*) FROM tickets_slabreach), (SELECT count(*) FROM events_outboxevent),"
    " (SELECT count(*) FROM events_eventdelivery)"
)


def timed_ms(function) -> tuple[float, object]:
    started = time.perf_counter()
    result = function()
    return (time.perf_counter() - started) * 1000, result


def bare_claim(claim_sql: str, batch: int) -> int:
    """The sweeper's claim CTEs alone, on the worker's connection as the sweep uses it, in a transaction
    rolled back afterwards."""
    from django.db import connections, transaction
    from django.utils import timezone

    from tenants.connections import WORKER_ALIAS

    with transaction.atomic(using=WORKER_ALIAS):
        with connections[WORKER_ALIAS].cursor() as cursor:
            cursor.execute(
                claim_sql + " SELECT count(*) FROM claimed", {"now": timezone.now(), "batch": batch}
            )
            claimed = cursor.fetchone()[0]
        transaction.set_rollback(True, using=WORKER_ALIAS)
    return claimed


def measure(owner, clock_ids: range, rng: random.Random) -> dict[str, list[float]]:
    from django.db import connection, connections

    from tenants.connections import WORKER_ALIAS
    from tickets import sweeper

    timings = {"claim": [], "breach": [], "warning": []}
    for _ in range(RUNS):
        for half in ("breach", "warning"):
            # Breaches are append-only for both roles: the owner empties them (and the outbox) between runs.
            with owner.cursor() as admin:
                admin.execute("TRUNCATE tickets_slabreach, events_outboxevent CASCADE")
            with connections[WORKER_ALIAS].cursor() as cursor:  # a truncated table's first reader reloads it
                cursor.execute(WARM_UP)
            armed = rng.sample(clock_ids, DUE)
            with connection.cursor() as cursor:
                cursor.execute(as_worker())
                cursor.execute(ARM[half], [armed])
                cursor.execute(as_web())
            if half == "breach":
                elapsed, claimed = timed_ms(lambda: bare_claim(sweeper.CLAIM, sweeper.BATCH))
                assert claimed == DUE, claimed
                timings["claim"].append(elapsed)
            elapsed, result = timed_ms(sweeper.sweep)
            expected = (0, DUE) if half == "breach" else (DUE, 0)
            assert (result.warned, result.breached) == expected, (half, result)
            timings[half].append(elapsed)
            with connection.cursor() as cursor:  # back into the future for the next run
                cursor.execute(as_worker())
                cursor.execute(DISARM, [armed])
                cursor.execute(as_web())
    return timings


def run(bench_name: str, sizes: list[int]) -> None:
    from django.conf import settings
    from django.db import connection

    # As in production (config/settings.py): cross_tenant runs on the worker's own connection, where a
    # pass is its statement and COMMIT. (The scratch database's default, a SET ROLE on the web connection,
    # would add four round trips to every pass.)
    settings.CROSS_TENANT_VIA = "connection"

    from events import bus

    with connection.cursor() as cursor:
        cursor.execute(as_worker())
        ids = seed_tenant(cursor)
        cursor.execute(as_web())
    consumers = {name: len(bus.consumers_for(name)) for name in ("sla.breached", "sla.warning")}
    print(
        f"consumers per event: {consumers} (a delivery row each, made by the dispatcher after the pass, but"
        " for webhooks: the bench's tenant has no endpoint)",
        flush=True,
    )
    owner = owner_connection(bench_name)
    rng = random.Random(18)
    results: dict[int, dict[str, float]] = {}
    seeded = 0
    for size in sizes:
        started = time.perf_counter()
        with connection.cursor() as cursor:
            cursor.execute(as_worker())
            seed_open_clocks(cursor, ids, seeded + 1, size)
            cursor.execute("SELECT min(id), max(id) FROM tickets_slaclock")
            first_id, last_id = cursor.fetchone()
            cursor.execute(as_web())
        print(f"loaded {size - seeded:,} open tickets and clocks in {time.perf_counter() - started:.1f} s",
              flush=True)  # fmt: skip
        seeded = size
        timings = measure(owner, range(first_id, last_id + 1), rng)
        results[size] = {kind: statistics.median(values) for kind, values in timings.items()}
        medians = results[size]
        print(
            f"  {size:>9,} open clocks, {DUE} due (median of {RUNS}): sweep of breaches {medians['breach']:6.2f} ms"
            f" (bare claim {medians['claim']:5.2f} ms); sweep of warnings {medians['warning']:6.2f} ms",
            flush=True,
        )
    owner.close()
    baseline = results[sizes[0]]
    print()
    for size in sizes:
        medians = results[size]
        print(
            f"at {size:>9,} open clocks: sweep of {DUE} breaches, outbox included, {medians['breach']:6.2f} ms"
            f" (ratio to {sizes[0]:,}: {medians['breach'] / baseline['breach']:4.2f}x); bare claim"
            f" {medians['claim']:5.2f} ms; {DUE} warnings {medians['warning']:6.2f} ms"
        )
    largest = results[sizes[-1]]
    verdict = "met" if largest["breach"] < TARGET_MS and largest["warning"] < TARGET_MS else "NOT met"
    print(f"target: sweep of {DUE} due under {TARGET_MS} ms at {sizes[-1]:,} open clocks (median of {RUNS}):"
          f" {verdict}")  # fmt: skip


if __name__ == "__main__":
    main()
