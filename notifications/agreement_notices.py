"""Telling staff that a client signed or declined an agreement: in the app, and by email.

``notify_about_agreement`` is the event bus's handler for ``agreement.signed`` / ``agreement.declined``
(``notifications.handlers``): it runs once per event, in the transaction that marks the event delivered,
and the unique constraint on (event, recipient) is the backstop. Emails are queued on the notifications
and sent after that commit by ``send_pending_emails``, as for SLA alerts, but at any hour: quiet hours
drop an email rather than delay it, and a signature is news nobody should miss.

Who is told: the active owners and managers, and whoever sent the agreement (``contracts.selectors.sent_by``).
Only a client's own act is news: an agreement marked signed without a signature (a paper contract staff
entered themselves) tells nobody.
"""

from __future__ import annotations

from datetime import datetime

from django.urls import NoReverseMatch, reverse
from django.utils import dateformat

from contracts.documents import money
from contracts.models import Agreement, Signature
from contracts.selectors import sent_by
from events.models import OutboxEvent
from memberships.selectors import plans_of_agreements
from notifications.models import EmailStatus, Kind, Notification
from tenants.localtime import tenant_localtime, tenant_today
from tenants.models import StaffMembership, Tenant
from tenants.roles import Role

REASONS = {Role.OWNER: "an owner", Role.MANAGER: "a manager"}


def recipients_for(agreement: Agreement) -> list[tuple[object, str]]:
    """(user, why they are told): owners, managers and the sender, each once (the first reason wins)."""
    people: dict[int, tuple[object, str]] = {}
    memberships = (
        StaffMembership.objects.filter(is_active=True, user__is_active=True, role__in=list(REASONS))
        .select_related("user")
        .order_by("role", "user__email")
    )
    for membership in memberships:
        people.setdefault(membership.user_id, (membership.user, REASONS[Role(membership.role)]))
    sender = sent_by(agreement)
    if sender is not None:
        people.setdefault(sender.pk, (sender, "the person who sent it"))
    return list(people.values())


def agreement_path(agreement: Agreement) -> str:
    try:
        return reverse("contracts:agreement_detail", args=[agreement.pk])
    except NoReverseMatch:  # the contract pages are not installed
        return ""


def _local(value: datetime, tenant: Tenant) -> str:
    return dateformat.format(tenant_localtime(value, tenant), "D j M Y, H:i T")


def _signature(event: OutboxEvent, agreement: Agreement) -> Signature | None:
    signatures = Signature.objects.filter(agreement=agreement).defer("pdf", "document_html")
    if event.name == Kind.AGREEMENT_SIGNED:
        if not event.payload.get("signature_id"):
            return None
        return signatures.filter(pk=event.payload["signature_id"], signed_at__isnull=False).first()
    return signatures.filter(declined_at__isnull=False).order_by("-declined_at", "-id").first()


def _message(
    event: OutboxEvent, agreement: Agreement, signature: Signature, tenant: Tenant
) -> tuple[str, str]:
    who = signature.signer_name or str(signature.contact)
    what = f"{agreement.version.title} for {agreement.client}"
    if event.name == Kind.AGREEMENT_SIGNED:
        facts = [f"Signed {_local(signature.signed_at, tenant)} by {signature.signer_email}."]
        if agreement.starts_on and agreement.ends_on:
            start, end = (dateformat.format(day, "j M Y") for day in (agreement.starts_on, agreement.ends_on))
            facts.append(f"In force {start} to {end}.")
        plan = plans_of_agreements([agreement.pk], on=tenant_today(tenant)).get(agreement.pk)
        if plan is not None and plan.monthly_value:
            facts.append(f"Membership: {plan.label}, {money(plan.monthly_value, tenant.currency)} a month.")
        return f"{who} signed {what}"[:200], " ".join(facts)
    reason = event.payload.get("reason") or signature.decline_reason
    when = _local(signature.declined_at, tenant)
    body = f"Declined {when} by {signature.signer_email}. Their reason: “{reason}”"
    return f"{who} declined {what}"[:200], body


def notify_about_agreement(event: OutboxEvent, *, now: datetime) -> list[Notification]:
    """The notifications for one ``agreement.signed`` or ``agreement.declined`` event, in the current
    tenant, each with its email queued. Empty when no client signature is behind it."""
    tenant = event.tenant
    agreement = (
        Agreement.objects.filter(pk=event.payload.get("agreement_id"))
        .select_related("client", "version")
        .first()
    )
    signature = _signature(event, agreement) if agreement is not None else None
    if signature is None:
        return []
    title, body = _message(event, agreement, signature, tenant)
    url = agreement_path(agreement)
    notifications = [
        Notification(
            tenant=tenant,
            recipient=user,
            kind=event.name,
            title=title,
            body=f"{body} You are told as {reason}.",
            url=url,
            event=event,
            created_at=now,
            email_status=EmailStatus.PENDING if user.email else EmailStatus.NOT_WANTED,
        )
        for user, reason in recipients_for(agreement)
    ]
    Notification.objects.bulk_create(notifications, ignore_conflicts=True)
    return notifications
