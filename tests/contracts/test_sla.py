"""Hand-checked cases for contracts.sla.BusinessCalendar (pure Python, no database)."""

import pickle
import time as clock
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from contracts.sla import FIRST_YEAR, LAST_YEAR, SEARCH_HORIZON_YEARS, BusinessCalendar

NEW_YORK = ZoneInfo("America/New_York")
LONDON = ZoneInfo("Europe/London")
LORD_HOWE = ZoneInfo("Australia/Lord_Howe")
SANTIAGO = ZoneInfo("America/Santiago")
WEEKDAYS = range(5)
SUNDAY = 6

SPLIT_SHIFT = {day: [(time(8), time(12)), (time(13), time(17))] for day in WEEKDAYS}
NINE_TO_SIX = {day: [(time(9), time(18))] for day in WEEKDAYS}
NIGHTLY_22_TO_06 = {day: [(time(22), time(6))] for day in range(7)}


def hours(value: float) -> timedelta:
    return timedelta(hours=value)


def ny(*args: int) -> datetime:
    return datetime(*args, tzinfo=NEW_YORK)


def as_utc(value: datetime) -> datetime:
    return value.astimezone(UTC)


def office(**kwargs) -> BusinessCalendar:
    return BusinessCalendar("America/New_York", SPLIT_SHIFT, **kwargs)


# --- end-of-day rule, weekends, lunch ---------------------------------------------------------------


def test_one_hour_from_five_pm_with_six_pm_closing_ends_at_six_same_day():
    calendar = BusinessCalendar("America/New_York", NINE_TO_SIX)
    assert calendar.add(ny(2026, 3, 3, 17), hours(1)) == ny(2026, 3, 3, 18)


def test_a_minute_more_than_what_is_left_today_ends_a_minute_after_next_opening():
    calendar = BusinessCalendar("America/New_York", NINE_TO_SIX)
    assert calendar.add(ny(2026, 3, 3, 17), hours(1) + timedelta(minutes=1)) == ny(2026, 3, 4, 9, 1)


def test_adding_zero_returns_the_start_instant_even_when_closed():
    calendar = office()
    saturday = ny(2026, 3, 7, 10, 30)
    assert calendar.add(saturday, timedelta(0)) == saturday
    in_utc = saturday.astimezone(UTC)
    assert calendar.add(in_utc, timedelta(0)) == in_utc


def test_start_on_a_saturday_waits_for_monday_opening():
    assert office().add(ny(2026, 3, 7, 10), hours(1)) == ny(2026, 3, 9, 9)


def test_start_after_closing_on_friday_continues_monday_morning():
    assert office().add(ny(2026, 3, 6, 19), hours(2)) == ny(2026, 3, 9, 10)


def test_lunch_break_is_skipped():
    assert office().add(ny(2026, 3, 2, 11, 30), hours(1)) == ny(2026, 3, 2, 13, 30)


def test_ending_exactly_at_lunch_stops_at_noon_not_after_lunch():
    assert office().add(ny(2026, 3, 2, 11), hours(1)) == ny(2026, 3, 2, 12)


def test_between_counts_only_open_hours_across_a_weekend():
    assert office().between(ny(2026, 3, 6, 16), ny(2026, 3, 9, 9)) == hours(2)


def test_a_full_working_week_is_forty_hours():
    assert office().between(ny(2026, 3, 2), ny(2026, 3, 9)) == hours(40)


def test_between_with_end_before_start_is_negative():
    calendar = office()
    assert calendar.between(ny(2026, 3, 9, 9), ny(2026, 3, 6, 16)) == -hours(2)


def test_between_the_same_instant_is_zero():
    assert office().between(ny(2026, 3, 2, 10), ny(2026, 3, 2, 10)) == timedelta(0)


def test_touching_intervals_count_as_one_continuous_stretch():
    calendar = BusinessCalendar("UTC", {0: [(time(8), time(12)), (time(12), time(17))]})
    start = datetime(2026, 3, 2, 8, tzinfo=UTC)
    assert calendar.between(start, start + hours(9)) == hours(9)
    assert calendar.add(start, hours(5)) == datetime(2026, 3, 2, 13, tzinfo=UTC)


def test_microseconds_are_exact():
    calendar = office()
    start = ny(2026, 3, 2, 11, 59, 59, 999_999)
    result = calendar.add(start, timedelta(microseconds=2))
    assert result == ny(2026, 3, 2, 13, 0, 0, 1)
    assert calendar.between(start, result) == timedelta(microseconds=2)


# --- is_open ---------------------------------------------------------------------------------------


def test_is_open_at_opening_but_not_at_closing_or_lunch():
    calendar = office(holidays=[date(2026, 12, 25)])
    assert calendar.is_open(ny(2026, 3, 2, 8))
    assert calendar.is_open(ny(2026, 3, 2, 11, 59))
    assert not calendar.is_open(ny(2026, 3, 2, 12))
    assert not calendar.is_open(ny(2026, 3, 2, 17))
    assert not calendar.is_open(ny(2026, 3, 7, 10))
    assert not calendar.is_open(ny(2026, 12, 25, 10))


# --- time zones of inputs and outputs --------------------------------------------------------------


def test_start_given_in_utc_tzinfo_is_the_same_instant_as_local_start():
    calendar = office()
    local_start = ny(2026, 3, 2, 16)
    utc_start = local_start.astimezone(UTC)
    assert calendar.add(utc_start, hours(2)) == calendar.add(local_start, hours(2)) == ny(2026, 3, 3, 9)
    assert calendar.between(utc_start, ny(2026, 3, 3, 9)) == hours(2)


def test_add_returns_an_aware_datetime_in_the_calendar_zone():
    result = office().add(datetime(2026, 3, 2, 15, tzinfo=UTC), hours(1))
    assert result.tzinfo is NEW_YORK
    assert result == ny(2026, 3, 2, 11)


# --- daylight saving time --------------------------------------------------------------------------


def test_new_york_midnight_to_three_window_lasts_two_hours_on_spring_forward_day():
    calendar = BusinessCalendar("America/New_York", {SUNDAY: [(time(0), time(3))]})
    assert calendar.between(ny(2026, 3, 7, 12), ny(2026, 3, 9, 12)) == hours(2)
    assert calendar.add(ny(2026, 3, 8, 0), hours(2)) == ny(2026, 3, 8, 3)


def test_new_york_midnight_to_three_window_lasts_four_hours_on_fall_back_day():
    calendar = BusinessCalendar("America/New_York", {SUNDAY: [(time(0), time(3))]})
    assert calendar.between(ny(2026, 10, 31, 12), ny(2026, 11, 2, 12)) == hours(4)
    assert calendar.add(ny(2026, 11, 1, 0), hours(4)) == ny(2026, 11, 1, 3)


def test_new_york_fall_back_window_inside_the_repeated_hour_counts_both_occurrences():
    calendar = BusinessCalendar("America/New_York", {SUNDAY: [(time(1), time(1, 30))]})
    assert calendar.between(ny(2026, 10, 31, 12), ny(2026, 11, 2, 12)) == hours(1)
    result = calendar.add(ny(2026, 11, 1, 0), timedelta(minutes=45))
    # 30 minutes during 01:00-01:30 EDT, then 15 more once the clock shows 01:00 again (EST).
    assert as_utc(result) == datetime(2026, 11, 1, 6, 15, tzinfo=UTC)
    assert result.fold == 1
    assert result.utcoffset() == hours(-5)


def test_new_york_window_opening_in_the_repeated_hour_pauses_while_the_clock_shows_earlier_times():
    # Open 01:45-02:00 EDT; the clock then shows 01:00-01:45 EST (closed) and 01:45-03:00 EST (open).
    calendar = BusinessCalendar("America/New_York", {SUNDAY: [(time(1, 45), time(3))]})
    assert calendar.between(ny(2026, 11, 1, 0), ny(2026, 11, 2, 0)) == timedelta(minutes=15 + 75)
    assert not calendar.is_open(datetime(2026, 11, 1, 6, 30, tzinfo=UTC))  # 01:30 EST
    assert as_utc(calendar.add(ny(2026, 11, 1, 0), timedelta(minutes=16))) == datetime(
        2026, 11, 1, 6, 46, tzinfo=UTC
    )


def test_new_york_window_ending_in_the_spring_forward_gap_ends_when_the_clock_jumps():
    calendar = BusinessCalendar("America/New_York", {SUNDAY: [(time(1), time(2, 30))]})
    assert calendar.between(ny(2026, 3, 8, 0), ny(2026, 3, 9, 0)) == hours(1)
    assert as_utc(calendar.add(ny(2026, 3, 8, 0), hours(1))) == datetime(2026, 3, 8, 7, tzinfo=UTC)


def test_new_york_nine_to_five_is_still_eight_hours_on_dst_sundays():
    calendar = BusinessCalendar("America/New_York", {SUNDAY: [(time(9), time(17))]})
    assert calendar.between(ny(2026, 3, 8, 0), ny(2026, 3, 9, 0)) == hours(8)
    assert calendar.between(ny(2026, 11, 1, 0), ny(2026, 11, 2, 0)) == hours(8)


def test_new_york_overnight_shift_lasts_seven_hours_on_spring_forward_night_and_nine_on_fall_back_night():
    calendar = BusinessCalendar("America/New_York", {5: [(time(22), time(6))]})
    assert calendar.between(ny(2026, 3, 7, 12), ny(2026, 3, 8, 12)) == hours(7)
    assert calendar.between(ny(2026, 10, 31, 12), ny(2026, 11, 1, 12)) == hours(9)
    assert calendar.add(ny(2026, 3, 7, 22), hours(7)) == ny(2026, 3, 8, 6)


def test_always_open_new_york_day_is_23_hours_in_spring_and_25_in_autumn():
    calendar = BusinessCalendar.always_open("America/New_York")
    assert calendar.between(ny(2026, 3, 8), ny(2026, 3, 9)) == hours(23)
    assert calendar.between(ny(2026, 11, 1), ny(2026, 11, 2)) == hours(25)
    # 24 business hours on a 24/7 calendar are 24 real hours, so the wall clock moves 25 in spring.
    assert calendar.add(ny(2026, 3, 7, 12), hours(24)) == ny(2026, 3, 8, 13)


def test_london_midnight_to_three_is_two_hours_in_march_and_four_in_october():
    calendar = BusinessCalendar("Europe/London", {SUNDAY: [(time(0), time(3))]})
    assert calendar.between(
        datetime(2026, 3, 29, tzinfo=LONDON), datetime(2026, 3, 30, tzinfo=LONDON)
    ) == hours(2)
    assert calendar.between(
        datetime(2026, 10, 25, tzinfo=LONDON), datetime(2026, 10, 26, tzinfo=LONDON)
    ) == hours(4)


def test_london_office_day_unaffected_by_dst_change_overnight():
    calendar = BusinessCalendar("Europe/London", NINE_TO_SIX)
    friday_five_pm = datetime(2026, 3, 27, 17, tzinfo=LONDON)
    assert calendar.add(friday_five_pm, hours(2)) == datetime(2026, 3, 30, 10, tzinfo=LONDON)


def test_lord_howe_half_hour_dst_makes_the_window_three_and_a_half_hours_in_april():
    calendar = BusinessCalendar("Australia/Lord_Howe", {SUNDAY: [(time(0), time(3))]})
    start = datetime(2026, 4, 5, tzinfo=LORD_HOWE)
    assert calendar.between(start, start + timedelta(days=1)) == hours(3.5)
    assert as_utc(calendar.add(start, hours(3.5))) == datetime(2026, 4, 4, 16, 30, tzinfo=UTC)


def test_lord_howe_half_hour_dst_makes_the_window_two_and_a_half_hours_in_october():
    calendar = BusinessCalendar("Australia/Lord_Howe", {SUNDAY: [(time(0), time(3))]})
    start = datetime(2026, 10, 4, tzinfo=LORD_HOWE)
    assert calendar.between(start, start + timedelta(days=1)) == hours(2.5)
    assert calendar.add(start, hours(2.5)) == datetime(2026, 10, 4, 3, tzinfo=LORD_HOWE)


def test_lord_howe_window_closing_inside_the_half_hour_gap_closes_when_the_clock_jumps():
    calendar = BusinessCalendar("Australia/Lord_Howe", {SUNDAY: [(time(0), time(2, 15))]})
    start = datetime(2026, 10, 4, tzinfo=LORD_HOWE)
    assert calendar.between(start, start + timedelta(days=1)) == hours(2)
    assert as_utc(calendar.add(start, hours(2))) == datetime(2026, 10, 3, 15, 30, tzinfo=UTC)


def test_santiago_sunday_loses_its_first_hour_when_dst_starts_at_midnight():
    calendar = BusinessCalendar("America/Santiago", {SUNDAY: [(time(0), time(0))]})
    saturday_noon = datetime(2026, 9, 5, 12, tzinfo=SANTIAGO)
    assert calendar.between(saturday_noon, saturday_noon + timedelta(days=2)) == hours(23)


# --- overnight shifts and holidays -----------------------------------------------------------------


def test_overnight_shift_runs_past_midnight():
    calendar = BusinessCalendar("America/New_York", NIGHTLY_22_TO_06)
    assert calendar.add(ny(2026, 3, 2, 23), hours(2)) == ny(2026, 3, 3, 1)
    assert calendar.between(ny(2026, 3, 2, 22), ny(2026, 3, 3, 6)) == hours(8)
    assert calendar.add(ny(2026, 3, 3, 5), hours(2)) == ny(2026, 3, 3, 23)


def test_friday_night_shift_counts_into_saturday_morning():
    calendar = BusinessCalendar("America/New_York", {4: [(time(22), time(6))]})
    assert calendar.between(ny(2026, 3, 6, 12), ny(2026, 3, 9, 12)) == hours(8)
    assert calendar.is_open(ny(2026, 3, 7, 5, 59))


def test_sunday_night_shift_wraps_into_monday():
    calendar = BusinessCalendar("UTC", {SUNDAY: [(time(20), time(4))]})
    monday = datetime(2026, 3, 9, tzinfo=UTC)
    assert calendar.between(monday, monday + hours(6)) == hours(4)


def test_whole_day_interval_midnight_to_midnight_is_24_hours():
    calendar = BusinessCalendar("UTC", {2: [(time(0), time(0))]})
    wednesday = datetime(2026, 3, 4, tzinfo=UTC)
    assert calendar.between(wednesday - hours(12), wednesday + hours(36)) == hours(24)


def test_equal_open_and_close_away_from_midnight_is_24_hours_from_opening():
    calendar = BusinessCalendar("UTC", {2: [(time(8), time(8))]})
    wednesday = datetime(2026, 3, 4, tzinfo=UTC)
    assert calendar.between(wednesday, wednesday + timedelta(days=3)) == hours(24)
    assert calendar.add(wednesday, hours(24)) == wednesday + hours(32)


def test_holiday_on_shift_start_date_removes_only_the_evening_before_midnight():
    calendar = BusinessCalendar("America/New_York", NIGHTLY_22_TO_06, holidays=[date(2026, 12, 24)])
    assert calendar.between(ny(2026, 12, 24, 12), ny(2026, 12, 25, 12)) == hours(6)


def test_holiday_on_the_next_date_removes_only_the_morning_after_midnight():
    calendar = BusinessCalendar("America/New_York", NIGHTLY_22_TO_06, holidays=[date(2026, 12, 25)])
    assert calendar.between(ny(2026, 12, 24, 12), ny(2026, 12, 25, 12)) == hours(2)
    assert calendar.add(ny(2026, 12, 24, 22), hours(3)) == ny(2026, 12, 26, 1)


def test_overnight_shifts_across_christmas_day_lose_exactly_christmas_day():
    calendar = BusinessCalendar("America/New_York", NIGHTLY_22_TO_06, holidays=[date(2026, 12, 25)])
    # Thursday night keeps 22-24 (24th), Friday night keeps 00-06 (26th): 2 + 6 hours.
    assert calendar.between(ny(2026, 12, 24, 12), ny(2026, 12, 26, 12)) == hours(8)


def test_start_on_a_holiday_waits_for_the_next_open_day():
    calendar = office(holidays=[date(2026, 7, 3)])
    assert calendar.add(ny(2026, 7, 3, 9), hours(1)) == ny(2026, 7, 6, 9)
    assert calendar.between(ny(2026, 7, 3, 8), ny(2026, 7, 3, 17)) == timedelta(0)


def test_christmas_week_skips_christmas_and_new_year_and_weekends():
    calendar = office(holidays=[date(2026, 12, 25), date(2027, 1, 1)])
    # Wednesday 16-17 (1 h) + Thursday (8 h) = 9 h; the 10th hour is Monday 28 December 08:00-09:00.
    assert calendar.add(ny(2026, 12, 23, 16), hours(10)) == ny(2026, 12, 28, 9)
    assert calendar.between(ny(2026, 12, 28), ny(2027, 1, 4)) == hours(32)


def test_us_holiday_package_dates_are_accepted():
    holidays = pytest.importorskip("holidays")
    calendar = office(holidays=holidays.US(years=range(2026, 2028)))
    # Thanksgiving 2026 is Thursday 26 November.
    assert calendar.add(ny(2026, 11, 25, 16), hours(2)) == ny(2026, 11, 27, 9)


# --- 24/7 calendars, long and far-away questions ---------------------------------------------------


def test_always_open_utc_calendar_counts_real_time():
    calendar = BusinessCalendar.always_open()
    start = datetime(2026, 5, 1, 13, 17, tzinfo=UTC)
    assert calendar.add(start, hours(36)) == start + hours(36)
    assert calendar.between(start, start + timedelta(days=400)) == timedelta(days=400)
    assert calendar.is_open(start)


def test_long_durations_cross_year_boundaries():
    calendar = office()
    start = ny(2026, 1, 5, 8)
    result = calendar.add(start, hours(40 * 100))
    assert result == ny(2027, 12, 3, 17)  # the Friday of the 100th week
    assert calendar.between(start, result) == hours(4000)


def test_questions_far_in_the_past_and_future_work():
    calendar = office()
    assert calendar.add(ny(2000, 3, 3, 16), hours(2)) == ny(2000, 3, 6, 9)
    assert calendar.add(ny(2090, 3, 3, 16), hours(2)) == ny(2090, 3, 6, 9)
    assert calendar.between(ny(2025, 12, 29), ny(2026, 1, 5)) == hours(40)
    assert calendar.between(ny(2000, 1, 3), ny(2100, 12, 31)) > hours(40 * 52 * 100)


def test_the_supported_range_ends_are_answered():
    always = BusinessCalendar.always_open()
    first, last = datetime(FIRST_YEAR, 1, 1, tzinfo=UTC), datetime(LAST_YEAR, 12, 31, 23, tzinfo=UTC)
    assert always.add(first, hours(1)) == first + hours(1)
    assert always.add(last, hours(1)) == datetime(LAST_YEAR + 1, 1, 1, tzinfo=UTC)
    assert always.is_open(first)
    assert always.is_open(last)
    # A long duration close to the end is still answered when it fits.
    assert office().add(ny(2090, 1, 2, 9), hours(40 * 52 * 5)).year == 2094


@pytest.mark.parametrize(
    "outside",
    [
        datetime(9999, 12, 31, 23, 59, tzinfo=ZoneInfo("America/New_York")),  # overflowed datetime before
        datetime(1999, 12, 31, 23, 59, tzinfo=UTC),
        datetime(LAST_YEAR + 1, 1, 1, tzinfo=UTC),
        datetime(1, 1, 1, tzinfo=UTC),
    ],
)
def test_instants_outside_the_supported_range_are_refused_by_every_question(outside):
    calendar = office()
    inside = ny(2026, 3, 2, 9)
    for question in (
        lambda: calendar.add(outside, hours(1)),
        lambda: calendar.add(outside, timedelta(0)),
        lambda: calendar.between(outside, inside),
        lambda: calendar.between(inside, outside),
        lambda: calendar.is_open(outside),
    ):
        with pytest.raises(ValueError, match=f"years {FIRST_YEAR} to {LAST_YEAR}"):
            question()


def test_an_answer_past_the_supported_range_is_refused():
    with pytest.raises(ValueError, match=f"beyond the year {LAST_YEAR}"):
        office().add(ny(LAST_YEAR, 12, 1, 9), hours(40 * 52))


# --- errors ----------------------------------------------------------------------------------------


def test_naive_datetimes_are_rejected():
    calendar = office()
    naive = datetime(2026, 3, 2, 9)
    with pytest.raises(ValueError, match="aware"):
        calendar.add(naive, hours(1))
    with pytest.raises(ValueError, match="aware"):
        calendar.between(naive, ny(2026, 3, 3))
    with pytest.raises(ValueError, match="aware"):
        calendar.between(ny(2026, 3, 3), naive)
    with pytest.raises(ValueError, match="aware"):
        calendar.is_open(naive)


def test_unknown_time_zone_is_rejected():
    with pytest.raises(ValueError, match="unknown time zone"):
        BusinessCalendar("Mars/Olympus_Mons", SPLIT_SHIFT)
    with pytest.raises(ValueError, match="time zone"):
        BusinessCalendar("../etc/passwd", SPLIT_SHIFT)


def test_overlapping_intervals_on_one_day_are_rejected():
    with pytest.raises(ValueError, match="overlapping"):
        BusinessCalendar("UTC", {0: [(time(8), time(12)), (time(11), time(13))]})


def test_overnight_interval_overlapping_next_morning_is_rejected():
    with pytest.raises(ValueError, match="overlapping"):
        BusinessCalendar("UTC", {0: [(time(22), time(6))], 1: [(time(5), time(9))]})


def test_sunday_overnight_interval_overlapping_monday_is_rejected():
    with pytest.raises(ValueError, match="overlapping"):
        BusinessCalendar("UTC", {SUNDAY: [(time(22), time(2))], 0: [(time(0), time(0))]})


def test_malformed_weekly_hours_are_rejected():
    with pytest.raises(ValueError, match="weekday"):
        BusinessCalendar("UTC", {7: [(time(8), time(9))]})
    with pytest.raises(ValueError, match="pairs"):
        BusinessCalendar("UTC", {0: [(time(8),)]})
    with pytest.raises(ValueError, match="naive"):
        BusinessCalendar("UTC", {0: [("08:00", "09:00")]})
    with pytest.raises(ValueError, match="naive"):
        BusinessCalendar("UTC", {0: [(time(8, tzinfo=UTC), time(9))]})


def test_holidays_must_be_dates_not_datetimes():
    with pytest.raises(ValueError, match="date"):
        office(holidays=[datetime(2026, 12, 25)])


def test_negative_duration_is_rejected():
    with pytest.raises(ValueError, match="negative"):
        office().add(ny(2026, 3, 2, 9), -timedelta(minutes=1))


def test_non_timedelta_duration_is_a_type_error():
    with pytest.raises(TypeError, match="timedelta"):
        office().add(ny(2026, 3, 2, 9), 3600)


def test_calendar_without_open_hours_rejects_positive_duration_quickly():
    calendar = BusinessCalendar("America/New_York", {})
    began = clock.perf_counter()
    with pytest.raises(ValueError, match="no open hours"):
        calendar.add(ny(2026, 3, 2, 9), timedelta(microseconds=1))
    assert clock.perf_counter() - began < 0.5
    assert calendar.add(ny(2026, 3, 2, 9), timedelta(0)) == ny(2026, 3, 2, 9)
    assert calendar.between(ny(2026, 3, 2), ny(2027, 3, 2)) == timedelta(0)
    assert not calendar.is_open(ny(2026, 3, 2, 9))


def test_calendar_whose_open_days_are_all_holidays_gives_up_after_the_search_horizon():
    every_day = [date(2026, 1, 1) + timedelta(days=n) for n in range(366 * (SEARCH_HORIZON_YEARS + 2))]
    calendar = BusinessCalendar("America/New_York", SPLIT_SHIFT, holidays=every_day)
    began = clock.perf_counter()
    with pytest.raises(ValueError, match="no business time"):
        calendar.add(ny(2026, 3, 2, 9), hours(1))
    assert clock.perf_counter() - began < 5


def test_years_of_holidays_shorter_than_the_search_horizon_are_skipped():
    three_years = [date(2026, 1, 1) + timedelta(days=n) for n in range(3 * 365)]  # to 30 December 2028
    calendar = BusinessCalendar("America/New_York", SPLIT_SHIFT, holidays=three_years)
    assert calendar.add(ny(2026, 3, 2, 9), hours(1)) == ny(2029, 1, 1, 9)


# --- value semantics ---------------------------------------------------------------------------------


def test_calendars_compare_hash_and_pickle_by_definition():
    first = office(holidays={date(2026, 12, 25)})
    second = office(holidays=[date(2026, 12, 25)])
    first.add(ny(2026, 3, 2, 9), hours(1))  # populate the cache of one of them
    assert first == second
    assert hash(first) == hash(second)
    assert first != office()
    copy = pickle.loads(pickle.dumps(first))
    assert copy == first
    assert copy.add(ny(2026, 12, 24, 16), hours(2)) == ny(2026, 12, 28, 9)


def test_read_only_views_describe_the_calendar():
    calendar = office(holidays=[date(2026, 12, 25)])
    assert calendar.timezone == "America/New_York"
    assert calendar.weekly_hours[0] == ((time(8), time(12)), (time(13), time(17)))
    assert SUNDAY not in calendar.weekly_hours
    assert calendar.holidays == frozenset({date(2026, 12, 25)})
    with pytest.raises(TypeError):
        calendar.weekly_hours[0] = ()  # type: ignore[index]
