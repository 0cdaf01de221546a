"""Signing and declining through the portal: the audit trail of a signature, kept on its Signature row.

A contact's Signature row for an agreement opens at their first view (sent and first-viewed times) and
closes when they sign or decline. Signing stores exactly the document shown (its HTML and SHA-256), the
consent they gave, who they said they were, from where, and the signed PDF with its certificate page.
Status changes go through contracts.agreements (mark_signed, decline), never set here.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from contracts import agreements, campaigns
from contracts.documents import document_sha256, render_version
from contracts.models import Agreement, AgreementStatus, Signature
from portal.models import LinkPurpose, PortalLink

NAME_MAX_LENGTH = 200
REASON_MAX_LENGTH = 2000
USER_AGENT_MAX_LENGTH = 1000

# The e-sign disclosure, shown above the form and stored word for word with each signature. Changing it
# changes what new signers see; signatures already made keep the text they agreed to.
DISCLOSURE = (
    "{tenant} asks you to sign this agreement electronically. Before you do, please note:",
    "Your typed name is your signature. It has the same effect as signing a paper copy by hand.",
    "The agreement and the record of your signature are kept electronically. After signing you can "
    "download them as a PDF file; keep it for your records.",
    "You don't have to sign electronically. To sign on paper instead, or to get a paper copy at no "
    "charge, reply to the email this link came in.",
    "Until you press Sign you can stop at any time by closing this page, or decline with a reason.",
    "To open and keep the PDF you need a device that can show PDF files, such as this one.",
)
CONSENT_STATEMENT = "I agree to use electronic records and signatures for this agreement."
INTENT_STATEMENT = "I have read the agreement and I sign it on behalf of {client}."


@dataclass(frozen=True)
class Disclosure:
    """What the signer reads and ticks, as shown on the page and stored on the signature."""

    intro: str
    points: tuple[str, ...]
    consent: str
    intent: str

    @property
    def text(self) -> str:
        """The record stored with the signature: the disclosure and both statements as ticked."""
        lines = [self.intro, *(f"- {point}" for point in self.points), "", f"[x] {self.consent}"]
        return "\n".join([*lines, f"[x] {self.intent}"])


def disclosure_for(agreement: Agreement) -> Disclosure:
    intro, *points = DISCLOSURE
    return Disclosure(
        intro=intro.format(tenant=agreement.tenant.name),
        points=tuple(points),
        consent=CONSENT_STATEMENT,
        intent=INTENT_STATEMENT.format(client=agreement.client.name),
    )


@dataclass(frozen=True)
class ShownDocument:
    title: str
    html: str
    toc: object
    sha256: str


def document_for(agreement: Agreement) -> ShownDocument:
    """The agreement's document as the signer sees it, with the SHA-256 of exactly that HTML."""
    rendered = render_version(
        agreement.version,
        client=agreement.client,
        tier=agreement.tier,
        riders=tuple(agreement.riders),
        tenant=agreement.tenant,
    )
    return ShownDocument(rendered.title, rendered.html, rendered.toc, document_sha256(rendered.html))


def _actor(link: PortalLink, name: str = "") -> str:
    contact = link.contact
    return f"{name or contact.full_name} <{contact.email}> via the client portal"[:200]


def _last_sent_at(agreement: Agreement, link: PortalLink):
    sent = agreement.history.filter(kind__in=["sent", "resent"]).order_by("-at").values_list("at", flat=True)
    return sent.first() or link.created_at


def _open_signature(agreement: Agreement, link: PortalLink) -> Signature | None:
    return (
        Signature.objects.filter(
            agreement=agreement, contact=link.contact, signed_at__isnull=True, declined_at__isnull=True
        )
        .order_by("-id")
        .first()
    )


def _clean_user_agent(user_agent: str) -> str:
    return (user_agent or "")[:USER_AGENT_MAX_LENGTH]


def _lock_agreement(link: PortalLink) -> Agreement:
    if link.agreement_id is None:
        raise ValidationError("This link is not for an agreement.")
    return (
        Agreement.objects.select_for_update()
        .select_related("version", "client", "tenant")
        .get(pk=link.agreement_id)
    )


@transaction.atomic
def record_first_view(link: PortalLink, *, ip: str | None = None, user_agent: str = "") -> Signature | None:
    """Open the contact's signature record when they first see an agreement waiting for them: sent and
    first-viewed times, from where. Idempotent: later views change nothing. None when there is nothing
    to sign (a view-only link, or an agreement not waiting for a signature)."""
    if link.purpose != LinkPurpose.SIGN_AGREEMENT or link.agreement_id is None:
        return None
    agreement = _lock_agreement(link)
    if agreement.status != AgreementStatus.SENT:
        return None
    signature = _open_signature(agreement, link)
    if signature is None:
        now = timezone.now()
        signature = Signature.objects.create(
            tenant_id=agreement.tenant_id, agreement=agreement, contact=link.contact,
            signer_email=link.contact.email, sent_at=_last_sent_at(agreement, link), first_viewed_at=now,
            ip_address=ip or None, user_agent=_clean_user_agent(user_agent),
        )  # fmt: skip
        agreements.record_history(
            agreement, "viewed", actor=_actor(link), signature_id=signature.pk, ip=ip or "",
            user_agent=_clean_user_agent(user_agent)[:300],
        )  # fmt: skip
        campaigns.record_opened(agreement=agreement, contact=link.contact)
    return signature


def clean_typed_name(typed_name: str) -> str:
    name = re.sub(r"\s+", " ", typed_name or "").strip()
    if sum(ch.isalpha() for ch in name) < 2:
        raise ValidationError({"typed_name": "Type your full name to sign."})
    if len(name) > NAME_MAX_LENGTH:
        raise ValidationError({"typed_name": f"Keep your name under {NAME_MAX_LENGTH} characters."})
    return name


def _not_waiting(agreement: Agreement) -> ValidationError:
    if agreement.status == AgreementStatus.DECLINED:
        return ValidationError("This agreement was declined, so it can no longer be signed from this link.")
    if agreement.is_in_force:
        return ValidationError("This agreement is already signed.")
    return ValidationError("This agreement is not waiting for a signature.")


class DocumentChanged(ValidationError):
    """The document changed between showing it and signing it: the signer must read the new one."""


@transaction.atomic
def sign_agreement(
    link: PortalLink,
    *,
    typed_name: str,
    consent: bool,
    intent: bool,
    ip: str | None,
    user_agent: str,
    shown_sha256: str | None = None,
) -> Signature:
    """Sign the link's agreement as its contact. Guarantees, all in one transaction: the signer typed a
    name and ticked consent and intent; the stored document is exactly the one shown (when the form
    says which hash it showed, a different current rendering is refused with DocumentChanged); the
    Signature row holds the trail and the PDF with its certificate page; the agreement is marked signed
    (history and the ``agreement.signed`` outbox event). Raises ValidationError (per field where it can)
    and signs nothing otherwise. Not idempotent: a second call finds the agreement signed and refuses."""
    from portal.pdf import attach_signed_pdf

    if link.purpose != LinkPurpose.SIGN_AGREEMENT:
        raise ValidationError("This link lets you view the agreement, not sign it.")
    errors = {}
    try:
        name = clean_typed_name(typed_name)
    except ValidationError as error:
        errors.update(error.message_dict)
    if not consent:
        errors["consent"] = ["Tick this box to agree to sign electronically."]
    if not intent:
        errors["intent"] = ["Tick this box to confirm you sign the agreement."]
    if errors:
        raise ValidationError(errors)

    agreement = _lock_agreement(link)
    if agreement.status != AgreementStatus.SENT:
        raise _not_waiting(agreement)
    document = document_for(agreement)
    if shown_sha256 is not None and shown_sha256 != document.sha256:
        raise DocumentChanged(
            "The agreement changed while you were reading it. Please read the updated version below "
            "before you sign."
        )
    now = timezone.now()
    signature = _open_signature(agreement, link) or Signature(
        tenant_id=agreement.tenant_id, agreement=agreement, contact=link.contact,
        sent_at=_last_sent_at(agreement, link), first_viewed_at=now,
    )  # fmt: skip
    signature.signer_name = name
    signature.signer_email = link.contact.email
    signature.ip_address = ip or None
    signature.user_agent = _clean_user_agent(user_agent)
    signature.signed_at = now
    signature.consent_text = disclosure_for(agreement).text
    signature.document_html = document.html
    signature.document_sha256 = document.sha256
    signature.save()
    agreements.mark_signed(agreement, actor=_actor(link, name), signature_id=signature.pk)
    return attach_signed_pdf(signature)


@transaction.atomic
def decline_agreement(
    link: PortalLink, *, reason: str, ip: str | None, user_agent: str, typed_name: str = ""
) -> Signature:
    """Decline the link's agreement with a reason. The contact's signature record keeps when, from
    where, why, and the SHA-256 of the document they declined; the agreement becomes declined (history
    and the ``agreement.declined`` outbox event) and may be sent again later."""
    if link.purpose != LinkPurpose.SIGN_AGREEMENT:
        raise ValidationError("This link lets you view the agreement, not decline it.")
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": "Please say why, so the team can follow up."})
    if len(reason) > REASON_MAX_LENGTH:
        raise ValidationError({"reason": f"Keep the reason under {REASON_MAX_LENGTH} characters."})
    agreement = _lock_agreement(link)
    if agreement.status != AgreementStatus.SENT:
        raise _not_waiting(agreement)
    document = document_for(agreement)
    now = timezone.now()
    signature = _open_signature(agreement, link) or Signature(
        tenant_id=agreement.tenant_id, agreement=agreement, contact=link.contact,
        sent_at=_last_sent_at(agreement, link), first_viewed_at=now,
    )  # fmt: skip
    signature.signer_name = re.sub(r"\s+", " ", typed_name or "").strip()[:NAME_MAX_LENGTH]
    signature.signer_email = link.contact.email
    signature.ip_address = ip or None
    signature.user_agent = _clean_user_agent(user_agent)
    signature.declined_at = now
    signature.decline_reason = reason
    signature.document_sha256 = document.sha256
    signature.save()
    agreements.decline(agreement, actor=_actor(link, signature.signer_name), reason=reason)
    return signature
