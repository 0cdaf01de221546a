"""Demo signers acting on their portal links: sign, decline, or just open. It lives here, above contracts
and portal, because it drives the portal's signing on contracts' campaign (contracts cannot import the
portal)."""

from __future__ import annotations

import random

from contracts import campaigns
from contracts.models import AgreementStatus, CampaignRecipient
from portal.links import issue_portal_link
from portal.signing import decline_agreement, record_first_view, sign_agreement

DECLINE_REASONS = (
    "The on-site hourly rate is higher than we pay today.",
    "We only use you for projects; we do not want an ongoing agreement.",
    "Our building manager has to review this first.",
)
DEMO_IP, DEMO_AGENT = "203.0.113.24", "Mozilla/5.0 (iPhone; CPU iPhone OS 18_2 like Mac OS X) Mobile/15E148"


def act_on_signing_links(campaign, rng: random.Random) -> tuple[int, int, int]:
    """A few signers of ``campaign`` act on their links as they would in the portal: three sign, three
    decline, three only open. One client each. Returns (signed, declined, opened)."""
    recipients = list(
        CampaignRecipient.objects.filter(campaign=campaign, agreement__status=AgreementStatus.SENT)
        .select_related("contact", "agreement")
        .order_by("client__name")
    )
    rng.shuffle(recipients)
    seen, signed, declined, opened = set(), 0, 0, 0
    for recipient in recipients:
        if recipient.client_id in seen:
            continue
        seen.add(recipient.client_id)
        link, _ = issue_portal_link(
            contact=recipient.contact, purpose="sign_agreement", agreement=recipient.agreement
        )
        if signed < 3:
            sign_agreement(
                link,
                typed_name=recipient.contact.full_name,
                consent=True,
                intent=True,
                ip=DEMO_IP,
                user_agent=DEMO_AGENT,
            )
            signed += 1
        elif declined < len(DECLINE_REASONS):
            decline_agreement(
                link,
                reason=DECLINE_REASONS[declined],
                ip=DEMO_IP,
                user_agent=DEMO_AGENT,
                typed_name=recipient.contact.full_name,
            )
            declined += 1
        elif opened < 3:
            record_first_view(link, ip=DEMO_IP, user_agent=DEMO_AGENT)
            campaigns.record_opened(agreement=recipient.agreement, contact=recipient.contact)
            opened += 1
        else:
            break
    return signed, declined, opened
