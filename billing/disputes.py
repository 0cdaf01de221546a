"""Invoice disputes: a client contests an issued invoice, or one line of it, and staff answer until it ends.

The life of a dispute, in one place:

- **Open** (``open_dispute``): from the portal by a contact of the invoice's client, or by staff on the
  client's behalf (a phone call). An issued, partly paid or paid invoice can be disputed (not a draft,
  not a void one); at most one dispute per invoice is open at a time (a partial unique constraint stands
  behind the check, and the invoice's row lock makes two racing requests take turns). The reason is
  required; the amount is optional, more than zero and at most what is left of the line (or of the
  invoice) to credit. A line must be a line of that invoice with something positive left.
- **Talk** (``reply``): either side writes in the thread while it is open. A client's reply to an
  explanation means they do not accept it yet: the dispute is open again (staff's turn).
- **Explain** (``propose_explanation``): staff say why the invoice stands; the dispute awaits the client,
  who accepts it (``accept_explanation``: resolved, the invoice stands) or replies.
- **Credit** (``resolve_with_credit_note``): staff issue a credit note on the invoice (everything left,
  or amounts per line: ``billing.services.issue_credit_note``'s rules) and the dispute is resolved by it.
- **Withdraw** (``withdraw``): the client, or staff for them, drops it.

While a dispute is open the invoice's status is ``disputed``; when it ends, the status follows what was
paid and credited (``billing.services.status_after_movement``, the one place of that rule). Every step
writes the invoice's history and records an event the portal emails the client about (portal/handlers.py):
``invoice.disputed`` (opened), ``dispute.replied``, ``dispute.explained`` and ``dispute.resolved`` (ended,
however it ended: ``resolution`` says how). Each says which side acted: ``opened_by`` on ``invoice.disputed``,
``party`` on the others (staff for a credit note or an explanation). ``invoice.disputed`` and
``dispute.resolved`` are webhooks too; notifications/dispute_notices.py tells staff of the client's acts.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from billing.issuing import history
from billing.models import (
    OPEN_DISPUTE_STATUSES,
    Dispute,
    DisputeMessage,
    DisputeMessageKind,
    DisputeParty,
    DisputeResolution,
    DisputeStatus,
    Invoice,
    InvoiceLine,
    InvoiceStatus,
)
from billing.selectors import left_to_credit
from billing.services import (
    end_open_dispute,
    issue_credit_note,
    lock_invoice,
    money_amount,
    save_movement,
    status_after_movement,
)
from contracts.documents import money
from events.services import record_event

DISPUTABLE = frozenset({InvoiceStatus.ISSUED, InvoiceStatus.PARTLY_PAID, InvoiceStatus.PAID})
REASON_MAX_LENGTH = 2000
BODY_MAX_LENGTH = 4000
ZERO = Decimal("0.00")


def _text(value, *, field: str, what: str, max_length: int) -> str:
    value = (value or "").strip()
    if not value:
        raise ValidationError({field: what})
    if len(value) > max_length:
        raise ValidationError({field: f"At most {max_length} characters, please ({len(value)} now)."})
    return value


def _author(party: str, *, contact=None, user=None, invoice: Invoice) -> str:
    """The name the thread shows: the contact's, the staff member's, else the company's (an API key)."""
    if party == DisputeParty.CLIENT:
        return contact.full_name if contact is not None else invoice.client.name
    if user is not None:
        return user.full_name or user.email
    return invoice.tenant.name


def _check_party(party: str, contact, invoice: Invoice) -> None:
    if party not in DisputeParty.values:
        raise ValueError(f"A dispute's party is 'client' or 'staff', not {party!r}.")
    if party == DisputeParty.CLIENT and (contact is None or contact.client_id != invoice.client_id):
        raise ValidationError("Only a contact of the invoice's client can speak for the client.")


def _message(dispute, *, party, body, kind=DisputeMessageKind.MESSAGE, contact=None, user=None, actor, at):
    return DisputeMessage.objects.create(
        tenant_id=dispute.tenant_id,
        dispute=dispute,
        party=party,
        kind=kind,
        body=body,
        contact=contact,
        user=user if party == DisputeParty.STAFF else None,
        author=_author(party, contact=contact, user=user, invoice=dispute.invoice),
        actor=actor,
        at=at,
    )


def _what(dispute: Dispute) -> str:
    return f"“{dispute.line.description}”" if dispute.line_id else "the invoice"


def _locked(dispute: Dispute) -> Dispute:
    """The dispute under its invoice's row lock (every dispute step takes it, in the same order)."""
    lock_invoice(dispute.invoice)
    rows = Dispute.objects.select_for_update(of=("self",)).select_related(
        "invoice__client", "invoice__tenant", "line"
    )
    return rows.get(pk=dispute.pk)


def _require_open(dispute: Dispute) -> None:
    if not dispute.is_open:
        state = dispute.get_status_display().lower()
        raise ValidationError(f"This dispute of {dispute.invoice} is {state}: it takes no more steps.")


def at_stake(invoice: Invoice, line: InvoiceLine | None) -> Decimal:
    """What is left to dispute: of the line, what earlier credit notes did not take back; of the invoice,
    its total less what was credited."""
    if line is None:
        return invoice.total - invoice.amount_credited
    return {row.pk: left for row, left in left_to_credit(invoice)}.get(line.pk, ZERO)


@transaction.atomic
def open_dispute(
    invoice: Invoice,
    *,
    reason: str,
    party: str,
    actor: str,
    line: InvoiceLine | None = None,
    amount=None,
    contact=None,
    user=None,
    now=None,
) -> Dispute:
    """Open a dispute of ``invoice`` (or of its ``line``) with ``reason`` and perhaps an ``amount``: see the
    module's rules. The invoice becomes disputed; the reason opens the thread; a history row and
    ``invoice.disputed`` are recorded. Raises ValidationError (by field) when it cannot be opened."""
    invoice = lock_invoice(invoice)
    _check_party(party, contact, invoice)
    if (
        invoice.status == InvoiceStatus.DISPUTED
        or Dispute.objects.filter(invoice=invoice, status__in=OPEN_DISPUTE_STATUSES).exists()
    ):
        raise ValidationError(f"{invoice} is already disputed: add to that dispute instead of another.")
    if invoice.status not in DISPUTABLE:
        state = InvoiceStatus(invoice.status).label.lower()
        raise ValidationError(f"{invoice} is {state}: there is nothing to dispute.")
    reason = _text(reason, field="reason", what="Say what is wrong with it.", max_length=REASON_MAX_LENGTH)
    if line is not None and line.invoice_id != invoice.pk:
        raise ValidationError({"line": f"“{line}” is not a line of {invoice}."})
    left = at_stake(invoice, line)
    if left <= 0:
        field = "line" if line else "amount"
        raise ValidationError({field: f"Nothing is left of {line or invoice} to dispute."})
    if amount not in (None, ""):
        amount = money_amount(amount, field="amount", label="The disputed amount")
        if amount > left:
            of = f"“{line}”" if line else str(invoice)
            raise ValidationError(
                {"amount": f"At most {money(left, invoice.currency)} of {of} can be disputed."}
            )
    else:
        amount = None
    now = now or timezone.now()
    try:
        with transaction.atomic():
            dispute = Dispute.objects.create(
                tenant_id=invoice.tenant_id,
                invoice=invoice,
                line=line,
                amount=amount,
                amount_at_stake=amount if amount is not None else left,
                reason=reason,
                opened_by=party,
                contact=contact,
                actor=actor,
                opened_at=now,
                last_activity_at=now,
            )
    except IntegrityError:  # another request opened one between our check and our insert
        raise ValidationError(f"{invoice} is already disputed.") from None
    dispute.invoice = invoice
    _message(dispute, party=party, body=reason, contact=contact, user=user, actor=actor, at=now)
    was = invoice.status
    invoice.status = status_after_movement(invoice)
    if invoice.status != was:
        save_movement(invoice)
    on_behalf = "" if party == DisputeParty.CLIENT else " (for the client)"
    summary = f"Disputed{on_behalf}: {_what(dispute)}"
    if amount is not None:
        summary += f", {money(amount, invoice.currency)}"
    history(invoice, "disputed", f"{summary}: {reason}", actor=actor, at=now)
    record_event(
        "invoice.disputed",
        dispute_id=dispute.pk,
        invoice_id=invoice.pk,
        client_id=invoice.client_id,
        number=invoice.number,
        line_id=line.pk if line else None,
        amount=str(dispute.amount_at_stake),
        currency=invoice.currency,
        opened_by=party,
    )
    return dispute


@transaction.atomic
def reply(dispute: Dispute, *, body: str, party: str, actor: str, contact=None, user=None, now=None):
    """Add ``body`` to the thread of an open dispute; a client's reply to an explanation reopens it for
    staff. History row and ``dispute.replied``. Returns the message."""
    dispute = _locked(dispute)
    _require_open(dispute)
    _check_party(party, contact, dispute.invoice)
    body = _text(body, field="body", what="Write a message first.", max_length=BODY_MAX_LENGTH)
    now = now or timezone.now()
    message = _message(dispute, party=party, body=body, contact=contact, user=user, actor=actor, at=now)
    dispute.last_activity_at = now
    fields = ["last_activity_at"]
    if party == DisputeParty.CLIENT and dispute.status == DisputeStatus.AWAITING_CLIENT:
        dispute.status = DisputeStatus.OPEN
        fields.append("status")
    dispute.save(update_fields=fields)
    who = "The client" if party == DisputeParty.CLIENT else "Staff"
    history(dispute.invoice, "dispute_message", f"{who} wrote on the dispute: {body}", actor=actor, at=now)
    _announce_step("dispute.replied", dispute, message)
    return message


@transaction.atomic
def propose_explanation(dispute: Dispute, *, body: str, actor: str, user=None, now=None):
    """Staff explain why the invoice stands: the dispute awaits the client's acceptance (or reply).
    History row and ``dispute.explained``. Returns the message."""
    dispute = _locked(dispute)
    _require_open(dispute)
    body = _text(
        body,
        field="body",
        what="Explain why the invoice is right: the client reads it.",
        max_length=BODY_MAX_LENGTH,
    )
    now = now or timezone.now()
    message = _message(
        dispute,
        party=DisputeParty.STAFF,
        kind=DisputeMessageKind.EXPLANATION,
        body=body,
        user=user,
        actor=actor,
        at=now,
    )
    dispute.status, dispute.last_activity_at = DisputeStatus.AWAITING_CLIENT, now
    dispute.save(update_fields=["status", "last_activity_at"])
    summary = f"Explanation proposed to the client: {body}"
    history(dispute.invoice, "dispute_explained", summary, actor=actor, at=now)
    _announce_step("dispute.explained", dispute, message)
    return message


@transaction.atomic
def accept_explanation(dispute: Dispute, *, actor: str, contact=None, party=DisputeParty.CLIENT, now=None):
    """The client accepts staff's explanation (in the portal, or staff record it for them): resolved, the
    invoice stands. Only while the dispute awaits the client."""
    dispute = _locked(dispute)
    _require_open(dispute)
    _check_party(party, contact, dispute.invoice)
    if dispute.status != DisputeStatus.AWAITING_CLIENT:
        raise ValidationError("There is no explanation waiting for the client's answer.")
    return end_open_dispute(
        dispute,
        status=DisputeStatus.RESOLVED,
        resolution=DisputeResolution.EXPLANATION_ACCEPTED,
        party=party,
        actor=actor,
        now=now,
    )


@transaction.atomic
def withdraw(dispute: Dispute, *, party: str, actor: str, note: str = "", contact=None, user=None, now=None):
    """The client (or staff for them) withdraws the dispute; an optional note goes in the thread first."""
    dispute = _locked(dispute)
    _require_open(dispute)
    _check_party(party, contact, dispute.invoice)
    now = now or timezone.now()
    if note := (note or "").strip():
        note = _text(note, field="note", what="", max_length=BODY_MAX_LENGTH)
        _message(
            dispute,
            party=party,
            kind=DisputeMessageKind.CLOSING,
            body=note,
            contact=contact,
            user=user,
            actor=actor,
            at=now,
        )
    return end_open_dispute(
        dispute,
        status=DisputeStatus.WITHDRAWN,
        resolution=DisputeResolution.WITHDRAWN,
        party=party,
        actor=actor,
        now=now,
    )


@transaction.atomic
def resolve_with_credit_note(
    dispute: Dispute,
    *,
    reason: str,
    actor: str,
    lines: dict[InvoiceLine, Decimal] | None = None,
    note: str = "",
    user=None,
    on: date | None = None,
    now=None,
) -> Dispute:
    """Resolve the dispute by a credit note on its invoice: ``lines`` ({invoice line: amount}) or
    everything that is left when None (which voids the invoice), by ``billing.services.issue_credit_note``'s
    rules; ``reason`` is the credit note's. An optional ``note`` to the client goes in the thread. The
    dispute ends resolved, linked to the credit note. Raises ValidationError when the note cannot be
    issued (nothing is written then)."""
    dispute = _locked(dispute)
    _require_open(dispute)
    if note := (note or "").strip():
        note = _text(note, field="note", what="", max_length=BODY_MAX_LENGTH)
        _message(
            dispute,
            party=DisputeParty.STAFF,
            kind=DisputeMessageKind.CLOSING,
            body=note,
            user=user,
            actor=actor,
            at=now or timezone.now(),
        )
    credit_note = issue_credit_note(dispute.invoice, lines=lines, reason=reason, actor=actor, on=on)
    dispute.refresh_from_db()
    if not dispute.is_open:  # the credit note voided the invoice, which ended the dispute with it
        return dispute
    return end_open_dispute(
        dispute,
        status=DisputeStatus.RESOLVED,
        resolution=DisputeResolution.CREDIT_NOTE,
        credit_note=credit_note,
        actor=actor,
        now=now,
    )


def _announce_step(name: str, dispute: Dispute, message: DisputeMessage) -> None:
    record_event(
        name,
        dispute_id=dispute.pk,
        invoice_id=dispute.invoice_id,
        client_id=dispute.invoice.client_id,
        message_id=message.pk,
        party=message.party,
        status=dispute.status,
    )


def record_dispute_emailed(dispute: Dispute, *, to: str, about: str, actor: str) -> None:
    """The invoice's history says the client was emailed about a step of its dispute."""
    history(dispute.invoice, "dispute_emailed", f"Emailed to {to}: {about}", actor=actor)
