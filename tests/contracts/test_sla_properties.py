"""Property tests: BusinessCalendar against a slow, obviously-right minute-by-minute reference.

Everything generated lies on whole minutes (window boundaries, start instants, durations) and every
zone used has whole-minute offsets and transitions, so "is the minute starting at t open?" decides the
whole minute and counting open minutes is exact.
"""

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from contracts.sla import BusinessCalendar

ZONE_NAMES = [
    "America/New_York",
    "Europe/London",
    "Australia/Lord_Howe",
    "Asia/Kolkata",
    "UTC",
    "America/Santiago",
    "Pacific/Chatham",
]
MINUTE = timedelta(minutes=1)
DAY_MINUTES = 24 * 60
WEEK_MINUTES = 7 * DAY_MINUTES
MAX_WALK_MINUTES = 4 * DAY_MINUTES
FIRST_START = datetime(2025, 1, 1, tzinfo=UTC)
LAST_START = datetime(2027, 12, 1, tzinfo=UTC)

SETTINGS = settings(
    max_examples=150, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow]
)


# --- the reference ---------------------------------------------------------------------------------


def reference_is_open(zone: ZoneInfo, weekly_hours: dict, holidays: set, instant: datetime) -> bool:
    """Does the local clock at ``instant`` show an open hour on a non-holiday date?"""
    wall = instant.astimezone(zone).replace(tzinfo=None)
    today, clock = wall.date(), wall.time()
    if today in holidays:
        return False
    for opens, closes in weekly_hours.get(today.weekday(), []):
        if opens < closes and opens <= clock < closes:
            return True
        if closes <= opens and clock >= opens:  # evening part of an overnight window
            return True
    # The morning part of an overnight window that opened yesterday.
    yesterday = (today.weekday() - 1) % 7
    return any(closes <= opens and clock < closes for opens, closes in weekly_hours.get(yesterday, []))


def reference_open_minutes(zone, weekly_hours, holidays, start: datetime, minutes: int) -> list[int]:
    """Indices ``i`` of the open minutes ``[start + i min, start + (i + 1) min)``, walking real time."""
    start_utc = start.astimezone(UTC)
    return [
        i for i in range(minutes) if reference_is_open(zone, weekly_hours, holidays, start_utc + i * MINUTE)
    ]


# --- strategies ------------------------------------------------------------------------------------


def _minute_time(minute_of_day: int) -> time:
    return time(minute_of_day // 60, minute_of_day % 60)


def _transitions(zone_name: str) -> list[datetime]:
    """Approximate (to the hour) UTC instants of offset changes in 2025-2027, for picking starts."""
    zone = ZoneInfo(zone_name)
    found = []
    instant = FIRST_START
    previous = instant.astimezone(zone).utcoffset()
    while instant < LAST_START:
        instant += timedelta(hours=1)
        offset = instant.astimezone(zone).utcoffset()
        if offset != previous:
            found.append(instant)
        previous = offset
    return found


TRANSITIONS = {name: _transitions(name) for name in ZONE_NAMES}


# Wall-clock minutes where the zones above change their clocks (00:00 Santiago, 02:00 New York and
# Lord Howe, 01:00/02:00 London, 02:45 Chatham) and their neighbours.
DST_MINUTES = [h * 60 + m for h in (23, 0, 1, 2, 3) for m in (0, 15, 30, 45)]

any_minute_of_week = st.one_of(
    st.integers(0, WEEK_MINUTES - 1),
    st.integers(0, WEEK_MINUTES // 15 - 1).map(lambda n: n * 15),
)
dst_minute_of_week = st.builds(
    lambda day, minute: day * DAY_MINUTES + minute, st.integers(0, 6), st.sampled_from(DST_MINUTES)
)


@st.composite
def random_windows(draw, point: st.SearchStrategy[int] = any_minute_of_week) -> dict:
    """Arbitrary disjoint windows on the weekly circle, each at most 24 h long (so some run overnight)."""
    points = sorted(draw(st.lists(point, min_size=2, max_size=10, unique=True)))
    rotation = draw(st.one_of(st.just(0), st.integers(0, WEEK_MINUTES - 1)))
    weekly: dict[int, list] = {}
    for first, second in zip(points[::2], points[1::2], strict=False):
        length = min(second - first, DAY_MINUTES)
        opens = (first + rotation) % WEEK_MINUTES
        closes = opens + length
        weekly.setdefault(opens // DAY_MINUTES, []).append(
            (_minute_time(opens % DAY_MINUTES), _minute_time(closes % DAY_MINUTES))
        )
    return weekly


@st.composite
def daily_dst_windows(draw) -> dict:
    """The same windows every day, edged at the minutes clocks jump, so DST days always have them."""
    points = sorted(draw(st.lists(st.sampled_from(DST_MINUTES), min_size=2, max_size=8, unique=True)))
    if len(points) % 2:
        points.pop()
    if draw(st.booleans()):
        # Pair the other way round the daily circle: the last window runs overnight.
        points = [*points[1:], points[0] + DAY_MINUTES]
    windows = [
        (_minute_time(first), _minute_time(second % DAY_MINUTES))
        for first, second in zip(points[::2], points[1::2], strict=True)
    ]
    days = draw(st.sets(st.integers(0, 6), min_size=1)) if draw(st.booleans()) else range(7)
    return dict.fromkeys(days, windows)


def whole_days() -> st.SearchStrategy[dict]:
    return st.sets(st.integers(0, 6), min_size=1).map(lambda days: {d: [(time(0), time(0))] for d in days})


def night_shifts() -> st.SearchStrategy[dict]:
    shift = st.sampled_from([(time(22), time(6)), (time(23, 30), time(2, 30)), (time(20), time(0))])
    return st.dictionaries(st.integers(0, 6), shift.map(lambda pair: [pair]), min_size=1)


def office_hours() -> st.SearchStrategy[dict]:
    split = [(time(8), time(12)), (time(13), time(17))]
    early = [(time(0), time(3)), (time(9), time(17))]
    return st.sampled_from([split, early]).map(lambda day: dict.fromkeys(range(5), day))


weekly_patterns = st.one_of(
    random_windows(),
    random_windows(dst_minute_of_week),
    daily_dst_windows(),
    whole_days(),
    night_shifts(),
    office_hours(),
)


@st.composite
def start_instants(draw, zone_name: str) -> datetime:
    transitions = TRANSITIONS[zone_name]
    total_minutes = (LAST_START - FIRST_START) // MINUTE
    if transitions and draw(st.booleans()):
        near = draw(st.sampled_from(transitions))
        instant = near + draw(st.integers(-3 * DAY_MINUTES, DAY_MINUTES)) * MINUTE
    else:
        instant = FIRST_START + draw(st.integers(0, total_minutes)) * MINUTE
    # Hand the instant over in the calendar's zone, in UTC or in another zone: all must agree.
    shown_in = draw(st.sampled_from([zone_name, "UTC", "Asia/Kolkata"]))
    return instant.astimezone(ZoneInfo(shown_in))


@st.composite
def scenarios(draw):
    """A calendar definition, a start instant near it and a bounded walk length in minutes."""
    zone_name = draw(st.sampled_from(ZONE_NAMES))
    weekly = draw(weekly_patterns)
    start = draw(start_instants(zone_name))
    local_day = start.astimezone(ZoneInfo(zone_name)).date()
    holidays = draw(st.sets(st.integers(-2, 5).map(lambda n: local_day + timedelta(days=n)), max_size=3))
    minutes = draw(st.integers(0, MAX_WALK_MINUTES))
    calendar = BusinessCalendar(zone_name, weekly, holidays)
    return calendar, (ZoneInfo(zone_name), weekly, holidays), start, minutes


def as_utc(value: datetime) -> datetime:
    return value.astimezone(UTC)


def add_utc(calendar: BusinessCalendar, start: datetime, duration: timedelta) -> datetime:
    """``calendar.add`` in UTC. Results come back in the calendar's zone, and Python compares two
    datetimes sharing a zone by wall clock (ignoring fold) and declares zone-vs-UTC ``==`` false inside
    a repeated hour (PEP 495), so compare instants in UTC."""
    return as_utc(calendar.add(start, duration))


# --- properties against the reference --------------------------------------------------------------


@SETTINGS
@given(scenarios(), st.data())
def test_between_matches_minute_walk(scenario, data):
    calendar, definition, start, minutes = scenario
    open_minutes = reference_open_minutes(*definition, start, minutes)
    end = as_utc(start) + minutes * MINUTE
    assert calendar.between(start, end) == len(open_minutes) * MINUTE
    assert calendar.between(end, start) == -len(open_minutes) * MINUTE

    middle = data.draw(st.integers(0, minutes))
    expected = sum(1 for i in open_minutes if i < middle) * MINUTE
    assert calendar.between(start, as_utc(start) + middle * MINUTE) == expected


@SETTINGS
@given(scenarios())
def test_is_open_matches_reference_for_every_minute(scenario):
    calendar, definition, start, minutes = scenario
    open_minutes = set(reference_open_minutes(*definition, start, minutes))
    start_utc = as_utc(start)
    for i in range(minutes):
        assert calendar.is_open(start_utc + i * MINUTE) == (i in open_minutes), i


@SETTINGS
@given(scenarios(), st.data())
def test_add_is_the_earliest_instant_reaching_the_duration(scenario, data):
    calendar, definition, start, minutes = scenario
    open_minutes = reference_open_minutes(*definition, start, minutes)
    end = as_utc(start) + minutes * MINUTE
    wanted = data.draw(st.integers(0, len(open_minutes)))
    duration = wanted * MINUTE

    result = calendar.add(start, duration)
    expected = as_utc(start) + (open_minutes[wanted - 1] + 1) * MINUTE if wanted else as_utc(start)
    assert as_utc(result) == expected
    assert result.tzinfo == calendar.zone
    assert calendar.between(start, result) == duration
    if wanted:
        assert calendar.between(start, as_utc(result) - MINUTE) < duration
    # add(start, between(start, end)) never overshoots end.
    assert add_utc(calendar, start, calendar.between(start, end)) <= end


DST_ZONES = [name for name in ZONE_NAMES if TRANSITIONS[name]]


@SETTINGS
@given(st.sampled_from(DST_ZONES), daily_dst_windows(), st.data())
def test_clock_change_days_match_minute_walk(zone_name, weekly, data):
    """Every clock change in 2025-2027, with windows edged where the clocks jump."""
    zone = ZoneInfo(zone_name)
    change = data.draw(st.sampled_from(TRANSITIONS[zone_name]))
    start = change - data.draw(st.integers(0, 2 * DAY_MINUTES)) * MINUTE
    minutes = data.draw(st.integers(0, 2 * DAY_MINUTES))
    local_day = change.astimezone(zone).date()
    holidays = data.draw(st.sets(st.sampled_from([local_day + timedelta(days=n) for n in (-1, 0, 1)])))
    calendar = BusinessCalendar(zone_name, weekly, holidays)
    open_minutes = reference_open_minutes(zone, weekly, holidays, start, minutes)
    assert calendar.between(start, start + minutes * MINUTE) == len(open_minutes) * MINUTE
    if open_minutes:
        wanted = data.draw(st.integers(1, len(open_minutes)))
        expected = start + (open_minutes[wanted - 1] + 1) * MINUTE
        assert add_utc(calendar, start, wanted * MINUTE) == expected


# --- algebraic properties at microsecond precision (no reference needed) ---------------------------

microseconds = st.integers(0, 5 * 24 * 3600 * 10**6).map(lambda n: timedelta(microseconds=n))


@SETTINGS
@given(scenarios(), microseconds, microseconds, microseconds)
def test_additivity_and_round_trips_at_microsecond_precision(scenario, first, second, third):
    calendar, _, start, _ = scenario
    a = as_utc(start) + first
    b = a + second
    c = b + third
    assert calendar.between(a, c) == calendar.between(a, b) + calendar.between(b, c)
    assert calendar.between(a, b) >= timedelta(0)

    duration = calendar.between(a, c)
    reached = add_utc(calendar, a, duration)
    assert reached <= c
    assert calendar.between(a, reached) == duration
    if duration:
        assert calendar.between(a, reached - timedelta(microseconds=1)) < duration


@SETTINGS
@given(scenarios(), microseconds, microseconds, microseconds)
def test_add_is_monotonic_and_composes(scenario, offset, first, second):
    calendar, _, start, _ = scenario
    later_start = as_utc(start) + offset
    small, large = sorted([first, second])
    assert add_utc(calendar, start, small) <= add_utc(calendar, start, large)
    assert add_utc(calendar, start, small) <= add_utc(calendar, later_start, small)
    # Adding in two steps lands on the same instant as adding the sum.
    assert add_utc(calendar, calendar.add(start, small), large) == add_utc(calendar, start, small + large)
    assert calendar.between(start, calendar.add(start, large)) == large


@settings(max_examples=20, deadline=None, database=None)
@given(st.sampled_from(ZONE_NAMES), st.integers(0, 1000), st.sets(st.integers(0, 400), max_size=30))
def test_calendar_without_windows_is_never_open(zone_name, offset_days, holiday_offsets):
    holidays = [date(2026, 1, 1) + timedelta(days=n) for n in holiday_offsets]
    calendar = BusinessCalendar(zone_name, {}, holidays)
    start = FIRST_START + timedelta(days=offset_days)
    assert calendar.between(start, start + timedelta(days=30)) == timedelta(0)
    assert not calendar.is_open(start)
    with pytest.raises(ValueError, match="no open hours"):
        calendar.add(start, MINUTE)
