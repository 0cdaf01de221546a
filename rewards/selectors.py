"""Reads of the rewards ledger: a client's rewards (with whether their credit was spent), the gifts staff
have to deliver, and the economics of the programs: what they cost per month, and how the clients who
were rewarded compare with those who were not (retention, utilisation).

Every read here is a fixed number of SQL queries, whatever the number of clients or rewards.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.db.models import (
    Count,
    DecimalField,
    Exists,
    F,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce, Greatest, Least, TruncMonth
from django.utils import timezone

from billing.models import CreditEntry
from clients.models import Client
from contracts.selectors import clients_under_agreement
from memberships.selectors import clients_with_membership
from rewards.models import Program, Reward, RewardKind, RewardStatus
from tickets.opened import opened_between

ZERO = Decimal("0.00")
_MONEY = DecimalField(max_digits=14, decimal_places=2)
ECONOMICS_MONTHS = 12


def _money(expression):
    return Coalesce(expression, Value(ZERO), output_field=_MONEY)


def _credit_spent():
    """How much of a credit reward the client's invoices have used so far. The credit ledger is one
    balance; invoices are taken to spend the oldest credit first, so a grant is spent once what invoices
    used exceeds all the credit granted before it."""
    granted_up_to = (
        CreditEntry.objects.filter(client_id=OuterRef("client_id"), amount__gt=0)
        .filter(
            Q(granted_on__lt=OuterRef("credit_entry__granted_on"))
            | Q(granted_on=OuterRef("credit_entry__granted_on"), id__lte=OuterRef("credit_entry_id"))
        )
        .order_by()
        .values("client_id")
        .annotate(total=Sum("amount"))
        .values("total")
    )
    used = (
        CreditEntry.objects.filter(client_id=OuterRef("client_id"), amount__lt=0)
        .order_by()
        .values("client_id")
        .annotate(total=Sum("amount"))
        .values("total")
    )
    amount = F("credit_entry__amount")
    granted_before = _money(Subquery(granted_up_to)) - amount
    spent = Least(Greatest(-_money(Subquery(used)) - granted_before, Value(ZERO)), amount)
    return spent


def rewards(*, client=None) -> QuerySet[Reward]:
    """The ledger, newest first, with ``credit_spent`` (None for rewards that are not credit)."""
    rows = Reward.objects.select_related("client", "credit_entry", "delivered_by").annotate(
        credit_spent=_credit_spent()
    )
    return rows.filter(client=client) if client is not None else rows


@dataclass(frozen=True)
class RewardTotals:
    count: int
    value: Decimal  # everything granted and not withdrawn
    value_this_year: Decimal
    credit: Decimal  # of which account credit
    to_deliver: int


def reward_totals(rows: QuerySet[Reward], *, on: date) -> RewardTotals:
    """Totals of ``rows`` in one query; a withdrawn reward counts for nothing."""
    kept = ~Q(status=RewardStatus.WITHDRAWN)
    # Aggregate names differ from the fields: Django reads ``value=Sum("value")`` as an aggregate of itself.
    totals = rows.order_by().aggregate(
        n=Count("id", filter=kept),
        all_value=_money(Sum("value", filter=kept)),
        year_value=_money(Sum("value", filter=kept & Q(granted_on__year=on.year, granted_on__lte=on))),
        credit_value=_money(Sum("value", filter=kept & Q(kind=RewardKind.CREDIT))),
        gifts=Count("id", filter=Q(status=RewardStatus.TO_DELIVER)),
    )
    return RewardTotals(
        count=totals["n"],
        value=totals["all_value"],
        value_this_year=totals["year_value"],
        credit=totals["credit_value"],
        to_deliver=totals["gifts"],
    )


def gifts_to_deliver() -> QuerySet[Reward]:
    """The staff's task list: gifts not yet handed over, the longest waiting first."""
    return (
        Reward.objects.filter(status=RewardStatus.TO_DELIVER)
        .select_related("client")
        .order_by("granted_on", "id")
    )


# --- The economics ----------------------------------------------------------------------------------


def _months_back(today: date, months: int) -> date:
    """The first day of the month ``months - 1`` months before ``today``'s."""
    index = today.year * 12 + today.month - 1 - (months - 1)
    return date(index // 12, index % 12 + 1, 1)


def window_start(today: date, months: int = ECONOMICS_MONTHS) -> date:
    """The same day ``months`` months ago (the last day of that month when it is shorter)."""
    first = _months_back(today, months + 1)
    next_month = _months_back(today, months)
    last_day = (next_month - first).days
    return first.replace(day=min(today.day, last_day))


@dataclass(frozen=True)
class MonthCost:
    month: date
    by_program: dict[str, Decimal]  # every program, zero included, in Program order
    total: Decimal
    count: int


def monthly_cost(*, today: date, months: int = ECONOMICS_MONTHS) -> list[MonthCost]:
    """What the rewards granted each month cost (their value, withdrawn ones left out), by program, for
    the ``months`` months up to ``today``'s, oldest first. One query."""
    start = _months_back(today, months)
    rows = (
        Reward.objects.filter(granted_on__gte=start, granted_on__lte=today)
        .exclude(status=RewardStatus.WITHDRAWN)
        .annotate(month=TruncMonth("granted_on"))
        .order_by()
        .values("month", "program")
        .annotate(total=Sum("value"), count=Count("id"))
    )
    cells = {(row["month"], row["program"]): (row["total"], row["count"]) for row in rows}
    result = []
    for offset in range(months):
        month = _months_back(today, months - offset)
        by_program = {program: cells.get((month, program), (ZERO, 0))[0] for program in Program.values}
        count = sum(cells.get((month, program), (ZERO, 0))[1] for program in Program.values)
        result.append(MonthCost(month, by_program, sum(by_program.values(), ZERO), count))
    return result


def _percent(part, whole) -> Decimal | None:
    if not whole:
        return None
    return (Decimal(part) * 100 / Decimal(whole)).quantize(Decimal("0.1"))


@dataclass(frozen=True)
class Cohort:
    """One group of clients (rewarded, or not) and how they did over the window."""

    clients_then: int  # clients with an agreement or a membership on any day of the window
    retained: int  # of those, how many still have one today
    active_clients: int  # clients today (not archived), for utilisation
    endpoints: int
    tickets: int

    @property
    def retention_percent(self) -> Decimal | None:
        return _percent(self.retained, self.clients_then)

    @property
    def utilisation_percent(self) -> Decimal | None:
        """Tickets per 100 managed endpoints over the window."""
        return _percent(self.tickets, self.endpoints)


@dataclass(frozen=True)
class Economics:
    start: date
    today: date
    rewarded: Cohort
    unrewarded: Cohort


def economics(*, today: date, months: int = ECONOMICS_MONTHS) -> Economics:
    """Rewarded clients (any reward granted in the window, withdrawn ones left out) against the others:

    - retention: of the clients who had an agreement in force or a membership on any day of the window,
      the share who still have one today (a company younger than the window still gets a figure);
    - utilisation: over the clients of today (not archived), tickets opened in the window per 100 managed
      endpoints.

    Two queries, whatever the number of clients."""
    start = window_start(today, months)
    rewarded = Exists(
        Reward.objects.filter(client_id=OuterRef("pk"), granted_on__gte=start, granted_on__lte=today).exclude(
            status=RewardStatus.WITHDRAWN
        )
    )
    then = Q(pk__in=clients_under_agreement(on=start, until=today)) | Q(
        pk__in=clients_with_membership(on=start, until=today)
    )
    now = Q(pk__in=clients_under_agreement(on=today)) | Q(pk__in=clients_with_membership(on=today))
    retention = (
        Client.objects.filter(then)
        .annotate(rewarded=rewarded, retained=Exists(Client.objects.filter(now, pk=OuterRef("pk"))))
        .order_by()
        .aggregate(
            rewarded_then=Count("id", filter=Q(rewarded=True)),
            rewarded_retained=Count("id", filter=Q(rewarded=True, retained=True)),
            others_then=Count("id", filter=Q(rewarded=False)),
            others_retained=Count("id", filter=Q(rewarded=False, retained=True)),
        )
    )
    # The window's bounds as instants (local midnights). A year of a big tenant's tickets is 306,000 rows:
    # the whole months are read from the monthly counts, only the window's ends from the tickets.
    zone = timezone.get_current_timezone()
    window_from = datetime.combine(start, time.min, tzinfo=zone)
    window_until = datetime.combine(today + timedelta(days=1), time.min, tzinfo=zone)
    usage = (
        Client.objects.filter(archived_at__isnull=True)
        .annotate(
            rewarded=rewarded, tickets_in_window=opened_between(OuterRef("pk"), window_from, window_until)
        )
        .order_by()
        .aggregate(
            rewarded_clients=Count("id", filter=Q(rewarded=True)),
            rewarded_endpoints=Coalesce(Sum("managed_endpoints", filter=Q(rewarded=True)), 0),
            rewarded_tickets=Coalesce(Sum("tickets_in_window", filter=Q(rewarded=True)), 0),
            others_clients=Count("id", filter=Q(rewarded=False)),
            others_endpoints=Coalesce(Sum("managed_endpoints", filter=Q(rewarded=False)), 0),
            others_tickets=Coalesce(Sum("tickets_in_window", filter=Q(rewarded=False)), 0),
        )
    )

    def cohort(prefix: str) -> Cohort:
        return Cohort(
            clients_then=retention[f"{prefix}_then"],
            retained=retention[f"{prefix}_retained"],
            active_clients=usage[f"{prefix}_clients"],
            endpoints=usage[f"{prefix}_endpoints"],
            tickets=usage[f"{prefix}_tickets"],
        )

    return Economics(start=start, today=today, rewarded=cohort("rewarded"), unrewarded=cohort("others"))
