"""The demo's anniversary program: a step table, and relationship starts for a few clients that were with
the company long before their contracts were in Accord (set by staff, with the reason), so that some
anniversaries fell in the past year and one is coming up soon. The grants come from the rewards runs the
demo plays on each month's billing day (``rewards.anniversaries.grant_anniversary_rewards``)."""

from __future__ import annotations

import random
from datetime import date, timedelta
from decimal import Decimal

from clients.models import Client
from rewards.anniversaries import relationship, save_step, set_relationship_start
from rewards.models import AnniversaryStep
from tenants.models import StaffMembership, Tenant
from tenants.roles import Role
from tenants.scope import tenant_scope

STEPS = [
    (1, Decimal("0"), "A thank-you card and coffee for their team", Decimal("25")),
    (2, Decimal("50"), "", Decimal("0")),
    (3, Decimal("100"), "", Decimal("0")),
    (5, Decimal("250"), "A framed photo of their team and ours", Decimal("40")),
]
# Years with the company before Accord, for the clients whose start staff set by hand.
YEARS_BEFORE = (1, 2, 3, 4, 5, 6, 8)


def _anniversary_in_past_year(rng: random.Random, today: date, years: int) -> date:
    """A start ``years`` years back whose anniversary fell between 11 months ago and a week ago."""
    day = today - timedelta(days=rng.randint(7, 330))
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


def seed_anniversaries(tenant: Tenant, *, today: date, rng: random.Random, progress=print) -> int:
    """Set up the program for a demo tenant (idempotent: a tenant with a step table is left alone).
    Returns how many relationship starts were set."""
    with tenant_scope(tenant):
        if AnniversaryStep.objects.exists():
            progress(f"  {tenant.name}: anniversary rewards already set up.")
            return 0
        for years, credit, gift, gift_cost in STEPS:
            save_step(years=years, credit=credit, gift=gift, gift_cost=gift_cost)
        owner = StaffMembership.objects.filter(role=Role.OWNER, is_active=True).select_related("user").first()
        signed = [
            c
            for c in Client.objects.filter(archived_at__isnull=True).order_by("pk")
            if relationship(c).started_on
        ]
        chosen = rng.sample(signed, min(len(signed), len(YEARS_BEFORE) + 1))
        for client, years in zip(chosen, YEARS_BEFORE, strict=False):
            start = _anniversary_in_past_year(rng, today, years)
            set_relationship_start(
                client,
                started_on=start,
                reason=f"Client since {start.year}, before the contracts were in Accord",
                by=owner.user if owner else None,
            )
        if len(chosen) > len(YEARS_BEFORE):  # one anniversary coming up, to show on the pages
            soon = today + timedelta(days=rng.randint(5, 20))
            set_relationship_start(
                chosen[-1],
                started_on=soon.replace(year=soon.year - 4),
                reason=f"Client since {soon.year - 4}: first contract on paper",
                by=owner.user if owner else None,
            )
        progress(
            f"  {tenant.name}: anniversary table of {len(STEPS)} steps; {len(chosen)} relationship starts"
        )
        return len(chosen)
