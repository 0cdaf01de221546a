"""How a ticket's status looks in the client portal: presentation stays here, out of
portal.client_tickets (the colour goes with the client's word for the status, never alone)."""

from django import template

register = template.Library()

STATUS_BADGES = {
    "new": "portal-badge-new",
    "acknowledged": "portal-badge-new",
    "in_progress": "portal-badge-progress",
    "waiting_on_client": "portal-badge-waiting",
    "scheduled": "portal-badge-progress",
    "resolved": "portal-badge-resolved",
    "closed": "portal-badge-closed",
    "reopened": "portal-badge-waiting",
}


@register.filter
def portal_status_badge(status: str) -> str:
    """The portal badge class of a ticket's status (``tickets.models.TicketStatus``)."""
    return STATUS_BADGES.get(status, "portal-badge-closed")


INVOICE_BADGES = {
    "paid": "portal-badge-resolved",
    "due": "portal-badge-new",
    "partly_paid": "portal-badge-new",
    "overdue": "portal-badge-overdue",
    "disputed": "portal-badge-waiting",
    "void": "portal-badge-closed",
}


@register.filter
def portal_invoice_badge(standing: str) -> str:
    """The portal badge class of where an invoice stands (``billing.selectors.standing``)."""
    return INVOICE_BADGES.get(standing, "portal-badge-closed")
