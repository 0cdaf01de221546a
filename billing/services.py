"""Writes of billing that follow an invoice after it is issued: payments, credit notes (and voiding),
account credit, and the billing settings of the company and of each client.

An issued invoice never changes (billing/migrations/0003): these services move only its status and the
running totals of what was paid (``amount_paid``) and credited (``amount_credited``), under the invoice's
row lock, and add payments, credit notes and history rows beside it.

The rules, in one place:

- A payment goes on an issued, partly paid or disputed invoice; it is more than zero and at most the
  balance. A payment that clears the balance makes the invoice paid, a partial one partly paid.
- The status follows what was paid and credited, in this order: void when everything was credited;
  disputed while a dispute of the invoice is open (billing/disputes.py), even when it is paid (the client
  may have paid under protest); else paid when nothing is left to pay, partly paid, issued.
  ``status_after_movement`` is that rule, and every service that moves an invoice calls it.
- A credit note reverses part or all of what is left of an invoice's lines (what a line charged minus
  what earlier credit notes took back from it): never more of a line than is left, never a credit note
  of zero or less in total, never more than is left to credit on the invoice. Its tax is the invoice's
  tax in proportion to the taxable amount credited so far (rounded once, on the running total, so the
  notes of one invoice add up to its tax exactly when everything has been credited). Its own numbers
  come from the gapless ``CN`` series.
- Crediting everything that is left voids the invoice, and ends a dispute open on it (resolved by that
  credit note). Otherwise the status follows the rule above.
- A credit note can cover money already paid: that part is given to the client as account credit
  (``grant_credit``, source "billing"), which their next invoice uses. Reversing an account-credit line
  gives back the account credit the invoice had used.
- Events: ``invoice.paid`` whenever an invoice becomes paid (a payment, a credit note that clears
  what was left of a partly paid one, or the end of a dispute of an invoice paid meanwhile);
  ``dispute.resolved`` when a dispute ends (``end_open_dispute``).
"""

from __future__ import annotations

import zoneinfo
from datetime import date
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone

from billing.issuing import (
    CENT,
    CREDIT_NOTE_SERIES,
    billing_settings,
    cents,
    document_number,
    history,
    take_sequences,
)
from billing.models import (
    OPEN_DISPUTE_STATUSES,
    BillingAccount,
    BillingSettings,
    ClientLabourDiscount,
    CreditEntry,
    CreditNote,
    CreditNoteLine,
    Dispute,
    DisputeParty,
    DisputeResolution,
    DisputeStatus,
    Invoice,
    InvoiceLine,
    InvoiceStatus,
    LineKind,
    Payment,
    PaymentMethod,
)
from billing.selectors import left_to_credit
from clients.models import Client
from contracts.coverage import WorkType
from contracts.documents import money
from events.services import record_event
from tenants.localtime import tenant_today
from tenants.scope import current_tenant

ZERO = Decimal("0.00")
PAYABLE = frozenset({InvoiceStatus.ISSUED, InvoiceStatus.PARTLY_PAID, InvoiceStatus.DISPUTED})
CREDITABLE = frozenset(
    {InvoiceStatus.ISSUED, InvoiceStatus.PARTLY_PAID, InvoiceStatus.PAID, InvoiceStatus.DISPUTED}
)
MAX_TAX_RATE = Decimal("100")


def money_amount(value, *, field: str, label: str) -> Decimal:
    """A positive amount in cents, or a ValidationError that says what is wrong with it."""
    try:
        amount = value if isinstance(value, Decimal) else Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        raise ValidationError({field: f"{label} must be a number, like 120.00."}) from None
    if not amount.is_finite():
        raise ValidationError({field: f"{label} must be a number, like 120.00."})
    if amount != amount.quantize(CENT):
        raise ValidationError({field: f"{label} is in cents: at most two decimals."})
    if amount <= 0:
        raise ValidationError({field: f"{label} must be more than zero."})
    return amount.quantize(CENT)


def lock_invoice(invoice: Invoice) -> Invoice:
    return Invoice.objects.select_for_update().select_related("client", "tenant").get(pk=invoice.pk)


def save_movement(invoice: Invoice) -> None:
    # Exactly the columns the immutability trigger lets an issued invoice move.
    invoice.save(update_fields=["status", "amount_paid", "amount_credited", "updated_at"])


def has_open_dispute(invoice: Invoice) -> bool:
    return Dispute.objects.filter(invoice=invoice, status__in=OPEN_DISPUTE_STATUSES).exists()


def status_after_movement(invoice: Invoice) -> str:
    """The status an issued invoice has for what was paid and credited on it and whether a dispute of it
    is open (see the module's rules): the one place that rule lives."""
    if invoice.total > 0 and invoice.amount_credited >= invoice.total:
        return InvoiceStatus.VOID
    if has_open_dispute(invoice):
        return InvoiceStatus.DISPUTED
    if invoice.balance <= 0:
        return InvoiceStatus.PAID
    return InvoiceStatus.PARTLY_PAID if invoice.amount_paid > 0 else InvoiceStatus.ISSUED


def _announce_paid(invoice: Invoice, was: str) -> None:
    if invoice.status == InvoiceStatus.PAID and was != InvoiceStatus.PAID:
        record_event(
            "invoice.paid",
            invoice_id=invoice.pk,
            client_id=invoice.client_id,
            number=invoice.number,
            total=str(invoice.total),
            currency=invoice.currency,
        )


# --- Payments ---------------------------------------------------------------------------------------


@transaction.atomic
def record_payment(
    invoice: Invoice, amount, paid_on: date, method: str, reference: str, actor: str, user=None
) -> Payment:
    """Record money received for ``invoice``: a Payment row, the invoice's ``amount_paid`` and status
    moved (paid when the balance is cleared, else partly paid; a disputed invoice stays disputed while
    its dispute is open), a history row, and ``invoice.paid`` when it became paid. Under the invoice's
    row lock, so two people recording at once never take the balance below zero.

    Raises ValidationError (by field) for an invoice that is not open for payment, an amount that is not
    more than zero or more than the balance, an unknown method, or a date in the future or before the
    invoice was issued."""
    invoice = lock_invoice(invoice)
    if invoice.status not in PAYABLE:
        state = InvoiceStatus(invoice.status).label.lower()
        raise ValidationError(f"{invoice} is {state}: payments are recorded on open invoices only.")
    amount = money_amount(amount, field="amount", label="The amount")
    if amount > invoice.balance:
        raise ValidationError(
            {
                "amount": f"The balance of {invoice} is {money(invoice.balance, invoice.currency)}: "
                f"a payment cannot be more than that."
            }
        )
    if method not in PaymentMethod.values:
        raise ValidationError({"method": f"Choose how it was paid: {', '.join(PaymentMethod.values)}."})
    if not isinstance(paid_on, date):
        raise ValidationError({"paid_on": "Say on which day it was paid."})
    if paid_on > tenant_today():
        raise ValidationError({"paid_on": "A payment cannot be dated in the future."})
    if paid_on < invoice.issued_on:
        raise ValidationError(
            {
                "paid_on": f"{invoice} was issued on {invoice.issued_on:%-d %b %Y}: a payment for it "
                f"cannot be dated earlier."
            }
        )
    reference = (reference or "").strip()
    if len(reference) > Payment._meta.get_field("reference").max_length:
        raise ValidationError({"reference": "A reference has at most 120 characters."})
    payment = Payment.objects.create(
        tenant_id=invoice.tenant_id,
        invoice=invoice,
        amount=amount,
        paid_on=paid_on,
        method=method,
        reference=reference,
        recorded_by=user,
        actor=actor,
    )
    was = invoice.status
    invoice.amount_paid += amount
    invoice.status = status_after_movement(invoice)
    save_movement(invoice)
    paid_in = PaymentMethod(method).label.lower()
    summary = f"Payment of {money(amount, invoice.currency)} by {paid_in}"
    summary += f" ({reference})" if reference else ""
    if invoice.status == InvoiceStatus.PAID:
        summary += ": paid in full"
    history(invoice, "paid" if invoice.status == InvoiceStatus.PAID else "payment", summary, actor=actor)
    _announce_paid(invoice, was)
    return payment


# --- The end of a dispute ---------------------------------------------------------------------------


def end_open_dispute(
    dispute: Dispute,
    *,
    status: str,
    resolution: str,
    actor: str,
    credit_note: CreditNote | None = None,
    party: str = DisputeParty.STAFF,
    now=None,
) -> Dispute:
    """Close ``dispute`` (open or awaiting the client), in the caller's transaction: resolved or withdrawn,
    how and when; the invoice's status moves by the module's rule (back to issued / partly paid / paid,
    or void), a history row says how it ended, ``dispute.resolved`` is recorded (with the ``party`` who
    ended it: the client accepting or withdrawing, else staff), and ``invoice.paid`` when
    the invoice is paid now. billing/disputes.py calls it for every ending, and ``issue_credit_note`` for a
    credit note that voids a disputed invoice."""
    invoice = lock_invoice(dispute.invoice)
    dispute = Dispute.objects.select_for_update().get(pk=dispute.pk)
    if not dispute.is_open:
        raise ValidationError(f"This dispute of {invoice} is already {dispute.get_status_display().lower()}.")
    now = now or timezone.now()
    dispute.status, dispute.resolution, dispute.credit_note = status, resolution, credit_note
    dispute.resolved_at = dispute.last_activity_at = now
    dispute.save(update_fields=["status", "resolution", "credit_note", "resolved_at", "last_activity_at"])
    was = invoice.status
    invoice.status = status_after_movement(invoice)
    if invoice.status != was:
        save_movement(invoice)
    how = {
        DisputeResolution.CREDIT_NOTE: f"resolved by credit note {credit_note.number if credit_note else ''}",
        DisputeResolution.EXPLANATION_ACCEPTED: "resolved: the client accepted the explanation",
        DisputeResolution.WITHDRAWN: "withdrawn",
    }[resolution]
    state = InvoiceStatus(invoice.status).label.lower()
    history(invoice, "dispute_" + status, f"Dispute {how}; the invoice is {state}", actor=actor, at=now)
    record_event(
        "dispute.resolved",
        dispute_id=dispute.pk,
        invoice_id=invoice.pk,
        client_id=invoice.client_id,
        number=invoice.number,
        status=dispute.status,
        resolution=dispute.resolution,
        credit_note_id=credit_note.pk if credit_note else None,
        party=party,
    )
    _announce_paid(invoice, was)
    dispute.invoice = invoice
    return dispute


# --- Credit notes -----------------------------------------------------------------------------------


def _requested_lines(invoice: Invoice, lines, left: dict[int, tuple[InvoiceLine, Decimal]]):
    if lines is None:
        return [(line, remaining) for line, remaining in left.values() if remaining != 0]
    chosen = []
    for line, raw in lines.items():
        if line.pk not in left:
            raise ValidationError({"lines": f"“{line}” is not a line of {invoice}."})
        line, remaining = left[line.pk]
        try:
            amount = raw if isinstance(raw, Decimal) else Decimal(str(raw).strip())
        except (InvalidOperation, ValueError):
            raise ValidationError({"lines": f"“{line}”: the amount must be a number."}) from None
        if not amount.is_finite() or amount != amount.quantize(CENT):
            raise ValidationError({"lines": f"“{line}”: the amount is in cents, at most two decimals."})
        if amount == 0:
            continue
        if remaining == 0:
            raise ValidationError({"lines": f"“{line}” is already fully credited."})
        if (amount > 0) != (remaining > 0):
            raise ValidationError(
                {
                    "lines": f"“{line}”: a credit reverses the line, so it has the line's sign "
                    f"({money(remaining, invoice.currency)} is left)."
                }
            )
        if abs(amount) > abs(remaining):
            raise ValidationError(
                {"lines": f"“{line}”: only {money(remaining, invoice.currency)} is left to credit."}
            )
        chosen.append((line, amount.quantize(CENT)))
    return chosen


def _credit_note_tax(invoice: Invoice, chosen, left, everything: bool) -> Decimal:
    """The invoice's tax in proportion to the taxable amount credited so far, minus the tax earlier
    notes took back: rounded on the running total, so the notes add up to the invoice's tax."""
    already = CreditNote.objects.filter(invoice=invoice).aggregate(tax=Sum("tax"))["tax"] or ZERO
    if everything:
        return invoice.tax - already
    taxable_total = sum((line.amount for line, _ in left.values() if line.taxable), ZERO)
    if invoice.tax == 0 or taxable_total <= 0:
        return ZERO
    credited_before = sum(
        (line.amount - remaining for line, remaining in left.values() if line.taxable), ZERO
    )
    credited_now = sum((amount for line, amount in chosen if line.taxable), ZERO)
    share = cents(invoice.tax * (credited_before + credited_now) / taxable_total)
    return min(max(share - already, ZERO), invoice.tax - already)


@transaction.atomic
def issue_credit_note(
    invoice: Invoice,
    *,
    lines: dict[InvoiceLine, Decimal] | None = None,
    reason: str,
    actor: str,
    on: date | None = None,
) -> CreditNote:
    """Issue a credit note on ``invoice`` reversing ``lines`` ({invoice line: amount to credit}), or
    everything that is left when ``lines`` is None; see the module's rules. Numbered from the tenant's
    gapless CN series in this transaction (a refusal uses no number). The invoice's ``amount_credited``
    and status move; a part already paid, and any account credit the reversed lines had used, go back to
    the client as account credit. Raises ValidationError with a plain message when it cannot be issued."""
    invoice = lock_invoice(invoice)
    if invoice.status not in CREDITABLE:
        state = InvoiceStatus(invoice.status).label.lower()
        raise ValidationError(f"{invoice} is {state}: there is nothing to credit.")
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": "Say why the invoice is credited: the client reads it."})
    if len(reason) > CreditNote._meta.get_field("reason").max_length:
        raise ValidationError({"reason": "A reason has at most 300 characters."})
    left = {line.pk: (line, remaining) for line, remaining in left_to_credit(invoice)}
    chosen = _requested_lines(invoice, lines, left)
    if not chosen:
        raise ValidationError({"lines": "Choose at least one line and an amount to credit."})
    credit_of = {line.pk: amount for line, amount in chosen}
    everything = all(credit_of.get(pk, ZERO) == remaining for pk, (_, remaining) in left.items())
    subtotal = sum((amount for _, amount in chosen), ZERO)
    tax = _credit_note_tax(invoice, chosen, left, everything)
    total = subtotal + tax
    open_to_credit = invoice.total - invoice.amount_credited
    if total <= 0:
        raise ValidationError({"lines": "A credit note must give something back: its total is not positive."})
    if total > open_to_credit:
        raise ValidationError(
            {
                "lines": f"This credit note ({money(total, invoice.currency)}) is more than is left to "
                f"credit on {invoice} ({money(open_to_credit, invoice.currency)})."
            }
        )
    on = on or tenant_today()
    (sequence,) = take_sequences(invoice.tenant_id, CREDIT_NOTE_SERIES)
    note = CreditNote.objects.create(
        tenant_id=invoice.tenant_id,
        invoice=invoice,
        sequence=sequence,
        number=document_number(CREDIT_NOTE_SERIES, on.year, sequence),
        issued_on=on,
        reason=reason,
        subtotal=subtotal,
        tax=tax,
        total=total,
        actor=actor,
    )
    CreditNoteLine.objects.bulk_create(
        CreditNoteLine(
            tenant_id=invoice.tenant_id,
            credit_note=note,
            invoice_line=line,
            description=line.description,
            amount=amount,
        )
        for line, amount in chosen
    )

    owed_before = max(invoice.balance, ZERO)
    was = invoice.status
    invoice.amount_credited += total
    invoice.status = status_after_movement(invoice)
    save_movement(invoice)
    summary = f"Credit note {note.number} for {money(total, invoice.currency)}: {reason}"
    history(invoice, "voided" if invoice.status == InvoiceStatus.VOID else "credited", summary, actor=actor)

    already_paid = total - owed_before  # the part of this note the client had already paid
    if already_paid > 0:
        grant_credit(
            invoice.client,
            already_paid,
            reason=f"{note.number}: already paid on {invoice.number}",
            source="billing",
            actor=actor,
            on=on,
        )
    returned = -sum((amount for line, amount in chosen if line.kind == LineKind.CREDIT and amount < 0), ZERO)
    if returned > 0:
        grant_credit(
            invoice.client,
            returned,
            reason=f"{note.number}: account credit used on {invoice.number} returned",
            source="billing",
            actor=actor,
            on=on,
        )
    if invoice.status == InvoiceStatus.VOID:
        dispute = Dispute.objects.filter(invoice=invoice, status__in=OPEN_DISPUTE_STATUSES).first()
        if dispute is not None:
            end_open_dispute(
                dispute,
                status=DisputeStatus.RESOLVED,
                resolution=DisputeResolution.CREDIT_NOTE,
                credit_note=note,
                actor=actor,
            )
    _announce_paid(invoice, was)
    return note


def void_invoice(invoice: Invoice, *, reason: str, actor: str, on: date | None = None) -> CreditNote:
    """Cancel an issued invoice: a credit note for everything that is left of it (the invoice keeps its
    number and becomes void; the series never has a gap)."""
    if invoice.status == InvoiceStatus.DRAFT:
        raise ValidationError(f"{invoice} is a draft: it has no number to void.")
    return issue_credit_note(invoice, lines=None, reason=reason, actor=actor, on=on)


# --- Emailing ---------------------------------------------------------------------------------------


def invoice_address(invoice: Invoice) -> str:
    """Where the client's invoices go: the billing account's invoice address, else the client's main
    address ("" when it has neither: the portal's emailer then tries the client's contacts)."""
    return client_invoice_address(invoice.client)


def client_invoice_address(client) -> str:
    """``invoice_address`` for a client (also where news about their account credit goes)."""
    account = BillingAccount.objects.filter(client_id=client.pk).first()
    if account is not None and account.invoice_email:
        return account.invoice_email
    return client.email


@transaction.atomic
def request_invoice_email(invoice: Invoice, *, actor: str, to: str = "") -> None:
    """Send the invoice to the client again (the portal emails it from the event bus, with the PDF):
    records ``invoice.email_requested`` and a history row. ``to`` overrides the usual address once."""
    if invoice.is_draft:
        raise ValidationError("A draft invoice cannot be emailed: issue it first.")
    to = (to or "").strip()
    if to:
        try:
            validate_email(to)
        except ValidationError:
            raise ValidationError({"to": f"{to!r} is not an email address."}) from None
    record_event("invoice.email_requested", invoice_id=invoice.pk, client_id=invoice.client_id, to=to)
    history(invoice, "email_requested", f"Email requested{' to ' + to if to else ''}", actor=actor)


def record_invoice_emailed(invoice: Invoice, *, to: str, actor: str) -> None:
    """The invoice's history says it was emailed, and to whom."""
    history(invoice, "emailed", f"Emailed to {to}", actor=actor)


def record_invoice_not_emailed(invoice: Invoice, *, why: str, actor: str) -> None:
    history(invoice, "not_emailed", f"Not emailed: {why}", actor=actor)


# --- Account credit ---------------------------------------------------------------------------------


@transaction.atomic
def grant_credit(
    client, amount, *, reason: str, source: str, actor: str, on: date | None = None
) -> CreditEntry:
    """Give ``client`` account credit (a reward, a goodwill gesture, money already paid on a credited
    invoice): a positive ledger entry, used by their next invoices. Not idempotent: call it once per
    grant (rewards keep their own record of what they granted)."""
    amount = money_amount(amount, field="amount", label="Account credit")
    reason, source = (reason or "").strip(), (source or "").strip()
    if not reason:
        raise ValidationError({"reason": "Say why the client gets this credit."})
    if not source:
        raise ValidationError({"source": "Say who grants the credit, e.g. 'rewards' or 'staff'."})
    return CreditEntry.objects.create(
        tenant_id=client.tenant_id,
        client=client,
        amount=amount,
        reason=reason[:300],
        source=source[:40],
        granted_on=on or tenant_today(),
        actor=actor,
    )


@transaction.atomic
def set_labour_discount(
    client,
    *,
    work_type: str,
    percent,
    on: date,
    reason: str,
    source: str,
    actor: str,
) -> ClientLabourDiscount | None:
    """From ``on``, ``client``'s work of ``work_type`` bills ``percent`` less on behalf of ``source``.

    Ends the source's open discount for that work type the day before ``on`` (a discount started on
    ``on`` itself is replaced, not ended) and starts the new one; ``percent`` 0 only ends it and
    returns None. Idempotent: the same percent and reason as the open discount changes nothing. Serialised
    per client (its row is locked), so two callers at once cannot both open a discount. A change dated
    before one already made by the source is refused: the history only moves forward.
    """
    if work_type not in dict(WorkType.CHOICES):
        raise ValidationError({"work_type": f"Unknown type of work {work_type!r}."})
    try:
        percent = Decimal(str(percent)).quantize(Decimal("0.01"))
    except (InvalidOperation, ValueError):
        raise ValidationError({"percent": "The discount is a percentage, like 10."}) from None
    if not ZERO <= percent <= Decimal("100"):
        raise ValidationError({"percent": "The discount is a percentage from 0 to 100."})
    reason, source = (reason or "").strip(), (source or "").strip()
    if not source:
        raise ValidationError({"source": "Say who grants the discount, e.g. 'best_practices'."})
    if percent and not reason:
        raise ValidationError({"reason": "Say why the client gets this discount."})
    Client.objects.select_for_update().filter(pk=client.pk).first()
    mine = ClientLabourDiscount.objects.filter(client=client, work_type=work_type, source=source[:40])
    if mine.filter(starts_on__gt=on).exists() or mine.filter(ends_on__gt=on).exists():
        raise ValidationError(f"This discount already changes after {on:%-d %b %Y}; it cannot change before.")
    current = mine.filter(ends_on__isnull=True).first()
    if current is not None:
        if current.percent == percent and current.reason == reason[:200]:
            return current
        if current.starts_on == on:
            current.delete()
        else:
            current.ends_on = on
            current.save(update_fields=["ends_on"])
    if not percent:
        return None
    return ClientLabourDiscount.objects.create(
        tenant_id=client.tenant_id,
        client=client,
        work_type=work_type,
        percent=percent,
        starts_on=on,
        reason=reason[:200],
        source=source[:40],
        actor=actor[:200],
    )


# --- Settings ---------------------------------------------------------------------------------------


def _tax_rate(value, *, field: str = "tax_rate_percent") -> Decimal:
    try:
        rate = value if isinstance(value, Decimal) else Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        raise ValidationError({field: "The tax rate is a percentage, like 8.875."}) from None
    if not rate.is_finite() or not ZERO <= rate <= MAX_TAX_RATE:
        raise ValidationError({field: "The tax rate is a percentage from 0 to 100."})
    if rate != rate.quantize(Decimal("0.001")):
        raise ValidationError({field: "The tax rate has at most three decimals."})
    return rate


EXPORT_CODES = (
    "membership_account_code",
    "labour_account_code",
    "xero_tax_type",
    "xero_exempt_tax_type",
    "qbo_tax_code",
    "qbo_exempt_tax_code",
)


@transaction.atomic
def update_billing_settings(
    *,
    tax_rate_percent,
    tax_label: str,
    payment_terms_days: int,
    run_hour: int,
    invoice_footer: str = "",
    **export_codes: str,
) -> BillingSettings:
    """The company's billing defaults (created on first save). Invoices already issued keep theirs.
    ``export_codes`` (any of EXPORT_CODES) are the account codes and tax names the accounting export
    writes; one left out keeps its current value, and none may be blank."""
    unknown = set(export_codes) - set(EXPORT_CODES)
    if unknown:
        raise TypeError(f"update_billing_settings() got unexpected arguments: {', '.join(sorted(unknown))}")
    tenant = current_tenant()
    settings = BillingSettings.objects.select_for_update().filter(tenant=tenant).first()
    settings = settings or BillingSettings(tenant=tenant)
    settings.tax_rate_percent = _tax_rate(tax_rate_percent)
    settings.tax_label = (tax_label or "").strip()
    if not settings.tax_label:
        raise ValidationError({"tax_label": "Name the tax as invoices show it, e.g. Sales tax or VAT."})
    if not isinstance(payment_terms_days, int) or not 0 <= payment_terms_days <= 365:
        raise ValidationError({"payment_terms_days": "Payment terms are 0 to 365 days."})
    if not isinstance(run_hour, int) or not 0 <= run_hour <= 23:
        raise ValidationError({"run_hour": "The billing run starts at an hour from 0 to 23."})
    settings.payment_terms_days = payment_terms_days
    settings.run_hour = run_hour
    settings.invoice_footer = (invoice_footer or "").strip()
    for name, value in export_codes.items():
        value = (value or "").strip()
        if not value:
            raise ValidationError(
                {name: "The export needs a value here: the code as your accounting tool has it."}
            )
        setattr(settings, name, value)
    settings.full_clean()
    settings.save()
    return settings


def current_billing_settings() -> BillingSettings:
    """The company's billing settings (unsaved defaults until someone saves them)."""
    return billing_settings(current_tenant().pk)


@transaction.atomic
def update_billing_account(
    client, *, tax_rate_percent=None, invoice_email: str = "", timezone: str = ""
) -> BillingAccount:
    """How one client is billed: its own tax rate (None: the company's), where its invoices go (empty:
    the client's main address) and its time zone (empty: the company's). Applies to invoices issued from
    now on."""
    account = BillingAccount.objects.select_for_update().filter(client=client).first()
    account = account or BillingAccount(tenant_id=client.tenant_id, client=client)
    account.tax_rate_percent = None if tax_rate_percent in (None, "") else _tax_rate(tax_rate_percent)
    account.invoice_email = (invoice_email or "").strip()
    timezone = (timezone or "").strip()
    if timezone and timezone not in zoneinfo.available_timezones():
        raise ValidationError({"timezone": f"{timezone!r} is not a known time zone (e.g. America/New_York)."})
    account.timezone = timezone
    account.full_clean(exclude=["client", "tenant"])
    account.save()
    return account
