"""What the portal does when the event bus hands it an event (imported by PortalConfig.ready): it emails
the clients (portal/client_emails.py, portal/invoice_emails.py, portal/reward_emails.py and
portal/reward_news_emails.py)."""

from datetime import datetime

from billing.models import Dispute, Invoice, InvoiceStatus
from contracts.models import Signature
from contracts.signers import signatures_on_record
from events.bus import subscribe
from portal import client_emails, dispute_emails, invoice_emails, reward_emails, reward_news_emails
from rewards.models import Reward
from tickets.models import Reply, Ticket


@subscribe("portal.client_ticket_emails", "ticket.replied", "ticket.resolved")
def email_client_about_ticket(event, *, now):
    """Staff's public reply, or the resolution, to the ticket's contact with a link to follow it."""
    if event.name == "ticket.replied":
        reply = (
            Reply.objects.select_related("ticket__client", "author")
            .filter(pk=event.payload["reply_id"])
            .first()
        )
        if reply is not None:
            client_emails.email_client_about_reply(reply)
        return
    ticket = Ticket.objects.select_related("client").filter(pk=event.payload["ticket_id"]).first()
    if ticket is not None:
        resolved_at = event.payload.get("resolved_at")
        client_emails.email_client_about_resolution(
            ticket,
            resolved_at=datetime.fromisoformat(resolved_at) if resolved_at else event.occurred_at,
        )


def _completing_signature(event) -> Signature | None:
    signature_id = event.payload.get("signature_id")
    if signature_id is None:
        return None
    return (
        Signature.objects.select_related(
            "agreement__client", "agreement__version", "agreement__tenant", "contact"
        )
        .filter(pk=signature_id, signed_at__isnull=False)
        .first()
    )


@subscribe("portal.signed_copies", "agreement.signed")
def email_signer_their_signed_copy(event, *, now):
    """Every signer gets the signed PDF with everyone's signatures (an agreement without named signers
    has one). An agreement marked signed without a portal signature (a paper contract entered by staff)
    has nobody to send it to."""
    signed = _completing_signature(event)
    if signed is None:
        return
    for signature in signatures_on_record(signed):
        client_emails.email_signed_copy(signature, signed=signed)


@subscribe("portal.integrator_signed_copy", "agreement.signed")
def email_integrator_the_signed_copy(event, *, now):
    """The tenant (the integrator) gets its copy of the PDF too, signed by everyone."""
    signed = _completing_signature(event)
    if signed is not None:
        client_emails.email_integrator_copy(signed)


@subscribe("portal.invoice_emails", "invoice.issued", "invoice.email_requested")
def email_invoice_to_client(event, *, now):
    """An issued invoice goes to the client with its PDF; staff may ask for it to be sent again."""
    invoice = (
        Invoice.objects.select_related("client", "tenant")
        .filter(pk=event.payload["invoice_id"])
        .exclude(status=InvoiceStatus.DRAFT)
        .first()
    )
    if invoice is not None:
        invoice_emails.email_invoice(invoice, to=event.payload.get("to", ""))


@subscribe("portal.dispute_emails", "invoice.disputed", *dispute_emails.DISPUTE_EVENTS)
def email_client_about_dispute(event, *, now):
    """Every step of a dispute is emailed to the client, with a link to the invoice's page and its thread."""
    dispute = (
        Dispute.objects.select_related("invoice__client", "invoice__tenant", "line", "contact", "credit_note")
        .filter(pk=event.payload["dispute_id"])
        .first()
    )
    if dispute is None:
        return
    message_id = event.payload.get("message_id")
    message = dispute.messages.filter(pk=message_id).first() if message_id else None
    dispute_emails.email_client_about_dispute(
        dispute, step=dispute_emails.STEP_OF_EVENT[event.name], message=message
    )


@subscribe("portal.reward_emails", "reward.granted")
def email_client_about_credit_reward(event, *, now):
    """Account credit from a reward is announced to the client (once per reward)."""
    if event.payload.get("kind") != "credit":
        return
    reward = Reward.objects.select_related("client", "tenant").filter(pk=event.payload["reward_id"]).first()
    if reward is not None:
        reward_emails.email_credit_reward(reward)


@subscribe("portal.reward_news_emails", "reward.granted")
def email_client_about_reward_news(event, *, now):
    """An anniversary's thank-you, or the news of a customer of the month, to the client's contacts."""
    if event.payload.get("program") not in reward_news_emails.TEMPLATES:
        return
    reward = Reward.objects.select_related("client", "tenant").filter(pk=event.payload["reward_id"]).first()
    if reward is not None:
        reward_news_emails.email_client_about_reward(reward)
