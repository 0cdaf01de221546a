"""The invoice email: when an invoice is issued (or staff send it again), the client's invoice address
gets the summary, the PDF attached and a link to their account pages in the portal (their invoices, plan
and tickets). Sent from the event bus (portal/handlers.py).

Who gets it: the billing account's invoice address, else the client's main address (billing's
``invoice_address``), else the client's primary contact, else the first contact added with an address.
The portal link is bound to a contact: the one whose address it goes to, else the primary contact (the
inbox of the invoice address acts for the client). Without any contact the email goes without a link:
the PDF is the copy. A send that fails raises ``EmailNotSent`` so the bus retries it; the link issued for
it rolls back with it.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.urls import reverse

from billing import selectors as billing_selectors
from billing import services as billing
from billing.models import Invoice
from billing.pdf import invoice_pdf, pdf_filename
from clients.models import Contact
from contracts.documents import money
from contracts.emails import send_templated_email
from contracts.models import EmailLog
from portal.client_emails import EmailNotSent
from portal.links import issue_portal_link
from portal.models import LinkPurpose
from tenants.localtime import tenant_today

logger = logging.getLogger(__name__)

INVOICE_TEMPLATE = "portal/email/invoice"
# An invoice is looked at again until it is paid, often after its due date.
INVOICE_LINK_TTL = timedelta(days=60)
ACTOR = "system (invoice email)"


def _contacts(invoice: Invoice):
    return _client_contacts(invoice.client_id)


def _client_contacts(client_id: int):
    return Contact.objects.filter(client_id=client_id, archived_at__isnull=True).exclude(email="")


def invoice_recipient(invoice: Invoice) -> tuple[str, Contact | None]:
    """(address, contact the portal link is for): see the module's rules. ("", None) when nobody at the
    client has an email address."""
    return billing_recipient(invoice.client)


def billing_recipient(client) -> tuple[str, Contact | None]:
    """``invoice_recipient`` for a client: who hears about their invoices and account credit."""
    contacts = _client_contacts(client.pk).order_by("-is_primary", "created_at", "pk")
    address = billing.client_invoice_address(client)
    if address:
        same = next((c for c in contacts if c.email.casefold() == address.casefold()), None)
        return address, same or contacts.first()
    first = contacts.first()
    return (first.email, first) if first else ("", None)


def _account_url(contact: Contact | None, invoice: Invoice) -> str:
    if contact is None:
        return ""
    try:
        _, token = issue_portal_link(contact=contact, purpose=LinkPurpose.ACCOUNT, ttl=INVOICE_LINK_TTL)
    except ValidationError as error:
        logger.info("invoice %s: no portal link for %s: %s", invoice.pk, contact.pk, " ".join(error.messages))
        return ""
    return f"{settings.SITE_URL}{reverse('portal:invoice', kwargs={'token': token, 'pk': invoice.pk})}"


def email_invoice(invoice: Invoice, *, to: str = "") -> EmailLog | None:
    """Email ``invoice`` (its summary, its PDF and a portal link) to the client, or to ``to``; record it
    in the invoice's history. None (and a history row saying why) when there is nobody to send it to."""
    address, contact = invoice_recipient(invoice)
    if to:
        address = to
        contact = next((c for c in _contacts(invoice) if c.email.casefold() == to.casefold()), contact)
    if not address:
        billing.record_invoice_not_emailed(
            invoice, why="the client has no invoice address, main address or contact with one", actor=ACTOR
        )
        logger.info("invoice %s: nobody at client %s has an email address", invoice.pk, invoice.client_id)
        return None
    currency = invoice.currency
    detail = billing_selectors.invoice_detail(invoice)
    context = {
        "invoice": invoice,
        "client": invoice.client,
        "contact": contact,
        "detail": detail,
        "url": _account_url(contact, invoice),
        "total": money(invoice.total, currency),
        "balance": money(max(invoice.balance, 0), currency),
        "is_overdue": detail.standing == billing_selectors.OVERDUE_STANDING,
        "today": tenant_today(invoice.tenant),
    }
    subject = f"Invoice {invoice.number} from {invoice.tenant.name}: {context['total']}"
    if invoice.balance > 0:
        subject += f", due {invoice.due_on:%-d %b %Y}"
    log = send_templated_email(
        to=address,
        subject=subject,
        template=INVOICE_TEMPLATE,
        context=context,
        related=invoice,
        attachments=[(pdf_filename(invoice), invoice_pdf(invoice), "application/pdf")],
    )
    if log.status != "sent":
        raise EmailNotSent(f"The email to {log.to} was not sent: {log.error}")
    billing.record_invoice_emailed(invoice, to=address, actor=ACTOR)
    return log
