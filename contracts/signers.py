"""Who must sign an agreement, in what order, and their progress: only this module writes Signer rows.

An agreement may name its signers (the client's owner, then its finance lead...). Signers with the same
``order`` sign in parallel; a later order is emailed its link only once every earlier signer has signed.
The agreement becomes signed (contracts.agreements.mark_signed, which supersedes per its rules) when the
last signer signs; one decline declines it. Sending again restarts the round: everyone signs again.

An agreement without signers keeps the older rule (any contact of the client who may sign signs it
alone), so campaigns and agreements sent before signers existed work unchanged.

A signer may have to prove control of their email address first: a 6-digit code emailed to them, kept
only as an HMAC, valid ``CODE_TTL`` for ``CODE_ATTEMPTS`` tries, at most a few codes an hour. The time
they proved it is copied onto their Signature (the evidence) and printed on the certificate.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.crypto import constant_time_compare, salted_hmac

from accounts.actors import SYSTEM
from accounts.rate_limits import hit, limit
from clients.models import Contact
from contracts import agreements
from contracts.campaigns import INVITATION_TEMPLATE, MIN_LINK_LIFETIME, email_signing_link, link_lifetime
from contracts.emails import send_templated_email
from contracts.models import Agreement, AgreementStatus, Signature, Signer, SignerStatus
from memberships.selectors import agreement_plan
from tenants.localtime import tenant_today
from tenants.scope import current_tenant

MAX_SIGNERS = 10
ROLE_MAX_LENGTH = 80
CHANGEABLE = (AgreementStatus.DRAFT, AgreementStatus.SENT, AgreementStatus.DECLINED)
CODE_TTL = timedelta(minutes=10)
CODE_ATTEMPTS = 5
CODE_EMAILS = "signing_code_email"  # settings.ACCORD_RATE_LIMITS: codes emailed per signer
CODE_TEMPLATE = "contracts/email/signing_code"
REMINDER_TEMPLATE = "contracts/email/signer_reminder"
# A signer who has not signed hears again this long after their invitation and after each reminder,
# at most REMINDERS times.
REMIND_EVERY = timedelta(days=3)
REMINDERS = 3


@dataclass(frozen=True)
class SignerRequest:
    """One signer as staff (or the API) ask for them. ``email_code`` None follows the tenant's rule."""

    contact: Contact
    role: str = ""
    email_code: bool | None = None


def email_code_by_default(agreement: Agreement) -> bool:
    """The tenant's rule: a code is asked when the tenant wants codes and the agreement's monthly fee is
    above the tenant's threshold (an agreement without a fee is above no threshold)."""
    tenant = agreement.tenant
    if not tenant.require_email_code:
        return False
    plan = agreement_plan(agreement, on=tenant_today(tenant))
    fee = (plan.monthly_value if plan else None) or Decimal("0")
    return fee > tenant.email_code_above_fee


def signers_of(agreement: Agreement) -> list[Signer]:
    return list(Signer.objects.filter(agreement=agreement).select_related("contact", "signature"))


def signer_for(agreement: Agreement, contact: Contact) -> Signer | None:
    return Signer.objects.filter(agreement=agreement, contact=contact).first()


def _clean_requests(agreement: Agreement, requests: Sequence[SignerRequest]) -> None:
    if not requests:
        raise ValidationError({"signers": "Choose at least one signer."})
    if len(requests) > MAX_SIGNERS:
        raise ValidationError({"signers": f"An agreement has at most {MAX_SIGNERS} signers."})
    seen = set()
    for request in requests:
        contact = request.contact
        if contact.client_id != agreement.client_id:
            raise ValidationError({"signers": f"{contact} is not a contact of {agreement.client}."})
        if contact.archived_at is not None or not contact.email:
            raise ValidationError({"signers": f"{contact} has no email address to send the link to."})
        if contact.pk in seen:
            raise ValidationError({"signers": f"{contact} is named twice: each person signs once."})
        if len(request.role) > ROLE_MAX_LENGTH:
            raise ValidationError({"signers": f"Keep each role under {ROLE_MAX_LENGTH} characters."})
        seen.add(contact.pk)


@transaction.atomic
def set_signers(agreement: Agreement, requests: Sequence[SignerRequest], *, in_order: bool) -> list[Signer]:
    """Name who must sign, replacing any earlier list: in the order given when ``in_order`` (each one
    after the previous has signed), else all at once. Only while the agreement is not signed; the
    Signature rows of earlier rounds stay as evidence. ValidationError names what is wrong."""
    agreement = Agreement.objects.select_for_update().select_related("tenant", "client").get(pk=agreement.pk)
    if agreement.status not in CHANGEABLE:
        raise ValidationError(
            f"The signers of an agreement that is {agreement.get_status_display().lower()} cannot change."
        )
    _clean_requests(agreement, requests)
    by_default = email_code_by_default(agreement)
    Signer.objects.filter(agreement=agreement).delete()
    created = []
    for position, request in enumerate(requests, start=1):
        created.append(
            Signer.objects.create(
                tenant_id=agreement.tenant_id,
                agreement=agreement,
                contact=request.contact,
                name=request.contact.full_name,
                email=request.contact.email,
                role=request.role.strip(),
                order=position if in_order else 1,
                email_code_required=by_default if request.email_code is None else request.email_code,
            )
        )
    return created


def _invite(signer: Signer, *, subject: str, note: str, deadline: date | None, now: datetime) -> bool:
    agreement = signer.agreement
    ok, why = email_signing_link(
        contact=signer.contact, agreement=agreement, template=INVITATION_TEMPLATE, subject=subject,
        ttl=link_lifetime(deadline) if deadline else MIN_LINK_LIFETIME,
        context={"campaign": None, "deadline": deadline, "message": note, "signer": signer},
    )  # fmt: skip
    if not ok:
        agreements.record_history(agreement, "not_delivered", actor=SYSTEM, to=signer.email, reason=why)
        return False
    signer.status, signer.invited_at, signer.last_reminded_at = SignerStatus.INVITED, now, None
    signer.save(update_fields=["status", "invited_at", "last_reminded_at"])
    return True


def _subject(agreement: Agreement) -> str:
    return f"{current_tenant().name}: please review and sign {agreement.version.title}"


def _invite_next(
    agreement: Agreement, signers: list[Signer], *, note: str = "", deadline=None
) -> list[Signer]:
    """Invite the waiting signers of the lowest order still to sign, unless some of it are invited."""
    pending = [signer for signer in signers if signer.status != SignerStatus.SIGNED]
    if not pending:
        return []
    turn = min(signer.order for signer in pending)
    now = timezone.now()
    return [
        signer
        for signer in pending
        if signer.order == turn
        and signer.status == SignerStatus.WAITING
        and _invite(signer, subject=_subject(agreement), note=note, deadline=deadline, now=now)
    ]


@transaction.atomic
def send_to_signers(agreement: Agreement, *, actor: str, note: str = "", deadline: date | None = None) -> int:
    """Email the first signers in order their link (everyone at once when they have no order) and mark
    the agreement sent. Sending again restarts the round: every signer is asked again, and a code they
    proved is asked again too. Returns how many were emailed; ValidationError when there are none."""
    agreement = Agreement.objects.select_related("version", "client", "tenant").get(pk=agreement.pk)
    signers = signers_of(agreement)
    if not signers:
        raise ValidationError("Name at least one signer first.")
    for signer in signers:
        signer.status, signer.signature, signer.invited_at = SignerStatus.WAITING, None, None
        signer.code_hash, signer.code_sent_at, signer.code_attempts, signer.email_verified_at = (
            "",
            None,
            0,
            None,
        )
        signer.agreement = agreement
        signer.save()
    invited = _invite_next(agreement, signers, note=note, deadline=deadline)
    if invited:
        agreements.mark_sent(agreement, actor=actor, to=", ".join(signer.email for signer in invited))
    return len(invited)


def refuse_unless_their_turn(agreement: Agreement, contact: Contact) -> Signer | None:
    """The contact's Signer when the agreement names signers and it is their turn; None when it names
    none (the older rule). ValidationError when they are not a signer or must wait for someone."""
    signers = signers_of(agreement)
    if not signers:
        return None
    signer = next((signer for signer in signers if signer.contact_id == contact.pk), None)
    if signer is None:
        raise ValidationError("You are not one of the signers of this agreement.")
    if signer.status == SignerStatus.SIGNED:
        raise ValidationError("You have signed this agreement already.")
    if signer.status == SignerStatus.WAITING:
        before = [other.name for other in signers if other.order < signer.order and other.status != "signed"]
        raise ValidationError(f"It is not your turn yet: {', '.join(before) or 'someone'} signs first.")
    return signer


def refuse_unless_email_proved(signer: Signer | None) -> None:
    if signer is not None and signer.email_code_required and signer.email_verified_at is None:
        raise ValidationError("Confirm your email address with the code we send you before signing.")


def record_signed(agreement: Agreement, signer: Signer, signature: Signature, *, actor: str) -> bool:
    """The signer signed (in the caller's transaction, the agreement locked): when they were the last,
    the agreement is marked signed (history, ``agreement.signed`` with the completing signature) and
    True; else the next signers in order are emailed their link and False."""
    signer.status, signer.signature = SignerStatus.SIGNED, signature
    signer.save(update_fields=["status", "signature"])
    signers = signers_of(agreement)
    waiting = [other for other in signers if other.status != SignerStatus.SIGNED]
    if not waiting:
        agreements.mark_signed(agreement, actor=actor, signature_id=signature.pk)
        return True
    agreements.record_history(
        agreement, "signer_signed", actor=actor, signature_id=signature.pk, signer=signer.name,
        note=f"{len(waiting)} of {len(signers)} signers still to sign.",
    )  # fmt: skip
    for other in signers:
        other.agreement = agreement
    _invite_next(agreement, signers)
    return False


def record_declined(signer: Signer | None) -> None:
    if signer is not None:
        signer.status = SignerStatus.DECLINED
        signer.save(update_fields=["status"])


def signatures_on_record(signature: Signature) -> list[Signature]:
    """The signatures a signed PDF carries: every signer's up to ``signature`` (in signing order) for an
    agreement with signers, else ``signature`` alone."""
    others = [
        signer.signature
        for signer in Signer.objects.filter(agreement_id=signature.agreement_id, signature__isnull=False)
        .select_related("signature", "signature__contact", "contact")
        .defer("signature__pdf")
    ]
    if not any(other.pk == signature.pk for other in others):
        return [signature]
    return sorted(
        (other for other in others if other.signed_at and other.signed_at <= signature.signed_at),
        key=lambda other: (other.signed_at, other.pk),
    )


def roles_of(signatures: Sequence[Signature]) -> dict[int, str]:
    """The role each signature was made as (by signature id); none for a signature without a signer."""
    return dict(
        Signer.objects.filter(signature__in=[each.pk for each in signatures]).values_list(
            "signature_id", "role"
        )
    )


# --- The one-time code ------------------------------------------------------------------------------


def _code_digest(signer: Signer, code: str) -> str:
    return salted_hmac("contracts.signers.email_code", f"{signer.pk}:{code}", algorithm="sha256").hexdigest()


def send_email_code(signer: Signer, *, now: datetime | None = None) -> None:
    """Email the signer a fresh 6-digit code (any earlier code stops working). Refused with
    ValidationError past the hourly limit of codes, so nobody can flood an inbox from the page."""
    now = now or timezone.now()
    decision = hit(limit(CODE_EMAILS), str(signer.pk))
    if not decision.allowed:
        minutes = max(1, -(-decision.retry_after // 60))
        raise ValidationError(f"That's several codes in a short while: ask again in {minutes} minutes.")
    code = f"{secrets.randbelow(10**6):06d}"
    Signer.objects.filter(pk=signer.pk).update(
        code_hash=_code_digest(signer, code), code_sent_at=now, code_attempts=0
    )
    agreement = signer.agreement
    send_templated_email(
        to=signer.email, subject=f"{code} is your code to sign {agreement.version.title}",
        template=CODE_TEMPLATE, related=agreement,
        context={"code": code, "signer": signer, "agreement": agreement, "minutes": CODE_TTL.seconds // 60},
    )  # fmt: skip


def check_email_code(signer: Signer, code: str, *, now: datetime | None = None) -> Signer:
    """Prove the signer's email address with the code they typed: within ``CODE_TTL`` of sending and
    ``CODE_ATTEMPTS`` tries (a wrong try is counted even though it is refused). ValidationError says
    why not, on the ``code`` field."""
    now = now or timezone.now()
    typed = re.sub(r"\D", "", code or "")
    with transaction.atomic():
        signer = Signer.objects.select_for_update().get(pk=signer.pk)
        problem = _code_problem(signer, typed, now)
        if problem is None:
            signer.email_verified_at, signer.code_hash = now, ""
            signer.save(update_fields=["email_verified_at", "code_hash"])
        elif signer.code_hash and len(typed) == 6:
            Signer.objects.filter(pk=signer.pk).update(code_attempts=signer.code_attempts + 1)
    if problem is not None:
        raise ValidationError({"code": problem})
    return signer


def _code_problem(signer: Signer, typed: str, now: datetime) -> str | None:
    if not signer.code_hash or signer.code_sent_at is None:
        return "Ask for a code first."
    if now - signer.code_sent_at > CODE_TTL:
        return "This code has expired: ask for a new one."
    if signer.code_attempts >= CODE_ATTEMPTS:
        return "Too many wrong codes: ask for a new one."
    if len(typed) != 6:
        return "The code has 6 digits."
    if not constant_time_compare(_code_digest(signer, typed), signer.code_hash):
        left = CODE_ATTEMPTS - signer.code_attempts - 1
        return (
            f"That code is not right: {left} {'try' if left == 1 else 'tries'} left."
            if left
            else ("That code is not right, and that was the last try: ask for a new one.")
        )
    return None


# --- Reminders --------------------------------------------------------------------------------------


def remind_waiting_signers(*, now: datetime | None = None) -> int:
    """Remind each invited signer who has not signed, ``REMIND_EVERY`` after their invitation and after
    each reminder, at most ``REMINDERS`` times in all: each signer on their own clock, with a fresh link.
    Claimed under a row lock (SKIP LOCKED) with the clock checked again, so nobody hears twice."""
    now = now or timezone.now()
    due = Q(last_reminded_at__lte=now - REMIND_EVERY) | Q(
        last_reminded_at__isnull=True, invited_at__lte=now - REMIND_EVERY
    )
    pending = Signer.objects.filter(
        due, status=SignerStatus.INVITED, agreement__status=AgreementStatus.SENT,
        invited_at__gt=now - REMIND_EVERY * (REMINDERS + 1),
    )  # fmt: skip
    sent = 0
    for signer_id in pending.values_list("pk", flat=True):
        with transaction.atomic():
            signer = (
                Signer.objects.select_for_update(skip_locked=True, of=("self",))
                .select_related("contact", "agreement__version", "agreement__tenant")
                .filter(due, pk=signer_id, status=SignerStatus.INVITED)
                .first()
            )
            if signer is None:
                continue
            ok, _ = email_signing_link(
                contact=signer.contact, agreement=signer.agreement, template=REMINDER_TEMPLATE,
                subject=f"Reminder: please sign {signer.agreement.version.title}", ttl=MIN_LINK_LIFETIME,
                context={"signer": signer},
            )  # fmt: skip
            signer.last_reminded_at = now
            signer.save(update_fields=["last_reminded_at"])
            sent += ok
    return sent
