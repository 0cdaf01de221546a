"""Signature rows: the audit trail of one contact signing or declining one agreement. Only this module
writes them.

A contact's Signature for an agreement opens at their first view (sent and first-viewed times, from
where) and closes when they sign or decline. The portal decides what the signer saw and agreed to (the
document, the disclosure), checks what they typed and renders the PDF; it hands those here. The
agreement's status changes through contracts.agreements (mark_signed, decline) in the same transaction.
"""

from __future__ import annotations

import hashlib
from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from contracts import agreements, campaigns, signers
from contracts.models import Agreement, AgreementStatus, Signature

USER_AGENT_MAX_LENGTH = 1000


def _clean_user_agent(user_agent: str) -> str:
    return (user_agent or "")[:USER_AGENT_MAX_LENGTH]


def _last_sent_at(agreement: Agreement, *, link_issued_at: datetime) -> datetime:
    sent = agreement.history.filter(kind__in=["sent", "resent"]).order_by("-at").values_list("at", flat=True)
    return sent.first() or link_issued_at


def _open_signature(agreement: Agreement, contact) -> Signature | None:
    return (
        Signature.objects.filter(
            agreement=agreement, contact=contact, signed_at__isnull=True, declined_at__isnull=True
        )
        .order_by("-id")
        .first()
    )


def _new_signature(agreement: Agreement, contact, *, link_issued_at: datetime, now: datetime) -> Signature:
    return Signature(
        tenant_id=agreement.tenant_id,
        agreement=agreement,
        contact=contact,
        sent_at=_last_sent_at(agreement, link_issued_at=link_issued_at),
        first_viewed_at=now,
    )


def _not_waiting(agreement: Agreement) -> ValidationError:
    if agreement.status == AgreementStatus.SUPERSEDED:
        return ValidationError(
            "This agreement was replaced by a newer agreement, so it can no longer be signed from this link."
        )
    if agreement.status == AgreementStatus.DECLINED:
        return ValidationError("This agreement was declined, so it can no longer be signed from this link.")
    if agreement.is_in_force:
        return ValidationError("This agreement is already signed.")
    return ValidationError("This agreement is not waiting for a signature.")


def lock_agreement(agreement_id: int) -> Agreement:
    """The agreement with its version, client and tenant, locked until the transaction ends: a signer's
    second click, or staff acting meanwhile, waits instead of acting on it twice."""
    return (
        Agreement.objects.select_for_update()
        .select_related("version", "client", "tenant")
        .get(pk=agreement_id)
    )


def agreement_to_sign(agreement_id: int) -> Agreement:
    """The agreement, locked, when it is waiting for a signature; else ValidationError saying why not."""
    agreement = lock_agreement(agreement_id)
    if agreement.status != AgreementStatus.SENT:
        raise _not_waiting(agreement)
    return agreement


@transaction.atomic
def record_first_view(
    *, agreement_id: int, contact, link_issued_at: datetime, actor: str, ip: str | None, user_agent: str
) -> Signature | None:
    """Open the contact's signature record when they first see the agreement waiting for them: sent and
    first-viewed times, from where, a ``viewed`` history row, and the campaign shows them as opened.
    Idempotent: later views change nothing. None when the agreement is not waiting for a signature."""
    agreement = lock_agreement(agreement_id)
    if agreement.status != AgreementStatus.SENT:
        return None
    signature = _open_signature(agreement, contact)
    if signature is None:
        signature = _new_signature(agreement, contact, link_issued_at=link_issued_at, now=timezone.now())
        signature.signer_email = contact.email
        signature.ip_address = ip or None
        signature.user_agent = _clean_user_agent(user_agent)
        signature.save()
        agreements.record_history(
            agreement,
            "viewed",
            actor=actor,
            signature_id=signature.pk,
            ip=ip or "",
            user_agent=_clean_user_agent(user_agent)[:300],
        )
        campaigns.record_opened(agreement=agreement, contact=contact)
    return signature


def _close_signature(agreement, contact, *, link_issued_at: datetime, now: datetime, signer_name: str,
                     ip: str | None, user_agent: str, **outcome) -> Signature:  # fmt: skip
    """The contact's signature record (opened now if they never viewed) closed with who, from where, and
    the outcome's fields (signed or declined, and what was shown)."""
    signature = _open_signature(agreement, contact) or _new_signature(
        agreement, contact, link_issued_at=link_issued_at, now=now
    )
    signature.signer_name = signer_name
    signature.signer_email = contact.email
    signature.ip_address = ip or None
    signature.user_agent = _clean_user_agent(user_agent)
    for field, value in outcome.items():
        setattr(signature, field, value)
    signature.save()
    return signature


@transaction.atomic
def record_signature(
    *,
    agreement_id: int,
    contact,
    link_issued_at: datetime,
    actor: str,
    signer_name: str,
    ip: str | None,
    user_agent: str,
    consent_text: str,
    document_html: str,
    document_sha256: str,
    drawn_signature: bytes | None = None,
) -> Signature:
    """Close the contact's signature record as signed (opening one if they never viewed): who, when, from
    where, the consent they gave, exactly the document shown (HTML and SHA-256), the drawn signature and
    when they proved their email address, if they did. Then, for an agreement that names its signers,
    the next ones are invited, or when this was the last the agreement is marked signed (history and the
    ``agreement.signed`` outbox event); an agreement without signers is signed by this one signature.
    Refuses with ValidationError unless the agreement is waiting for this contact's signature (checked
    under its row lock) and, when a code is asked, they proved their email address."""
    agreement = agreement_to_sign(agreement_id)
    signer = signers.refuse_unless_their_turn(agreement, contact)
    signers.refuse_unless_email_proved(signer)
    now = timezone.now()
    signature = _close_signature(
        agreement, contact, link_issued_at=link_issued_at, now=now, signer_name=signer_name, ip=ip,
        user_agent=user_agent, signed_at=now, consent_text=consent_text, document_html=document_html,
        document_sha256=document_sha256, drawn_signature=drawn_signature,
        email_verified_at=signer.email_verified_at if signer else None,
    )  # fmt: skip
    if signer is None:
        agreements.mark_signed(agreement, actor=actor, signature_id=signature.pk)
    else:
        signers.record_signed(agreement, signer, signature, actor=actor)
    return signature


@transaction.atomic
def record_decline(
    *,
    agreement_id: int,
    contact,
    link_issued_at: datetime,
    actor: str,
    signer_name: str,
    ip: str | None,
    user_agent: str,
    reason: str,
    document_sha256: str,
) -> Signature:
    """Close the contact's signature record as declined: when, from where, why, and the SHA-256 of the
    document they declined. The agreement becomes declined (history and the ``agreement.declined``
    outbox event) and may be sent again later. Refuses unless it is waiting for a signature."""
    agreement = agreement_to_sign(agreement_id)
    signer = signers.refuse_unless_their_turn(agreement, contact)
    now = timezone.now()
    signature = _close_signature(
        agreement, contact, link_issued_at=link_issued_at, now=now, signer_name=signer_name, ip=ip,
        user_agent=user_agent, declined_at=now, decline_reason=reason, document_sha256=document_sha256,
    )  # fmt: skip
    signers.record_declined(signer)
    agreements.decline(agreement, actor=actor, reason=reason)
    return signature


def store_signed_pdf(signature: Signature, pdf: bytes) -> Signature:
    """Keep the signed PDF with its SHA-256, so a file can later be checked byte for byte."""
    if signature.signed_at is None:
        raise ValueError("Only a completed signature has a signed PDF.")
    signature.pdf = pdf
    signature.pdf_sha256 = hashlib.sha256(pdf).hexdigest()
    signature.save(update_fields=["pdf", "pdf_sha256"])
    return signature
