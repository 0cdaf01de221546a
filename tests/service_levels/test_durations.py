"""Durations read the same on every page: targets, business time left, countdowns, lateness, work."""

from datetime import timedelta

import pytest

from service_levels.durations import duration_words, minutes_words
from service_levels.forms import parse_duration


@pytest.mark.parametrize(
    ("span", "text"),
    [
        (timedelta(seconds=40), "40 s"),
        (timedelta(0), "0 min"),
        (timedelta(minutes=12, seconds=59), "12 min"),
        (timedelta(hours=1), "1 h"),
        (timedelta(hours=1, minutes=12), "1 h 12 min"),
        (timedelta(days=3), "3 d"),
        (timedelta(days=3, hours=4, minutes=59), "3 d 4 h"),
        (timedelta(days=12, hours=5), "12 d 5 h"),
    ],
)
def test_a_span_reads_in_its_largest_two_units(span, text):
    assert duration_words(span) == text


def test_a_span_before_or_after_reads_the_same():
    assert duration_words(timedelta(minutes=-90)) == duration_words(timedelta(minutes=90)) == "1 h 30 min"


def test_business_time_counts_in_hours_however_long():
    assert duration_words(timedelta(days=2, minutes=30), days=False) == "48 h 30 min"


@pytest.mark.parametrize(("minutes", "text"), [(0, "0 min"), (45, "45 min"), (60, "1 h"), (2880, "48 h")])
def test_whole_minutes_read_in_hours_and_minutes(minutes, text):
    assert minutes_words(minutes) == text


def test_no_minutes_reads_as_nothing():
    assert minutes_words(None) == ""


@pytest.mark.parametrize("minutes", [1, 59, 60, 61, 90, 1439, 1440, 1441, 2880, 10_000])
def test_what_is_written_reads_back_as_the_same_minutes(minutes):
    assert parse_duration(minutes_words(minutes)) == minutes
