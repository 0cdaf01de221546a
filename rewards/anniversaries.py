"""Anniversaries: a client is rewarded on each anniversary of its relationship with the company.

The relationship starts on the day the client first signed an agreement
(``contracts.selectors.first_signature_date``), unless staff set another start with a reason
(``RelationshipStart``). A client that never signed has no anniversary yet.

The reward of year N is the tenant's ``AnniversaryStep`` with the largest ``years`` <= N: with steps for
years 1, 3 and 5, year 2 repeats year 1 and year 4 repeats year 3; before the first step's year there is
nothing. A step's credit is granted as account credit (key ``year-N``), its gift as a staff task to
deliver (key ``year-N-gift``); a step may give both.

Who is rewarded: a client that is not archived and has an agreement in force on the anniversary (or one
signed whose term starts later). A client that left is not thanked for staying.

The runner catches up ``CATCH_UP`` days back, no more: switching the program on (adding the first step)
grants no anniversaries of past years. A relationship that started on 29 February has its anniversary on
28 February in the other years.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import QuerySet

from clients.models import Client
from contracts.documents import money
from contracts.selectors import first_signature_dates, has_agreement_in_force
from rewards.models import AnniversaryStep, Program, RelationshipStart, Reward, RewardKind
from rewards.services import grant_reward
from tenants.scope import current_tenant

CATCH_UP = timedelta(days=31)
ACTOR = "system (anniversaries)"
OVERRIDE, FIRST_SIGNATURE = "set by staff", "first signed agreement"


def anniversary_on(start: date, years: int) -> date:
    """The day of the ``years``-th anniversary of ``start`` (29 February → 28 February off leap years)."""
    try:
        return start.replace(year=start.year + years)
    except ValueError:
        return start.replace(year=start.year + years, day=28)


def years_completed(start: date, on: date) -> int:
    """How many anniversaries of ``start`` have come by ``on``."""
    years = on.year - start.year
    if years > 0 and anniversary_on(start, years) > on:
        years -= 1
    return max(years, 0)


def step_for_year(years: int, steps: list[AnniversaryStep]) -> AnniversaryStep | None:
    """The step with the largest ``years`` <= ``years`` (None before the first step)."""
    eligible = [step for step in steps if step.years <= years]
    return max(eligible, key=lambda step: step.years) if eligible else None


def steps() -> list[AnniversaryStep]:
    return list(AnniversaryStep.objects.order_by("years"))


def describe_step(step: AnniversaryStep) -> str:
    """What a step gives, in words: "$100.00 credit and a thank-you card"."""
    parts = []
    if step.credit > 0:
        parts.append(f"{money(step.credit, current_tenant().currency)} credit")
    if step.gift:
        parts.append(step.gift)
    return " and ".join(parts)


@dataclass(frozen=True)
class Relationship:
    started_on: date | None
    source: str  # OVERRIDE or FIRST_SIGNATURE
    reason: str = ""
    signed_on: date | None = None  # the first signature's day, shown beside an override


def relationship(client) -> Relationship:
    return relationships(Client.objects.filter(pk=client.pk))[client.pk]


def relationships(clients: QuerySet) -> dict[int, Relationship]:
    """``relationship`` of each of ``clients`` (a queryset), by client id: a few queries for any number."""
    signed = first_signature_dates(clients)
    overrides = {
        row.client_id: row for row in RelationshipStart.objects.filter(client__in=clients.values("pk"))
    }
    found = {}
    for client_id in clients.values_list("pk", flat=True):
        signed_on, override = signed.get(client_id), overrides.get(client_id)
        if override is not None:
            found[client_id] = Relationship(override.started_on, OVERRIDE, override.reason, signed_on)
        else:
            found[client_id] = Relationship(signed_on, FIRST_SIGNATURE, "", signed_on)
    return found


@transaction.atomic
def set_relationship_start(client, *, started_on: date, reason: str, by) -> RelationshipStart:
    """Staff set when the relationship started (e.g. a client from before the contracts were in Accord).
    Needs a reason; replaces an earlier override. Rewards already granted stay."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": "Say why the relationship started on another day."})
    if started_on is None:
        raise ValidationError({"started_on": "Give the day the relationship started."})
    override, _ = RelationshipStart.objects.update_or_create(
        client=client,
        defaults={
            "tenant_id": client.tenant_id,
            "started_on": started_on,
            "reason": reason[:300],
            "set_by": by,
        },
    )
    return override


@transaction.atomic
def clear_relationship_start(client) -> None:
    """Back to the first signed agreement's day."""
    RelationshipStart.objects.filter(client=client).delete()


@transaction.atomic
def save_step(*, years: int, credit: Decimal, gift: str, gift_cost: Decimal) -> AnniversaryStep:
    """Create or replace the step of ``years``. It must give something: a credit, a gift or both."""
    gift = (gift or "").strip()
    credit, gift_cost = Decimal(credit or 0), Decimal(gift_cost or 0)
    if not years or years < 1:
        raise ValidationError({"years": "A step starts at year 1 or later."})
    if credit < 0 or gift_cost < 0:
        raise ValidationError({"credit": "Amounts cannot be negative."})
    if credit == 0 and not gift:
        raise ValidationError({"gift": "A step gives a credit, a gift, or both."})
    step, _ = AnniversaryStep.objects.update_or_create(
        years=years,
        defaults={"tenant": current_tenant(), "credit": credit, "gift": gift[:200], "gift_cost": gift_cost},
    )
    return step


@transaction.atomic
def delete_step(step: AnniversaryStep) -> None:
    step.delete()


def _ordinal(n: int) -> str:
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def grant_anniversary_rewards(on: date) -> list[Reward]:
    """The runner: every client whose anniversary fell in [``on`` - CATCH_UP, ``on``] gets its year's
    reward once (see the module for who and what). Idempotent; returns the rewards created this call."""
    table = steps()
    if not table:
        return []
    created = []
    clients = Client.objects.filter(archived_at__isnull=True).order_by("pk")
    starts = relationships(clients)  # one read for all, not a few queries per client
    for client in clients:
        start = starts[client.pk].started_on
        if start is None:
            continue
        years = years_completed(start, on)
        if years < 1:
            continue
        day = anniversary_on(start, years)
        if on - day > CATCH_UP:
            continue
        step = step_for_year(years, table)
        if step is None or not has_agreement_in_force(client, on=day):
            continue
        created.extend(_grant_year(client, years=years, day=day, step=step, on=on))
    return created


def _grant_year(client, *, years: int, day: date, step: AnniversaryStep, on: date) -> list[Reward]:
    why = f"{_ordinal(years)} anniversary of working together ({day:%-d %b %Y})"
    details = {"years": years, "anniversary": day.isoformat(), "step_years": step.years}
    grants = []
    if step.credit > 0:
        grants.append(
            grant_reward(
                client,
                program=Program.ANNIVERSARY,
                key=f"year-{years}",
                kind=RewardKind.CREDIT,
                title=f"Year {years} anniversary credit",
                reason=why,
                actor=ACTOR,
                value=step.credit,
                on=on,
                details=details,
            )
        )
    if step.gift:
        grants.append(
            grant_reward(
                client,
                program=Program.ANNIVERSARY,
                key=f"year-{years}-gift",
                kind=RewardKind.GIFT,
                title=step.gift,
                reason=why,
                actor=ACTOR,
                value=step.gift_cost,
                on=on,
                details={**details, "gift": step.gift},
            )
        )
    return [grant.reward for grant in grants if grant.created]


@dataclass(frozen=True)
class Streak:
    relationship: Relationship
    years: int
    next_on: date | None
    next_years: int
    next_step: AnniversaryStep | None
    next_gives: str
    gifts_to_deliver: list[Reward]


def anniversary_streak(client, *, on: date) -> Streak | None:
    """ "Client for 3 years · next anniversary 14 Mar 2027 (year 4: $100 credit)"; None before any
    signed agreement."""
    return anniversary_streaks(Client.objects.filter(pk=client.pk), on=on).get(client.pk)


def anniversary_streaks(clients: QuerySet, *, on: date) -> dict[int, Streak]:
    """``anniversary_streak`` of each of ``clients`` that has one, by client id: the same few queries
    for one client or thousands (the anniversaries page lists every client)."""
    table = steps()
    gifts: dict[int, list[Reward]] = {}
    for gift in Reward.objects.filter(
        client__in=clients.values("pk"),
        program=Program.ANNIVERSARY,
        kind=RewardKind.GIFT,
        status="to_deliver",
    ).order_by("pk"):
        gifts.setdefault(gift.client_id, []).append(gift)
    streaks = {}
    for client_id, rel in relationships(clients).items():
        if rel.started_on is None:
            continue
        years = years_completed(rel.started_on, on)
        next_step = step_for_year(years + 1, table)
        streaks[client_id] = Streak(
            relationship=rel,
            years=years,
            next_on=anniversary_on(rel.started_on, years + 1),
            next_years=years + 1,
            next_step=next_step,
            next_gives=describe_step(next_step) if next_step else "",
            gifts_to_deliver=gifts.get(client_id, []),
        )
    return streaks
