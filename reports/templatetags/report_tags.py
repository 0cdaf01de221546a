from django import template

register = template.Library()


@register.filter
def duration(minutes) -> str:
    """Business minutes as a target reads: 45 min, 4 h, 1 h 30 min (no days: business days vary)."""
    minutes = int(minutes or 0)
    hours, rest = divmod(minutes, 60)
    if not hours:
        return f"{rest} min"
    return f"{hours} h {rest} min" if rest else f"{hours} h"


@register.filter
def lateness(minutes) -> str:
    """Real minutes late: 40 min, 3 h 5 min, 2 d 4 h, 12 d."""
    minutes = int(minutes or 0)
    days, rest = divmod(minutes, 24 * 60)
    hours, mins = divmod(rest, 60)
    if days:
        return f"{days} d {hours} h" if days < 3 and hours else f"{days} d"
    if hours:
        return f"{hours} h {mins} min" if mins else f"{hours} h"
    return f"{mins} min"
