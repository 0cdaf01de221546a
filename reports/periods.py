"""Report periods (pure Python): presets resolved against "today" in the tenant's time zone.

A period is a range of whole local days, both ends included; ``bounds`` turns it into the UTC instants
[start, end) that queries use, so a ticket opened at 23:30 on the last evening of the month (local time)
belongs to that month wherever the server is.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from service_levels.engine import FIRST_YEAR, LAST_YEAR

PRESETS = {
    "this_month": "This month",
    "last_month": "Last month",
    "last_90_days": "Last 90 days",
    "custom": "Custom range",
}
PHRASES = {"this_month": "this month", "last_month": "last month", "last_90_days": "in the last 90 days"}
DEFAULT_PRESET = "this_month"
MAX_DAYS = 3 * 366


class PeriodError(ValueError):
    pass


@dataclass(frozen=True)
class Period:
    key: str
    start: date
    end: date  # included
    timezone: str

    @property
    def label(self) -> str:
        span = f"{self.start:%-d %b %Y} – {self.end:%-d %b %Y}"
        return span if self.key == "custom" else f"{PRESETS[self.key]} ({span})"

    @property
    def phrase(self) -> str:
        """For a sentence: "opened {phrase}" reads "opened in the last 90 days (26 Aug – 23 Nov 2026)"."""
        if self.key == "custom":
            return f"between {self.start:%-d %b %Y} and {self.end:%-d %b %Y}"
        return f"{PHRASES[self.key]} ({self.start:%-d %b %Y} – {self.end:%-d %b %Y})"

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def bounds(self) -> tuple[datetime, datetime]:
        """[start, end) as aware datetimes: local midnight of the first day, and of the day after the last."""
        zone = ZoneInfo(self.timezone)
        return (
            datetime.combine(self.start, time(0), tzinfo=zone),
            datetime.combine(self.end + timedelta(days=1), time(0), tzinfo=zone),
        )

    def months(self) -> list[date]:
        """The first day of each calendar month the period touches, in order."""
        first, months = self.start.replace(day=1), []
        while first <= self.end:
            months.append(first)
            first = (first + timedelta(days=32)).replace(day=1)
        return months

    def query(self) -> dict[str, str]:
        """The GET parameters that name this period (for links, exports and chart sources)."""
        params = {"period": self.key}
        if self.key == "custom":
            params |= {"start": self.start.isoformat(), "end": self.end.isoformat()}
        return params


def resolve_period(key: str | None, *, today: date, timezone: str, start: date | None = None,
                   end: date | None = None) -> Period:  # fmt: skip
    """The period a preset names (a preset ignores ``start`` and ``end``), or the custom range they give.
    Raises PeriodError for an unknown preset or a bad custom range."""
    key = key or DEFAULT_PRESET
    if key not in PRESETS:
        raise PeriodError(f"Choose one of: {', '.join(PRESETS)}.")
    if key == "this_month":
        return Period(key, today.replace(day=1), today, timezone)
    if key == "last_month":
        last_day = today.replace(day=1) - timedelta(days=1)
        return Period(key, last_day.replace(day=1), last_day, timezone)
    if key == "last_90_days":
        return Period(key, today - timedelta(days=89), today, timezone)
    if start is None or end is None:
        raise PeriodError("A custom range needs a start and an end date.")
    if start > end:
        raise PeriodError("The start date must be on or before the end date.")
    if start.year < FIRST_YEAR or end.year > LAST_YEAR:  # the range SLA clocks and reports support
        raise PeriodError(f"Choose dates from {FIRST_YEAR} to {LAST_YEAR}.")
    if (end - start).days + 1 > MAX_DAYS:
        raise PeriodError("Choose a range of at most three years.")
    return Period(key, start, end, timezone)
