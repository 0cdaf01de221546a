"""The SLA sweeper: finds clocks that are due to warn or breach and records each exactly once.

The database is the source of truth. Each pass claims due clocks with one conditional UPDATE over the
partial indexes (``state = 'running'`` and not yet warned/breached), so two workers racing claim each
row once, and a worker that died before a deadline loses nothing: the next pass finds the clock. The
breach row and its outbox event are written in the same transaction as the claim.

Lock order (the one ``tickets.services`` documents: ticket, then its clocks, then breach rows): the
claim locks each due clock *together with its ticket* (``FOR NO KEY UPDATE OF ticket, clock SKIP
LOCKED``), so the breach inserted afterwards, whose foreign key needs a share lock on the ticket, never
waits for a ticket action. A clock whose ticket or clock row is held by a ticket action (a status
change, a reply, a re-target) is skipped, never waited for: the next pass claims it, against the
clock's due time as that action left it. So the sweeper takes no lock it has to wait for, and a ticket
action can wait for the sweeper but the sweeper never waits for it: no deadlock either way round.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db import connection, transaction
from django.utils import timezone

from events.services import record_events
from tenants.scope import cross_tenant
from tickets.models import SlaBreach

BATCH = 500


@dataclass(frozen=True)
class SweepResult:
    warned: int
    breached: int


CLAIM_WARNINGS = """
    UPDATE tickets_slaclock SET warned_at = %(now)s
    WHERE id IN (
        SELECT clock.id FROM tickets_slaclock clock JOIN tickets_ticket ticket ON ticket.id = clock.ticket_id
        WHERE clock.state = 'running' AND clock.warned_at IS NULL AND clock.warn_at <= %(now)s
        ORDER BY clock.warn_at LIMIT %(batch)s
        FOR NO KEY UPDATE OF ticket, clock SKIP LOCKED
    ) AND warned_at IS NULL
    RETURNING id, tenant_id, ticket_id, metric, warn_at, due_at
"""

CLAIM_BREACHES = """
    UPDATE tickets_slaclock SET breached_at = %(now)s
    WHERE id IN (
        SELECT clock.id FROM tickets_slaclock clock JOIN tickets_ticket ticket ON ticket.id = clock.ticket_id
        WHERE clock.state = 'running' AND clock.breached_at IS NULL AND clock.due_at <= %(now)s
        ORDER BY clock.due_at LIMIT %(batch)s
        FOR NO KEY UPDATE OF ticket, clock SKIP LOCKED
    ) AND breached_at IS NULL
    RETURNING id, tenant_id, ticket_id, metric, due_at
"""


def _claim(sql: str, now: datetime) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(sql, {"now": now, "batch": BATCH})
        return cursor.fetchall()


def sweep(*, now: datetime | None = None) -> SweepResult:
    """One pass over every tenant's clocks. Safe to run concurrently and repeatedly."""
    now = now or timezone.now()
    with cross_tenant("the SLA sweeper claims due clocks of every tenant"), transaction.atomic():
        warnings = _claim(CLAIM_WARNINGS, now)
        breaches = _claim(CLAIM_BREACHES, now)
        events = [
            (tenant_id, "sla.warning",
             {"clock_id": clock_id, "ticket_id": ticket_id, "metric": metric, "warn_at": warn_at.isoformat(),
              "due_at": due_at.isoformat() if due_at else None})
            for clock_id, tenant_id, ticket_id, metric, warn_at, due_at in warnings
        ]  # fmt: skip
        events += [
            (tenant_id, "sla.breached",
             {"clock_id": clock_id, "ticket_id": ticket_id, "metric": metric, "due_at": due_at.isoformat()})
            for clock_id, tenant_id, ticket_id, metric, due_at in breaches
        ]  # fmt: skip
        SlaBreach.objects.bulk_create(
            SlaBreach(
                tenant_id=tenant_id, clock_id=clock_id, ticket_id=ticket_id, metric=metric, due_at=due_at,
                recorded_at=now, reason=f"Not met by {due_at:%Y-%m-%d %H:%M} UTC",
            )
            for clock_id, tenant_id, ticket_id, metric, due_at in breaches
        )  # fmt: skip
        record_events(events)  # with a delivery per consumer, in the claim's transaction
    return SweepResult(len(warnings), len(breaches))
