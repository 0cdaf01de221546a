"""Demo referrals for ``seed_demo``: the program's settings, a referral profile for every demo client,
prospects sales met, introductions over the past year with their outcomes, and inbound referrals: one
that became a client and signed (its credit comes from the handler or the runner, as in production), one
still being worked, one lost.

Deterministic for a given ``rng`` and ``today``; idempotent (a tenant with a referral program already is
left alone). Events of the past (the introductions' and referrals' own rows raise none; the new client's
``client.created`` does) are settled as history; the new client's signature is today's news.
"""

from __future__ import annotations

import random
from datetime import date, timedelta
from decimal import Decimal

from clients.models import Client
from contracts import agreements
from contracts.models import ContractVersion, TemplateKind
from events.models import OutboxEvent
from events.services import settle_as_history
from rewards.models import Introduction, IntroductionStatus, Prospect, ReferralProgram
from rewards.referral_selectors import suggested_introductions
from rewards.referrals import (
    create_client_from_referral,
    mark_contacted,
    mark_lost,
    propose_introduction,
    record_introduction_outcome,
    record_prospect,
    refer_prospect,
    save_profile,
)
from tenants.models import Tenant
from tenants.scope import tenant_scope

ACTOR = "demo data"

# What a demo client's name says it does: (industry, sells, target customers, needs).
PROFILES = {
    "Dental Group": (
        "Dental practice",
        "Dentistry, orthodontics",
        "Families, schools",
        "Bookkeeping, signage, cleaning",
    ),
    "Partners LLP": (
        "Law firm",
        "Legal advice, contracts, estates",
        "Families, real estate, architecture",
        "Bookkeeping, cleaning",
    ),
    "Architecture Studio": (
        "Architecture",
        "Home design, renovation plans",
        "Families, real estate",
        "Legal contracts, photography",
    ),
    "Veterinary Clinic": ("Veterinary clinic", "Pet care, grooming", "Families", "Bookkeeping, signage"),
    "Logistics": (
        "Logistics",
        "Delivery, storage, moving",
        "Real estate, bakery, families",
        "Accounting, legal contracts",
    ),
    "Accounting": (
        "Accounting",
        "Bookkeeping, payroll, tax returns",
        "Dental practice, law firm, veterinary clinic, yoga studio",
        "Signage, cleaning",
    ),
    "Yoga Studio": ("Yoga studio", "Classes, wellness retreats", "Families", "Bookkeeping, photography"),
    "Real Estate": (
        "Real estate",
        "Home sales, rentals",
        "Families, architecture",
        "Legal contracts, photography, moving",
    ),
    "Bakery Co.": (
        "Bakery",
        "Catering, cakes",
        "Law firm, architecture, accounting, real estate",
        "Delivery, bookkeeping",
    ),
}
HOME = ("Household", "", "", "Home renovation plans, pet care, dentistry")

PROSPECTS = [
    ("Maya Chen", "Chen Photography", "Photography", "Bookkeeping, legal contracts", 40),
    ("Ivo Petrov", "Petrov Cleaning", "Cleaning", "Accounting, delivery", 95),
    ("Lena Duarte", "", "Family", "Pet care, dentistry", 150),
    ("Tom Brennan", "Brennan Signs", "Signage", "Payroll, legal advice", 230),
]
# What became of the older introductions, in turn (the two newest stay proposed).
OUTCOMES = [
    IntroductionStatus.INTRODUCED,
    IntroductionStatus.WON,
    IntroductionStatus.LOST,
    IntroductionStatus.WON,
]
INBOUND = [
    # (name, company, email, days ago referred, what happens)
    ("Grace Romano", "Romano Wine Bar", "grace@romano-wine.example", 62, "signed"),
    ("Omar Haddad", "Haddad Pilates", "omar@haddad-pilates.example", 19, "contacted"),
    ("Zara Kowalski", "", "zara.kowalski@mail.example", 130, "lost"),
]


def _profile_for(name: str) -> tuple[str, str, str, str]:
    for suffix, profile in PROFILES.items():
        if name.endswith(suffix):
            return profile
    return HOME


def _seed_profiles(clients: list[Client], rng: random.Random) -> int:
    areas = ["the county", "downtown", "the north shore"]
    for client in clients:
        industry, sells, targets, needs = _profile_for(client.name)
        save_profile(
            client,
            actor=ACTOR,
            industry=industry,
            sells=sells,
            target_customers=targets,
            area=rng.choice(areas),
            needs=needs,
            open_to_introductions=rng.random() < 0.9,
        )
    return len(clients)


def _seed_introductions(today: date, rng: random.Random) -> dict:
    done = {"proposed": 0, "won": 0, "lost": 0}
    for index, suggested in enumerate(suggested_introductions(limit=10)):
        proposed_on = today - timedelta(days=20 + 30 * index + rng.randint(0, 10))
        suggestion = suggested.suggestion
        introduction = propose_introduction(
            client=Client.objects.get(pk=suggested.client_id),
            to_client=Client.objects.get(pk=suggested.to_client_id) if suggested.to_client_id else None,
            to_prospect=Prospect.objects.get(pk=suggested.to_prospect_id)
            if suggested.to_prospect_id
            else None,
            reason="; ".join(suggestion.reasons)[:400],
            actor=ACTOR,
            on=proposed_on,
        )
        done["proposed"] += 1
        if index < 2:  # the newest stay proposed
            continue
        record_introduction_outcome(
            introduction, status=IntroductionStatus.INTRODUCED, on=proposed_on + timedelta(days=6)
        )
        outcome = OUTCOMES[index % len(OUTCOMES)]
        if outcome == IntroductionStatus.WON:
            value = Decimal(rng.choice([850, 1200, 2400, 4800, 7500]))
            record_introduction_outcome(
                introduction,
                status=outcome,
                value=value,
                on=proposed_on + timedelta(days=24),
                note="Signed a first order.",
            )
            done["won"] += 1
        elif outcome == IntroductionStatus.LOST:
            record_introduction_outcome(
                introduction,
                status=outcome,
                on=proposed_on + timedelta(days=30),
                note="Timing was not right.",
            )
            done["lost"] += 1
    return done


def _sign_first_agreement(client: Client) -> None:
    version = (
        ContractVersion.objects.filter(status="published", template__kind=TemplateKind.SERVICE_CONTRACT)
        .order_by("-published_at")
        .first()
    )
    if version is None:
        return
    agreement = agreements.create_agreement(client=client, version=version, actor=ACTOR)
    agreements.mark_sent(agreement, actor=ACTOR)
    agreements.mark_signed(agreement, actor=ACTOR)


def _seed_inbound(clients: list[Client], today: date, rng: random.Random) -> int:
    referrers = rng.sample(clients, k=min(len(clients), len(INBOUND)))
    for (name, company, email, days_ago, outcome), referrer in zip(INBOUND, referrers, strict=False):
        referred_on = today - timedelta(days=days_ago)
        referral = refer_prospect(
            referrer=referrer,
            name=name,
            company=company,
            email=email,
            source=rng.choice(["portal", "staff"]),
            actor=ACTOR,
            note="Asked us about a network and Wi-Fi that just work.",
            on=referred_on,
        )
        mark_contacted(referral, on=referred_on + timedelta(days=2))
        if outcome == "lost":
            mark_lost(
                referral, reason="Went with their landlord's provider.", on=referred_on + timedelta(days=21)
            )
        elif outcome == "signed":
            client = create_client_from_referral(referral, on=referred_on + timedelta(days=20))
            # Signed in Accord today: the agreement.signed handler (or the runner) credits the referrer.
            _sign_first_agreement(client)
    return len(referrers)


def seed_referrals(tenant: Tenant, *, today: date, rng: random.Random, progress=print) -> dict:
    """Set up the tenant's referral program and a year of referrals (see the module's docstring)."""
    with tenant_scope(tenant):
        if ReferralProgram.objects.filter(tenant=tenant).exists():
            progress(f"  {tenant.name}: referrals already there.")
            return {}
        first_event = OutboxEvent.objects.order_by("-id").values_list("id", flat=True).first() or 0
        ReferralProgram.objects.create(tenant=tenant, credit_amount=Decimal("250.00"))
        clients = list(Client.objects.filter(archived_at__isnull=True).order_by("name"))
        profiles = _seed_profiles(clients, rng)
        for name, company, industry, needs, days_ago in PROSPECTS:
            record_prospect(
                name=name,
                company=company,
                industry=industry,
                needs=needs,
                met_on=today - timedelta(days=days_ago),
                notes="Met at the chamber of commerce breakfast.",
            )
        introductions = _seed_introductions(today, rng)
        inbound = _seed_inbound(clients, today, rng)
        # The new client's creation is history; its signature (today) goes through the bus as usual.
        past = OutboxEvent.objects.filter(id__gt=first_event, name="client.created").values_list(
            "id", flat=True
        )
        settle_as_history(past)
        done = {"profiles": profiles, "prospects": len(PROSPECTS), "inbound": inbound, **introductions}
        done["introductions"] = Introduction.objects.count()
    progress(
        f"  {tenant.name}: referrals: {profiles} profiles, {len(PROSPECTS)} prospects, "
        f"{done['introductions']} introductions ({introductions['won']} won), {inbound} inbound referrals"
    )
    return done
