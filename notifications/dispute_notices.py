"""Telling staff that a client disputed an invoice, or moved its dispute on: in the app, and by email.

``notify_about_dispute`` is the event bus's handler for ``invoice.disputed``, ``dispute.replied`` and
``dispute.resolved`` (``notifications.handlers``): it runs once per event, in the transaction that marks
the event delivered, and the unique constraint on (event, recipient) is the backstop. Emails are queued on
the notifications and sent after that commit by ``send_pending_emails``, at any hour, as for agreement
notices: a client waiting on an answer about money is news for the morning, not something to drop.

Who is told: the active staff whose role may handle disputes (``billing.manage``: owners, managers,
billing), each once. Only a client's own act is news (the event's ``opened_by`` / ``party`` is
``client``): a dispute opened in the portal, a client's message, a client accepting staff's explanation,
a client withdrawing. What staff do themselves, including a dispute they open for the client after a
phone call, and a dispute resolved by a credit note, tells nobody: they know.
"""

from __future__ import annotations

from datetime import datetime

from django.urls import NoReverseMatch, reverse
from django.utils.text import Truncator

from billing.models import (
    Dispute,
    DisputeMessage,
    DisputeMessageKind,
    DisputeParty,
    DisputeResolution,
    InvoiceStatus,
)
from contracts.documents import money
from events.models import OutboxEvent
from notifications.models import EmailStatus, Kind, Notification
from tenants.roles import Role
from tenants.selectors import staff_who_can

EVENTS = ("invoice.disputed", "dispute.replied", "dispute.resolved")
PERMISSION = "billing.manage"
REASONS = {Role.OWNER: "an owner", Role.MANAGER: "a manager", Role.BILLING: "billing staff"}
QUOTE_LENGTH = 300  # a long reason or message is cut here; the dispute's page has all of it


def recipients() -> list[tuple[object, str]]:
    """(user, why they are told): the active staff of the current tenant who may handle disputes, each once
    (a person with two memberships is told as the first role, owners first)."""
    return [(user, REASONS.get(role, f"a {role.label.lower()}")) for user, role in staff_who_can(PERMISSION)]


def dispute_path(dispute: Dispute) -> str:
    try:
        return reverse("billing:dispute_detail", args=[dispute.pk])
    except NoReverseMatch:  # the billing pages are not installed
        return ""


def _quote(text: str) -> str:
    return f"“{Truncator(' '.join(text.split())).chars(QUOTE_LENGTH)}”"


def _kind(event: OutboxEvent) -> str | None:
    """The notice an event makes, or None when it is not a client's act worth telling."""
    payload = event.payload
    if event.name == "invoice.disputed":
        return Kind.INVOICE_DISPUTED if payload.get("opened_by") == DisputeParty.CLIENT else None
    if payload.get("party") != DisputeParty.CLIENT:  # staff's own step (or an event from before parties)
        return None
    if event.name == "dispute.replied":
        return Kind.DISPUTE_REPLIED
    if event.name == "dispute.resolved":
        return {
            DisputeResolution.EXPLANATION_ACCEPTED: Kind.DISPUTE_ACCEPTED,
            DisputeResolution.WITHDRAWN: Kind.DISPUTE_WITHDRAWN,
        }.get(payload.get("resolution"))
    return None


def _at_stake(dispute: Dispute) -> str:
    """What is disputed, and how much when the client said: "the line “Call-out”, $30.00 at stake"."""
    what = f"the line “{dispute.line.description}”" if dispute.line_id else "the whole invoice"
    if dispute.amount is None:
        return what
    return f"{what}, {money(dispute.amount, dispute.invoice.currency)} at stake"


def _reopens(message: DisputeMessage) -> bool:
    """Whether a client's message answers an explanation they were asked to accept (so it is staff's turn
    again): the last explanation before it, with no other client message in between."""
    earlier = DisputeMessage.objects.filter(dispute_id=message.dispute_id, pk__lt=message.pk)
    explanation = earlier.filter(kind=DisputeMessageKind.EXPLANATION).order_by("-pk").first()
    return (
        explanation is not None
        and not earlier.filter(pk__gt=explanation.pk, party=DisputeParty.CLIENT).exists()
    )


def _message(kind: str, event: OutboxEvent, dispute: Dispute) -> tuple[str, str] | None:
    invoice = dispute.invoice
    client, number = invoice.client.name, invoice.number or f"invoice {invoice.pk}"
    if kind == Kind.INVOICE_DISPUTED:
        who = dispute.contact.full_name if dispute.contact_id else "They"
        body = f"{who} disputes {_at_stake(dispute)}. Their reason: {_quote(dispute.reason)}"
        return f"{client} disputes {number}", body
    if kind == Kind.DISPUTE_REPLIED:
        message = DisputeMessage.objects.filter(
            dispute=dispute, pk=event.payload.get("message_id"), party=DisputeParty.CLIENT
        ).first()
        if message is None:
            return None
        body = f"{message.author} wrote: {_quote(message.body)}"
        if _reopens(message):
            body += " They do not accept the explanation yet: it is our turn to answer."
        body += f" Disputed: {_at_stake(dispute)}."
        return f"{client} answered on the dispute of {number}", body
    state = InvoiceStatus(invoice.status).label.lower()
    if kind == Kind.DISPUTE_ACCEPTED:
        explanation = (
            dispute.messages.filter(kind=DisputeMessageKind.EXPLANATION).order_by("-at", "-pk").first()
        )
        body = "The dispute is resolved"
        if explanation is not None:
            body = f"Our explanation: {_quote(explanation.body)} The dispute is resolved"
        body += f" and the invoice stands ({state}). Disputed: {_at_stake(dispute)}."
        return f"{client} accepted the explanation of {number}", body
    note = (
        dispute.messages.filter(kind=DisputeMessageKind.CLOSING, party=DisputeParty.CLIENT)
        .order_by("-at", "-pk")
        .first()
    )
    body = f"{note.author}'s note: {_quote(note.body)} " if note is not None else ""
    body += f"The dispute of {_at_stake(dispute)} is withdrawn; the invoice is {state}."
    return f"{client} withdrew the dispute of {number}", body


def notify_about_dispute(event: OutboxEvent, *, now: datetime) -> list[Notification]:
    """The notifications for one dispute event, in the current tenant, each with its email queued. Empty
    when the event is not a client's own act (see the module)."""
    kind = _kind(event)
    if kind is None:
        return []
    dispute = (
        Dispute.objects.filter(pk=event.payload.get("dispute_id"))
        .select_related("invoice__client", "line", "contact")
        .first()
    )
    message = _message(kind, event, dispute) if dispute is not None else None
    if message is None:
        return []
    title, body = message
    url = dispute_path(dispute)
    notifications = [
        Notification(
            tenant=event.tenant,
            recipient=user,
            kind=kind,
            title=title[:200],
            body=f"{body} You are told as {reason}.",
            url=url,
            event=event,
            created_at=now,
            email_status=EmailStatus.PENDING if user.email else EmailStatus.NOT_WANTED,
        )
        for user, reason in recipients()
    ]
    Notification.objects.bulk_create(notifications, ignore_conflicts=True)
    return notifications
