"""Tickets opened per client over a long window, without reading every ticket of it.

A window of instants is read in three parts: the whole calendar months (UTC) inside it from the counts the
triggers keep (``OpenedInMonth``), and its two ends, before its first whole month and after its last, from
the tickets themselves through the (tenant, client, created_at) index. A year's window reads about a dozen
counts and a month of tickets per client, whatever the tenant's time zone and wherever the window starts.

``whole_months`` is the pure part (which months, which ends); ``opened_between`` the expression to annotate
clients with; ``recount_opened`` counts a tenant's months again from its tickets (``manage.py
recount_tickets_opened``)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime

from django.db import connection
from django.db.models import Count, Expression, IntegerField, OuterRef, Subquery, Sum, Value
from django.db.models.functions import Coalesce

from tenants.scope import current_tenant
from tickets.models import OpenedInMonth, Ticket


@dataclass(frozen=True)
class WindowSplit:
    """The months counted (``first_month`` up to, not including, ``after_month``; none when equal) and the
    ends read from the tickets, as [start, end) instants (empty when start == end)."""

    first_month: date
    after_month: date
    head: tuple[datetime, datetime]
    tail: tuple[datetime, datetime]


def _month_start(moment: datetime) -> datetime:
    return moment.astimezone(UTC).replace(day=1, hour=0, minute=0, second=0, microsecond=0)


def _next_month(moment: datetime) -> datetime:
    return moment.replace(year=moment.year + moment.month // 12, month=moment.month % 12 + 1)


def whole_months(start: datetime, end: datetime) -> WindowSplit:
    """Split [start, end) (aware instants) into whole UTC months and the two ends around them."""
    if start >= end:
        return WindowSplit(date.min, date.min, (start, start), (start, start))
    first = _month_start(start)
    if first < start:
        first = _next_month(first)
    after = _month_start(end)
    if after <= first:  # no whole month inside: all of it is read from the tickets
        return WindowSplit(date.min, date.min, (start, end), (end, end))
    return WindowSplit(first.date(), after.date(), (start, first), (after, end))


def opened_between(client: OuterRef, start: datetime, end: datetime) -> Expression:
    """The number of tickets opened for ``client`` (an OuterRef to a client's id) in [start, end)."""
    split = whole_months(start, end)
    total: Expression = Value(0)
    if split.first_month < split.after_month:
        months = (
            OpenedInMonth.objects.filter(
                client_id=client, month__gte=split.first_month, month__lt=split.after_month
            )
            .order_by()
            .values("client_id")
            .annotate(n=Sum("opened"))
            .values("n")
        )
        total = Coalesce(Subquery(months), 0, output_field=IntegerField())
    for low, high in (split.head, split.tail):
        if low < high:
            tickets = (
                Ticket.objects.filter(client_id=client, created_at__gte=low, created_at__lt=high)
                .order_by()
                .values("client_id")
                .annotate(n=Count("*"))  # not the id: the (tenant, client, created_at) index alone answers
                .values("n")
            )
            total = total + Coalesce(Subquery(tickets), 0, output_field=IntegerField())
    return total


# --- Recounting ------------------------------------------------------------------------------------------

_COUNTED = """
SELECT client_id, date_trunc('month', created_at AT TIME ZONE 'UTC')::date AS month, count(*) AS opened
FROM tickets_ticket WHERE tenant_id = %(tenant)s GROUP BY 1, 2
"""
_MISCOUNTED = f"""
SELECT count(*) FROM ({_COUNTED}) AS counted
FULL JOIN (SELECT * FROM tickets_openedinmonth WHERE tenant_id = %(tenant)s AND opened > 0) AS kept
    USING (client_id, month)
WHERE counted.opened IS DISTINCT FROM kept.opened
"""  # noqa: S608 (constants only)
_WRITE = f"""
INSERT INTO tickets_openedinmonth (tenant_id, client_id, month, opened)
SELECT %(tenant)s, client_id, month, opened FROM ({_COUNTED}) AS counted
RETURNING opened
"""  # noqa: S608 (constants only)


@dataclass(frozen=True)
class Recount:
    tickets: int
    months: int  # client-months with tickets
    corrected: int  # of those, and of the months that had a count, how many were missing or wrong


def recount_opened() -> Recount:
    """Count the current tenant's tickets per client and month again, from the tickets (after a load with
    triggers off, or the error a trigger raises when a count does not hold). In the caller's transaction
    (tenant_scope). Writes to every tenant's tickets wait until it commits, so none is missed."""
    tenant = current_tenant()
    with connection.cursor() as cursor:
        cursor.execute("LOCK TABLE tickets_ticket IN SHARE MODE")
        cursor.execute(_MISCOUNTED, {"tenant": tenant.pk})
        (corrected,) = cursor.fetchone()
        cursor.execute("DELETE FROM tickets_openedinmonth WHERE tenant_id = %s", [tenant.pk])
        cursor.execute(_WRITE, {"tenant": tenant.pk})
        written = [opened for (opened,) in cursor.fetchall()]
    return Recount(tickets=sum(written), months=len(written), corrected=corrected)
