"""Telling staff that a gift is due: an anniversary (or any program) granted a tangible gift, which stays a
task until someone marks it delivered. ``notify_about_gift`` is the event bus's handler for
``reward.granted`` (``notifications.handlers``); grants of credit or recognition tell nobody. The unique
constraint on (event, recipient) keeps a redelivered event from telling anyone twice.

Who is told: the active owners and managers (``rewards.manage``: they deliver gifts and mark them
delivered), each once, in the app and by email.
"""

from __future__ import annotations

from datetime import datetime

from django.urls import NoReverseMatch, reverse

from contracts.documents import money
from events.models import OutboxEvent
from notifications.models import EmailStatus, Kind, Notification
from rewards.models import Reward, RewardKind, RewardStatus
from tenants.selectors import staff_who_can

PERMISSION = "rewards.manage"


def recipients() -> list[tuple[object, str]]:
    return [(user, role.label.lower()) for user, role in staff_who_can(PERMISSION)]


def _path() -> str:
    try:
        return reverse("rewards:anniversaries")
    except NoReverseMatch:  # the rewards pages are not installed
        return ""


def notify_about_gift(event: OutboxEvent, *, now: datetime) -> list[Notification]:
    """The notifications for a gift granted, in the current tenant, each with its email queued; empty for
    any other reward, or a gift already delivered or withdrawn."""
    if event.payload.get("kind") != RewardKind.GIFT:
        return []
    reward = (
        Reward.objects.filter(pk=event.payload.get("reward_id"), status=RewardStatus.TO_DELIVER)
        .select_related("client")
        .first()
    )
    if reward is None:
        return []
    title = f"Gift to deliver to {reward.client.name}: {reward.title}"
    cost = f" (about {money(reward.value, event.tenant.currency)})" if reward.value else ""
    body = f"{reward.reason}. Deliver “{reward.title}”{cost}, then mark it delivered on the rewards page."
    notifications = [
        Notification(
            tenant=event.tenant,
            recipient=user,
            kind=Kind.REWARD_GIFT_DUE,
            title=title[:200],
            body=f"{body} You are told as {'an' if why[0] in 'aeiou' else 'a'} {why}.",
            url=_path(),
            event=event,
            created_at=now,
            email_status=EmailStatus.PENDING if user.email else EmailStatus.NOT_WANTED,
        )
        for user, why in recipients()
    ]
    Notification.objects.bulk_create(notifications, ignore_conflicts=True)
    return notifications
