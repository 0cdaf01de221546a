"""The rewards programs' demo history for ``seed_demo``: each program's set-up and the human side of a
year (checks recorded, nominations and votes, referrals), then the programs' own runner on each monthly
billing-run day of that year (``run_before_billing``, handed to ``billing.demo.seed_billing``) and today,
so the grants are what the beat would have made and their credit is spent by the invoices that followed.
Idempotent: a tenant that already has rewards is left as it is."""

from __future__ import annotations

import random
from datetime import date, datetime, time, timedelta

from events.models import OutboxEvent
from events.services import settle_as_history
from rewards.demo_anniversaries import seed_anniversaries
from rewards.demo_best_practices import seed_best_practices
from rewards.demo_customer_of_the_month import seed_customer_of_the_month
from rewards.demo_referrals import seed_referrals
from rewards.demo_utilization import seed_utilization
from rewards.models import Reward, RewardStatus
from rewards.programs import run_programs_due
from tenants.localtime import tenant_today, tenant_zone
from tenants.models import StaffMembership, Tenant
from tenants.roles import Role
from tenants.scope import tenant_scope

# Staff hand a gift over within about three weeks; the demo's older gifts were delivered, its recent ones
# are the staff's task list on the rewards page.
GIFT_DELIVERY = timedelta(days=21)

PROGRAM_SEEDS = (
    seed_utilization,
    seed_best_practices,
    seed_anniversaries,
    seed_customer_of_the_month,
    seed_referrals,
)


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
            hand_over_old_gifts(before=day - GIFT_DELIVERY)
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


def hand_over_old_gifts(*, before: date) -> int:
    """Mark the gifts granted before ``before`` delivered, a week or two after they were granted."""
    staff = StaffMembership.objects.filter(role__in=[Role.OWNER, Role.MANAGER], is_active=True).first()
    zone = tenant_zone()
    gifts = Reward.objects.filter(status=RewardStatus.TO_DELIVER, granted_on__lt=before)
    for gift in gifts:
        handed = gift.granted_on + timedelta(days=7 + gift.pk % 8)
        gift.status = RewardStatus.DELIVERED
        gift.delivered_at = datetime.combine(handed, time(15, 30), tzinfo=zone)
        gift.delivered_by = staff.user if staff else None
        gift.save(update_fields=["status", "delivered_at", "delivered_by"])
    return len(gifts)
