from django import template

from rewards.utilization import percent_text

register = template.Library()


@register.filter
def percent(value) -> str:
    """7.50 -> '7.5%', 20 -> '20%'; an empty value stays empty."""
    return "" if value is None or value == "" else f"{percent_text(value)}%"
