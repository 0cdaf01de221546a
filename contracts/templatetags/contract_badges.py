"""How a campaign's states look on the page: presentation stays here, out of contracts.campaigns."""

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
