"""How tickets and SLA clocks look on the staff pages: presentation stays here, out of tickets.selectors
(colour next to the word, never alone)."""

from django import template

register = template.Library()

STATUS_BADGES = {
    "new": "text-bg-primary",
    "acknowledged": "text-bg-info",
    "in_progress": "text-bg-info",
    "waiting_on_client": "text-bg-secondary",
    "scheduled": "text-bg-secondary",
    "resolved": "text-bg-success",
    "closed": "text-bg-dark",
    "reopened": "text-bg-warning",
}
CLOCK_STATE_BADGES = {
    "on_track": "text-bg-success",
    "warning": "text-bg-warning",
    "breached": "text-bg-danger",
    "paused": "text-bg-secondary",
    "met": "text-bg-success",
    "met_late": "text-bg-danger",
    "not_applicable": "text-bg-light border",
}
CLOCK_STATE_ROWS = {"breached": "table-danger", "warning": "table-warning", "paused": "table-light"}


@register.filter
def ticket_status_badge(status: str) -> str:
    """The badge class of a ticket's status (``tickets.models.TicketStatus``)."""
    return STATUS_BADGES.get(status, "text-bg-secondary")


@register.filter
def clock_state_badge(state: str) -> str:
    """The badge class of a clock's state as people see it (``tickets.selectors``: on track, warning…)."""
    return CLOCK_STATE_BADGES.get(state, "text-bg-secondary")


@register.filter
def clock_state_row(state: str) -> str:
    """The table row class of a clock's state on the SLA board ("" when nothing needs attention)."""
    return CLOCK_STATE_ROWS.get(state, "")
