"""Customer of the month: staff nominate, the team votes, the month's close picks the winner.

Rules (the staff page states them too):

- Staff who may nominate (``rewards.nominate``) put a client forward for the current month with a reason
  category and a few words. One nomination per client and month: who agrees votes for it.
- Every staff member has one vote a month (a database constraint), which they may move to another
  nomination, or take back, until the month closes. Nobody votes for a nomination they made: the
  nomination is already their voice, and a vote from everyone else is what makes a winner.
- The month closes on the first day of the next month (``choose_customers_of_the_month``): the winner is
  the nomination with the most votes; a tie goes to the earliest nomination (it was put forward first,
  so the team had longest to weigh it), then to the lowest id. A month without nominations closes with
  no winner. The winner gets a recognition reward (key ``YYYY-MM``) and a spotlight page, published only
  when the client chooses to in the portal.
- The close catches up ``CATCH_UP_MONTHS`` months back (from the first month with a nomination), and is
  idempotent and race-safe: a ``MonthlyAward`` row is unique per tenant and month.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import date, datetime

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Count, Min
from django.utils import timezone

from rewards.models import (
    MonthlyAward,
    Nomination,
    NominationReason,
    Program,
    Reward,
    RewardKind,
    Spotlight,
    Vote,
)
from rewards.services import grant_reward
from tenants.localtime import tenant_today
from tenants.models import StaffMembership, Tenant
from tenants.scope import cross_tenant, current_tenant, tenant_scope

ACTOR = "system (customer of the month)"
CATCH_UP_MONTHS = 3
TIE_RULE = "Most votes wins; a tie goes to the earliest nomination."
BLURB_LENGTH = 1500


def month_of(day: date) -> date:
    return day.replace(day=1)


def next_month(month: date) -> date:
    return date(month.year + (month.month == 12), month.month % 12 + 1, 1)


def previous_month(month: date) -> date:
    return date(month.year - (month.month == 1), (month.month - 2) % 12 + 1, 1)


def _is_closed(month: date) -> bool:
    return MonthlyAward.objects.filter(month=month).exists()


def _open_month(month: date, today: date) -> None:
    if month != month_of(today) or _is_closed(month):
        raise ValidationError(f"{month:%B %Y} is closed: nominations and votes are for {today:%B %Y}.")


def _is_staff(user) -> bool:
    return StaffMembership.objects.filter(user=user, is_active=True).exists()


@transaction.atomic
def nominate(client, *, category: str, reason: str, by, on: date | None = None, now: datetime | None = None):
    """Put ``client`` forward for the month of ``on`` (today). Raises ValidationError when the client is
    already nominated that month (vote for it instead), archived, or the reason is missing."""
    on, now = on or tenant_today(), now or timezone.now()
    month = month_of(on)
    _open_month(month, on)
    if category not in NominationReason.values:
        raise ValidationError({"category": "Choose why the client deserves it."})
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": "Say in a few words why this client."})
    if client.is_archived:
        raise ValidationError({"client": f"{client} is archived."})
    if Nomination.objects.filter(client=client, month=month).exists():
        raise ValidationError({"client": f"{client} is already nominated for {month:%B %Y}: vote for it."})
    try:
        with transaction.atomic():
            return Nomination.objects.create(
                tenant_id=client.tenant_id,
                client=client,
                month=month,
                category=category,
                reason=reason[:1000],
                nominated_by=by,
                created_at=now,
            )
    except IntegrityError:
        raise ValidationError(
            {"client": f"{client} is already nominated for {month:%B %Y}: vote for it."}
        ) from None


@transaction.atomic
def vote(nomination: Nomination, *, by, on: date | None = None, now: datetime | None = None) -> Vote:
    """``by``'s vote of the nomination's month goes to ``nomination`` (moved from another one, if any).
    One vote per person and month (database-enforced); not for one's own nomination; only while the
    month is open."""
    on, now = on or tenant_today(), now or timezone.now()
    _open_month(nomination.month, on)
    if nomination.nominated_by_id == by.pk:
        raise ValidationError("You nominated this client: your vote goes to someone else's nomination.")
    if not _is_staff(by):
        raise ValidationError("Only staff vote.")
    existing = Vote.objects.select_for_update().filter(voter=by, month=nomination.month).first()
    if existing is not None:
        existing.nomination, existing.cast_at = nomination, now
        existing.save(update_fields=["nomination", "cast_at"])
        return existing
    try:
        with transaction.atomic():
            return Vote.objects.create(
                tenant_id=nomination.tenant_id,
                voter=by,
                month=nomination.month,
                nomination=nomination,
                cast_at=now,
            )
    except IntegrityError:  # a vote from another tab landed first: move it
        existing = Vote.objects.select_for_update().get(voter=by, month=nomination.month)
        existing.nomination, existing.cast_at = nomination, now
        existing.save(update_fields=["nomination", "cast_at"])
        return existing


@transaction.atomic
def unvote(month: date, *, by, on: date | None = None) -> None:
    """Take back ``by``'s vote of ``month`` while it is open."""
    on = on or tenant_today()
    _open_month(month, on)
    Vote.objects.filter(voter=by, month=month).delete()


def ranked(month: date) -> list[Nomination]:
    """The month's nominations in the order the tie rule ranks them: most votes, then earliest."""
    return list(
        Nomination.objects.filter(month=month)
        .annotate(vote_count=Count("votes"))
        .select_related("client", "nominated_by")
        .order_by("-vote_count", "created_at", "id")
    )


def _decided_by(ranking: list[Nomination]) -> str:
    winner = ranking[0]
    tied = [n for n in ranking if n.vote_count == winner.vote_count]
    votes = f"{winner.vote_count} vote{'' if winner.vote_count == 1 else 's'}"
    if len(tied) == 1:
        return f"Most votes ({votes})."
    return f"Tie of {len(tied)} at {votes}: the earliest nomination wins."


def choose_customers_of_the_month(on: date) -> list[Reward]:
    """The runner: close every month that ended before ``on`` (up to CATCH_UP_MONTHS back, and none
    before the tenant's first nomination), each once. Returns the recognition rewards created."""
    first = Nomination.objects.aggregate(first=Min("month"))["first"]
    if first is None:
        return []
    months, month = [], previous_month(month_of(on))
    while month >= first and len(months) < CATCH_UP_MONTHS:
        months.append(month)
        month = previous_month(month)
    created = []
    for month in reversed(months):
        reward = close_month(month)
        if reward is not None:
            created.append(reward)
    return created


def close_month(month: date) -> Reward | None:
    """Decide ``month`` once: the ``MonthlyAward`` row is inserted first, so a second run (or one racing
    this one) finds it and does nothing. Returns the reward it granted, if this call closed the month
    and there was a winner."""
    tenant = current_tenant()
    try:
        with transaction.atomic():
            award = MonthlyAward.objects.create(tenant=tenant, month=month)
    except IntegrityError:
        return None
    ranking = ranked(month)
    if not ranking:
        award.decided_by = "No nominations this month."
        award.save(update_fields=["decided_by"])
        return None
    winner = ranking[0]
    grant = grant_reward(
        winner.client,
        program=Program.CUSTOMER_OF_THE_MONTH,
        key=f"{month:%Y-%m}",
        kind=RewardKind.RECOGNITION,
        title=f"Customer of the month, {month:%B %Y}",
        reason=f"{winner.get_category_display()}: {winner.reason}",
        actor=ACTOR,
        on=next_month(month),
        period=(month, next_month(month)),
        details={"nomination_id": winner.pk, "votes": winner.vote_count},
    )
    award.nomination, award.client, award.votes = winner, winner.client, winner.vote_count
    award.decided_by, award.reward = _decided_by(ranking), grant.reward
    award.save(update_fields=["nomination", "client", "votes", "decided_by", "reward"])
    Spotlight.objects.create(tenant=tenant, award=award, share_token=secrets.token_urlsafe(24))
    return grant.reward if grant.created else None


# --- Spotlight ----------------------------------------------------------------------------------------


def _clean_blurb(blurb: str, website: str) -> tuple[str, str]:
    blurb, website = (blurb or "").strip(), (website or "").strip()
    if len(blurb) > BLURB_LENGTH:
        raise ValidationError({"blurb": f"Keep it under {BLURB_LENGTH} characters."})
    if website and not website.startswith(("https://", "http://")):
        website = f"https://{website}"
    return blurb, website


@transaction.atomic
def edit_spotlight(spotlight: Spotlight, *, blurb: str, website: str, actor: str) -> Spotlight:
    """Staff draft, or the client edits, the blurb and website shown on the spotlight page."""
    spotlight.blurb, spotlight.website = _clean_blurb(blurb, website)
    spotlight.updated_by = actor[:200]
    spotlight.full_clean(exclude=["tenant", "award", "share_token"])
    spotlight.save(update_fields=["blurb", "website", "updated_by", "updated_at"])
    return spotlight


@transaction.atomic
def publish_spotlight(spotlight: Spotlight, *, actor: str, now: datetime | None = None) -> Spotlight:
    """The client's opt-in: the page at the share URL shows from now on. Idempotent."""
    if spotlight.is_published:
        return spotlight
    spotlight.published_at, spotlight.withdrawn_at = now or timezone.now(), None
    spotlight.updated_by = actor[:200]
    spotlight.save(update_fields=["published_at", "withdrawn_at", "updated_by", "updated_at"])
    return spotlight


@transaction.atomic
def withdraw_spotlight(spotlight: Spotlight, *, actor: str, now: datetime | None = None) -> Spotlight:
    """The client takes the page down: the share URL answers 404 until they publish again."""
    if not spotlight.is_published:
        return spotlight
    spotlight.withdrawn_at = now or timezone.now()
    spotlight.updated_by = actor[:200]
    spotlight.save(update_fields=["withdrawn_at", "updated_by", "updated_at"])
    return spotlight


@dataclass(frozen=True)
class PublicSpotlight:
    company: str
    client: str
    month: date
    reasons: list[str]
    blurb: str
    website: str


def public_spotlight(token: str) -> PublicSpotlight | None:
    """What the public page shows for a share token, or None when there is no such page, or it is not
    published. Only the company's and the client's names, the month, the nomination's reason and the
    blurb leave the tenant."""
    if not token or len(token) > 64:
        return None
    with cross_tenant("public spotlight by share token"):
        tenant_id = Spotlight.objects.filter(share_token=token).values_list("tenant_id", flat=True).first()
        if tenant_id is None:
            return None
        tenant = Tenant.objects.get(pk=tenant_id)
    if not tenant.is_active:
        return None
    with tenant_scope(tenant):
        spotlight = (
            Spotlight.objects.select_related("award__nomination", "award__client")
            .filter(share_token=token)
            .first()
        )
        if spotlight is None or not spotlight.is_published or spotlight.award.nomination is None:
            return None
        nomination = spotlight.award.nomination
        return PublicSpotlight(
            company=tenant.name,
            client=spotlight.award.client.name,
            month=spotlight.award.month,
            reasons=[nomination.get_category_display(), nomination.reason],
            blurb=spotlight.blurb,
            website=spotlight.website,
        )


def spotlight_for_client(client, *, month: date | None = None) -> Spotlight | None:
    """The client's latest spotlight (or the one of ``month``)."""
    spotlights = Spotlight.objects.filter(award__client=client).select_related("award__nomination")
    if month is not None:
        spotlights = spotlights.filter(award__month=month)
    return spotlights.order_by("-award__month").first()


def wins(client) -> list[MonthlyAward]:
    return list(MonthlyAward.objects.filter(client=client).order_by("-month"))
