"""How a campaign's states and the renewal pipeline's outlooks look on the page: presentation stays
here, out of contracts.campaigns and contracts.renewals (colour next to the word, never alone)."""

from django import template

register = template.Library()

CAMPAIGN_STATE_BADGES = {
    "signed": "text-bg-success",
    "declined": "text-bg-danger",
    "opened": "text-bg-info",
    "sent": "text-bg-primary",
    "bounced": "text-bg-warning",
    "queued": "text-bg-secondary",
}


@register.filter
def campaign_state_badge(state: str) -> str:
    """The badge class of a client's (or a signer's) state in a campaign: ``campaigns.STATES``."""
    return CAMPAIGN_STATE_BADGES.get(state, "text-bg-secondary")


RENEWAL_OUTLOOK_BADGES = {
    "renewed": "text-bg-success",
    "renewal_declined": "text-bg-danger",
    "renewal_sent": "text-bg-warning",
    "ends": "text-bg-danger",
    "needs_signature": "text-bg-warning",
    "auto_renews": "text-bg-primary",
}


@register.filter
def renewal_outlook_badge(outlook: str) -> str:
    """The badge class of what happens at the end of a term: ``renewals.OUTLOOKS``."""
    return RENEWAL_OUTLOOK_BADGES.get(outlook, "text-bg-secondary")
