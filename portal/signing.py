"""Signing and declining through the portal: what the signer is shown and asked, and the checks on what
they typed.

A contact's Signature row for an agreement opens at their first view (sent and first-viewed times) and
closes when they sign or decline. Signing stores exactly the document shown (its HTML and SHA-256), the
consent they gave, who they said they were, from where, and the signed PDF with its certificate page.
The rows are written by contracts.signatures (contracts own them) and status changes go through
contracts.agreements (mark_signed, decline); this module decides what to hand them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction

from accounts.actors import actor_label
from contracts import signatures, signers
from contracts.documents import document_sha256, render_version
from contracts.models import Agreement, Signature, Signer, SignerStatus
from contracts.signature_images import clean_drawn_signature
from memberships.selectors import agreement_plan
from portal.models import LinkPurpose, PortalLink
from tenants.localtime import tenant_today

NAME_MAX_LENGTH = 200
REASON_MAX_LENGTH = 2000

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
    plan = agreement_plan(agreement, on=tenant_today(agreement.tenant))
    rendered = render_version(
        agreement.version,
        client=agreement.client,
        tier=plan.tier_key if plan else "",
        riders=plan.rider_keys if plan else (),
        tenant=agreement.tenant,
    )
    return ShownDocument(rendered.title, rendered.html, rendered.toc, document_sha256(rendered.html))


def _agreement_id(link: PortalLink) -> int:
    if link.agreement_id is None:
        raise ValidationError("This link is not for an agreement.")
    return link.agreement_id


def record_first_view(link: PortalLink, *, ip: str | None = None, user_agent: str = "") -> Signature | None:
    """Open the contact's signature record when they first see an agreement waiting for them: sent and
    first-viewed times, from where. Idempotent: later views change nothing. None when there is nothing
    to sign (a view-only link, or an agreement not waiting for a signature)."""
    if link.purpose != LinkPurpose.SIGN_AGREEMENT or link.agreement_id is None:
        return None
    return signatures.record_first_view(
        agreement_id=link.agreement_id,
        contact=link.contact,
        link_issued_at=link.created_at,
        actor=actor_label(contact=link.contact),
        ip=ip,
        user_agent=user_agent,
    )


def clean_typed_name(typed_name: str) -> str:
    name = re.sub(r"\s+", " ", typed_name or "").strip()
    if sum(ch.isalpha() for ch in name) < 2:
        raise ValidationError({"typed_name": "Type your full name to sign."})
    if len(name) > NAME_MAX_LENGTH:
        raise ValidationError({"typed_name": f"Keep your name under {NAME_MAX_LENGTH} characters."})
    return name


class DocumentChanged(ValidationError):
    """The document changed between showing it and signing it: the signer must read the new one."""


def signer_of(link: PortalLink) -> Signer | None:
    """The link's contact as a named signer of its agreement; None when the agreement names none."""
    if link.agreement_id is None:
        return None
    return Signer.objects.filter(agreement_id=link.agreement_id, contact_id=link.contact_id).first()


def waiting_for(signer: Signer) -> list[Signer]:
    """The other signers who have not signed yet, in their order."""
    return list(
        Signer.objects.filter(agreement_id=signer.agreement_id)
        .exclude(pk=signer.pk)
        .exclude(status=SignerStatus.SIGNED)
        .order_by("order", "pk")
    )


def needs_email_code(signer: Signer | None) -> bool:
    return signer is not None and signer.email_code_required and signer.email_verified_at is None


def _signer_to_prove(link: PortalLink) -> Signer:
    if link.purpose != LinkPurpose.SIGN_AGREEMENT:
        raise ValidationError("This link lets you view the agreement, not sign it.")
    agreement = signatures.agreement_to_sign(_agreement_id(link))
    signer = signers.refuse_unless_their_turn(agreement, link.contact)
    if signer is None or not signer.email_code_required:
        raise ValidationError("No code is needed to sign this agreement.")
    signer.agreement = agreement
    return signer


def send_email_code(link: PortalLink) -> Signer:
    """Email the link's signer a one-time code to prove their address (rate limited per signer)."""
    with transaction.atomic():
        signer = _signer_to_prove(link)
    signers.send_email_code(signer)
    return signer


def confirm_email_code(link: PortalLink, code: str) -> Signer:
    """Prove the link's signer's address with the code they typed; ValidationError says why not."""
    with transaction.atomic():
        signer = _signer_to_prove(link)
    return signers.check_email_code(signer, code)


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
    drawn_signature: str = "",
) -> Signature:
    """Sign the link's agreement as its contact. Guarantees, all in one transaction: the signer typed a
    name and ticked consent and intent; a drawn signature, if any, is a real small PNG; when the
    agreement names signers, it is this contact's turn and they proved their email address if a code
    is asked; the stored document is exactly the one shown (when the form says which hash it showed, a
    different current rendering is refused with DocumentChanged); the Signature row holds the trail
    and the PDF with its certificate page; the agreement is marked signed when this was the last
    signature it needed (history and the ``agreement.signed`` outbox event), else the next signers are
    invited. Raises ValidationError (per field where it can) and signs nothing otherwise. Not
    idempotent: a second call finds the signature made and refuses."""
    from portal.pdf import attach_signed_pdf

    if link.purpose != LinkPurpose.SIGN_AGREEMENT:
        raise ValidationError("This link lets you view the agreement, not sign it.")
    errors = {}
    try:
        name = clean_typed_name(typed_name)
    except ValidationError as error:
        errors.update(error.message_dict)
    try:
        drawn = clean_drawn_signature(drawn_signature)
    except ValidationError as error:
        errors.update(error.message_dict)
    if not consent:
        errors["consent"] = ["Tick this box to agree to sign electronically."]
    if not intent:
        errors["intent"] = ["Tick this box to confirm you sign the agreement."]
    if errors:
        raise ValidationError(errors)

    agreement = signatures.agreement_to_sign(_agreement_id(link))
    document = document_for(agreement)
    if shown_sha256 is not None and shown_sha256 != document.sha256:
        raise DocumentChanged(
            "The agreement changed while you were reading it. Please read the updated version below "
            "before you sign."
        )
    signature = signatures.record_signature(
        agreement_id=agreement.pk,
        contact=link.contact,
        link_issued_at=link.created_at,
        actor=actor_label(contact=link.contact),
        signer_name=name,
        ip=ip,
        user_agent=user_agent,
        consent_text=disclosure_for(agreement).text,
        document_html=document.html,
        document_sha256=document.sha256,
        drawn_signature=drawn,
    )
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
    agreement = signatures.agreement_to_sign(_agreement_id(link))
    signer_name = re.sub(r"\s+", " ", typed_name or "").strip()[:NAME_MAX_LENGTH]
    return signatures.record_decline(
        agreement_id=agreement.pk,
        contact=link.contact,
        link_issued_at=link.created_at,
        actor=actor_label(contact=link.contact),
        signer_name=signer_name,
        ip=ip,
        user_agent=user_agent,
        reason=reason,
        document_sha256=document_for(agreement).sha256,
    )
