"""SLA clock arithmetic (pure Python): how much business time a clock has used and when it is due.

A clock starts at ``started_at`` and may be paused several times (``pauses``: real-time intervals, the
last one open while paused). Business time used = business time since the start minus business time
inside the pauses, on the clock's calendar. Keeping the pauses as real instants (not as used-up
minutes) lets a clock be recomputed from the ticket's start on another calendar or target, e.g. when
the priority or the client's tier changes.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from service_levels.engine import BusinessCalendar

Pause = tuple[datetime, datetime | None]


@dataclass(frozen=True)
class ClockTimes:
    due_at: datetime | None  # None while paused
    warn_at: datetime | None


def used(
    calendar: BusinessCalendar, started_at: datetime, pauses: Sequence[Pause], at: datetime
) -> timedelta:
    """Business time the clock has run between its start and ``at``."""
    if at <= started_at:
        return timedelta(0)
    total = calendar.between(started_at, at)
    for pause_start, pause_end in pauses:
        if pause_start >= at:
            break
        total -= calendar.between(pause_start, min(pause_end or at, at))
    return total


def is_paused(pauses: Sequence[Pause]) -> bool:
    return bool(pauses) and pauses[-1][1] is None


def times(
    calendar: BusinessCalendar, *, started_at: datetime, pauses: Sequence[Pause], target: timedelta,
    warn_percent: int,
) -> ClockTimes:  # fmt: skip
    """When the clock is due, and when it should warn, given its pauses so far."""
    if is_paused(pauses):
        return ClockTimes(None, None)
    resumed_at = pauses[-1][1] if pauses else started_at
    used_so_far = used(calendar, started_at, pauses, resumed_at)
    warn_after = target * warn_percent / 100
    due_at = calendar.add(resumed_at, max(target - used_so_far, timedelta(0)))
    warn_at = calendar.add(resumed_at, max(warn_after - used_so_far, timedelta(0)))
    return ClockTimes(due_at, warn_at)


def remaining(calendar: BusinessCalendar, *, started_at: datetime, pauses: Sequence[Pause], target: timedelta,
              at: datetime) -> timedelta:  # fmt: skip
    """Business time left before the target at ``at`` (negative once breached)."""
    return target - used(calendar, started_at, pauses, at)
