"""What rewards does when the event bus hands it an event (imported by RewardsConfig.ready)."""

from events.bus import subscribe
from rewards.referrals import settle_referrals_of_client


@subscribe("rewards.referral_credits", "agreement.signed")
def credit_referrer_on_signature(event, *, now):
    """A client a referral brought signed: the referral settles and its referrer is credited, once
    (a second event, or a second agreement, finds the referral settled)."""
    client_id = event.payload.get("client_id")
    if client_id is not None:
        settle_referrals_of_client(client_id)
