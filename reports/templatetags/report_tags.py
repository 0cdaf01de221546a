from datetime import timedelta

from django import template

from service_levels.durations import duration_words, minutes_words

register = template.Library()


@register.filter
def duration(minutes) -> str:
    """Business minutes as a target reads: 45 min, 4 h, 1 h 30 min (no days: business days vary)."""
    return minutes_words(int(minutes or 0))


@register.filter
def lateness(minutes) -> str:
    """Real minutes late: 40 min, 3 h 5 min, 2 d 4 h, 12 d."""
    return duration_words(timedelta(minutes=int(minutes or 0)))
