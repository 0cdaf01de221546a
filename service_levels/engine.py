"""Business-hours arithmetic for SLA clocks (pure Python, no Django).

A :class:`BusinessCalendar` answers two questions exactly, to the microsecond:

* ``between(start, end)``: how much *business time* elapses between two instants;
* ``add(start, duration)``: the earliest instant at which ``duration`` of business time has elapsed.

Semantics
---------
Business time is **real elapsed time** during which the calendar's local clock shows an open hour on a
local date that is not a holiday.

* ``weekly_hours`` maps a weekday (0 = Monday ... 6 = Sunday) to ``(open, close)`` pairs of naive
  ``datetime.time`` values. Each pair is half-open: open at ``open``, closed again at ``close``.
  A pair whose ``close`` is at or before its ``open`` runs past midnight into the next day, so
  ``(time(22), time(6))`` is a night shift and ``(time(0), time(0))`` is a whole day (as is
  ``(time(8), time(8))``: 24 hours from 08:00). Pairs may touch but must not overlap, including the
  part of an overnight pair that spills into the next day (Sunday spills into Monday).
* Holidays are attributed by the local date the clock shows. For an overnight pair starting on date D,
  the part before midnight belongs to D and the part after midnight belongs to D + 1: a holiday on D
  removes only the evening, a holiday on D + 1 removes only the early morning. The *weekly* pattern is
  still that of D (a Friday 22:00-06:00 shift covers Saturday 00:00-06:00 too).
* Daylight saving time follows the clock. Every instant whose local wall time falls inside an open
  window counts, once per occurrence: a 00:00-03:00 window lasts 2 h on a spring-forward day and 4 h
  on a fall-back day, and a 01:00-01:30 window on a fall-back day (New York) counts both 01:00-01:30
  EDT and 01:00-01:30 EST (1 h in total). Likewise 01:45-03:00 on that day is open 01:45-02:00 EDT,
  closed while the clock shows 01:00-01:45 again, then open 01:45-03:00 EST. A window boundary that
  falls in a spring-forward gap effectively moves to the instant the clock jumps.
* ``is_open(t)`` tells whether business time is elapsing at ``t``: open at an opening instant,
  closed at a closing instant. ``BusinessCalendar.always_open(zone)`` is a 24/7 calendar.
* ``add(start, d)`` returns the earliest instant ``T`` with ``between(start, T) == d``. So one hour
  from 17:00 with an 18:00 closing is 18:00 the same day, not the next opening, and
  ``add(start, timedelta(0))`` is ``start`` itself (as an instant).
* ``between(start, end)`` with ``end`` before ``start`` is negative: ``-between(end, start)``. That
  keeps "business time remaining until the deadline" meaningful once a deadline has passed.

Inputs and outputs
------------------
Instants must be *aware* datetimes in any tzinfo (``zoneinfo``, ``datetime.timezone.utc``, ...);
naive datetimes raise ``ValueError``. ``add`` returns an aware datetime in the calendar's zone (a
``zoneinfo.ZoneInfo``, ``fold`` set correctly), equal as an instant to the exact answer.

Beware of Python's aware-datetime rules around DST changes, which apply to these results too:

* ``a - b``, ``a + timedelta`` and ``a < b`` on datetimes sharing the *same* tzinfo work on the wall
  clock and ignore ``fold``, so they are wrong across a DST change;
* ``a == b`` between *different* tzinfos is always ``False`` when either side falls in a repeated or
  skipped hour (PEP 495), even if both denote the same instant.

Convert to UTC first (``dt.astimezone(datetime.UTC)``) to compare or subtract instants reliably; Django
does that itself when it stores an aware datetime.

Supported range: instants from ``FIRST_YEAR`` to ``LAST_YEAR`` (2000-01-01 00:00 UTC up to, not
including, 2101-01-01 00:00 UTC). ``is_open``, ``between`` and ``add`` refuse an instant outside it with
``ValueError``, and ``add`` refuses when the answer would fall outside it. SLA deadlines live in the
present; the bound keeps a typed far date (``9999-12-31``) from overflowing ``datetime`` arithmetic.

Errors (``ValueError`` unless noted): instants outside the supported range, naive datetimes, unknown time
zones, overlapping or malformed weekly hours, negative durations for ``add``, asking a calendar without
any open hours for positive business time, and questions that need more than ``MAX_SPAN_YEARS`` of
calendar or find no business time within ``SEARCH_HORIZON_YEARS`` (e.g. every day is a holiday). A
non-timedelta duration raises ``TypeError``.

How it works
------------
The weekly pattern is expanded lazily, one UTC calendar year at a time, into sorted open intervals in
real time (integer microseconds since the Unix epoch), with cumulative business-time sums. Holidays
simply drop the local-date pieces they cover. Local wall-clock windows are mapped to real time
exactly: the zone's UTC offset is piecewise constant between transitions, so the real-time preimage
of a local window is, per constant-offset segment, the window shifted by that offset and clipped to the
segment. ``between`` is then two bisections and ``add`` one bisection on the cumulative sums, with no
floating point anywhere. A calendar is cheap to share: the expanded intervals live in an immutable
snapshot that is swapped atomically when the covered range grows, so concurrent readers are safe.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Mapping
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from itertools import pairwise
from types import MappingProxyType
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

__all__ = [
    "FIRST_YEAR",
    "LAST_YEAR",
    "MAX_SPAN_YEARS",
    "SEARCH_HORIZON_YEARS",
    "BusinessCalendar",
    "check_supported",
]

#: The supported range: instants in the UTC years FIRST_YEAR..LAST_YEAR, both included.
FIRST_YEAR, LAST_YEAR = 2000, 2100
#: A single question may need at most this many UTC years of expanded calendar.
MAX_SPAN_YEARS = 200
#: ``add`` gives up after this many consecutive years without any business time.
SEARCH_HORIZON_YEARS = 12
# Beyond this many years the cache restarts around the new question instead of bridging the gap.
_BRIDGE_YEARS = 30

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_NAIVE_EPOCH = datetime(1970, 1, 1)
_EPOCH_ORDINAL = date(1970, 1, 1).toordinal()
_ONE_US = timedelta(microseconds=1)
_SECOND_US = 1_000_000
_HOUR_US = 3600 * _SECOND_US
_DAY_US = 24 * _HOUR_US
_WEEK_US = 7 * _DAY_US
_WEEKDAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


def _year_start_us(year: int) -> int:
    return (date(year, 1, 1).toordinal() - _EPOCH_ORDINAL) * _DAY_US


_FIRST_US, _END_US = _year_start_us(FIRST_YEAR), _year_start_us(LAST_YEAR + 1)


def check_supported(instant: datetime, name: str = "instant") -> None:
    """Raise ValueError unless ``instant`` is an aware datetime in the supported range (for forms and
    serializers to refuse a date before asking a calendar)."""
    _instant_us(instant, name)


def _local(instant_us: int, zone: ZoneInfo) -> datetime:
    """The instant as an aware datetime in ``zone`` (``fold`` set), exactly: whole seconds through
    ``fromtimestamp`` (exact for integers, faster than adding a timedelta and converting), then the
    microseconds."""
    seconds, microseconds = divmod(instant_us, _SECOND_US)
    local = datetime.fromtimestamp(seconds, zone)
    return local.replace(microsecond=microseconds) if microseconds else local


def _utc_year(instant_us: int) -> int:
    return (_NAIVE_EPOCH + timedelta(microseconds=instant_us)).year


def _time_us(value: time) -> int:
    return ((value.hour * 60 + value.minute) * 60 + value.second) * _SECOND_US + value.microsecond


def _instant_us(value: datetime, name: str) -> int:
    """Microseconds since the Unix epoch for an aware datetime in the supported range (exact integers)."""
    try:
        instant = (value - _EPOCH) // _ONE_US
    except TypeError:
        raise ValueError(f"{name} must be an aware datetime (with a UTC offset), got {value!r}") from None
    if not _FIRST_US <= instant < _END_US:
        raise ValueError(
            f"{name} must lie in the years {FIRST_YEAR} to {LAST_YEAR} (UTC), got {value.isoformat()}"
        )
    return instant


@lru_cache(maxsize=4096)
def _offset_segments(zone: ZoneInfo, year: int) -> tuple[tuple[int, int, int], ...]:
    """``(start_us, end_us, utc_offset_us)`` pieces tiling UTC year ``year`` with a constant offset.

    zoneinfo does not expose its transition table, so sample the offset hourly and bisect to the exact
    second of each change (TZif transitions are whole seconds). Two transitions less than an hour
    apart would be missed; no zone in the tz database has those in the modern era.
    """

    def offset_at(second: int) -> int:
        return (_EPOCH + timedelta(seconds=second)).astimezone(zone).utcoffset() // _ONE_US

    first = _year_start_us(year) // _SECOND_US
    last = _year_start_us(year + 1) // _SECOND_US - 1
    segments = []
    segment_start = first
    previous_second, previous_offset = first, offset_at(first)
    while previous_second < last:
        second = min(previous_second + 3600, last)
        offset = offset_at(second)
        if offset != previous_offset:
            # Smallest second in (previous_second, second] that already has the new offset.
            low, high = previous_second, second
            while high - low > 1:
                middle = (low + high) // 2
                if offset_at(middle) == previous_offset:
                    low = middle
                else:
                    high = middle
            segments.append((segment_start * _SECOND_US, high * _SECOND_US, previous_offset))
            segment_start = high
        previous_second, previous_offset = second, offset
    segments.append((segment_start * _SECOND_US, (last + 1) * _SECOND_US, previous_offset))
    return tuple(segments)


class _Span:
    """Immutable snapshot of the expanded calendar over UTC years ``[lo_year, hi_year)``.

    ``starts``/``ends`` are the sorted, disjoint open intervals (µs since the epoch). Business time is
    measured on a running counter: the counter reads ``cum_lo`` at ``lo``, ``shift[i] + t`` at an
    instant ``t`` inside interval ``i``, and ``cum_end[i]`` at the end of interval ``i``.
    """

    __slots__ = ("cum_end", "cum_hi", "cum_lo", "ends", "hi", "hi_year", "lo", "lo_year", "shift", "starts")

    def __init__(self, lo_year, hi_year, cum_lo, cum_hi, starts, ends, shift, cum_end):
        self.lo_year = lo_year
        self.hi_year = hi_year
        self.lo = _year_start_us(lo_year)
        self.hi = _year_start_us(hi_year)
        self.cum_lo = cum_lo
        self.cum_hi = cum_hi
        self.starts = starts
        self.ends = ends
        self.shift = shift
        self.cum_end = cum_end

    def counter_at(self, instant_us: int) -> int:
        """Business-time counter at an instant in ``[lo, hi)``."""
        i = bisect_right(self.starts, instant_us) - 1
        if i < 0:
            return self.cum_lo
        if instant_us < self.ends[i]:
            return self.shift[i] + instant_us
        return self.cum_end[i]


class BusinessCalendar:
    """Weekly opening hours in one time zone, minus holidays; see the module docstring."""

    __slots__ = ("_has_open_time", "_holiday_ordinals", "_holidays", "_pattern", "_span", "_weekly", "_zone")

    def __init__(
        self,
        timezone: str | ZoneInfo,
        weekly_hours: Mapping[int, Iterable[tuple[time, time]]],
        holidays: Iterable[date] = (),
    ) -> None:
        self._zone = _load_zone(timezone)
        self._weekly, self._pattern = _normalise_weekly_hours(weekly_hours)
        self._holidays = _normalise_holidays(holidays)
        self._holiday_ordinals = frozenset(day.toordinal() for day in self._holidays)
        self._has_open_time = any(self._pattern)
        self._span = _empty_span_at(1970)

    @classmethod
    def always_open(cls, timezone: str | ZoneInfo = "UTC", holidays: Iterable[date] = ()) -> BusinessCalendar:
        """A 24/7 calendar: business time is real time (minus any holidays' local dates)."""
        return cls(timezone, {weekday: [(time(0), time(0))] for weekday in range(7)}, holidays)

    # -- read-only views -------------------------------------------------------------------------

    @property
    def timezone(self) -> str:
        """The IANA key of the calendar's zone."""
        return self._zone.key

    @property
    def zone(self) -> ZoneInfo:
        return self._zone

    @property
    def weekly_hours(self) -> Mapping[int, tuple[tuple[time, time], ...]]:
        """Weekday -> sorted ``(open, close)`` pairs; weekdays without hours are absent."""
        return self._weekly

    @property
    def holidays(self) -> frozenset[date]:
        return self._holidays

    def __repr__(self) -> str:
        return (
            f"BusinessCalendar(timezone={self.timezone!r}, weekly_hours={dict(self._weekly)!r}, "
            f"holidays=<{len(self._holidays)} dates>)"
        )

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, BusinessCalendar):
            return NotImplemented
        return (self._zone, self._pattern, self._holidays) == (other._zone, other._pattern, other._holidays)

    def __hash__(self) -> int:
        return hash((self._zone, self._pattern, self._holidays))

    def __reduce__(self):
        # Pickle the definition, not the expanded cache.
        return (type(self), (self.timezone, dict(self._weekly), sorted(self._holidays)))

    # -- queries ---------------------------------------------------------------------------------

    def is_open(self, instant: datetime) -> bool:
        """Whether business time is elapsing at ``instant`` (open at opening, closed at closing)."""
        t = _instant_us(instant, "instant")
        if not self._has_open_time:
            return False
        span = self._span
        if not span.lo <= t < span.hi:
            span = self._span_covering(t, t)
        i = bisect_right(span.starts, t) - 1
        return i >= 0 and t < span.ends[i]

    def between(self, start: datetime, end: datetime) -> timedelta:
        """Business time from ``start`` to ``end``; negative when ``end`` is before ``start``."""
        try:
            s = (start - _EPOCH) // _ONE_US
            e = (end - _EPOCH) // _ONE_US
        except TypeError:
            s, e = _instant_us(start, "start"), _instant_us(end, "end")  # the naive one raises
        if not (_FIRST_US <= s < _END_US and _FIRST_US <= e < _END_US):
            s, e = _instant_us(start, "start"), _instant_us(end, "end")  # the one out of range raises
        if not self._has_open_time:
            return timedelta(0)
        low, high = (s, e) if s <= e else (e, s)
        span = self._span
        if not (span.lo <= low and high < span.hi):
            span = self._span_covering(low, high)
        return timedelta(microseconds=span.counter_at(e) - span.counter_at(s))

    def add(self, start: datetime, duration: timedelta) -> datetime:
        """The earliest instant at which ``duration`` of business time has elapsed since ``start``.

        Returned as an aware datetime in the calendar's zone.
        """
        # The hot path of every clock: _instant_us inlined (a call costs as much as the arithmetic).
        try:
            s = (start - _EPOCH) // _ONE_US
        except TypeError:
            s = _instant_us(start, "start")  # raises the ValueError for a naive datetime
        if not _FIRST_US <= s < _END_US:
            _instant_us(start, "start")  # raises the ValueError for the range
        try:
            d = duration // _ONE_US
        except TypeError:
            raise TypeError(f"duration must be a datetime.timedelta, got {duration!r}") from None
        if d <= 0:
            if d == 0:
                return start.astimezone(self._zone)
            raise ValueError(f"duration must not be negative, got {duration!r}")
        if not self._has_open_time:
            raise ValueError("this calendar has no open hours, so no positive business time can elapse")

        span = self._span
        if not span.lo <= s < span.hi:
            span = self._span_covering(s, s)
        i = bisect_right(span.starts, s) - 1
        if i < 0:
            target = span.cum_lo + d
        elif s < span.ends[i]:
            target = span.shift[i] + s + d
        else:
            target = span.cum_end[i] + d
        if target > span.cum_hi:
            span = self._span_reaching(span, target)
        # First interval whose end reaches the target; the answer lies inside it (or at its end).
        j = bisect_left(span.cum_end, target, i if i > 0 else 0)
        return _local(target - span.shift[j], self._zone)

    # -- lazy expansion --------------------------------------------------------------------------

    def _span_covering(self, low_us: int, high_us: int) -> _Span:
        """A snapshot whose range contains ``[low_us, high_us]``, growing (or restarting) the cache."""
        low_year = _utc_year(low_us)
        high_year = _utc_year(high_us) + 1
        if low_year < FIRST_YEAR or high_year > LAST_YEAR + 1:
            raise ValueError(f"instants must lie in the years {FIRST_YEAR} to {LAST_YEAR} (UTC)")
        if high_year - low_year > MAX_SPAN_YEARS:
            raise ValueError(f"business-time questions may span at most {MAX_SPAN_YEARS} years")
        span = self._span
        new_low, new_high = min(low_year, span.lo_year), max(high_year, span.hi_year)
        if span.lo_year == span.hi_year or new_high - new_low > _BRIDGE_YEARS:
            # Nothing cached yet, or far from what is cached: start afresh rather than fill the gap.
            span = self._extend(_empty_span_at(low_year), low_year, high_year)
        else:
            span = self._extend(span, new_low, new_high)
        self._span = span
        return span

    def _span_reaching(self, span: _Span, target: int) -> _Span:
        """Extend ``span`` forward (keeping its counter base) until its counter reaches ``target``."""
        empty_years = 0
        batch = 1
        while span.cum_hi < target:
            if span.hi_year + batch - span.lo_year > MAX_SPAN_YEARS:
                raise ValueError(f"the duration needs more than {MAX_SPAN_YEARS} years of this calendar")
            batch = min(batch, LAST_YEAR + 1 - span.hi_year)  # grow up to the supported range's end
            if batch <= 0:
                raise ValueError(f"the result would lie beyond the year {LAST_YEAR}")
            starts: list[int] = []
            ends: list[int] = []
            for year in range(span.hi_year, span.hi_year + batch):
                year_starts, year_ends = self._year_intervals(year)
                empty_years = 0 if year_starts else empty_years + 1
                if empty_years >= SEARCH_HORIZON_YEARS:
                    raise ValueError(
                        f"no business time within {SEARCH_HORIZON_YEARS} consecutive years "
                        "(are all open days holidays?)"
                    )
                starts += year_starts
                ends += year_ends
            span = _joined(span.lo_year, [], [], span, starts, ends, span.hi_year + batch)
            # Grow geometrically so huge durations do not copy the lists once per year.
            batch = min(batch * 2, 16)
        self._span = span
        return span

    def _extend(self, span: _Span, lo_year: int, hi_year: int) -> _Span:
        """A new snapshot over ``[lo_year, hi_year)`` (a superset of ``span``'s), same counter base."""
        before_starts, before_ends = self._intervals(lo_year, span.lo_year)
        after_starts, after_ends = self._intervals(span.hi_year, hi_year)
        return _joined(lo_year, before_starts, before_ends, span, after_starts, after_ends, hi_year)

    def _intervals(self, lo_year: int, hi_year: int) -> tuple[list[int], list[int]]:
        starts: list[int] = []
        ends: list[int] = []
        for year in range(lo_year, hi_year):
            year_starts, year_ends = self._year_intervals(year)
            starts += year_starts
            ends += year_ends
        return starts, ends

    def _year_intervals(self, year: int) -> tuple[list[int], list[int]]:
        """Sorted, disjoint open intervals (µs since the epoch) clipped to UTC year ``year``."""
        if not self._has_open_time:
            return [], []
        pattern = self._pattern
        holidays = self._holiday_ordinals
        # Local "naive" pieces, each belonging to one local date. Real instants of this UTC year show
        # local dates within about a day of it; start one more day early for overnight spill-over.
        pieces = []
        for ordinal in range(date(year - 1, 12, 28).toordinal(), date(year + 1, 1, 4).toordinal()):
            day_start = (ordinal - _EPOCH_ORDINAL) * _DAY_US
            for open_us, close_us in pattern[(ordinal + 6) % 7]:
                if close_us <= _DAY_US:
                    if ordinal not in holidays:
                        pieces.append((day_start + open_us, day_start + close_us))
                else:
                    # Overnight: the part after midnight belongs to the next local date.
                    if ordinal not in holidays:
                        pieces.append((day_start + open_us, day_start + _DAY_US))
                    if ordinal + 1 not in holidays:
                        pieces.append((day_start + _DAY_US, day_start + close_us))

        # Real-time preimage: within a constant-offset segment, local time = real time + offset.
        real = []
        for segment_start, segment_end, offset in _offset_segments(self._zone, year):
            for local_start, local_end in pieces:
                real_start = local_start - offset
                real_end = local_end - offset
                if real_start < segment_start:
                    real_start = segment_start
                if real_end > segment_end:
                    real_end = segment_end
                if real_start < real_end:
                    real.append((real_start, real_end))
        real.sort()

        starts: list[int] = []
        ends: list[int] = []
        for real_start, real_end in real:
            if ends and real_start <= ends[-1]:
                # Pieces are disjoint in real time, but adjacent ones (22-24 + 00-06) merge.
                ends[-1] = max(ends[-1], real_end)
            else:
                starts.append(real_start)
                ends.append(real_end)
        return starts, ends


def _joined(lo_year, before_starts, before_ends, span, after_starts, after_ends, hi_year) -> _Span:
    """``span`` with intervals prepended and appended, keeping the counter readings of ``span``."""
    running = span.cum_lo - sum(e - s for s, e in zip(before_starts, before_ends, strict=True))
    cum_lo = running
    shift: list[int] = []
    cum_end: list[int] = []
    for s, e in zip(before_starts, before_ends, strict=True):
        shift.append(running - s)
        running += e - s
        cum_end.append(running)
    shift += span.shift
    cum_end += span.cum_end
    running = span.cum_hi
    for s, e in zip(after_starts, after_ends, strict=True):
        shift.append(running - s)
        running += e - s
        cum_end.append(running)
    starts = before_starts + span.starts + after_starts
    ends = before_ends + span.ends + after_ends
    return _Span(lo_year, hi_year, cum_lo, running, starts, ends, shift, cum_end)


def _empty_span_at(year: int) -> _Span:
    return _Span(year, year, 0, 0, [], [], [], [])


def _load_zone(timezone: str | ZoneInfo) -> ZoneInfo:
    if isinstance(timezone, ZoneInfo):
        if timezone.key is None:
            raise ValueError("time zones must be named IANA zones, not loaded from a file")
        return timezone
    if not isinstance(timezone, str) or not timezone:
        raise ValueError(f"timezone must be an IANA zone name such as 'America/New_York', got {timezone!r}")
    try:
        return ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        raise ValueError(f"unknown time zone {timezone!r}") from None


def _normalise_weekly_hours(
    weekly_hours: Mapping[int, Iterable[tuple[time, time]]],
) -> tuple[Mapping[int, tuple[tuple[time, time], ...]], tuple[tuple[tuple[int, int], ...], ...]]:
    """Validate the weekly pattern; return the public view and per-weekday ``(open_us, close_us)``.

    ``close_us`` is measured from the start of the opening day, so overnight pairs end after one day.
    """
    if not isinstance(weekly_hours, Mapping):
        raise ValueError("weekly_hours must be a mapping of weekday (0 = Monday) to (open, close) pairs")
    by_day: dict[int, list[tuple[time, time]]] = {}
    for weekday, pairs in weekly_hours.items():
        if isinstance(weekday, bool) or not isinstance(weekday, int) or not 0 <= weekday <= 6:
            raise ValueError(f"weekday keys must be integers 0 (Monday) to 6 (Sunday), got {weekday!r}")
        day_pairs = []
        for pair in pairs:
            try:
                opens, closes = pair
            except (TypeError, ValueError):
                raise ValueError(f"opening hours must be (open, close) pairs, got {pair!r}") from None
            for value in (opens, closes):
                if not isinstance(value, time) or value.tzinfo is not None:
                    raise ValueError(f"opening hours must be naive datetime.time values, got {value!r}")
            day_pairs.append((opens.replace(fold=0), closes.replace(fold=0)))
        if day_pairs:
            by_day[weekday] = sorted(day_pairs)

    pattern: list[list[tuple[int, int]]] = [[] for _ in range(7)]
    week_intervals = []  # (start, end, weekday, pair) on a Monday-00:00-based weekly timeline
    for weekday, day_pairs in by_day.items():
        for opens, closes in day_pairs:
            open_us, close_us = _time_us(opens), _time_us(closes)
            if close_us <= open_us:
                close_us += _DAY_US
            pattern[weekday].append((open_us, close_us))
            base = weekday * _DAY_US
            week_intervals.append((base + open_us, base + close_us, weekday, (opens, closes)))

    week_intervals.sort()
    for previous, current in pairwise(week_intervals):
        if current[0] < previous[1]:
            raise ValueError(f"overlapping opening hours: {_describe(previous)} and {_describe(current)}")
    if week_intervals and week_intervals[-1][1] - _WEEK_US > week_intervals[0][0]:
        last, first = _describe(week_intervals[-1]), _describe(week_intervals[0])
        raise ValueError(f"overlapping opening hours: {last} runs into {first}")

    public = MappingProxyType({weekday: tuple(by_day[weekday]) for weekday in sorted(by_day)})
    return public, tuple(tuple(day) for day in pattern)


def _describe(interval: tuple) -> str:
    _, _, weekday, (opens, closes) = interval
    return f"{_WEEKDAY_NAMES[weekday]} {opens.isoformat()}-{closes.isoformat()}"


def _normalise_holidays(holidays: Iterable[date]) -> frozenset[date]:
    days = frozenset(holidays)
    for day in days:
        if not isinstance(day, date) or isinstance(day, datetime):
            raise ValueError(f"holidays must be datetime.date values, got {day!r}")
    return days
