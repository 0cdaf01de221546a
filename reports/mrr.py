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
    following = (day.replace(day=28) + timedelta(days=4)).replace(day=1)
    return following - timedelta(days=1)


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


def mrr_series(
    spans: Mapping[Hashable, Iterable[Span]], days: Sequence[date]
) -> dict[Hashable, list[Decimal]]:
    """Each client's MRR on each of ``days`` (sorted ascending)."""
    series = {}
    for client, client_spans in spans.items():
        values = [ZERO] * len(days)
        for span in client_spans:
            first = bisect_left(days, span.starts_on)
            last = len(days) if span.ends_on is None else bisect_left(days, span.ends_on)
            for index in range(first, last):
                values[index] += span.monthly
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
    def to_date(self) -> bool:
        return self.as_of != last_day_of_month(self.as_of)

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


def _trailing(series: Mapping[Hashable, Sequence[Decimal]], then: int, now: int) -> Retention:
    cohort_clients = lost = 0
    cohort_mrr = kept = current = ZERO
    for values in series.values():
        before, after = values[then], values[now]
        if before <= 0:
            continue
        cohort_clients += 1
        cohort_mrr += before
        kept += min(before, after)
        current += after
        lost += after == 0
    return Retention(cohort_clients, cohort_mrr, kept, current, lost)


def movements(
    series: Mapping[Hashable, Sequence[Decimal]], *, days: Sequence[date], paid_before: set
) -> list[MonthMovements]:
    """One row per month for ``days[1:]`` (``days[0]`` is the opening of the first): the MRR moves
    between consecutive days by kind, and retention. ``paid_before``: clients that paid at a month end
    before ``days[0]`` (so coming back is a reactivation)."""
    has_paid = set(paid_before)
    for client, values in series.items():
        if values and values[0] > 0:
            has_paid.add(client)
    rows = []
    for index in range(1, len(days)):
        amounts = dict.fromkeys(KINDS, ZERO)
        counts = dict.fromkeys(KINDS, 0)
        opening = closing = ZERO
        paying_at_start = paying_at_end = 0
        for client, values in series.items():
            before, after = values[index - 1], values[index]
            opening += before
            closing += after
            paying_at_start += before > 0
            paying_at_end += after > 0
            kind = classify(before, after, paid_before=client in has_paid)
            if kind is not None:
                amounts[kind] += after - before
                counts[kind] += 1
            if after > 0:
                has_paid.add(client)
        trailing = _trailing(series, index - TRAILING_MONTHS, index) if index >= TRAILING_MONTHS else None
        trailing = trailing if trailing and trailing.cohort_clients else None
        rows.append(MonthMovements(
            month=days[index].replace(day=1), as_of=days[index], opening=opening, closing=closing,
            **amounts, **{f"{kind}_clients": count for kind, count in counts.items()},
            paying_at_start=paying_at_start, paying_at_end=paying_at_end, trailing=trailing,
        ))  # fmt: skip
    return rows
