"""Referrals, both ways: the writes (profiles, prospects, introductions, inbound referrals) and the credit
a referrer earns.

Inbound rules, in one place:

- A referral names a person by email (else phone): ``contact_key``. **The first referral of a person
  wins**: a later one, by the same or another client, is kept as ``duplicate`` (nothing typed is lost)
  and never earns anything. A unique index makes this hold even for two referrals at once.
- A client cannot refer itself: not its own email or a contact's, and a referral cannot be linked to the
  referrer as the new client.
- A referral *signs* when the client it became (staff link it, or create the client from it) has a
  signed agreement: the ``agreement.signed`` handler settles it at once, and the runner
  ``grant_referral_credits`` catches any the bus missed. Settling credits the referrer through
  ``grant_reward`` (key ``referral-<id>``) with the program's amount at that moment: once, however many
  agreements are signed or events delivered. A referral that signs while the program is off is marked
  signed and earns nothing, even if the program is switched on later.
- A client who had signed an agreement before the referral was made was not brought by it: linking
  such a client is refused.
"""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from clients import services as clients
from clients.models import Client, Contact
from contracts.models import AgreementEvent, AgreementStatus
from rewards.models import (
    Introduction,
    IntroductionStatus,
    Program,
    Prospect,
    Referral,
    ReferralProfile,
    ReferralProgram,
    ReferralStatus,
    Reward,
    RewardKind,
)
from rewards.models.referrals import OPEN_REFERRAL
from rewards.services import grant_reward
from tenants.localtime import tenant_localtime, tenant_today
from tenants.scope import current_tenant

PROFILE_FIELDS = ("industry", "sells", "target_customers", "area", "needs", "open_to_introductions")
RUNNER_ACTOR = "system (referral credits)"


# --- The program ------------------------------------------------------------------------------------


def referral_program() -> ReferralProgram:
    """The current tenant's referral program; until someone sets it up, an unsaved one that is off (like
    every rewards program, it credits nothing the company did not decide to give)."""
    tenant = current_tenant()
    program = ReferralProgram.objects.filter(tenant=tenant).first()
    return program or ReferralProgram(tenant=tenant, is_active=False)


@transaction.atomic
def update_referral_program(*, credit_amount: Decimal, is_active: bool) -> ReferralProgram:
    """Set the tenant's referral credit; it applies to referrals that sign from now on."""
    credit_amount = Decimal(credit_amount).quantize(Decimal("0.01"))
    if credit_amount <= 0:
        raise ValidationError({"credit_amount": "The referral credit must be above zero."})
    program, _ = ReferralProgram.objects.select_for_update().get_or_create(tenant=current_tenant())
    program.credit_amount = credit_amount
    program.is_active = is_active
    program.save()
    return program


# --- Profiles, prospects, introductions -------------------------------------------------------------


@transaction.atomic
def save_profile(client: Client, *, actor: str, **fields) -> ReferralProfile:
    """Create or update the client's referral profile with the given fields (others kept)."""
    unknown = set(fields) - set(PROFILE_FIELDS)
    if unknown:
        raise ValidationError(f"Unknown profile fields: {', '.join(sorted(unknown))}.")
    profile, _ = ReferralProfile.objects.select_for_update().get_or_create(
        client=client, defaults={"tenant_id": client.tenant_id}
    )
    for name, value in fields.items():
        setattr(profile, name, value.strip() if isinstance(value, str) else value)
    profile.updated_by = actor[:200]
    profile.full_clean(exclude=["tenant", "client"])
    profile.save()
    return profile


@transaction.atomic
def record_prospect(*, name: str, met_on: date | None = None, met_by=None, **fields) -> Prospect:
    """A person sales met, kept to introduce them to clients; not a client."""
    prospect = Prospect(tenant=current_tenant(), name=(name or "").strip(), met_by=met_by)
    prospect.met_on = met_on or tenant_today()
    for field_name in ("company", "email", "phone", "industry", "area", "needs", "notes"):
        setattr(prospect, field_name, (fields.pop(field_name, "") or "").strip())
    if fields:
        raise ValidationError(f"Unknown prospect fields: {', '.join(sorted(fields))}.")
    if not prospect.name:
        raise ValidationError({"name": "Give the prospect's name."})
    prospect.full_clean(exclude=["tenant", "met_by"])
    prospect.save()
    return prospect


@transaction.atomic
def propose_introduction(
    *,
    client: Client,
    reason: str,
    actor: str,
    to_client: Client | None = None,
    to_prospect: Prospect | None = None,
    on: date | None = None,
) -> Introduction:
    """Staff propose putting ``client`` (who sells) in touch with a client or a prospect (who buys).
    An open proposal of the same pair is returned as it is rather than doubled."""
    if (to_client is None) == (to_prospect is None):
        raise ValidationError("Introduce the client to one other client or one prospect.")
    if to_client is not None and to_client.pk == client.pk:
        raise ValidationError({"to_client": "A client cannot be introduced to itself."})
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": "Say why they should meet."})
    existing = Introduction.objects.filter(
        client=client,
        to_client=to_client,
        to_prospect=to_prospect,
        status__in=[IntroductionStatus.PROPOSED, IntroductionStatus.INTRODUCED],
    ).first()
    if existing is not None:
        return existing
    return Introduction.objects.create(
        tenant_id=client.tenant_id,
        client=client,
        to_client=to_client,
        to_prospect=to_prospect,
        reason=reason[:400],
        proposed_on=on or tenant_today(),
        proposed_by=actor[:200],
    )


OUTCOME_ORDER = {
    IntroductionStatus.PROPOSED: 0,
    IntroductionStatus.INTRODUCED: 1,
    IntroductionStatus.WON: 2,
    IntroductionStatus.LOST: 2,
}


@transaction.atomic
def record_introduction_outcome(
    introduction: Introduction,
    *,
    status: str,
    value: Decimal | None = None,
    note: str = "",
    on: date | None = None,
) -> Introduction:
    """Move an introduction forward: proposed -> introduced -> won or lost (with the value of the
    business when known). A won or lost introduction is closed: it does not move again."""
    introduction = Introduction.objects.select_for_update().get(pk=introduction.pk)
    if status not in IntroductionStatus.values:
        raise ValidationError({"status": f"Unknown outcome {status!r}."})
    current = IntroductionStatus(introduction.status)
    if OUTCOME_ORDER[current] == 2:
        raise ValidationError(f"This introduction is already {current.label.lower()}: it is closed.")
    if OUTCOME_ORDER[IntroductionStatus(status)] <= OUTCOME_ORDER[current]:
        raise ValidationError({"status": f"This introduction is already {current.label.lower()}."})
    if value is not None and value < 0:
        raise ValidationError({"value": "The value of the business cannot be negative."})
    if value is not None and status != IntroductionStatus.WON:
        raise ValidationError({"value": "Only business won has a value."})
    on = on or tenant_today()
    introduction.status = status
    if introduction.introduced_on is None:
        introduction.introduced_on = on
    if status in (IntroductionStatus.WON, IntroductionStatus.LOST):
        introduction.closed_on = on
        introduction.value = value
    introduction.outcome_note = (note or "").strip()[:300]
    introduction.save()
    return introduction


# --- Inbound referrals ------------------------------------------------------------------------------


def contact_key(*, email: str, phone: str) -> str:
    """Who a referral names: the email (lower case), else the phone's digits."""
    email = (email or "").strip().lower()
    if email:
        return email
    return re.sub(r"\D", "", phone or "")


def _refers_itself(referrer: Client, email: str) -> bool:
    email = (email or "").strip().lower()
    if not email:
        return False
    if (referrer.email or "").lower() == email:
        return True
    return Contact.objects.filter(client=referrer, email__iexact=email).exists()


@transaction.atomic
def refer_prospect(
    *,
    referrer: Client,
    name: str,
    actor: str,
    source: str,
    company: str = "",
    email: str = "",
    phone: str = "",
    note: str = "",
    on: date | None = None,
) -> Referral:
    """A client sends someone our way. Refuses a referral of the client itself or without a way to
    reach the person. The first referral of a person counts; a later one is kept as a duplicate of it
    (``status == "duplicate"``), which earns nothing."""
    name, company, email, phone = (v.strip() for v in (name or "", company or "", email or "", phone or ""))
    errors = {}
    if not name:
        errors["name"] = "Give the name of the person you refer."
    key = contact_key(email=email, phone=phone)
    if not key:
        errors["email"] = "Give an email address or a phone number, so we can reach them."
    if errors:
        raise ValidationError(errors)
    if _refers_itself(referrer, email):
        raise ValidationError({"email": "That is your own address: refer someone outside your company."})
    referral = Referral(
        tenant_id=referrer.tenant_id,
        referrer=referrer,
        name=name[:160],
        company=company[:160],
        email=email,
        phone=phone[:40],
        note=(note or "").strip(),
        contact_key=key[:254],
        source=source,
        recorded_by=actor[:200],
        referred_on=on or tenant_today(),
    )
    referral.full_clean(exclude=["tenant", "referrer", "duplicate_of", "client", "reward"])
    first = Referral.objects.filter(contact_key=referral.contact_key, duplicate_of__isnull=True).first()
    if first is None:
        try:
            with transaction.atomic():  # a savepoint: a referral of the same person at once wins instead
                referral.save()
                return referral
        except IntegrityError:
            referral.pk = None
            first = Referral.objects.get(contact_key=referral.contact_key, duplicate_of__isnull=True)
    referral.duplicate_of = first
    referral.status = ReferralStatus.DUPLICATE
    referral.save()
    return referral


def _locked(referral: Referral) -> Referral:
    return (
        Referral.objects.select_for_update(of=("self",))
        .select_related("referrer", "client")
        .get(pk=referral.pk)
    )


def _require_open(referral: Referral) -> None:
    if referral.status == ReferralStatus.DUPLICATE:
        raise ValidationError("This person was referred before: the first referral is the one to work.")
    if referral.status not in OPEN_REFERRAL:
        raise ValidationError(f"This referral is {referral.get_status_display().lower()}: it cannot change.")


@transaction.atomic
def mark_contacted(referral: Referral, *, on: date | None = None) -> Referral:
    """Staff reached the referred person. Idempotent."""
    referral = _locked(referral)
    if referral.status == ReferralStatus.CONTACTED:
        return referral
    _require_open(referral)
    referral.status = ReferralStatus.CONTACTED
    referral.contacted_on = on or tenant_today()
    referral.save(update_fields=["status", "contacted_on"])
    return referral


@transaction.atomic
def mark_lost(referral: Referral, *, reason: str, on: date | None = None) -> Referral:
    """The referred person will not become a client: the referral ends without credit."""
    referral = _locked(referral)
    _require_open(referral)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"lost_reason": "Say why the referral was lost."})
    referral.status = ReferralStatus.LOST
    referral.lost_on = on or tenant_today()
    referral.lost_reason = reason[:300]
    referral.save(update_fields=["status", "lost_on", "lost_reason"])
    return referral


def first_signed_on(client: Client) -> date | None:
    """The tenant's date the client first signed an agreement, or None if it never has."""
    first = (
        AgreementEvent.objects.filter(agreement__client=client, to_status=AgreementStatus.SIGNED)
        .order_by("at")
        .values_list("at", flat=True)
        .first()
    )
    return tenant_localtime(first).date() if first else None


@transaction.atomic
def link_client(referral: Referral, *, client: Client, on: date | None = None) -> Referral:
    """The referred person is (now) this client. Refuses the referrer itself, a client another referral
    brought, and a client who had signed with us before the referral. If the client has already signed
    since, the referral settles at once (the referrer is credited)."""
    referral = _locked(referral)
    _require_open(referral)
    if client.pk == referral.referrer_id:
        raise ValidationError({"client": "A client cannot be its own referral."})
    other = Referral.objects.filter(client=client).exclude(pk=referral.pk).first()
    if other is not None:
        raise ValidationError({"client": f"{client.name} is already linked to {other.name}'s referral."})
    signed = first_signed_on(client)
    if signed is not None and signed < referral.referred_on:
        raise ValidationError(
            {"client": f"{client.name} signed with us on {signed:%d %b %Y}, before this referral."}
        )
    referral.client = client
    referral.save(update_fields=["client"])
    settle_referral(referral, on=on)
    return Referral.objects.get(pk=referral.pk)


@transaction.atomic
def create_client_from_referral(referral: Referral, *, on: date | None = None) -> Client:
    """Make the referred person a client (their company, else their name) with them as its primary
    contact, and link it to the referral."""
    _require_open(referral)
    client = clients.create_client(
        name=referral.company or referral.name, email=referral.email, phone=referral.phone
    )
    clients.create_contact(
        client=client, full_name=referral.name, email=referral.email, phone=referral.phone, is_primary=True
    )
    link_client(referral, client=client, on=on)
    return client


@transaction.atomic
def settle_referral(referral: Referral, *, on: date | None = None) -> Reward | None:
    """If the referral's client has signed, mark the referral signed and credit the referrer (when the
    program is on). Returns the reward created now, else None. Safe to call any number of times: the
    row lock and ``grant_reward``'s key make the credit happen once."""
    referral = _locked(referral)
    if referral.status not in OPEN_REFERRAL or referral.client_id is None:
        return None
    signed = first_signed_on(referral.client)
    on = on or tenant_today()
    if signed is None or signed > on:
        return None
    referral.status = ReferralStatus.SIGNED
    referral.signed_on = signed
    program = referral_program()
    created = None
    if program.is_active:
        grant = grant_reward(
            referral.referrer,
            program=Program.REFERRAL,
            key=referral.reward_key,
            kind=RewardKind.CREDIT,
            title=f"Referral credit: {referral.client.name} signed",
            reason=f"You referred {referral.name}, who became a client on {signed:%d %b %Y}. Thank you!",
            value=program.credit_amount,
            actor=RUNNER_ACTOR,
            on=on,
            details={"referral_id": referral.pk, "new_client_id": referral.client_id},
        )
        referral.reward = grant.reward
        created = grant.reward if grant.created else None
    referral.save(update_fields=["status", "signed_on", "reward"])
    return created


def settle_referrals_of_client(client_id: int, *, on: date | None = None) -> list[Reward]:
    """Settle the open referral that brought this client, if any (the ``agreement.signed`` handler)."""
    rewards = []
    for referral in Referral.objects.filter(client_id=client_id, status__in=OPEN_REFERRAL):
        reward = settle_referral(referral, on=on)
        if reward is not None:
            rewards.append(reward)
    return rewards


def grant_referral_credits(on: date) -> list[Reward]:
    """The referral program's runner: settles every open referral whose client has signed by ``on``
    (an ``agreement.signed`` event the bus missed or has yet to deliver). Idempotent."""
    rewards = []
    pending = Referral.objects.filter(status__in=OPEN_REFERRAL, client__isnull=False).order_by("pk")
    for referral in pending:
        reward = settle_referral(referral, on=on)
        if reward is not None:
            rewards.append(reward)
    return rewards


@transaction.atomic
def update_prospect(prospect: Prospect, **fields) -> Prospect:
    """Correct what we know of a prospect."""
    prospect = Prospect.objects.select_for_update().get(pk=prospect.pk)
    for field_name, value in fields.items():
        if field_name not in (
            "name",
            "company",
            "email",
            "phone",
            "industry",
            "area",
            "needs",
            "notes",
            "met_on",
        ):
            raise ValidationError(f"Unknown prospect field {field_name!r}.")
        setattr(prospect, field_name, value.strip() if isinstance(value, str) else value)
    if not prospect.name:
        raise ValidationError({"name": "Give the prospect's name."})
    prospect.full_clean(exclude=["tenant", "met_by"])
    prospect.save()
    return prospect
