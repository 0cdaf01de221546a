"""How a paused clock's business time left reads: in business hours, never calendar days."""

from datetime import timedelta
from types import SimpleNamespace

from tickets.models import ClockState
from tickets.selectors import PAUSED, ClockView


def paused_view(left: timedelta) -> ClockView:
    return ClockView(SimpleNamespace(state=ClockState.PAUSED), PAUSED, None, None, left)


def test_a_paused_clock_with_24_business_hours_left_says_business_hours_not_one_day():
    view = paused_view(timedelta(hours=24))

    assert view.paused_left == "24 h of business time left"
    assert view.countdown == "paused · 24 h of business time left"


def test_a_paused_clock_with_little_business_time_left_says_hours_and_minutes():
    assert paused_view(timedelta(hours=1, minutes=30)).paused_left == "1 h 30 min of business time left"
