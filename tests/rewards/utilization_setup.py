"""Building blocks of the utilisation-rewards tests: the program (target 20%, tiers under 20% -> 5% off and
under 10% -> 10% off) and tickets opened at chosen times."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

from rewards.utilization import save_utilization_program
from tenants.scope import tenant_scope
from tickets.services import open_ticket

TWO_TIERS = [
    {"below_percent": "20", "reward_percent": "5", "name": "Steady"},
    {"below_percent": "10", "reward_percent": "10", "name": "Quiet"},
]


def switch_on(tenant, *, target="20", tiers=None):
    with tenant_scope(tenant):
        return save_utilization_program(
            enabled=True, target_percent=Decimal(target), tiers=tiers or TWO_TIERS, actor="test"
        )


def tickets(tenant, client, count: int, *, at: datetime):
    """``count`` tickets opened for ``client`` at ``at`` (UTC unless aware)."""
    moment = at if at.tzinfo else at.replace(tzinfo=UTC)
    with tenant_scope(tenant):
        return [open_ticket(client=client, title=f"Printer jam {n}", now=moment) for n in range(count)]
