"""Durations in words, one way on every page: SLA targets, business time left, countdowns, lateness,
logged work. ``static/js/countdown.js`` writes the same words every second (keep the two in step), and
``service_levels.forms.parse_duration`` reads them back.

"40 s" under a minute; "12 min"; "1 h 12 min"; "3 d 4 h" (a day drops the minutes). Business time and
logged work are counted in hours however long ("48 h"): a business day is not the 24 hours of a "d".
"""

from datetime import timedelta


def duration_words(span: timedelta, *, days: bool = True) -> str:
    """``span`` in words, always positive (the caller says before or after); ``days=False`` counts in
    hours however long."""
    seconds = int(abs(span.total_seconds()))
    whole_days, rest = divmod(seconds, 86400) if days else (0, seconds)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    if whole_days:
        return f"{whole_days} d {hours} h" if hours else f"{whole_days} d"
    if hours:
        return f"{hours} h {minutes} min" if minutes else f"{hours} h"
    if minutes or not secs:
        return f"{minutes} min"
    return f"{secs} s"


def minutes_words(minutes: int | None) -> str:
    """Whole minutes of business time or work, in hours and minutes ("" for None): 90 -> "1 h 30 min"."""
    if minutes is None:
        return ""
    return duration_words(timedelta(minutes=int(minutes)), days=False)
