"""The email to the client when a reward puts credit on their account: "You've earned $X credit: why; it
comes off your next invoice", with a fresh account link to their rewards page. Sent from the event bus
(portal/handlers.py) on ``reward.granted`` for account credit; anniversaries have their own email.

Who gets it: whoever gets the client's invoices (the billing account's invoice address, else the client's
main address, else the primary contact, else the first contact with an address:
``invoice_emails.billing_recipient``). Once per reward: a redelivered event finds the email sent
and sends nothing. A send that fails raises ``EmailNotSent`` so the bus retries it.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.urls import reverse

from clients.models import Contact
from contracts.documents import money
from contracts.emails import send_templated_email
from contracts.models import EmailLog
from portal.client_emails import EmailNotSent
from portal.invoice_emails import billing_recipient
from portal.links import issue_portal_link
from portal.models import LinkPurpose
from rewards.models import Program, Reward, RewardKind

logger = logging.getLogger(__name__)

TEMPLATE = "portal/email/reward_credit"
LINK_TTL = timedelta(days=60)
# Programs that write to the client themselves.
OWN_EMAILS = (Program.ANNIVERSARY,)


def _rewards_url(contact: Contact | None, reward: Reward) -> str:
    if contact is None:
        return ""
    try:
        _, token = issue_portal_link(contact=contact, purpose=LinkPurpose.ACCOUNT, ttl=LINK_TTL)
    except ValidationError as error:
        logger.info("reward %s: no portal link for %s: %s", reward.pk, contact.pk, " ".join(error.messages))
        return ""
    return f"{settings.SITE_URL}{reverse('portal:rewards', kwargs={'token': token})}"


def _already_sent(reward: Reward) -> bool:
    return EmailLog.objects.filter(
        related_kind="reward", related_id=reward.pk, template=TEMPLATE, status="sent"
    ).exists()


def email_credit_reward(reward: Reward) -> EmailLog | None:
    """Tell the client about the credit ``reward`` put on their account, once. None when it is not a
    credit reward the portal writes about, was emailed before, or nobody at the client has an address."""
    if reward.kind != RewardKind.CREDIT or reward.program in OWN_EMAILS or _already_sent(reward):
        return None
    address, contact = billing_recipient(reward.client)
    if not address:
        logger.info("reward %s: nobody at client %s has an email address", reward.pk, reward.client_id)
        return None
    amount = money(reward.value, reward.tenant.currency)
    log = send_templated_email(
        to=address,
        subject=f"You've earned {amount} credit with {reward.tenant.name}",
        template=TEMPLATE,
        context={
            "reward": reward,
            "client": reward.client,
            "contact": contact,
            "amount": amount,
            "url": _rewards_url(contact, reward),
        },
        related=reward,
    )
    if log.status != "sent":
        raise EmailNotSent(f"The email to {log.to} was not sent: {log.error}")
    return log
