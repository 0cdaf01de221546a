"""Shared set-up of the membership tests (imported by conftest.py and the test modules)."""

from datetime import UTC, date, datetime

from service_levels import services as sla_services
from service_levels.models import Metric, PolicyKind
from tenants.scope import tenant_scope

NOW = datetime(2026, 3, 10, 14, 0, tzinfo=UTC)  # Tuesday 10 March 2026, 10:00 in New York
TODAY = date(2026, 3, 10)
MEMBER_SINCE = date(2026, 3, 1)


def sla_for_plans(tenant) -> dict:
    """Standard and plan policies with a P1 first-response target each, on a 24/7 calendar."""
    with tenant_scope(tenant):
        always = sla_services.create_calendar(
            name="24/7", timezone="UTC", weekly_hours=sla_services.PRESETS["always_open"]
        )
        policies = {}
        for name, kind, key, minutes in [
            ("Standard contract", PolicyKind.STANDARD, "", 60),
            ("Silver", PolicyKind.TIER, "silver", 45),
            ("Gold", PolicyKind.TIER, "gold", 30),
            ("Platinum", PolicyKind.TIER, "platinum", 15),
            ("Premium Response", PolicyKind.RIDER, "premium-response", 10),
        ]:
            policy = sla_services.create_policy(name=name, kind=kind, key=key)
            sla_services.set_targets(policy, {("P1", Metric.FIRST_RESPONSE): (minutes, always)})
            policies[key or "standard"] = policy
    return policies


def in_tenant(tenant, read):
    """``read()`` inside the tenant's scope."""
    with tenant_scope(tenant):
        return read()
