"""The SLA board's rows (tickets.models.BoardLead) built again from the clocks and tickets.

The triggers of tickets/migrations/0025 keep the rows; this is for after clocks or tickets were written with
triggers off (a bulk load as ``session_replication_role = replica``): ``manage.py rebuild_sla_board``. The
SQL repeats the migration's (a migration stays as it was when it ran)."""

from __future__ import annotations

from dataclasses import dataclass

from django.db import connection

from tenants.scope import current_tenant

_COLUMNS = [
    "ticket_id", "tenant_id", "status", "priority", "client_id", "assignee_id", "clock_id", "metric", "state",
    "due_at", "warn_at", "paused_business_left", "warned_at", "breached_at",
]  # fmt: skip
_VALUES = (
    "c.ticket_id, c.tenant_id, t.status, t.priority, t.client_id, t.assignee_id,"
    " c.id AS clock_id, c.metric, c.state, c.due_at, c.warn_at, c.paused_business_left, c.warned_at,"
    " c.breached_at"
)
# Each ticket's running and paused clocks in the board's order (tickets.selectors.BOARD_ORDER, then the
# metric): the first leads it.
_BUILT = f"""
SELECT DISTINCT ON (c.ticket_id) {_VALUES}
FROM tickets_slaclock c JOIN tickets_ticket t ON t.id = c.ticket_id AND t.tenant_id = c.tenant_id
WHERE c.tenant_id = %(tenant)s AND c.state IN ('running', 'paused')
ORDER BY c.ticket_id,
    CASE WHEN c.state = 'running' AND c.due_at IS NOT NULL THEN 0
         WHEN c.state = 'paused' AND c.paused_business_left IS NOT NULL THEN 1 ELSE 2 END,
    CASE WHEN c.state = 'running' THEN c.due_at END,
    CASE WHEN c.state = 'paused' THEN c.paused_business_left END,
    c.metric
"""  # noqa: S608 (constants only)
_WRONG = f"""
SELECT count(*) FROM ({_BUILT}) AS built
FULL JOIN (SELECT * FROM tickets_boardlead WHERE tenant_id = %(tenant)s) AS kept USING (ticket_id)
WHERE ({", ".join(f"built.{name}" for name in _COLUMNS[1:])})
    IS DISTINCT FROM ({", ".join(f"kept.{name}" for name in _COLUMNS[1:])})
"""  # noqa: S608 (constants only)
_WRITE = f"INSERT INTO tickets_boardlead ({', '.join(_COLUMNS)}) {_BUILT}"


@dataclass(frozen=True)
class Rebuilt:
    tickets: int  # tickets with a running or paused clock: the board's rows
    corrected: int  # of those, and of the rows there were, how many were missing, wrong or left over


def rebuild_board_leads() -> Rebuilt:
    """Build the current tenant's board rows again, in the caller's transaction (tenant_scope). Writes to
    clocks and tickets wait until it commits, so no change is missed."""
    tenant = current_tenant()
    with connection.cursor() as cursor:
        cursor.execute("LOCK TABLE tickets_ticket, tickets_slaclock IN SHARE MODE")
        cursor.execute(_WRONG, {"tenant": tenant.pk})
        (corrected,) = cursor.fetchone()
        cursor.execute("DELETE FROM tickets_boardlead WHERE tenant_id = %s", [tenant.pk])
        cursor.execute(_WRITE, {"tenant": tenant.pk})
        written = cursor.rowcount
    return Rebuilt(tickets=written, corrected=corrected)
