"""Benchmark contracts.sla.BusinessCalendar against the businesstimedelta package.

Run from the repository root:  python bench/bench_sla.py

Calendar: Monday-Friday 08:00-12:00 and 13:00-17:00, America/New_York, US public holidays 2024-2030
(``holidays.US``). Both libraries get the same tz-aware start instants (spread over 2026-2027) and the
same durations (15 minutes to 40 business hours). businesstimedelta is given its most favourable
set-up: a pytz zone (what it is written for), a frozenset of holiday dates (O(1) membership) and
BusinessTimeDelta objects built outside the timed loop. Everything runs in this one process, pinned to
one CPU where the OS allows it.
"""

import os
import random
import sys
import time as clock
from datetime import datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import businesstimedelta
import holidays
import pytz

from contracts.sla import BusinessCalendar

ZONE_NAME = "America/New_York"
WORKDAYS = [0, 1, 2, 3, 4]
SEED = 20260101
ADD_SAMPLES = 20_000
BTD_SAMPLES = 2_000
BETWEEN_SAMPLES = 20_000
REPEATS = 7  # best-of; businesstimedelta gets BTD_REPEATS because each of its runs takes seconds
BTD_REPEATS = 3


def pin_to_one_cpu() -> str:
    if hasattr(os, "sched_setaffinity"):
        cpu = min(os.sched_getaffinity(0))
        os.sched_setaffinity(0, {cpu})
        return f"pinned to CPU {cpu}"
    return "not pinned (no sched_setaffinity)"


def make_inputs(rng: random.Random, count: int) -> list[tuple[datetime, timedelta]]:
    zone = ZoneInfo(ZONE_NAME)
    first = datetime(2026, 1, 1, tzinfo=zone)
    span_minutes = (datetime(2028, 1, 1, tzinfo=zone) - first) // timedelta(minutes=1)
    inputs = []
    for _ in range(count):
        # Local wall-clock starts (mostly during the working day, some outside) on minute boundaries.
        day = first + timedelta(days=rng.randrange(span_minutes // 1440))
        working_day = rng.random() < 0.75
        minute_of_day = rng.randrange(7 * 60, 18 * 60) if working_day else rng.randrange(24 * 60)
        start = datetime.combine(day.date(), time(minute_of_day // 60, minute_of_day % 60), tzinfo=zone)
        duration = timedelta(minutes=rng.randrange(15, 40 * 60 + 1))
        inputs.append((start, duration))
    return inputs


def best_rate(function, count: int, repeats: int = REPEATS) -> float:
    """Calls per second, best of ``repeats`` runs (each run makes ``count`` calls)."""
    best = float("inf")
    for _ in range(repeats):
        began = clock.perf_counter()
        function()
        best = min(best, clock.perf_counter() - began)
    return count / best


def main() -> None:
    print(f"Python {sys.version.split()[0]}, {pin_to_one_cpu()}")
    us_holidays = frozenset(holidays.US(years=range(2024, 2031)).keys())
    weekly_hours = {day: [(time(8), time(12)), (time(13), time(17))] for day in WORKDAYS}

    build_began = clock.perf_counter()
    calendar = BusinessCalendar(ZONE_NAME, weekly_hours, us_holidays)
    calendar.add(datetime(2026, 1, 1, tzinfo=ZoneInfo(ZONE_NAME)), timedelta(hours=1))
    calendar.add(datetime(2027, 12, 31, tzinfo=ZoneInfo(ZONE_NAME)), timedelta(hours=40))
    build_ms = (clock.perf_counter() - build_began) * 1000

    tz = pytz.timezone(ZONE_NAME)
    btd_rules = businesstimedelta.Rules(
        [
            businesstimedelta.WorkDayRule(
                start_time=time(8), end_time=time(17), working_days=WORKDAYS, tz=tz
            ),
            businesstimedelta.LunchTimeRule(
                start_time=time(12), end_time=time(13), working_days=WORKDAYS, tz=tz
            ),
            businesstimedelta.HolidayRule(us_holidays, tz=tz),
        ]
    )

    rng = random.Random(SEED)
    add_inputs = make_inputs(rng, ADD_SAMPLES)
    btd_inputs = add_inputs[:BTD_SAMPLES]
    btd_deltas = [
        (start, businesstimedelta.BusinessTimeDelta(btd_rules, timedelta=duration))
        for start, duration in btd_inputs
    ]
    between_inputs = [
        (start, start + timedelta(minutes=rng.randrange(0, 10 * 24 * 60)))
        for start, _ in make_inputs(rng, BETWEEN_SAMPLES)
    ]

    # Same answers? (businesstimedelta does wall-clock arithmetic on pytz datetimes, so it can be off
    # around DST changes; count agreement as instants.)
    agree = sum(
        calendar.add(start, duration) == start + delta
        for (start, duration), (_, delta) in zip(btd_inputs, btd_deltas, strict=True)
    )

    add = calendar.add
    between = calendar.between

    def run_add():
        for start, duration in add_inputs:
            add(start, duration)

    def run_btd():
        for start, delta in btd_deltas:
            start + delta

    def run_between():
        for start, end in between_inputs:
            between(start, end)

    add_rate = best_rate(run_add, len(add_inputs))
    btd_rate = best_rate(run_btd, len(btd_deltas), BTD_REPEATS)
    between_rate = best_rate(run_between, len(between_inputs))
    ratio = add_rate / btd_rate

    print(f"calendar build (2026-2028, first calls): {build_ms:.1f} ms")
    print(f"results agreeing with businesstimedelta: {agree}/{len(btd_inputs)}")
    for label, rate, count, repeats in (
        ("sla add()", add_rate, len(add_inputs), REPEATS),
        ("businesstimedelta", btd_rate, len(btd_deltas), BTD_REPEATS),
        ("sla between()", between_rate, len(between_inputs), REPEATS),
    ):
        print(f"{label + ':':<19} {rate:>12,.0f} calls/s  ({count:,} calls, best of {repeats})")
    print(
        f"sla add(): {add_rate:,.0f} calls/s; businesstimedelta: {btd_rate:,.0f} calls/s; "
        f"ratio {ratio:.1f}x (target >= 100,000 calls/s and >= 30x); between(): {between_rate:,.0f} calls/s"
    )


if __name__ == "__main__":
    main()
