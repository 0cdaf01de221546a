"""How long one SLA sweep takes with 100 clocks due among 10k, 100k and 1M open clocks.

Target: under 50 ms at every size, and flat (the partial index on due_at of running clocks means the
sweep touches only what is due). Runs in a scratch database `<app db>_bench`, created and dropped here.
Prints each figure and its ratio to the 10k baseline measured in the same run.
"""

import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("ACCORD_TESTING", "0")

import django

from bench.scratch import as_web, as_worker, owner_connection, scratch_database

SIZES = [10_000, 100_000, 1_000_000]
DUE = 100
RUNS = 7


def main() -> None:
    django.setup()
    with scratch_database("bench") as bench_name:
        run(bench_name)


def run(bench_name: str) -> None:
    from django.db import connection

    from tickets.sweeper import sweep

    with connection.cursor() as cursor:
        cursor.execute(as_worker())
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
        calendar_id = cursor.fetchone()[0]
    owner = owner_connection(bench_name)
    results = {}
    seeded = 0
    for size in SIZES:
        print(f"seeding open clocks up to {size:,}…", flush=True)
        with connection.cursor() as cursor:
            cursor.execute(as_worker())
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
                {
                    "tenant": tenant_id,
                    "client": client_id,
                    "calendar": calendar_id,
                    "first": seeded + 1,
                    "last": size,
                },
            )
            cursor.execute("ANALYZE tickets_slaclock")
        seeded = size
        timings = []
        for _ in range(RUNS):
            # Breaches are append-only for both roles: the owner empties them (and the outbox) between runs.
            with owner.cursor() as admin:
                admin.execute("TRUNCATE tickets_slabreach, events_outboxevent CASCADE")
            with connection.cursor() as cursor:  # arm 100 clocks: due a minute ago, not yet breached
                cursor.execute(as_worker())
                cursor.execute(
                    "UPDATE tickets_slaclock SET breached_at = NULL, due_at = now() - interval '1 minute'"
                    " WHERE id IN (SELECT id FROM tickets_slaclock ORDER BY random() LIMIT %s)",
                    [DUE],
                )
                cursor.execute(as_web())
            started = time.perf_counter()
            result = sweep()
            timings.append((time.perf_counter() - started) * 1000)
            assert result.breached == DUE, result
            with connection.cursor() as cursor:  # push them back into the future for the next run
                cursor.execute(as_worker())
                cursor.execute(
                    "UPDATE tickets_slaclock SET due_at = now() + interval '1 day' WHERE breached_at IS NOT NULL"
                )
                cursor.execute(as_web())
        results[size] = statistics.median(timings)
        print(
            f"  {size:>9,} open clocks: sweep with {DUE} due = {results[size]:6.1f} ms (median of {RUNS})",
            flush=True,
        )
    owner.close()
    baseline = results[SIZES[0]]
    print()
    for size in SIZES:
        print(f"sweep at {size:>9,} open clocks: {results[size]:6.1f} ms; ratio to {SIZES[0]:,}: "
              f"{results[size] / baseline:4.2f}x (target < 50 ms, flat)")  # fmt: skip


if __name__ == "__main__":
    main()
