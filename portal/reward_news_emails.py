"""Emails to the client about a reward (portal/handlers.py sends them from ``reward.granted``): a thank-you
on an anniversary saying what they get, and the news that they are customer of the month with the way to
their spotlight page. Each carries a fresh account link.

Who gets it: the client's primary contacts who can be reached, else its earliest contact with an email
address. Once per reward and address: a contact already emailed about a reward (an ``EmailLog`` of it) is
skipped, so a redelivered event, or a retry after one address failed, sends nothing twice. A send that
fails raises ``EmailNotSent`` so the bus retries it.
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
from portal.links import issue_portal_link
from portal.models import LinkPurpose
from rewards.models import Program, Reward, RewardKind

logger = logging.getLogger(__name__)

LINK_TTL = timedelta(days=60)
TEMPLATES = {
    Program.ANNIVERSARY: "portal/email/anniversary",
    Program.CUSTOMER_OF_THE_MONTH: "portal/email/customer_of_the_month",
}


def reward_recipients(client) -> list[Contact]:
    reachable = Contact.objects.filter(client=client, archived_at__isnull=True).exclude(email="")
    primary = list(reachable.filter(is_primary=True).order_by("created_at", "pk"))
    if primary:
        return primary
    first = reachable.order_by("created_at", "pk").first()
    return [first] if first else []


def _url(contact: Contact, reward: Reward) -> str:
    try:
        _, token = issue_portal_link(contact=contact, purpose=LinkPurpose.ACCOUNT, ttl=LINK_TTL)
    except ValidationError as error:
        logger.info("reward %s: no portal link for %s: %s", reward.pk, contact.pk, " ".join(error.messages))
        return ""
    name = "portal:spotlight" if reward.program == Program.CUSTOMER_OF_THE_MONTH else "portal:rewards"
    return f"{settings.SITE_URL}{reverse(name, kwargs={'token': token})}"


def _subject(reward: Reward) -> str:
    if reward.program == Program.CUSTOMER_OF_THE_MONTH:
        return f"{reward.title}: congratulations, {reward.client.name}!"
    years = reward.details.get("years", 1)
    return f"Thank you for {years} year{'' if years == 1 else 's'} together"


def email_client_about_reward(reward: Reward) -> list[EmailLog]:
    """Email the client about ``reward`` (an anniversary's or a customer of the month's; see the module).
    Returns the emails sent this call."""
    template = TEMPLATES.get(reward.program)
    if template is None:
        return []
    client = reward.client
    already = set(
        EmailLog.objects.filter(related_kind="reward", related_id=reward.pk, status="sent").values_list(
            "to", flat=True
        )
    )
    siblings = []
    if reward.program == Program.ANNIVERSARY:  # one thank-you tells both the credit and the gift of a year
        years = reward.details.get("years")
        siblings = list(
            Reward.objects.filter(client=client, program=Program.ANNIVERSARY, details__years=years).order_by(
                "kind"
            )
        )
        if any(s.pk < reward.pk for s in siblings):
            return []  # the first reward of the year sent the thank-you for all of them
    sent, failed = [], []
    for contact in reward_recipients(client):
        if contact.email in already:
            continue
        context = {
            "reward": reward,
            "rewards": siblings or [reward],
            "client": client,
            "contact": contact,
            "url": _url(contact, reward),
            "credit_text": money(
                sum((s.value for s in siblings if s.kind == RewardKind.CREDIT), 0), reward.tenant.currency
            ),
        }
        log = send_templated_email(
            to=contact.email, subject=_subject(reward), template=template, context=context, related=reward
        )
        (sent if log.status == "sent" else failed).append(log)
    if failed:
        raise EmailNotSent(f"The email to {failed[0].to} was not sent: {failed[0].error}")
    return sent
