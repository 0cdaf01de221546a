"""Emails to the client about a dispute of one of their invoices, one per step (portal/handlers.py sends
them from the event bus): that it was recorded, each message in its thread (staff's, and a receipt of the
client's own), an explanation to accept or answer, and how it ended, with the invoice's balance after it.

Who gets it: the contact who disputes it (who opened it in the portal, or on whose behalf staff did) while
they can be reached, else whoever gets the client's invoices (``invoice_emails.invoice_recipient``). Each
email carries a fresh account link to the invoice's page, where the thread is and the client answers. A
send that fails raises ``EmailNotSent`` so the bus retries it; a sent one is written in the invoice's
history.
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.core.exceptions import ValidationError
from django.urls import reverse

from billing import disputes as billing_disputes
from billing import services as billing
from billing.models import Dispute, DisputeMessage, DisputeParty, DisputeResolution
from clients.models import Contact
from contracts.documents import money
from contracts.emails import send_templated_email
from contracts.models import EmailLog
from portal.client_emails import EmailNotSent
from portal.invoice_emails import INVOICE_LINK_TTL, invoice_recipient
from portal.links import issue_portal_link
from portal.models import LinkPurpose

logger = logging.getLogger(__name__)

TEMPLATE = "portal/email/dispute"
ACTOR = "system (dispute email)"
OPENED, REPLIED, EXPLAINED, RESOLVED = "opened", "replied", "explained", "resolved"
DISPUTE_EVENTS = ("dispute.replied", "dispute.explained", "dispute.resolved")
STEP_OF_EVENT = {
    "invoice.disputed": OPENED,
    "dispute.replied": REPLIED,
    "dispute.explained": EXPLAINED,
    "dispute.resolved": RESOLVED,
}


def dispute_recipient(dispute: Dispute) -> tuple[str, Contact | None]:
    """(address, contact the link is for): see the module's rules. ("", None) when nobody can be reached."""
    contact = dispute.contact
    if contact is not None and contact.archived_at is None and contact.email:
        return contact.email, contact
    return invoice_recipient(dispute.invoice)


def _invoice_url(contact: Contact | None, dispute: Dispute) -> str:
    if contact is None:
        return ""
    try:
        _, token = issue_portal_link(contact=contact, purpose=LinkPurpose.ACCOUNT, ttl=INVOICE_LINK_TTL)
    except ValidationError as error:
        logger.info("dispute %s: no portal link for %s: %s", dispute.pk, contact.pk, " ".join(error.messages))
        return ""
    path = reverse("portal:invoice", kwargs={"token": token, "pk": dispute.invoice_id})
    return f"{settings.SITE_URL}{path}#dispute"


def _subject(step: str, dispute: Dispute, message: DisputeMessage | None) -> tuple[str, str]:
    """(subject, what the history row says was sent)."""
    number = dispute.invoice.number
    if step == OPENED:
        return f"Your dispute of invoice {number} is recorded", "the dispute is recorded"
    if step == EXPLAINED:
        return f"Invoice {number}: our explanation of your dispute", "the explanation"
    if step == REPLIED:
        if message is not None and message.party == DisputeParty.CLIENT:
            return f"We have your message about invoice {number}", "a receipt of the client's message"
        return f"Re: your dispute of invoice {number}", "staff's reply"
    if dispute.resolution == DisputeResolution.WITHDRAWN:
        return f"Invoice {number}: your dispute is withdrawn", "the dispute is withdrawn"
    if dispute.resolution == DisputeResolution.CREDIT_NOTE and dispute.credit_note:
        return (
            f"Invoice {number}: credit note {dispute.credit_note.number}, your dispute is resolved",
            "the dispute is resolved by a credit note",
        )
    return f"Invoice {number}: your dispute is resolved", "the dispute is resolved"


def email_client_about_dispute(dispute: Dispute, *, step: str, message: DisputeMessage | None = None):
    """Email the client about ``step`` of ``dispute`` (see the module's rules); None, and a history row
    saying why, when nobody at the client can be reached."""
    invoice = dispute.invoice
    address, contact = dispute_recipient(dispute)
    if not address:
        billing.record_invoice_not_emailed(
            invoice, why="nobody at the client has an email address for the dispute", actor=ACTOR
        )
        return None
    subject, about = _subject(step, dispute, message)
    note = dispute.credit_note
    context = {
        "dispute": dispute,
        "invoice": invoice,
        "client": invoice.client,
        "contact": contact,
        "step": step,
        "message": message,
        "url": _invoice_url(contact, dispute),
        "at_stake": money(dispute.amount_at_stake, invoice.currency),
        "balance": money(max(invoice.balance, 0), invoice.currency),
        "credit_note_total": money(note.total, invoice.currency) if note else "",
    }
    log: EmailLog = send_templated_email(
        to=address, subject=subject, template=TEMPLATE, context=context, related=invoice
    )
    if log.status != "sent":
        raise EmailNotSent(f"The email to {log.to} was not sent: {log.error}")
    billing_disputes.record_dispute_emailed(dispute, to=address, about=about, actor=ACTOR)
    return log
