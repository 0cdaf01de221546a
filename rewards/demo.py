"""The rewards programs' demo history for ``seed_demo``: each program's set-up and the human side of a
year (checks recorded, nominations and votes, referrals), then the programs' own runner on each monthly
billing-run day of that year (``run_before_billing``, handed to ``billing.demo.seed_billing``) and today,
so the grants are what the beat would have made and their credit is spent by the invoices that followed.
Idempotent: a tenant that already has rewards is left as it is."""

from __future__ import annotations

import random
from datetime import date

from events.models import OutboxEvent
from events.services import settle_as_history
from rewards.demo_best_practices import seed_best_practices
from rewards.demo_referrals import seed_referrals
from rewards.demo_utilization import seed_utilization
from rewards.models import Reward
from rewards.programs import run_programs_due
from tenants.localtime import tenant_today
from tenants.models import Tenant
from tenants.scope import tenant_scope

PROGRAM_SEEDS = (seed_utilization, seed_best_practices, seed_referrals)


def seed_rewards(tenant: Tenant, progress=print) -> bool:
    """Set every program up for ``tenant`` with a year of its human side; False when already done."""
    with tenant_scope(tenant):
        if Reward.objects.exists():
            progress(f"  {tenant.name}: rewards already there.")
            return False
        today = tenant_today()
        for seed in PROGRAM_SEEDS:
            seed(tenant, today=today, rng=random.Random(f"{seed.__name__}-{tenant.slug}"), progress=progress)
    return True


def run_before_billing(tenant: Tenant, progress=print):
    """``before_each_run`` for the billing history: the rewards due by each run day, granted as history
    (nobody is emailed today about last year's rewards; today's grants are told as usual)."""

    def run(day: date) -> None:
        with tenant_scope(tenant):
            granted = run_programs_due(day).granted
            if granted and day < tenant_today():
                events = OutboxEvent.objects.filter(
                    name="reward.granted", payload__reward_id__in=[reward.pk for reward in granted]
                )
                settle_as_history(events.values_list("id", flat=True))
        if granted:
            progress(
                f"  {tenant.name}: {len(granted)} reward{'s' * (len(granted) != 1)} granted by {day:%-d %b %Y}"
            )

    return run
