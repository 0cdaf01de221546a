"""Demo utilisation rewards for ``seed_demo``: the program switched on with a 20% target and two tiers
(under 20% -> 5% off the next plan invoice, under 10% -> 10% off), as the owner set it up a year ago.

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
DEMO_TIERS = (
    {"below_percent": Decimal("20"), "reward_percent": Decimal("5"), "name": "Steady"},
    {"below_percent": Decimal("10"), "reward_percent": Decimal("10"), "name": "Quiet"},
)


def seed_utilization(tenant: Tenant, *, today: date, rng: random.Random, progress=print) -> bool:
    """Switch the utilisation program on for ``tenant``; False (and nothing changed) when it has one."""
    with tenant_scope(tenant):
        if UtilizationProgram.objects.exists():
            return False
        save_utilization_program(
            enabled=True,
            target_percent=Decimal("20"),
            tiers=list(DEMO_TIERS),
            actor=DEMO_ACTOR,
            tenant=tenant,
        )
    progress(f"  {tenant.name}: utilisation rewards on (target 20%, 5% off under 20%, 10% off under 10%).")
    return True
