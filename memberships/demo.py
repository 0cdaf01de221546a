"""Demo plans for `seed_demo` (after service_levels.demo): Silver, Gold and Platinum tiers and the
Premium Response rider, each granting the SLA policy of the same key. Idempotent."""

from __future__ import annotations

from decimal import Decimal

from memberships import services
from memberships.models import Plan, PlanKind
from service_levels.models import SlaPolicy
from tenants.models import Tenant
from tenants.scope import tenant_scope

# key, kind, name, monthly, annual, rank, inclusions
PLANS = (
    ("silver", PlanKind.TIER, "Silver", "59.00", "590.00", 1,
     {"description": "Remote support in business hours, quarterly health check.",
      "proactive_monitoring": False, "onsite_visits_included": 0, "hours_included": "1.00",
      "labour_discount_percent": "5.00"}),
    ("gold", PlanKind.TIER, "Gold", "179.00", "1790.00", 2,
     {"description": "Proactive monitoring, one on-site visit a month, 10% off billable labour.",
      "proactive_monitoring": True, "onsite_visits_included": 1, "hours_included": "2.00",
      "labour_discount_percent": "10.00"}),
    ("platinum", PlanKind.TIER, "Platinum", "399.00", "3990.00", 3,
     {"description": "Monitoring, priority on-site, two visits a month, 15% off billable labour.",
      "proactive_monitoring": True, "priority_onsite": True, "onsite_visits_included": 2,
      "hours_included": "4.00", "labour_discount_percent": "15.00"}),
    ("premium-response", PlanKind.RIDER, "Premium Response", "49.00", "490.00", 0,
     {"description": "Faster response and on-site targets on top of any tier."}),
)  # fmt: skip


def seed_plans(tenant: Tenant, progress=print) -> int:
    """Create the demo plans the tenant does not have yet; returns how many were created."""
    created = 0
    with tenant_scope(tenant):
        existing = set(Plan.objects.values_list("key", flat=True))
        for key, kind, name, monthly, annual, rank, extra in PLANS:
            if key in existing:
                continue
            policy = SlaPolicy.objects.filter(kind=kind, key=key, is_active=True).first()
            values = {name: Decimal(value) if "hours" in name or "percent" in name else value
                      for name, value in extra.items()}  # fmt: skip
            services.save_plan(
                Plan(
                    tenant=tenant,
                    kind=kind,
                    key=key,
                    name=name,
                    monthly_price=Decimal(monthly),
                    annual_price=Decimal(annual),
                    rank=rank,
                    sla_policy=policy,
                    **values,
                )
            )
            created += 1
    progress(f"  {tenant.name}: {created} plans created.")
    return created
