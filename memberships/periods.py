"""Billing periods as calendar dates (pure: no database).

A period is ``[start, end)``: it starts on the anchor day and ends where the next one starts. An anchor
day past a month's end falls on that month's last day (anchor 31 gives 31 Jan, 28 Feb, 31 Mar). Dates,
not instants: a period is the same days whatever the clocks do, so a DST change or a new time zone
cannot bill a day twice.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date

MONTHLY = "monthly"
ANNUAL = "annual"


@dataclass(frozen=True)
class Period:
    start: date
    end: date

    @property
    def days(self) -> int:
        return (self.end - self.start).days

    def __contains__(self, day: date) -> bool:
        return self.start <= day < self.end


def anchored(year: int, month: int, anchor_day: int) -> date:
    """The anchor day in a month, or the month's last day when the month is shorter."""
    return date(year, month, min(anchor_day, calendar.monthrange(year, month)[1]))


def _add_months(year: int, month: int, months: int) -> tuple[int, int]:
    index = year * 12 + (month - 1) + months
    return index // 12, index % 12 + 1


def period_containing(day: date, *, cycle: str, anchor_day: int, anchor_month: int = 1) -> Period:
    """The billing period of ``cycle`` that ``day`` falls in."""
    if not 1 <= anchor_day <= 31:
        raise ValueError(f"anchor_day must be 1 to 31, not {anchor_day}")
    if cycle == MONTHLY:
        start = anchored(day.year, day.month, anchor_day)
        if day < start:
            start = anchored(*_add_months(day.year, day.month, -1), anchor_day)
        end = anchored(*_add_months(start.year, start.month, 1), anchor_day)
        return Period(start, end)
    if cycle == ANNUAL:
        if not 1 <= anchor_month <= 12:
            raise ValueError(f"anchor_month must be 1 to 12, not {anchor_month}")
        start = anchored(day.year, anchor_month, anchor_day)
        if day < start:
            start = anchored(day.year - 1, anchor_month, anchor_day)
        return Period(start, anchored(start.year + 1, anchor_month, anchor_day))
    raise ValueError(f"Unknown billing cycle {cycle!r}")


def periods_from(first_day: date, *, until: date, cycle: str, anchor_day: int, anchor_month: int = 1):
    """Every period that starts on or after the one containing ``first_day`` and before or on ``until``,
    oldest first."""
    period = period_containing(first_day, cycle=cycle, anchor_day=anchor_day, anchor_month=anchor_month)
    while period.start <= until:
        yield period
        period = period_containing(period.end, cycle=cycle, anchor_day=anchor_day, anchor_month=anchor_month)
