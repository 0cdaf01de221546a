"""Reads of referrals: the profiles matching compares, suggested introductions, a client's referrals
given and received, and the referral sections of the client's rewards pages."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db.models import Q, Sum

from clients.models import Client
from rewards.models import (
    Introduction,
    IntroductionStatus,
    Prospect,
    Referral,
    ReferralProfile,
    ReferralStatus,
)
from rewards.referral_matching import MatchProfile, Suggestion, suggest_matches
from rewards.referrals import referral_program

PROSPECTS_MATCHED = 200


def client_key(pk: int) -> str:
    return f"client:{pk}"


def prospect_key(pk: int) -> str:
    return f"prospect:{pk}"


def match_profiles() -> list[MatchProfile]:
    """Every active client open to introductions with a profile, and the latest prospects (buyers only)."""
    profiles = [
        MatchProfile(
            key=client_key(p.client_id),
            name=p.client.name,
            industry=p.industry,
            sells=p.sells,
            target_customers=p.target_customers,
            area=p.area,
            needs=p.needs,
        )
        for p in ReferralProfile.objects.filter(
            open_to_introductions=True, client__archived_at__isnull=True
        ).select_related("client")
    ]
    for prospect in Prospect.objects.all()[:PROSPECTS_MATCHED]:
        name = f"{prospect.name} ({prospect.company})" if prospect.company else prospect.name
        profiles.append(
            MatchProfile(
                key=prospect_key(prospect.pk),
                name=name,
                industry=prospect.industry,
                area=prospect.area,
                needs=prospect.needs,
                can_sell=False,
            )
        )
    return profiles


@dataclass(frozen=True)
class SuggestedIntroduction:
    suggestion: Suggestion
    client_id: int
    to_client_id: int | None
    to_prospect_id: int | None


def _ids(suggestion: Suggestion) -> SuggestedIntroduction:
    kind, _, buyer = suggestion.buyer.key.partition(":")
    return SuggestedIntroduction(
        suggestion,
        client_id=int(suggestion.seller.key.partition(":")[2]),
        to_client_id=int(buyer) if kind == "client" else None,
        to_prospect_id=int(buyer) if kind == "prospect" else None,
    )


def suggested_introductions(*, limit: int = 8) -> list[SuggestedIntroduction]:
    """The best introductions not proposed yet (whatever became of an earlier proposal)."""
    proposed = set()
    for seller, to_client, to_prospect in Introduction.objects.values_list(
        "client_id", "to_client_id", "to_prospect_id"
    ):
        buyer = client_key(to_client) if to_client else prospect_key(to_prospect)
        proposed.add((client_key(seller), buyer))
    return [_ids(s) for s in suggest_matches(match_profiles(), exclude=proposed, limit=limit)]


def introductions():
    return Introduction.objects.select_related("client", "to_client", "to_prospect")


def referrals():
    return Referral.objects.select_related("referrer", "client", "reward", "duplicate_of__referrer")


@dataclass(frozen=True)
class ClientReferrals:
    """One client's referrals. *Given* by the client: the people they referred to us. *Received*: the
    business we sent them (introductions where they sell) and the introductions made for what they
    need."""

    referrals_made: list[Referral]
    credited: Decimal
    business_sent: list[Introduction]
    won_value: Decimal
    introduced_to: list[Introduction]
    referred_by: Referral | None

    @property
    def is_empty(self) -> bool:
        return not (self.referrals_made or self.business_sent or self.introduced_to or self.referred_by)


def client_referrals(client: Client) -> ClientReferrals:
    made = list(referrals().filter(referrer=client))
    sent = list(introductions().filter(client=client))
    return ClientReferrals(
        referrals_made=made,
        credited=sum((r.reward.value for r in made if r.reward_id), Decimal("0")),
        business_sent=sent,
        won_value=sum(
            (i.value or Decimal("0") for i in sent if i.status == IntroductionStatus.WON), Decimal("0")
        ),
        introduced_to=list(introductions().filter(to_client=client)),
        referred_by=referrals().filter(client=client).first(),
    )


def referral_counts() -> dict:
    """Counts for the staff page's header."""
    open_referrals = Referral.objects.filter(status__in=[ReferralStatus.NEW, ReferralStatus.CONTACTED])
    return {
        "open_referrals": open_referrals.count(),
        "signed_referrals": Referral.objects.filter(status=ReferralStatus.SIGNED).count(),
        "open_introductions": Introduction.objects.filter(
            status__in=[IntroductionStatus.PROPOSED, IntroductionStatus.INTRODUCED]
        ).count(),
        "won_value": Introduction.objects.filter(status=IntroductionStatus.WON).aggregate(v=Sum("value"))["v"]
        or Decimal("0"),
        "prospects": Prospect.objects.count(),
    }


def filtered_referrals(*, status: str = "", search: str = ""):
    rows = referrals()
    if status == "open":
        rows = rows.filter(status__in=[ReferralStatus.NEW, ReferralStatus.CONTACTED])
    elif status in ReferralStatus.values:
        rows = rows.filter(status=status)
    if search:
        rows = rows.filter(
            Q(name__icontains=search)
            | Q(company__icontains=search)
            | Q(email__icontains=search)
            | Q(referrer__name__icontains=search)
        )
    return rows


# --- Sections of the client's rewards pages (rewards.sections) ---------------------------------------


def portal_section(client: Client, on: date) -> dict | None:
    """The client's referrals as they see them: whom they referred and what it earned, the business we
    sent them, and the program's offer (when it is on)."""
    program = referral_program()
    standing = client_referrals(client)
    if standing.is_empty and not program.is_active:
        return None
    return {
        "standing": standing,
        "program": program,
        "currency": client.tenant.currency,
        "client": client,
    }


def staff_context(client: Client) -> dict:
    """A client's referrals for staff: the profile, referrals given and received, the program."""
    return {
        "standing": client_referrals(client),
        "profile": ReferralProfile.objects.filter(client=client).first(),
        "program": referral_program(),
        "currency": client.tenant.currency,
        "client": client,
    }


def staff_section(client: Client, on: date) -> dict | None:
    """The staff section of the client's rewards page: nothing while the program is off and the client
    has no referral history or profile."""
    context = staff_context(client)
    if context["standing"].is_empty and context["profile"] is None and not context["program"].is_active:
        return None
    return context
