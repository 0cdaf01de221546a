from decimal import Decimal

from django import template

from contracts.documents import plain_number

register = template.Library()


@register.filter
def percent(value, unit="%"):
    """75.50 -> "75.5%"; with "points": 12.5 -> "12.5 points"."""
    if value is None or value == "":
        return "—"
    number = plain_number(Decimal(value))
    if unit == "%":
        return f"{number}%"
    return f"{number} {unit.rstrip('s')}" if number == "1" else f"{number} {unit}"
