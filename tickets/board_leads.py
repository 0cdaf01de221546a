"""The SLA board's rows (tickets.models.BoardLead) built again from the clocks and tickets.

The triggers of tickets/migrations/0025 keep the rows; this is for after clocks or tickets were written with
triggers off (a bulk load as ``session_replication_role = replica``): ``manage.py rebuild_sla_board``. The
SQL repeats the migration's (a migration stays as it was when it ran)."""

from __future__ import annotations

from dataclasses import dataclass

from django.db import connection

from tenants.scope import current_tenant
from tickets.models import OPEN_STATUSES

_COLUMNS = [
    "ticket_id", "tenant_id", "status", "priority", "client_id", "assignee_id", "clock_id", "metric", "state",
    "due_at", "warn_at", "paused_business_left", "warned_at", "breached_at",
]  # fmt: skip
# Each ticket's running and paused clocks in the board's order (tickets.selectors.BOARD_ORDER, then the
# metric): the first leads it. Then each open ticket without such a clock, with a row that names none.
_BUILT = """
(SELECT DISTINCT ON (c.ticket_id) t.id, t.tenant_id, t.status, t.priority, t.client_id, t.assignee_id,
    c.id, c.metric, c.state, c.due_at, c.warn_at, c.paused_business_left, c.warned_at, c.breached_at
FROM tickets_slaclock c JOIN tickets_ticket t ON t.id = c.ticket_id AND t.tenant_id = c.tenant_id
WHERE c.tenant_id = %(tenant)s AND c.state IN ('running', 'paused')
ORDER BY c.ticket_id,
    CASE WHEN c.state = 'running' AND c.due_at IS NOT NULL THEN 0
         WHEN c.state = 'paused' AND c.paused_business_left IS NOT NULL THEN 1 ELSE 2 END,
    CASE WHEN c.state = 'running' THEN c.due_at END,
    CASE WHEN c.state = 'paused' THEN c.paused_business_left END,
    c.metric)
UNION ALL
SELECT t.id, t.tenant_id, t.status, t.priority, t.client_id, t.assignee_id,
    NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL
FROM tickets_ticket t
WHERE t.tenant_id = %(tenant)s AND t.status = ANY(%(open)s) AND NOT EXISTS (
    SELECT FROM tickets_slaclock c
    WHERE c.tenant_id = t.tenant_id AND c.ticket_id = t.id AND c.state IN ('running', 'paused'))
"""


def _as_the_board_reads(row: str) -> str:
    """A row's columns, but for the sweeper's stamps that the triggers let pass (tickets/migrations/0025): a
    running clock's warned_at at or after its warn_at, or breached_at at or after its due_at, reads as no
    stamp, since the board reads the same state from the times themselves. Such a stamp on one side only is
    not a wrong row."""
    stamps = {
        "warned_at": f"CASE WHEN {row}.state = 'running' AND {row}.warned_at >= {row}.warn_at THEN NULL"
        f" ELSE {row}.warned_at END",
        "breached_at": f"CASE WHEN {row}.state = 'running' AND {row}.breached_at >= {row}.due_at THEN NULL"
        f" ELSE {row}.breached_at END",
    }
    return ", ".join(stamps.get(name, f"{row}.{name}") for name in _COLUMNS[1:])


_WRONG = f"""
SELECT count(*) FROM ({_BUILT}) AS built ({", ".join(_COLUMNS)})
FULL JOIN (SELECT * FROM tickets_boardlead WHERE tenant_id = %(tenant)s) AS kept USING (ticket_id)
WHERE ({_as_the_board_reads("built")}) IS DISTINCT FROM ({_as_the_board_reads("kept")})
"""  # noqa: S608 (constants only)
_WRITE = f"INSERT INTO tickets_boardlead ({', '.join(_COLUMNS)}) {_BUILT}"


@dataclass(frozen=True)
class Rebuilt:
    tickets: int  # open tickets, and others with a running or paused clock: the board's rows
    corrected: int  # of those, and of the rows there were, how many were missing, wrong or left over


def rebuild_board_leads() -> Rebuilt:
    """Build the current tenant's board rows again, in the caller's transaction (tenant_scope). Writes to
    clocks and tickets wait until it commits, so no change is missed."""
    tenant = current_tenant()
    params = {"tenant": tenant.pk, "open": list(OPEN_STATUSES)}
    with connection.cursor() as cursor:
        cursor.execute("LOCK TABLE tickets_ticket, tickets_slaclock IN SHARE MODE")
        cursor.execute(_WRONG, params)
        (corrected,) = cursor.fetchone()
        cursor.execute("DELETE FROM tickets_boardlead WHERE tenant_id = %s", [tenant.pk])
        cursor.execute(_WRITE, params)
        written = cursor.rowcount
    return Rebuilt(tickets=written, corrected=corrected)
