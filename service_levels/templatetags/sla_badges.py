"""How a priority looks on every page (tickets, SLA policies, the matrix, the preview): the colour next
to the word, never alone. Presentation stays here, out of the SLA engine's modules."""

from django import template

register = template.Library()

PRIORITY_BADGES = {
    "P1": "text-bg-danger",
    "P2": "text-bg-warning",
    "P3": "text-bg-primary",
    "P4": "text-bg-secondary",
}


@register.filter
def priority_badge(priority: str) -> str:
    """The badge class of a priority (``service_levels.models.Priority``)."""
    return PRIORITY_BADGES.get(priority, "text-bg-secondary")
