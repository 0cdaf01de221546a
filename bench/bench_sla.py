"""Benchmark the SLA engine (contracts.sla.BusinessCalendar) against its peers, fairly.

Run from the repository root:  python bench/bench_sla.py

Calendar: a split shift, Monday-Friday 08:00-12:00 and 13:00-17:00, America/New_York, US public
holidays 2024-2030 (``holidays.US``). Every library answers the same questions: the same tz-aware start
instants (minute boundaries spread over 2026-2027, mostly in the working day) and the same durations
(1 to 40 business hours: whole hours, because pandas' CustomBusinessHour counts in whole hours). Each is
timed on the same number of calls (``CALLS``) with the same best-of (``REPEATS``), in this one process,
pinned to one CPU where the OS allows it.

Peers, each given its most favourable set-up, built outside the timed loop:

* businesstimedelta (dev dependency): a pytz zone (what it is written for), a frozenset of holiday
  dates, BusinessTimeDelta objects prebuilt; ``between`` is its ``Rules.difference``.
* pandas ``CustomBusinessHour`` (optional: ``pip install .[bench]``; skipped when not installed):
  one offset per distinct hour count with the two shifts, the weekmask and the holidays, and the starts
  as ``pd.Timestamp``. pandas has no business-time difference, so it is measured for ``add`` only.

Answers are compared as instants and the agreement printed (businesstimedelta and pandas do wall-clock
arithmetic, so they can be off around DST changes; pandas also rolls an answer that lands on a closing
time over to the next opening, where the engine answers the closing instant). Targets (issue 18): ``add`` at least 400,000
calls/s where the machine allows, and at least 30x pandas CustomBusinessHour in the same run.
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

try:
    import pandas
except ImportError:  # the optional second baseline: pip install .[bench]
    pandas = None

ZONE_NAME = "America/New_York"
WORKDAYS = [0, 1, 2, 3, 4]
SHIFTS = [(time(8), time(12)), (time(13), time(17))]
SEED = 20260101
CALLS = 1_000  # per library and per run, the same for every side (businesstimedelta: seconds per run)
REPEATS = 5  # best-of, the same for every side
TARGET_RATE = 400_000
TARGET_PANDAS_RATIO = 30


def pin_to_one_cpu() -> str:
    if hasattr(os, "sched_setaffinity"):
        cpu = min(os.sched_getaffinity(0))
        os.sched_setaffinity(0, {cpu})
        return f"pinned to CPU {cpu}"
    return "not pinned (no sched_setaffinity)"


def make_starts(rng: random.Random, count: int) -> list[datetime]:
    zone = ZoneInfo(ZONE_NAME)
    first = datetime(2026, 1, 1, tzinfo=zone)
    days = (datetime(2028, 1, 1, tzinfo=zone) - first).days
    starts = []
    for _ in range(count):
        # Local wall-clock starts (mostly during the working day, some outside) on minute boundaries.
        day = first + timedelta(days=rng.randrange(days))
        working_day = rng.random() < 0.75
        minute_of_day = rng.randrange(7 * 60, 18 * 60) if working_day else rng.randrange(24 * 60)
        starts.append(
            datetime.combine(day.date(), time(minute_of_day // 60, minute_of_day % 60), tzinfo=zone)
        )
    return starts


def best_rate(function, count: int) -> float:
    """Calls per second, best of ``REPEATS`` runs (each run makes ``count`` calls)."""
    best = float("inf")
    for _ in range(REPEATS):
        began = clock.perf_counter()
        function()
        best = min(best, clock.perf_counter() - began)
    return count / best


def main() -> None:
    print(f"Python {sys.version.split()[0]}, {pin_to_one_cpu()}")
    us_holidays = frozenset(holidays.US(years=range(2024, 2031)).keys())
    rng = random.Random(SEED)
    add_inputs = [(start, timedelta(hours=rng.randrange(1, 41))) for start in make_starts(rng, CALLS)]
    between_inputs = [
        (start, start + timedelta(minutes=rng.randrange(0, 10 * 24 * 60)))
        for start in make_starts(rng, CALLS)
    ]

    build_began = clock.perf_counter()
    calendar = BusinessCalendar(ZONE_NAME, dict.fromkeys(WORKDAYS, SHIFTS), us_holidays)
    calendar.add(datetime(2026, 1, 1, tzinfo=ZoneInfo(ZONE_NAME)), timedelta(hours=1))
    calendar.add(datetime(2027, 12, 31, tzinfo=ZoneInfo(ZONE_NAME)), timedelta(hours=40))
    build_ms = (clock.perf_counter() - build_began) * 1000
    add, between = calendar.add, calendar.between
    expected = [add(start, duration) for start, duration in add_inputs]

    def run_add():
        for start, duration in add_inputs:
            add(start, duration)

    def run_between():
        for start, end in between_inputs:
            between(start, end)

    # businesstimedelta
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
    btd_deltas = [
        (start, businesstimedelta.BusinessTimeDelta(btd_rules, timedelta=duration))
        for start, duration in add_inputs
    ]
    btd_difference = btd_rules.difference
    agree = {
        "businesstimedelta": sum(
            start + delta == want for (start, delta), want in zip(btd_deltas, expected, strict=True)
        )
    }

    def run_btd_add():
        for start, delta in btd_deltas:
            start + delta

    def run_btd_between():
        for start, end in between_inputs:
            btd_difference(start, end)

    rows = [("sla add()", best_rate(run_add, CALLS))]
    rows.append(("businesstimedelta add", best_rate(run_btd_add, CALLS)))
    if pandas is not None:
        offsets = {
            hours: pandas.offsets.CustomBusinessHour(
                n=hours, start=[opens.strftime("%H:%M") for opens, _ in SHIFTS],
                end=[closes.strftime("%H:%M") for _, closes in SHIFTS],
                weekmask="Mon Tue Wed Thu Fri", holidays=sorted(us_holidays),
            )
            for hours in {duration // timedelta(hours=1) for _, duration in add_inputs}
        }  # fmt: skip
        pandas_inputs = [
            (pandas.Timestamp(start), offsets[duration // timedelta(hours=1)])
            for start, duration in add_inputs
        ]
        agree["pandas CustomBusinessHour"] = sum(
            start + offset == want for (start, offset), want in zip(pandas_inputs, expected, strict=True)
        )

        def run_pandas_add():
            for start, offset in pandas_inputs:
                start + offset

        rows.append(("pandas CBH add", best_rate(run_pandas_add, CALLS)))
    rows.append(("sla between()", best_rate(run_between, CALLS)))
    rows.append(("businesstimedelta between", best_rate(run_btd_between, CALLS)))
    rates = dict(rows)

    print(f"calendar build (2026-2028, first calls): {build_ms:.1f} ms")
    for name, count in agree.items():
        print(f"add() answers agreeing with {name}: {count}/{CALLS}")
    for label, rate in rows:
        print(f"{label + ':':<27} {rate:>12,.0f} calls/s  ({CALLS:,} calls, best of {REPEATS})")
    add_rate = rates["sla add()"]
    print(
        f"add(): {add_rate / rates['businesstimedelta add']:.0f}x businesstimedelta;"
        f" between(): {rates['sla between()'] / rates['businesstimedelta between']:.0f}x businesstimedelta"
    )
    verdict = "met" if add_rate >= TARGET_RATE else "NOT met on this machine"
    print(f"target add() >= {TARGET_RATE:,} calls/s: {add_rate:,.0f} calls/s, {verdict}")
    if pandas is None:
        print("pandas is not installed (pip install .[bench]): the CustomBusinessHour baseline is skipped")
    else:
        ratio = add_rate / rates["pandas CBH add"]
        verdict = "met" if ratio >= TARGET_PANDAS_RATIO else "NOT met"
        print(f"target add() >= {TARGET_PANDAS_RATIO}x pandas CustomBusinessHour ({pandas.__version__}):"
              f" {ratio:.1f}x, {verdict}")  # fmt: skip


if __name__ == "__main__":
    main()
