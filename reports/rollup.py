"""Keeping and reading the SLA compliance roll-up (reports.models).

Writing: ``roll_up_compliance()`` brings the current tenant's roll-up up to date: the whole history the first
time (or after a change of time zone), then only the days marked changed since, and the days that began.
Celery beat runs it every minute for each tenant that is behind (``tenants_behind``).

Reading: ``split_period(period)`` says which days of a period the roll-up answers for (rolled up, not
changed since) and which instants must be counted from the clocks (days before the roll-up began, after
its last day, or changed and not rolled up again). A tenant never rolled up is counted live, as before.

Why it holds: a day is rolled up from the clocks committed when its statement ran. A change committed
before the marks were consumed is seen by that statement; one committed later keeps its mark, so its day is
counted live until the next run rolls it up again (reports/migrations/0002: triggers mark every change).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.db import connection
from django.utils import timezone

from reports.models import ComplianceChange, ComplianceDay, ComplianceRollup
from reports.periods import Period
from tenants.localtime import tenant_today
from tenants.scope import current_tenant
from tickets.models import ClockState, SlaClock

CHUNK_DAYS = 92  # days per statement of a first roll-up (progress, and statements of bounded size)
_LOCK_CLASS = 0x5C0D  # pg_try_advisory_xact_lock(class, tenant_id): one roll-up of a tenant at a time

_ROLL_UP = """
INSERT INTO reports_complianceday (tenant_id, day, dimension, key, met, breached, pending)
SELECT %(tenant)s, d.day,
    CASE WHEN GROUPING(c.metric) = 0 THEN 'metric' WHEN GROUPING(t.priority) = 0 THEN 'priority'
         WHEN GROUPING(t.client_id) = 0 THEN 'client' ELSE 'technician' END,
    CASE WHEN GROUPING(c.metric) = 0 THEN c.metric WHEN GROUPING(t.priority) = 0 THEN t.priority
         WHEN GROUPING(t.client_id) = 0 THEN t.client_id::text ELSE COALESCE(t.assignee_id::text, '') END,
    count(*) FILTER (WHERE c.breached_at IS NULL AND c.met_at IS NOT NULL),
    count(*) FILTER (WHERE c.breached_at IS NOT NULL),
    count(*) FILTER (WHERE c.breached_at IS NULL AND c.met_at IS NULL)
FROM unnest(%(days)s::date[], %(starts)s::timestamptz[], %(ends)s::timestamptz[]) AS d (day, lo, hi)
JOIN tickets_slaclock c ON c.tenant_id = %(tenant)s AND c.started_at >= d.lo AND c.started_at < d.hi
JOIN tickets_ticket t ON t.tenant_id = %(tenant)s AND t.id = c.ticket_id
WHERE NOT (c.state = %(stopped)s AND c.met_at IS NULL AND c.breached_at IS NULL)
GROUP BY GROUPING SETS ((d.day, c.metric), (d.day, t.priority), (d.day, t.client_id), (d.day, t.assignee_id))
"""


def day_bounds(day: date, zone: ZoneInfo) -> tuple[datetime, datetime]:
    """[local midnight of ``day``, local midnight of the next day), as Period.bounds() cuts days."""
    return (
        datetime.combine(day, time(0), tzinfo=zone),
        datetime.combine(day + timedelta(days=1), time(0), tzinfo=zone),
    )


def days_between(first: date, last: date) -> list[date]:
    return [first + timedelta(days=n) for n in range((last - first).days + 1)]


@dataclass(frozen=True)
class RollUp:
    days: int  # days counted again
    rebuilt: bool  # the whole history (first run, or a new time zone)


def roll_up_compliance(
    *, today: date | None = None, rebuild: bool = False, progress: Callable[[str], None] | None = None
) -> RollUp | None:
    """Bring the current tenant's roll-up up to date, in the caller's transaction (tenant_scope); with
    ``rebuild``, count its whole history again. None when another run holds the tenant (it will do the same
    work)."""
    tenant = current_tenant()
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_xact_lock(%s, %s)", [_LOCK_CLASS, tenant.pk])
        if not cursor.fetchone()[0]:
            return None
        # Consumed first: a change committed before this statement is seen by the roll-up below; one
        # committed after keeps its mark for the next run.
        cursor.execute(
            "DELETE FROM reports_compliancechange WHERE tenant_id = %s RETURNING started_at", [tenant.pk]
        )
        changed_at = [row[0] for row in cursor.fetchall()]
    zone = ZoneInfo(tenant.timezone)
    today = today or tenant_today(tenant)
    state = ComplianceRollup.objects.filter().first()
    if rebuild or state is None or state.timezone != tenant.timezone:
        first = SlaClock.objects.order_by("started_at").values_list("started_at", flat=True).first()
        first_day = min(first.astimezone(zone).date(), today) if first else today
        ComplianceDay.objects.all().delete()
        days = days_between(first_day, today)
        rebuilt = True
    else:
        changed = {moment.astimezone(zone).date() for moment in changed_at}
        first_day = min([state.first_day, *changed])  # days between hold no clock, or they would be marked
        days = sorted({day for day in changed if day <= today} | set(days_between(state.last_day, today)))
        ComplianceDay.objects.filter(day__in=days).delete()
        rebuilt = False
    for start in range(0, len(days), CHUNK_DAYS):
        chunk = days[start : start + CHUNK_DAYS]
        _roll_up_days(tenant.pk, chunk, zone)
        if progress and len(days) > CHUNK_DAYS:  # a long history: say how far it got
            progress(f"{tenant.slug}: {chunk[-1]:%Y-%m-%d} ({start + len(chunk):,} of {len(days):,} days)")
    ComplianceRollup.objects.update_or_create(
        tenant=tenant,
        defaults={"first_day": first_day, "last_day": today, "timezone": tenant.timezone,
                  "rolled_up_at": timezone.now()},
    )  # fmt: skip
    return RollUp(days=len(days), rebuilt=rebuilt)


def _roll_up_days(tenant_id: int, days: list[date], zone: ZoneInfo) -> None:
    bounds = [day_bounds(day, zone) for day in days]
    with connection.cursor() as cursor:
        cursor.execute(
            _ROLL_UP,
            {"tenant": tenant_id, "days": days, "starts": [lo for lo, _ in bounds],
             "ends": [hi for _, hi in bounds], "stopped": ClockState.STOPPED},
        )  # fmt: skip


def tenants_behind() -> list[int]:
    """Active tenants whose roll-up is missing, in another time zone, short of their today, or has changes
    to take in. Cross-tenant: call inside ``cross_tenant``."""
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT t.id FROM tenants_tenant t
            LEFT JOIN reports_compliancerollup r ON r.tenant_id = t.id
            WHERE t.is_active AND (
                r.id IS NULL OR r.timezone <> t.timezone
                OR r.last_day < (%s AT TIME ZONE t.timezone)::date
                OR EXISTS (SELECT FROM reports_compliancechange c WHERE c.tenant_id = t.id)
            )
            ORDER BY t.id
            """,
            [timezone.now()],  # Python's clock, as each tenant's roll-up reads its today (tenant_today)
        )
        return [row[0] for row in cursor.fetchall()]


# --- Reading -------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PeriodSplit:
    """Which of a period's days the roll-up answers for, and what is counted from the clocks."""

    rolled_first: date | None  # the roll-up's days: rolled_first..rolled_last, except changed_days
    rolled_last: date | None
    changed_days: frozenset[date]
    live_ranges: tuple[tuple[datetime, datetime], ...]  # [start, end) instants counted from the clocks

    @property
    def rolled(self) -> bool:
        return self.rolled_first is not None


def split_period(period: Period) -> PeriodSplit:
    """The current tenant's split of ``period`` (in its time zone, the one the roll-up must be cut in)."""
    zone = ZoneInfo(period.timezone)
    rolled_through = (
        ComplianceRollup.objects.filter(timezone=period.timezone).values_list("last_day", flat=True).first()
    )
    if rolled_through is None or period.start > rolled_through:
        return PeriodSplit(None, None, frozenset(), (period.bounds(),))
    # The days before the roll-up's first held no clock when it was cut, and a clock added there since is
    # marked: they count as rolled up (empty) too.
    first, last = period.start, min(period.end, rolled_through)
    start, _ = day_bounds(first, zone)
    _, end = day_bounds(last, zone)
    marked = (
        ComplianceChange.objects.filter(started_at__gte=start, started_at__lt=end)
        .order_by()
        .values_list("started_at", flat=True)
        .distinct()
    )
    changed = frozenset(moment.astimezone(zone).date() for moment in marked)
    after = days_between(last + timedelta(days=1), period.end) if last < period.end else []
    return PeriodSplit(first, last, changed, _ranges(sorted([*changed, *after]), zone))


def _ranges(days: Iterable[date], zone: ZoneInfo) -> tuple[tuple[datetime, datetime], ...]:
    """Sorted days as [start, end) instants, neighbours joined."""
    ranges: list[list[date]] = []
    for day in days:
        if ranges and day == ranges[-1][1] + timedelta(days=1):
            ranges[-1][1] = day
        else:
            ranges.append([day, day])
    return tuple((day_bounds(a, zone)[0], day_bounds(b, zone)[1]) for a, b in ranges)


def rolled_up_days(split: PeriodSplit, dimension: str):
    """The roll-up's rows of one grouping for the split's rolled-up days (a queryset of ComplianceDay)."""
    return ComplianceDay.objects.filter(
        dimension=dimension, day__gte=split.rolled_first, day__lte=split.rolled_last
    ).exclude(day__in=split.changed_days)
