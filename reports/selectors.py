"""The SLA and utilisation reports: reads only, in the current tenant.

Compliance counts each SLA clock of the tickets *opened* in the period once it is decided: **breached**
if the sweeper recorded a breach (even if the target was met later), **met** if it stopped in time.
Clocks still running or paused count as *pending* and stay out of the percentage; a clock that was
removed (the ticket no longer had that target) counts nowhere. "Technician" is the ticket's assignee.

Utilisation is tickets opened in the period per managed endpoint of the client, against a target: the
tenant's, once it has saved its utilisation rewards program (``rewards.utilization``), else
``UTILIZATION_TARGET_PERCENT`` (20 tickets per 100 endpoints in the period).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, time
from zoneinfo import ZoneInfo

from django.contrib.auth import get_user_model
from django.contrib.postgres.fields import ArrayField
from django.db.models import (
    Count,
    DateTimeField,
    Exists,
    F,
    Func,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce
from django.utils import timezone

from clients.models import Client
from reports import rollup
from reports.periods import Period
from rewards.utilization import utilization_target_percent
from service_levels.models import Metric, Priority
from tickets.models import ClockState, SlaBreach, SlaClock, Ticket

COMPLIANCE_GOAL_PERCENT = 95
UTILIZATION_TARGET_PERCENT = 20
GROUPINGS = {
    "month": "Month",
    "metric": "Metric",
    "priority": "Priority",
    "client": "Client",
    "technician": "Technician",
}


def percent(part: int, whole: int) -> float | None:
    return round(100 * part / whole, 1) if whole else None


@dataclass(frozen=True)
class ComplianceRow:
    key: str
    label: str
    met: int
    breached: int
    pending: int = 0

    @property
    def total(self) -> int:
        return self.met + self.breached

    @property
    def percent(self) -> float | None:
        return percent(self.met, self.total)


def _clocks_in(ranges) -> QuerySet[SlaClock]:
    """The clocks started in these [start, end) instants, without the removed ones. Every clock starts when
    its ticket is opened (tickets.services._apply_targets), and sla_clock_tenant_started_idx reads a period's
    clocks alone, where a condition on the ticket made PostgreSQL read all 2.3M clocks of a million-ticket
    tenant to find the 156,000 of 90 days."""
    removed = Q(state=ClockState.STOPPED, met_at__isnull=True, breached_at__isnull=True)
    started = Q()
    for start, end in ranges:
        started |= Q(started_at__gte=start, started_at__lt=end)
    return SlaClock.objects.filter(started).exclude(removed)


def _joined_to_tickets_of_period(clocks, period: Period):
    """``clocks`` for a grouping by a ticket's field: the same condition on the ticket's creation too, so
    PostgreSQL reads the period's tickets by their own index rather than every ticket of the tenant."""
    start, end = period.bounds()
    return clocks.filter(ticket__created_at__gte=start, ticket__created_at__lt=end)


_COUNTS = {
    "breached": Count("id", filter=Q(breached_at__isnull=False)),
    "met": Count("id", filter=Q(breached_at__isnull=True, met_at__isnull=False)),
    "pending": Count("id", filter=Q(breached_at__isnull=True, met_at__isnull=True)),
}
_SUMS = {"breached": Sum("breached"), "met": Sum("met"), "pending": Sum("pending")}
_LIVE_KEYS = {
    "metric": F("metric"),
    "priority": F("ticket__priority"),
    "client": F("ticket__client_id"),
    "technician": F("ticket__assignee_id"),
}


def _empty() -> dict:
    return {"met": 0, "breached": 0, "pending": 0}


def _add(counts: dict, row: dict) -> None:
    for outcome in ("met", "breached", "pending"):
        counts[outcome] += row[outcome]


def _counts_by(period: Period, split: rollup.PeriodSplit, dimension: str) -> dict[str, dict]:
    """Counts per key (a metric, a priority, a client or assignee id as text, '' for unassigned): the
    roll-up's days from its rows, the others from the clocks."""
    found: dict[str, dict] = defaultdict(_empty)
    if split.live_ranges:
        clocks = _clocks_in(split.live_ranges)
        if dimension != "metric":
            clocks = _joined_to_tickets_of_period(clocks, period)
        for row in clocks.values(key=_LIVE_KEYS[dimension]).annotate(**_COUNTS).order_by():
            _add(found["" if row["key"] is None else str(row["key"])], row)
    if split.rolled:
        for row in rollup.rolled_up_days(split, dimension).values("key").annotate(**_SUMS).order_by():
            _add(found[row["key"]], row)
    return found


def _counts_by_month(period: Period, split: rollup.PeriodSplit) -> dict[int, dict]:
    """Counts per month of the period (1 for its first month)."""
    found: dict[int, dict] = defaultdict(_empty)
    if split.live_ranges:
        by_month = _clocks_in(split.live_ranges).annotate(month=_month_number(period)).values("month")
        for row in by_month.annotate(**_COUNTS).order_by():
            _add(found[row["month"]], row)
    if split.rolled:
        number = {(month.year, month.month): n for n, month in enumerate(period.months(), start=1)}
        for row in rollup.rolled_up_days(split, "metric").values("day").annotate(**_SUMS).order_by():
            _add(found[number[row["day"].year, row["day"].month]], row)
    return found


def sla_compliance(period: Period, *, group_by: str = "month") -> list[ComplianceRow]:
    """% of decided SLA clocks met, per month (every month of the period, empty ones too), metric,
    priority (P1 first), client or technician (by name, unassigned last). Days the tenant's roll-up holds
    are read from it (reports.rollup), the others counted from the clocks."""
    if group_by not in GROUPINGS:
        raise ValueError(f"group_by must be one of {', '.join(GROUPINGS)}")
    split = rollup.split_period(period)
    if group_by == "month":
        found = _counts_by_month(period, split)
        return [
            _row(f"{month:%Y-%m}", f"{month:%b %Y}", found.get(number, _empty()))
            for number, month in enumerate(period.months(), start=1)
        ]
    found = _counts_by(period, split, group_by)
    if group_by == "metric":
        return [_row(m.value, m.label, found[m.value]) for m in Metric if m.value in found]
    if group_by == "priority":
        return [_row(p.value, p.label, found[p.value]) for p in Priority if p.value in found]
    if group_by == "client":
        names = Client.objects.in_bulk([int(key) for key in found])  # a few hundred, after the counting
        return sorted(
            (_row(key, names[int(key)].name, counts) for key, counts in found.items()),
            key=lambda r: r.label.lower(),
        )
    people = get_user_model().objects.in_bulk([int(key) for key in found if key])

    def label(key: str) -> str:
        person = people.get(int(key)) if key else None
        return (person.full_name or person.email) if person else "Unassigned"

    result = [_row(key, label(key), counts) for key, counts in found.items()]
    return sorted(result, key=lambda r: (r.key == "", r.label.lower()))


def _month_number(period: Period) -> Func:
    """1 for a clock started in the period's first month, 2 for the second…: ``width_bucket`` over the
    instants each month starts (local midnight of its first day, the period's start for the first), a
    binary search per row where truncating each start to its month in the tenant's zone took twice as
    long over a 90-day period's 160,000 clocks."""
    zone = ZoneInfo(period.timezone)
    starts = [period.bounds()[0]]
    starts += [datetime.combine(month, time(0), tzinfo=zone) for month in period.months()[1:]]
    return Func(
        F("started_at"),
        Value(starts, output_field=ArrayField(DateTimeField())),
        function="width_bucket",
        output_field=IntegerField(),
    )


def _row(key: str, label: str, counts: dict) -> ComplianceRow:
    return ComplianceRow(
        key, label, met=counts["met"], breached=counts["breached"], pending=counts["pending"]
    )


def overall(rows: list[ComplianceRow]) -> ComplianceRow:
    """All rows together (every grouping splits the same clocks, so any one adds up to the whole)."""
    return ComplianceRow(
        "all", "All", met=sum(r.met for r in rows), breached=sum(r.breached for r in rows),
        pending=sum(r.pending for r in rows),
    )  # fmt: skip


@dataclass(frozen=True)
class BreachRow:
    id: int
    ticket_id: int
    ticket_number: int
    ticket_title: str
    ticket_status: str
    client_id: int
    client: str
    priority: str
    metric: str
    metric_label: str
    target_minutes: int
    target_reason: str
    due_at: datetime
    recorded_at: datetime
    met_at: datetime | None
    assignee_id: int | None
    assignee: str
    reason: str
    late_minutes: int = field(default=0)

    @property
    def is_open(self) -> bool:
        return self.met_at is None


def breach_list(period: Period, *, metric: str = "", priority: str = "", now: datetime | None = None
                ) -> list[BreachRow]:  # fmt: skip
    """Breaches whose deadline fell in the period, newest first, with what was promised, why it applied
    (the policy's reason), what the sweeper recorded, and how late the clock stopped (or is, if still
    running). Every one of them: the CSV; the page and the API take one page (``breaches_in_period``)."""
    return breach_rows(breaches_in_period(period, metric=metric, priority=priority), now=now)


# Newest deadline first, the id breaking ties: the order of index sla_breach_tenant_due_idx, and unique, so
# keyset pages (tenants.keyset_pages) show every breach once.
BREACH_ORDER = ("-due_at", "-id")


def breaches_in_period(period: Period, *, metric: str = "", priority: str = "") -> QuerySet[SlaBreach]:
    """The breach list's rows as a query, in ``BREACH_ORDER``, so a page is ordered, limited and counted in
    SQL."""
    start, end = period.bounds()
    # No joins: under RLS the planner cannot tell how many rows a joined table's policy keeps and chose
    # nested loops over every ticket. Conditions on the ticket and the clock are EXISTS by key (each names
    # its tenant); the rows' tickets and clocks are loaded for the rows built (``breach_rows``).
    breaches = SlaBreach.objects.filter(due_at__gte=start, due_at__lt=end).order_by(*BREACH_ORDER)
    if metric:
        breaches = breaches.filter(metric=metric)
    if priority:
        breaches = breaches.filter(Exists(Ticket.objects.filter(pk=OuterRef("ticket_id"), priority=priority)))
    return breaches


def still_late_count(breaches: QuerySet[SlaBreach]) -> int:
    """How many of the breaches' clocks have not been met yet."""
    # From the clocks breached and not met (index sla_clock_running_late_idx: a few thousand however many
    # breaches the tenant has) to their breach in ``breaches``, by its clock (one row each): looking up the
    # clock of every breach of the period read 7,000 clocks for 90 days of a million-ticket tenant.
    late = SlaClock.objects.filter(breached_at__isnull=False, met_at__isnull=True)
    return late.filter(Exists(breaches.filter(clock_id=OuterRef("pk")))).order_by().count()


@dataclass(frozen=True)
class BreachCount:
    priority: str
    metric: str
    metric_label: str
    count: int


def breach_counts(period: Period, *, metric: str = "", priority: str = "") -> list[BreachCount]:
    """How many breaches of the period per ticket priority and metric (the breach report's chart: all of
    them, where the list pages), counted in SQL; P1 first, each priority's metrics in their order."""
    # A join by the ticket's key from the period's breaches (each names its tenant): the count reads one
    # ticket per breach, the rows are a dozen.
    found = {
        (row["p"], row["metric"]): row["n"]
        for row in breaches_in_period(period, metric=metric, priority=priority)
        .order_by().values("metric", p=F("ticket__priority")).annotate(n=Count("*"))
    }  # fmt: skip
    return [
        BreachCount(p.value, m.value, m.label, found[(p.value, m.value)])
        for p in Priority
        for m in Metric
        if (p.value, m.value) in found
    ]


_BREACH_COLUMNS = ("id", "ticket_id", "clock_id", "metric", "due_at", "recorded_at", "reason")


def breach_rows(breaches: Iterable[SlaBreach], *, now: datetime | None = None) -> list[BreachRow]:
    """The rows of these breaches (a query or loaded breaches), in their order.

    Read as plain values, each table by a query of its own keyed by ids (for the reason
    ``breaches_in_period`` gives): the CSV builds every row of its period (3,800 a month for a big
    tenant), and model instances with their prefetched tickets, clients and clocks cost four times what
    the rows themselves do."""
    now = now or timezone.now()
    if isinstance(breaches, QuerySet):
        records = list(breaches.values_list(*_BREACH_COLUMNS))
    else:
        records = [tuple(getattr(breach, column) for column in _BREACH_COLUMNS) for breach in breaches]
    tickets = {
        ticket[0]: ticket
        for ticket in Ticket.objects.filter(pk__in={record[1] for record in records})
        .order_by()
        .values_list("id", "number", "title", "status", "client_id", "priority", "assignee_id")
    }
    clocks = {
        clock[0]: clock
        for clock in SlaClock.objects.filter(pk__in={record[2] for record in records})
        .order_by()
        .values_list("id", "target_minutes", "reason", "met_at")
    }
    clients = dict(
        Client.objects.filter(pk__in={ticket[4] for ticket in tickets.values()})
        .order_by()
        .values_list("id", "name")
    )
    assignee_ids = {ticket[6] for ticket in tickets.values() if ticket[6] is not None}
    assignees = {pk: str(user) for pk, user in get_user_model().objects.in_bulk(assignee_ids).items()}
    # The labels as get_status_display() and get_metric_display() read them.
    statuses = dict(Ticket._meta.get_field("status").flatchoices)
    metrics = dict(SlaBreach._meta.get_field("metric").flatchoices)
    rows = []
    for breach_id, ticket_id, clock_id, metric, due_at, recorded_at, reason in records:
        _, number, title, status, client_id, priority, assignee_id = tickets[ticket_id]
        _, target_minutes, target_reason, stopped = clocks[clock_id]
        late = ((stopped or now) - due_at).total_seconds() // 60
        rows.append(
            BreachRow(
                id=breach_id, ticket_id=ticket_id, ticket_number=number, ticket_title=title,
                ticket_status=str(statuses.get(status, status)), client_id=client_id,
                client=clients[client_id],
                priority=priority, metric=metric, metric_label=str(metrics.get(metric, metric)),
                target_minutes=target_minutes, target_reason=target_reason, due_at=due_at,
                recorded_at=recorded_at, met_at=stopped, assignee_id=assignee_id,
                assignee=assignees[assignee_id] if assignee_id else "", reason=reason,
                late_minutes=max(int(late), 0),
            )
        )  # fmt: skip
    return rows


@dataclass(frozen=True)
class UtilizationRow:
    client_id: int
    client: str
    endpoints: int
    tickets: int
    target_percent: float = UTILIZATION_TARGET_PERCENT

    @property
    def percent(self) -> float | None:
        """Tickets per 100 managed endpoints in the period; None without endpoints."""
        return percent(self.tickets, self.endpoints)

    @property
    def over_target(self) -> bool:
        return self.percent is not None and self.percent > self.target_percent

    @property
    def target_tickets(self) -> float:
        return self.endpoints * self.target_percent / 100


def utilization_target() -> float:
    """The current tenant's utilisation target in percent: its rewards program's, else the default."""
    saved = utilization_target_percent()
    if saved is None:
        return UTILIZATION_TARGET_PERCENT
    return int(saved) if saved == saved.to_integral_value() else float(saved)


def utilization(period: Period) -> list[UtilizationRow]:
    """Each active client (and any archived one with tickets in the period): tickets opened in the period
    per managed endpoint. Highest utilisation first; clients without endpoints last."""
    start, end = period.bounds()
    # Counted per client in a subquery that names the tenant (index ticket_client_created_idx): a join
    # from the clients to the tickets read every tenant's tickets of the period. COUNT(*), not of the id,
    # so the index alone answers: counting ids read each of 69,000 tickets of 90 days from the table.
    opened = (
        Ticket.objects.filter(client=OuterRef("pk"), created_at__gte=start, created_at__lt=end)
        .order_by()
        .values("client")
        .annotate(n=Count("*"))
        .values("n")
    )
    clients = (
        Client.objects.annotate(ticket_count=Coalesce(Subquery(opened), 0))
        .filter(Q(archived_at__isnull=True) | Q(ticket_count__gt=0))
        .order_by()
    )
    target = utilization_target()
    rows = [UtilizationRow(c.pk, c.name, c.managed_endpoints, c.ticket_count, target) for c in clients]
    return sorted(rows, key=lambda r: (r.percent is None, -(r.percent or 0), -r.tickets, r.client.lower()))


def utilization_totals(rows: list[UtilizationRow]) -> UtilizationRow:
    target = rows[0].target_percent if rows else utilization_target()
    return UtilizationRow(
        0, "All clients", sum(r.endpoints for r in rows), sum(r.tickets for r in rows), target
    )
