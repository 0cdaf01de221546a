"""Demo utilisation rewards for ``seed_demo``: the program switched on with a 3% monthly target and two
tiers (under 3% -> 5% off the next plan invoice, under 1% -> 10% off), as the owner set it up a year ago.
The article's 20% reads over a longer period; the demo clients open a ticket or two a month on 30 to 220
endpoints, so a monthly 20% would give every member the best tier every month, and 3% gives a spread.

The human side of this program is only its settings: the tickets come from the tickets demo and the
endpoint counts from the clients demo. The evaluations and credits come from the runner, which the demo
calls on each monthly billing-run day of the past year (before that day's billing run, so each credit is
spent by the next plan invoice) and today; it catches up what falls in between. Idempotent: a tenant
that already has a program is left as it is.
"""

from __future__ import annotations

import random
from datetime import date
from decimal import Decimal

from rewards.models import UtilizationProgram
from rewards.utilization import save_utilization_program
from tenants.models import Tenant
from tenants.scope import tenant_scope

DEMO_ACTOR = "Accord demo (utilisation rewards)"
DEMO_TARGET = Decimal("3")
DEMO_TIERS = (
    {"below_percent": Decimal("3"), "reward_percent": Decimal("5"), "name": "Steady"},
    {"below_percent": Decimal("1"), "reward_percent": Decimal("10"), "name": "Quiet"},
)


def seed_utilization(tenant: Tenant, *, today: date, rng: random.Random, progress=print) -> bool:
    """Switch the utilisation program on for ``tenant``; False (and nothing changed) when it has one."""
    with tenant_scope(tenant):
        if UtilizationProgram.objects.exists():
            return False
        save_utilization_program(
            enabled=True,
            target_percent=DEMO_TARGET,
            tiers=list(DEMO_TIERS),
            actor=DEMO_ACTOR,
            tenant=tenant,
        )
    progress(f"  {tenant.name}: utilisation rewards on (target 3%, 5% off under 3%, 10% off under 1%).")
    return True
