from django import template

from rewards.utilization import percent_text, period_phrase

register = template.Library()


@register.filter
def percent(value) -> str:
    """7.50 -> '7.5%', 20 -> '20%'; an empty value stays empty."""
    return "" if value is None or value == "" else f"{percent_text(value)}%"


@register.filter
def period(evaluation) -> str:
    """An evaluation's period as people say it: 'November 2026', '2026', '15 Nov 2026 – 14 Dec 2026'."""
    return period_phrase(evaluation.period_start, evaluation.period_end)
