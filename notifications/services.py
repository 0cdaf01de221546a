"""Delivering SLA warnings and breaches to staff: in the app, and by email when they are on shift.

``notify_about_event`` is the event bus's handler for ``sla.warning`` / ``sla.breached``
(``notifications.handlers``): the bus runs it once per event, in the transaction that marks the event
delivered, so the notifications exist exactly once. The unique constraint on (event, recipient) is the
backstop. Emails are queued on the notification (``email_status = pending``) and sent after that
commit (``send_pending_emails``), each one locked while it is sent, so a crash never loses the in-app
notification.

The same sender emails the agreement notices (notifications/agreement_notices.py) and the dispute notices
(notifications/dispute_notices.py), each kind with its template (``EMAIL_TEMPLATES``).

Who is told: the ticket's assignee and the dispatchers; on a breach also the managers and owners
(escalation). At night people are off shift (``QUIET_HOURS`` in the tenant's time zone): they get the
in-app notification but no email, unless the ticket is P1.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, time

from django.conf import settings
from django.db import transaction
from django.urls import NoReverseMatch, reverse
from django.utils import dateformat, timezone

from contracts.emails import send_templated_email
from events.models import OutboxEvent
from notifications.models import EmailStatus, Kind, Notification
from service_levels.models import Metric, Priority
from tenants.localtime import tenant_localtime
from tenants.models import StaffMembership, Tenant
from tenants.roles import Role
from tenants.scope import cross_tenant, tenant_scope
from tickets.models import ClockState, SlaClock, Ticket

logger = logging.getLogger(__name__)

# Off shift from 20:00 to 07:00 in the tenant's time zone. One rule for everyone until there is a roster.
QUIET_HOURS = (time(20, 0), time(7, 0))
BATCH = 200
EMAIL_TEMPLATES = {
    Kind.SLA_WARNING: "notifications/email/sla_alert",
    Kind.SLA_BREACHED: "notifications/email/sla_alert",
    Kind.AGREEMENT_SIGNED: "notifications/email/agreement_notice",
    Kind.AGREEMENT_DECLINED: "notifications/email/agreement_notice",
    Kind.INVOICE_DISPUTED: "notifications/email/dispute_notice",
    Kind.DISPUTE_REPLIED: "notifications/email/dispute_notice",
    Kind.DISPUTE_ACCEPTED: "notifications/email/dispute_notice",
    Kind.DISPUTE_WITHDRAWN: "notifications/email/dispute_notice",
    Kind.REWARD_GIFT_DUE: "notifications/email/gift_notice",
}


@dataclass(frozen=True)
class Recipient:
    user: object
    reason: str  # why they are told: "the assignee", "a dispatcher", "a manager (escalation)"


def is_off_shift(tenant: Tenant, at: datetime) -> bool:
    """Whether staff of ``tenant`` are off shift at ``at`` (night in the tenant's time zone)."""
    local = tenant_localtime(at, tenant).time()
    start, end = QUIET_HOURS
    return (local >= start or local < end) if start > end else (start <= local < end)


def recipients_for(ticket: Ticket, *, breached: bool) -> list[Recipient]:
    """The assignee and the dispatchers; on a breach also managers and owners. Active staff only, each
    person once (the first reason wins)."""
    labels = {Role.DISPATCHER: "a dispatcher"}
    if breached:
        labels |= {Role.MANAGER: "a manager (escalation)", Role.OWNER: "an owner (escalation)"}
    memberships = StaffMembership.objects.filter(is_active=True, user__is_active=True).select_related("user")
    people: dict[int, Recipient] = {}
    if ticket.assignee_id:
        assignee = memberships.filter(user_id=ticket.assignee_id).first()
        if assignee:
            people[assignee.user_id] = Recipient(assignee.user, "the assignee")
    for membership in memberships.filter(role__in=list(labels)).order_by("role", "user__email"):
        people.setdefault(membership.user_id, Recipient(membership.user, labels[Role(membership.role)]))
    return list(people.values())


def ticket_path(ticket: Ticket) -> str:
    try:
        return reverse("tickets:detail", args=[ticket.pk])
    except NoReverseMatch:  # the ticket pages are not installed
        return ""


def _local(value: datetime, tenant: Tenant) -> str:
    return dateformat.format(tenant_localtime(value, tenant), "D j M, H:i T")


def _message(event: OutboxEvent, ticket: Ticket, tenant: Tenant) -> tuple[str, str]:
    metric = (
        Metric(event.payload.get("metric")).label if event.payload.get("metric") in Metric.values else "SLA"
    )
    due_at = datetime.fromisoformat(event.payload["due_at"]) if event.payload.get("due_at") else None
    due = _local(due_at, tenant) if due_at else "soon"
    who = f"Assigned to {ticket.assignee}." if ticket.assignee_id else "Nobody is assigned yet."
    facts = f"{ticket.get_priority_display()}, {ticket.client}. {who}"
    if event.name == Kind.SLA_BREACHED:
        return f"{metric} breached on #{ticket.number} {ticket.title}"[:200], f"Was due {due}. {facts}"
    return f"{metric} due soon on #{ticket.number} {ticket.title}"[:200], f"Due {due}. {facts}"


def notify_about_event(event: OutboxEvent, *, now: datetime) -> list[Notification]:
    """The notifications for one SLA event, in the current tenant. A warning whose clock has since
    stopped, paused or breached is dropped: the breach (if any) has its own event."""
    tenant = event.tenant
    ticket = (
        Ticket.objects.filter(pk=event.payload.get("ticket_id")).select_related("client", "assignee").first()
    )
    if ticket is None:
        return []
    breached = event.name == Kind.SLA_BREACHED
    if not breached:
        clock = SlaClock.objects.filter(pk=event.payload.get("clock_id")).first()
        if clock is None or clock.state != ClockState.RUNNING or clock.breached_at or clock.met_at:
            return []
    title, body = _message(event, ticket, tenant)
    email_allowed = ticket.priority == Priority.P1 or not is_off_shift(tenant, now)
    url = ticket_path(ticket)
    notifications = [
        Notification(
            tenant=tenant, recipient=person.user, kind=event.name, title=title,
            body=f"{body} You are told as {person.reason}.", url=url, ticket=ticket, event=event,
            email_status=(
                EmailStatus.NOT_WANTED if not person.user.email
                else EmailStatus.PENDING if email_allowed else EmailStatus.QUIET_HOURS
            ),
            created_at=now,
        )
        for person in recipients_for(ticket, breached=breached)
    ]  # fmt: skip
    # The claim makes conflicts impossible; ignoring one keeps a bad row from blocking the queue.
    Notification.objects.bulk_create(notifications, ignore_conflicts=True)
    return notifications


def send_pending_emails(*, batch: int = BATCH) -> int:
    """Send queued notification emails, each locked while it is sent (two workers never send one twice).
    A failed send is recorded (EmailLog, ``email_status = failed``) and not retried."""
    with cross_tenant("the notification deliverer finds tenants with queued emails"):
        tenant_ids = list(
            Notification.objects.filter(email_status=EmailStatus.PENDING)
            .order_by()
            .values_list("tenant_id", flat=True)
            .distinct()
        )
    sent = 0
    for tenant in Tenant.objects.filter(pk__in=tenant_ids):
        with tenant_scope(tenant):
            pending = (
                Notification.objects.select_for_update(skip_locked=True, of=("self",))
                .filter(email_status=EmailStatus.PENDING)
                .select_related("recipient", "ticket__client")
                .order_by("created_at", "id")[:batch]
            )
            for notification in pending:
                try:
                    with transaction.atomic():  # a savepoint: a failure leaves the transaction usable
                        sent += _send(notification)
                except Exception:  # a broken template must not hold up every later email
                    logger.exception("Notification %s could not be emailed", notification.pk)
                    notification.email_status = EmailStatus.FAILED
                    notification.save(update_fields=["email_status"])
    return sent


def _send(notification: Notification) -> bool:
    context = {
        "notification": notification, "ticket": notification.ticket, "recipient": notification.recipient,
        "link": f"{settings.SITE_URL}{notification.url}" if notification.url else "",
        "inbox_link": f"{settings.SITE_URL}{reverse('notifications:list')}",
    }  # fmt: skip
    log = send_templated_email(
        to=notification.recipient.email,
        subject=notification.title,
        template=EMAIL_TEMPLATES[notification.kind],
        context=context,
        related=notification,
    )
    notification.email_status = EmailStatus.SENT if log.status == "sent" else EmailStatus.FAILED
    notification.save(update_fields=["email_status"])
    return log.status == "sent"


@transaction.atomic
def mark_read(notification: Notification, *, now: datetime | None = None) -> Notification:
    """Mark one notification read (idempotent: the first read time is kept)."""
    if notification.read_at is None:
        notification.read_at = now or timezone.now()
        Notification.objects.filter(pk=notification.pk, read_at__isnull=True).update(
            read_at=notification.read_at
        )
    return notification


@transaction.atomic
def mark_all_read(user, *, now: datetime | None = None) -> int:
    """Mark every unread notification of ``user`` in the current tenant read. Returns how many."""
    return Notification.objects.filter(recipient=user, read_at__isnull=True).update(
        read_at=now or timezone.now()
    )
