"""Report periods: presets resolved against the tenant's today; custom ranges checked."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

from reports.periods import Period, PeriodError, resolve_period

TODAY = date(2026, 1, 14)


def resolve(key, **kwargs):
    return resolve_period(key, today=TODAY, timezone="America/New_York", **kwargs)


def test_this_month_runs_from_the_first_to_today():
    assert (resolve("this_month").start, resolve("this_month").end) == (date(2026, 1, 1), TODAY)


def test_last_month_crosses_the_year():
    period = resolve("last_month")
    assert (period.start, period.end) == (date(2025, 12, 1), date(2025, 12, 31))
    assert period.label == "Last month (1 Dec 2025 – 31 Dec 2025)"


def test_last_90_days_includes_today():
    period = resolve("last_90_days")
    assert (period.start, period.end, period.days) == (date(2025, 10, 17), TODAY, 90)


def test_no_preset_means_this_month():
    assert resolve(None).key == "this_month"


def test_a_custom_range_needs_both_ends_in_order():
    with pytest.raises(PeriodError, match="needs a start and an end"):
        resolve("custom", start=date(2026, 1, 1))
    with pytest.raises(PeriodError, match="on or before"):
        resolve("custom", start=date(2026, 1, 10), end=date(2026, 1, 1))
    with pytest.raises(PeriodError, match="three years"):
        resolve("custom", start=date(2020, 1, 1), end=date(2026, 1, 1))


def test_a_custom_range_lies_in_the_supported_years():
    """9999-12-31 used to overflow ``bounds`` (the day after the last) into a 500."""
    for start, end in [(date(9999, 12, 29), date(9999, 12, 31)), (date(1999, 12, 30), date(2000, 1, 2))]:
        with pytest.raises(PeriodError, match="from 2000 to 2100"):
            resolve("custom", start=start, end=end)
    last_days = resolve("custom", start=date(2100, 12, 1), end=date(2100, 12, 31))
    assert last_days.bounds()[1].year == 2101


def test_a_preset_ignores_dates_left_over_from_another_choice():
    period = resolve("last_month", start=date(2025, 10, 17), end=TODAY)
    assert (period.key, period.start, period.end) == ("last_month", date(2025, 12, 1), date(2025, 12, 31))


def test_bounds_are_local_midnights():
    period = Period("custom", date(2026, 3, 1), date(2026, 3, 31), "America/New_York")
    start, end = period.bounds()
    zone = ZoneInfo("America/New_York")
    assert (start, end) == (datetime(2026, 3, 1, tzinfo=zone), datetime(2026, 4, 1, tzinfo=zone))
    assert start.utcoffset() != end.utcoffset()  # the clocks changed on 8 March
    assert period.months() == [date(2026, 3, 1)]


def test_unknown_preset():
    with pytest.raises(PeriodError):
        resolve("forever")
