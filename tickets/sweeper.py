"""The SLA sweeper: finds clocks that are due to warn or breach and records each exactly once.

The database is the source of truth. Each pass is ONE SQL statement and its own transaction, committed
in its one round trip (with the ``SET LOCAL`` that makes that commit asynchronous: ``ASYNC_COMMIT`` says
why that is safe; prepared once per connection and run by name: ``GENERIC_PLAN``), made of
data-modifying CTEs: it locks the due clocks over the partial indexes (``state = 'running'`` and not yet
warned/breached), marks them warned and/or breached, inserts the breach rows, and writes the outbox
events, all in the claim's transaction. The events await their deliveries: the dispatcher, woken by the
pass's commit, makes a pending delivery per consumer that has something to do with them before it claims
(``events.services.create_pending_deliveries``), so the pass writes one row per event, not one per event and
consumer. Two workers racing claim
each clock once (the loser's ``SKIP LOCKED`` passes over it, or its re-check sees it claimed), and a
worker that died before a deadline loses nothing: the next pass finds the clock. The unique breach per
clock backs the claim (``ON CONFLICT DO NOTHING``: an event is written only for a breach row inserted).

Lock order (the one ``tickets.services`` documents: ticket, then its running clocks, then breach rows):
the claim locks each due clock alone (``FOR NO KEY UPDATE SKIP LOCKED``), and the breach inserted
afterwards share-locks only that clock (its one foreign key, to the clock's tenant, id and ticket). A
ticket action (a status change, a reply, a re-target) locks its ticket's running clocks with the ticket,
before anything else, so a clock of a ticket an action holds is skipped, never waited for: the next pass
claims it, against the clock's due time as that action left it. So the sweeper takes no lock it has to
wait for, and a ticket action can wait for the sweeper but the sweeper never waits for it: no deadlock
either way round.

Warnings before breaches: a clock found for either half is claimed for both when both are due (the
flags are read from the row as locked), and its warning event is numbered before its breach event, as
the dispatcher and webhooks see them. The events carry the payloads the handlers read:
``sla.warning``: clock_id, ticket_id, metric, warn_at, due_at; ``sla.breached``: clock_id, ticket_id,
metric, due_at (instants as Python's ``isoformat()`` of a UTC datetime writes them).
"""

from __future__ import annotations

import functools
import hashlib
import re
import weakref
from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.db import DatabaseError, connection
from django.utils import timezone
from psycopg2 import errors

from events.services import outbox_cte, wake_dispatcher_after_commit
from tenants.scope import cross_tenant

BATCH = 500


@dataclass(frozen=True)
class SweepResult:
    warned: int
    breached: int


def _iso(column: str) -> str:
    """SQL for ``column`` (a timestamptz) as Python's ``datetime.isoformat()`` of it in UTC."""
    return (
        f"to_char({column} AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS')"
        f" || CASE WHEN date_trunc('second', {column}) = {column} THEN ''"
        f" ELSE to_char({column} AT TIME ZONE 'UTC', '.US') END || '+00:00'"
    )


# Each half walks its partial index in due order and locks the clocks, skipping what is held. The flags
# come from the locked row (its latest version), so ``due`` knows for certain what to claim.
CLAIM = """
    WITH warn_due AS (
        SELECT clock.id, true AS warns, clock.breached_at IS NULL AND clock.due_at <= %(now)s AS breaches
        FROM tickets_slaclock clock
        WHERE clock.state = 'running' AND clock.warned_at IS NULL AND clock.warn_at <= %(now)s
        ORDER BY clock.warn_at LIMIT %(batch)s
        FOR NO KEY UPDATE SKIP LOCKED
    ),
    breach_due AS (
        SELECT clock.id, clock.warned_at IS NULL AND clock.warn_at <= %(now)s AS warns, true AS breaches
        FROM tickets_slaclock clock
        WHERE clock.state = 'running' AND clock.breached_at IS NULL AND clock.due_at <= %(now)s
        ORDER BY clock.due_at LIMIT %(batch)s
        FOR NO KEY UPDATE SKIP LOCKED
    ),
    due AS (
        SELECT id, bool_or(warns) AS warns, bool_or(breaches) AS breaches
        FROM (SELECT * FROM warn_due UNION ALL SELECT * FROM breach_due) AS found
        GROUP BY id
    ),
    claimed AS (
        UPDATE tickets_slaclock clock
        SET warned_at = CASE WHEN due.warns THEN %(now)s ELSE clock.warned_at END,
            breached_at = CASE WHEN due.breaches THEN %(now)s ELSE clock.breached_at END
        FROM due WHERE clock.id = due.id
        RETURNING clock.id, clock.tenant_id, clock.ticket_id, clock.metric, clock.warn_at, clock.due_at,
            due.warns, due.breaches
    )
"""

RECORD = f"""
    , breaches AS (
        INSERT INTO tickets_slabreach (tenant_id, clock_id, ticket_id, metric, due_at, recorded_at, reason)
        SELECT tenant_id, id, ticket_id, metric, due_at, %(now)s,
            'Not met by ' || to_char(due_at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI') || ' UTC'
        FROM claimed WHERE breaches
        ON CONFLICT DO NOTHING
        RETURNING tenant_id, clock_id, ticket_id, metric, due_at
    ),
    sla_events AS (
        SELECT tenant_id, name, payload, row_number() OVER (ORDER BY kind, at, clock_id) AS position
        FROM (
            SELECT 0 AS kind, warn_at AS at, id AS clock_id, tenant_id, 'sla.warning' AS name,
                jsonb_build_object('clock_id', id, 'ticket_id', ticket_id, 'metric', metric,
                    'warn_at', {_iso("warn_at")}, 'due_at', {_iso("due_at")}) AS payload
            FROM claimed WHERE warns
            UNION ALL
            SELECT 1, due_at, clock_id, tenant_id, 'sla.breached',
                jsonb_build_object('clock_id', clock_id, 'ticket_id', ticket_id, 'metric', metric,
                    'due_at', {_iso("due_at")})
            FROM breaches
        ) AS happened
    ),
    {{outbox}}
    SELECT (SELECT count(*) FROM claimed WHERE warns), (SELECT count(*) FROM breaches),
        (SELECT count(*) FROM outbox)
"""  # noqa: S608 (fixed fragments, the values are parameters)


# The pass's commit does not wait for its WAL to reach the disk (sent in the statement's round trip). A crash
# of the database server (or a failover to a standby that had not received it) can then lose the last passes,
# but only whole: the claim, its breach rows and events are one transaction, so the next pass finds those
# clocks due again and records them once, as it does for a worker that died. Nothing durable can lean on a
# lost pass: any later transaction that saw it (the dispatcher making the events' deliveries or marking one
# done, a ticket action) commits synchronously, and flushing its WAL flushes the pass's, which comes before
# it. What can repeat is what already can after a crash: a notification or webhook sent before the crash is
# sent again (at least once), under the event id of the pass that records the breach again.
ASYNC_COMMIT = "SET LOCAL synchronous_commit = off;"


# The pass's statement is parsed and planned once per connection (PREPARE), then run by name: a pass every
# two seconds otherwise re-plans a dozen CTEs, a millisecond of the ten the pass may take (issue 18). The
# plan is generic (plan_cache_mode), the shape the planner picks for any ``now`` (walk the due index in
# order, lock, stop at the batch), with JIT off: the generic plan's estimates (a third of the running
# clocks due) would cross jit_above_cost and compile for 40 ms a statement that runs in 8. (The database has
# JIT off for every session, tenants/migrations/0018; the pass says so itself, where that matters most.)
# SQL-level prepared statements belong to the server session: behind a transaction-mode pooler, turn them
# off (settings.ACCORD_SWEEP_PREPARED, docs/scaling.md). A session that lost them (DISCARD ALL) prepares
# them again.
GENERIC_PLAN = "SET LOCAL plan_cache_mode = force_generic_plan; SET LOCAL jit = off;"
_prepared_on: weakref.WeakKeyDictionary[object, set[str]] = weakref.WeakKeyDictionary()


@dataclass(frozen=True)
class _Prepared:
    name: str
    text: str  # with $1, $2… for the parameters
    parameters: tuple[str, ...]  # their names, in $n order


@functools.lru_cache(maxsize=8)
def _prepared(statement: str) -> _Prepared:
    """``statement`` (with %(name)s parameters) as a statement to PREPARE, named after its text: a
    changed statement (a deploy, on a server session a pooler kept) is prepared beside the old one."""
    names: list[str] = []

    def positional(match: re.Match) -> str:
        if match[1] not in names:
            names.append(match[1])
        return f"${names.index(match[1]) + 1}"

    text = re.sub(r"%\((\w+)\)s", positional, statement).replace("%%", "%")
    digest = hashlib.sha1(text.encode(), usedforsecurity=False).hexdigest()[:12]
    return _Prepared(f"accord_sweep_{digest}", text, tuple(names))


class _StatementLost(Exception):
    """The session no longer holds the prepared statement; the pass rolled back, the next prepares it."""


def _claim_and_record(now: datetime) -> tuple[int, int, int]:
    """The pass's one statement: (warnings claimed, breaches recorded, events written)."""
    outbox, outbox_params = outbox_cte("sla_events")
    sql, params = CLAIM + RECORD.format(outbox=outbox), {"now": now, "batch": BATCH, **outbox_params}
    if not settings.ACCORD_SWEEP_PREPARED:
        with connection.cursor() as cursor:
            cursor.execute(ASYNC_COMMIT + sql, params)
            return cursor.fetchone()
    statement = _prepared(sql)
    with connection.cursor() as cursor:
        prepared = _prepared_on.setdefault(connection.connection, set())
        if statement.name not in prepared:
            cursor.execute(f"PREPARE {statement.name} AS {statement.text}")
            prepared.add(statement.name)
        placeholders = ", ".join(["%s"] * len(statement.parameters))
        try:
            cursor.execute(
                f"{ASYNC_COMMIT} {GENERIC_PLAN} EXECUTE {statement.name}({placeholders})",
                [params[name] for name in statement.parameters],
            )
        except DatabaseError as error:
            if not isinstance(error.__cause__, errors.InvalidSqlStatementName):
                raise
            prepared.discard(statement.name)
            raise _StatementLost from error
        return cursor.fetchone()


def sweep(*, now: datetime | None = None) -> SweepResult:
    """One pass over every tenant's clocks. Safe to run concurrently and repeatedly."""
    now = now or timezone.now()
    try:
        return _pass(now)
    except _StatementLost:
        return _pass(now)  # that pass's transaction rolled back: nothing was claimed


def _pass(now: datetime) -> SweepResult:
    # The statement is the pass's whole transaction: sent alone (no transaction block of cross_tenant's),
    # PostgreSQL runs it and commits in its one round trip, no BEGIN and COMMIT of their own. (Inside a
    # caller's transaction, a test's, it is part of that one.) The wake-up follows the commit.
    with cross_tenant("the SLA sweeper claims due clocks of every tenant", atomic=False):
        warned, breached, events = _claim_and_record(now)
        if events:
            # Passes come every two seconds: one queued wake-up not yet picked up serves them all.
            wake_dispatcher_after_commit(unless_pending=True)
    return SweepResult(warned, breached)
