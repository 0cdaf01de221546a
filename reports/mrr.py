"""Recurring revenue arithmetic: MRR movements, retention and logo churn (pure: no database).

The rules, as the revenue page states them:

- A client's **MRR on a day** is what the memberships in force that day bring in a month: tier and riders
  at their agreed prices, an annual price counted as a twelfth every month (``Span.monthly`` holds it,
  computed by the caller with ``memberships.selectors.per_month``).
- MRR is **read at each month's last day** (for the current month: today). A change in the middle of a
  month counts from the month end at which it holds: a client who starts on the 15th is *new* in that
  month at its full monthly value; one who cancels effective the 20th is *churned* in that month; a
  membership that starts and ends between two month ends never shows.
- Each client's move from one month end to the next is one of: **new** (from nothing, never paid at an
  earlier month end), **reactivated** (from nothing, paid at an earlier month end), **expansion** (pays
  more), **contraction** (pays less, not nothing), **churned** (to nothing). Contraction and churn are
  negative amounts, so the five always add up to closing MRR minus opening MRR, to the cent.
- **Logo churn** of a month: clients churned / clients paying at the start of the month.
- **Gross revenue retention** (GRR) of a month: (opening − contraction − churn) / opening; **net** (NRR):
  (opening + expansion − contraction − churn) / opening. New and reactivated revenue never count.
- **Trailing 12 months**: the cohort is the clients paying at the month end twelve months earlier. NRR is
  what they pay now / what they paid then; GRR counts each at most what it paid then (growth does not
  hide losses); logo churn is the share of the cohort paying nothing now (a client who left and came
  back counts as kept).
"""

from __future__ import annotations

from bisect import bisect_left
from calendar import monthrange
from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

ZERO = Decimal("0.00")
NEW, EXPANSION, REACTIVATED = "new", "expansion", "reactivated"
CONTRACTION, CHURNED = "contraction", "churned"
KINDS = (NEW, EXPANSION, REACTIVATED, CONTRACTION, CHURNED)
TRAILING_MONTHS = 12


@dataclass(frozen=True)
class Span:
    """Part of a client's MRR: ``monthly`` from ``starts_on`` until ``ends_on`` (exclusive; open if None)."""

    starts_on: date
    ends_on: date | None
    monthly: Decimal

    def covers(self, day: date) -> bool:
        return self.starts_on <= day and (self.ends_on is None or day < self.ends_on)


def last_day_of_month(day: date) -> date:
    return day.replace(day=monthrange(day.year, day.month)[1])


def snapshot_days(today: date, count: int) -> list[date]:
    """``count`` days MRR is read on, oldest first: the last days of the ``count - 1`` months before
    today's month, then today (the current month, to date)."""
    days = [today]
    cursor = today.replace(day=1)
    for _ in range(count - 1):
        cursor = cursor - timedelta(days=1)  # the last day of the month before
        days.append(cursor)
        cursor = cursor.replace(day=1)
    return days[::-1]


def percent(part, whole) -> float | None:
    """100 × part / whole, one decimal; None when there is no whole."""
    if not whole:
        return None
    return float(round(Decimal(100) * Decimal(part) / Decimal(whole), 1))


def cents_series(spans: Mapping[Hashable, Iterable[Span]], days: Sequence[date]) -> dict[Hashable, list[int]]:
    """Each client's MRR on each of ``days`` (sorted ascending), in whole cents: exact like Decimal, and
    several times faster to add up over 1,000 clients × 37 months."""
    series = {}
    for client, client_spans in spans.items():
        values = [0] * len(days)
        for span in client_spans:
            cents = int(span.monthly * 100)
            first = bisect_left(days, span.starts_on)
            last = len(days) if span.ends_on is None else bisect_left(days, span.ends_on)
            for index in range(first, last):
                values[index] += cents
        series[client] = values
    return series


def paid_at_a_month_end_before(spans: Mapping[Hashable, Iterable[Span]], day: date) -> set:
    """Clients whose MRR was above zero at some month end before ``day``: a span covers a month end
    iff it covers the first month end on or after its start."""
    found = set()
    for client, client_spans in spans.items():
        for span in client_spans:
            month_end = last_day_of_month(span.starts_on)
            if span.monthly > 0 and month_end < day and span.covers(month_end):
                found.add(client)
                break
    return found


def classify(before: Decimal, after: Decimal, *, paid_before: bool) -> str | None:
    """The kind of a client's move from one month end to the next (None: no move)."""
    if after == before:
        return None
    if before == 0:
        return REACTIVATED if paid_before else NEW
    if after == 0:
        return CHURNED
    return EXPANSION if after > before else CONTRACTION


@dataclass(frozen=True)
class Retention:
    """The trailing-12-month cohort: clients paying at the month end twelve months earlier."""

    cohort_clients: int
    cohort_mrr: Decimal  # what they paid then
    kept_mrr: Decimal  # what they pay now, each at most what it paid then
    current_mrr: Decimal  # what they pay now
    lost_clients: int  # of the cohort, paying nothing now

    @property
    def grr(self) -> float | None:
        return percent(self.kept_mrr, self.cohort_mrr)

    @property
    def nrr(self) -> float | None:
        return percent(self.current_mrr, self.cohort_mrr)

    @property
    def logo_churn(self) -> float | None:
        return percent(self.lost_clients, self.cohort_clients)


@dataclass(frozen=True)
class MonthMovements:
    """A month's MRR moves. Contraction and churned are negative: the five add up to ``net``."""

    month: date  # its first day
    as_of: date  # the day MRR was read: the month's last day, or today for the current month
    to_date: bool  # the current month, read today: not over even on its last day
    opening: Decimal
    closing: Decimal
    new: Decimal
    expansion: Decimal
    reactivated: Decimal
    contraction: Decimal
    churned: Decimal
    new_clients: int
    expansion_clients: int
    reactivated_clients: int
    contraction_clients: int
    churned_clients: int
    paying_at_start: int
    paying_at_end: int
    trailing: Retention | None  # None: nobody paid at the month end a year earlier (or no history)

    @property
    def net(self) -> Decimal:
        return self.closing - self.opening

    @property
    def arr(self) -> Decimal:
        return self.closing * 12

    @property
    def amounts(self) -> dict[str, Decimal]:
        return {kind: getattr(self, kind) for kind in KINDS}

    @property
    def logo_churn(self) -> float | None:
        return percent(self.churned_clients, self.paying_at_start)

    @property
    def grr(self) -> float | None:
        return percent(self.opening + self.contraction + self.churned, self.opening)

    @property
    def nrr(self) -> float | None:
        return percent(self.opening + self.expansion + self.contraction + self.churned, self.opening)


def _money(cents: int) -> Decimal:
    return Decimal(cents).scaleb(-2)


def _trailing(then: Sequence[int], now: Sequence[int]) -> Retention | None:
    """None when nobody paid then."""
    cohort = [(before, after) for before, after in zip(then, now, strict=True) if before > 0]
    if not cohort:
        return None
    befores, afters = zip(*cohort, strict=True)
    return Retention(
        cohort_clients=len(cohort),
        cohort_mrr=_money(sum(befores)),
        kept_mrr=_money(sum(map(min, befores, afters))),
        current_mrr=_money(sum(afters)),
        lost_clients=afters.count(0),
    )


def movements(
    series: Mapping[Hashable, Sequence[int]], *, days: Sequence[date], paid_before: set
) -> list[MonthMovements]:
    """One row per month for ``days[1:]`` (``days[0]`` is the opening of the first): the MRR moves
    between consecutive days by kind, and retention. ``series``: each client's MRR on ``days`` in whole
    cents (``cents_series``); ``paid_before``: clients that paid at a month end before ``days[0]`` (so
    coming back is a reactivation)."""
    clients = [client for client, values in series.items() if any(values)]
    never = len(days)
    first_paid = [
        -1
        if client in paid_before
        else next((i for i, value in enumerate(series[client]) if value > 0), never)
        for client in clients
    ]
    columns = list(zip(*(series[client] for client in clients), strict=True)) or [()] * len(days)
    rows = []
    for index in range(1, len(days)):
        before_column, after_column = columns[index - 1], columns[index]
        amounts = dict.fromkeys(KINDS, 0)
        counts = dict.fromkeys(KINDS, 0)
        if before_column != after_column:
            for position, before, after in zip(range(len(clients)), before_column, after_column, strict=True):
                if before != after:
                    kind = classify(before, after, paid_before=first_paid[position] < index - 1)
                    amounts[kind] += after - before
                    counts[kind] += 1
        trailing = (
            _trailing(columns[index - TRAILING_MONTHS], after_column) if index >= TRAILING_MONTHS else None
        )
        rows.append(
            MonthMovements(
                month=days[index].replace(day=1),
                as_of=days[index],
                to_date=index == len(days) - 1,
                opening=_money(sum(before_column)),
                closing=_money(sum(after_column)),
                **{kind: _money(amount) for kind, amount in amounts.items()},
                **{f"{kind}_clients": count for kind, count in counts.items()},
                paying_at_start=len(before_column) - before_column.count(0),
                paying_at_end=len(after_column) - after_column.count(0),
                trailing=trailing,
            )
        )
    return rows
