"""Emails to a tenant's clients, sent from the event bus (portal/handlers.py): staff's public replies to a
ticket and its resolution, and the signed copy of an agreement for its signer.

Each email carries a fresh portal link (only its hash is stored, so a link cannot be sent twice): a ticket
email opens the ticket's page, where the client reads the whole public conversation and answers; the
signed copy opens the agreement as signed. Internal notes never reach a client: a reply is emailed only
when it is public and by staff, and a resolution quotes the last such reply.

The bus runs these inside its transaction. A send that fails raises ``EmailNotSent``, so the bus retries
the event with backoff (the link issued for it rolls back with it). A worker killed between the send and
the commit sends that email again on the retry: a rare duplicate is better than a lost email.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.urls import reverse

from clients.models import Contact
from contracts.emails import send_templated_email
from contracts.models import EmailLog, Signature
from contracts.selectors import sent_by
from contracts.signers import signatures_on_record
from portal.links import build_portal_url, issue_portal_link
from portal.models import LinkPurpose, PortalLink
from portal.pdf import signed_pdf_filename, stored_signed_pdf
from portal.selectors import agreement_terms
from tickets.models import Reply, Ticket, TicketStatus

logger = logging.getLogger(__name__)

REPLY_TEMPLATE = "portal/email/ticket_reply"
RESOLVED_TEMPLATE = "portal/email/ticket_resolved"
SIGNED_COPY_TEMPLATE = "portal/email/signed_copy"
INTEGRATOR_COPY_TEMPLATE = "portal/email/signed_copy_integrator"
# A signed agreement is read back over its term, not within the month a signing link lasts.
SIGNED_COPY_LINK_TTL = timedelta(days=365)


class EmailNotSent(RuntimeError):
    """The mail server refused the message or could not be reached: the bus retries the event later."""


def _sent(log: EmailLog) -> EmailLog:
    if log.status != "sent":
        raise EmailNotSent(f"The email to {log.to} was not sent: {log.error}")
    return log


def ticket_recipient(ticket: Ticket) -> Contact | None:
    """Who hears about a ticket: its contact; when it has none (or they were archived, or have no email
    address), the client's primary contact with an address, else the first one added with an address."""
    reachable = Contact.objects.filter(client_id=ticket.client_id, archived_at__isnull=True).exclude(email="")
    if ticket.contact_id and (own := reachable.filter(pk=ticket.contact_id).first()):
        return own
    return reachable.order_by("-is_primary", "created_at", "pk").first()


def staff_name(user) -> str:
    """How staff sign towards clients: their name, never their personal address."""
    return getattr(user, "full_name", "") or ""


def _ticket_link(contact: Contact, ticket: Ticket) -> tuple[PortalLink | None, str]:
    """A fresh tickets link for ``contact`` that opens ``ticket``'s page, or (None, "") when they may not
    hold one (their client was archived): the email then goes without the button."""
    try:
        link, token = issue_portal_link(contact=contact, purpose=LinkPurpose.TICKETS)
    except ValidationError as error:
        logger.info("ticket %s: no portal link for %s: %s", ticket.pk, contact.pk, " ".join(error.messages))
        return None, ""
    return link, f"{settings.SITE_URL}{reverse('portal:ticket', kwargs={'token': token, 'pk': ticket.pk})}"


def _ticket_context(ticket: Ticket, contact: Contact) -> dict:
    link, url = _ticket_link(contact, ticket)
    return {"ticket": ticket, "contact": contact, "client": ticket.client, "link": link, "url": url}


def email_client_about_reply(reply: Reply) -> EmailLog | None:
    """Email a public staff reply to the ticket's client (see ``ticket_recipient``): the reply, who wrote
    it and a link to follow the ticket. None (and a log line) when nobody there has an email address; an
    internal note or a client's own reply is never sent."""
    if not reply.is_public or reply.author_id is None:
        return None
    ticket = reply.ticket
    contact = ticket_recipient(ticket)
    if contact is None:
        logger.info(
            "ticket %s: nobody at client %s has an email address; reply %s not emailed",
            ticket.pk,
            ticket.client_id,
            reply.pk,
        )
        return None
    context = _ticket_context(ticket, contact) | {"reply": reply, "author": staff_name(reply.author)}
    return _sent(
        send_templated_email(
            to=contact.email,
            subject=f"Re: [#{ticket.number}] {ticket.title}",
            template=REPLY_TEMPLATE,
            context=context,
            related=ticket,
        )
    )


def what_was_done(ticket: Ticket, *, resolved_at: datetime) -> Reply | None:
    """The last public staff reply up to the resolution: what the client is told was done."""
    return (
        ticket.replies.filter(is_public=True, author__isnull=False, created_at__lte=resolved_at)
        .select_related("author")
        .order_by("-created_at", "-id")
        .first()
    )


def email_client_about_resolution(ticket: Ticket, *, resolved_at: datetime) -> EmailLog | None:
    """Tell the ticket's client it was resolved: what was done (the last public staff reply, if any) and how
    to reopen it (say so on its portal page). Nothing when it was reopened since (the news is stale) or
    when nobody at the client has an email address."""
    if ticket.status not in (TicketStatus.RESOLVED, TicketStatus.CLOSED):
        logger.info("ticket %s was reopened before its resolution was emailed; not sent", ticket.pk)
        return None
    contact = ticket_recipient(ticket)
    if contact is None:
        logger.info(
            "ticket %s: nobody at client %s has an email address; resolution not emailed",
            ticket.pk,
            ticket.client_id,
        )
        return None
    done = what_was_done(ticket, resolved_at=resolved_at)
    context = _ticket_context(ticket, contact) | {
        "done": done,
        "done_by": staff_name(done.author) if done else "",
        "is_closed": ticket.status == TicketStatus.CLOSED,
    }
    return _sent(
        send_templated_email(
            to=contact.email,
            subject=f"Resolved: [#{ticket.number}] {ticket.title}",
            template=RESOLVED_TEMPLATE,
            context=context,
            related=ticket,
        )
    )


def email_signed_copy(signature: Signature, *, signed: Signature | None = None) -> EmailLog:
    """Email the signer their signed PDF (the very file the portal serves, certificate page included), a
    summary of what they signed and a link to read the agreement as signed, with the PDF's fingerprint.
    ``signed`` is the signature that completed the agreement, whose PDF carries every signer's
    signature; by default the signer's own (the only one an agreement without named signers has)."""
    signed = signed or signature
    agreement = signature.agreement
    try:
        link, token = issue_portal_link(
            contact=signature.contact,
            purpose=LinkPurpose.VIEW_AGREEMENT,
            agreement=agreement,
            ttl=SIGNED_COPY_LINK_TTL,
        )
        url = build_portal_url(token)
    except ValidationError as error:  # the contact was archived meanwhile: the PDF is the copy
        logger.info("signature %s: no portal link: %s", signature.pk, " ".join(error.messages))
        link, url = None, ""
    pdf = stored_signed_pdf(signed)
    context = {
        "signature": signature,
        "signed_by": signatures_on_record(signed),
        "pdf_sha256": signed.pdf_sha256,
        "agreement": agreement,
        "client": agreement.client,
        "version": agreement.version,
        "terms": agreement_terms(agreement),
        "link": link,
        "url": url,
    }
    return _sent(
        send_templated_email(
            to=signature.signer_email,
            subject=f"Your signed copy: {agreement.version.title}",
            template=SIGNED_COPY_TEMPLATE,
            context=context,
            related=agreement,
            attachments=[(signed_pdf_filename(signed), pdf, "application/pdf")],
        )
    )


def integrator_address(agreement) -> str:
    """Where the tenant (the integrator) gets its copy: its reply-to address, else whoever sent the
    agreement; "" when neither is known."""
    tenant = agreement.tenant
    if tenant.reply_to_email:
        return tenant.reply_to_email
    sender = sent_by(agreement)
    return getattr(sender, "email", "") or ""


def email_integrator_copy(signed: Signature) -> EmailLog | None:
    """Email the tenant its copy of the signed PDF with every signature (None when it has no address
    to send to: the staff notification still tells it)."""
    agreement = signed.agreement
    to = integrator_address(agreement)
    if not to:
        logger.info("agreement %s: no reply-to address or sender for the signed copy", agreement.pk)
        return None
    context = {
        "signed_by": signatures_on_record(signed),
        "pdf_sha256": signed.pdf_sha256,
        "agreement": agreement,
        "client": agreement.client,
        "version": agreement.version,
    }
    return _sent(
        send_templated_email(
            to=to,
            subject=f"Signed: {agreement.version.title} for {agreement.client.name}",
            template=INTEGRATOR_COPY_TEMPLATE,
            context=context,
            related=agreement,
            attachments=[(signed_pdf_filename(signed), stored_signed_pdf(signed), "application/pdf")],
        )
    )
