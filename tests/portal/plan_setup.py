"""A company that sells memberships, for the portal plan tests and the Chromium upgrade test.

Standard, Silver and Gold SLA policies and the Premium Response rider (first response per priority on a
24/7 calendar, on-site on office hours), the matching plans, a published service contract and a
published "Membership change" supplement, and a household with a signer, signed up on Silver from
1 Nov 2026. Everything is made through the services, inside the tenant's scope.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal

from contracts import agreements, versions
from contracts.models import Agreement, ContractVersion, TemplateKind
from memberships import services as memberships
from memberships.models import Plan, PlanKind
from portal.models import LinkPurpose
from service_levels import services as sla_services
from service_levels.models import Metric, PolicyKind
from tenants.scope import tenant_scope
from tests.factories import ClientFactory, ContactFactory, PortalLinkFactory
from tests.portal.conftest import published_version

# Tuesday 10 Nov 2026, 10:00 in New York (the tenant's zone): 21 of the period's 30 days are left.
TUESDAY = datetime(2026, 11, 10, 15, 0, tzinfo=UTC)
SIGNED_UP_ON = date(2026, 11, 1)

# First response in minutes on the 24/7 calendar, per policy and priority.
FIRST_RESPONSE = {
    "standard": {"P1": 120, "P2": 240, "P3": 480, "P4": 960},
    "silver": {"P1": 60, "P2": 120, "P3": 240, "P4": 480},
    "gold": {"P1": 15, "P2": 30, "P3": 60, "P4": 120},
    "premium-response": {"P1": 10, "P2": 20},
}
ONSITE_HOURS = {"standard": 16, "silver": 8, "gold": 4}

CHANGE_TERMS = "This supplement changes the membership of {{ client_name }} to **{{ tier }}**.\n"


@dataclass
class Desk:
    tenant: object
    plans: dict[str, Plan]
    service_contract: ContractVersion
    supplement: ContractVersion | None
    always: object
    office: object


def membership_desk(tenant, *, supplement: bool = True) -> Desk:
    with tenant_scope(tenant):
        always = sla_services.create_calendar(
            name="24/7", timezone="UTC", weekly_hours=sla_services.PRESETS["always_open"]
        )
        office = sla_services.create_calendar(
            name="Office hours",
            timezone="America/New_York",
            weekly_hours=sla_services.PRESETS["office_hours"],
        )
        sla_services.create_policy(name="Basic triage", kind=PolicyKind.BASIC_TRIAGE)
        policies = {
            "standard": sla_services.create_policy(name="Standard", kind=PolicyKind.STANDARD),
            "silver": sla_services.create_policy(name="Silver", kind=PolicyKind.TIER, key="silver"),
            "gold": sla_services.create_policy(name="Gold", kind=PolicyKind.TIER, key="gold"),
            "premium-response": sla_services.create_policy(
                name="Premium Response", kind=PolicyKind.RIDER, key="premium-response"
            ),
        }
        for key, policy in policies.items():
            grid = {
                (p, Metric.FIRST_RESPONSE): (minutes, always) for p, minutes in FIRST_RESPONSE[key].items()
            }
            if key in ONSITE_HOURS:
                grid[("P1", Metric.ONSITE)] = (ONSITE_HOURS[key] * 60, office)
            sla_services.set_targets(policy, grid)
        plans = {
            "silver": Plan(
                kind=PlanKind.TIER,
                key="silver",
                name="Silver",
                rank=1,
                monthly_price=Decimal("59.00"),
                annual_price=Decimal("590.00"),
                hours_included=Decimal("1"),
                labour_discount_percent=Decimal("5"),
                description="Remote support in business hours.",
            ),
            "gold": Plan(
                kind=PlanKind.TIER,
                key="gold",
                name="Gold",
                rank=2,
                monthly_price=Decimal("179.00"),
                annual_price=Decimal("1790.00"),
                proactive_monitoring=True,
                onsite_visits_included=1,
                hours_included=Decimal("2"),
                labour_discount_percent=Decimal("10"),
                description="Monitoring and a visit a month.",
            ),
            "premium-response": Plan(
                kind=PlanKind.RIDER,
                key="premium-response",
                name="Premium Response",
                monthly_price=Decimal("49.00"),
                annual_price=Decimal("490.00"),
            ),
        }
        for key, plan in plans.items():
            plan.tenant, plan.sla_policy = tenant, policies[key]
            memberships.save_plan(plan)
        change = None
        if supplement:
            template = versions.create_template(name="Membership change", kind=TemplateKind.SUPPLEMENT)
            draft = versions.create_draft(
                template=template, title="Supplement: Membership change", terms_markdown=CHANGE_TERMS
            )
            change = versions.publish_version(draft)
    return Desk(tenant, plans, published_version(tenant), change, always, office)


def signed_client(
    desk: Desk,
    *,
    name="Whitaker Residence",
    plan: str | None = "silver",
    riders=(),
    starts_on=SIGNED_UP_ON,
    signer_email="dana@whitaker.example",
    cycle="monthly",
):
    """A household with a signer (Dana) whose service contract was signed, on ``plan`` (or without one)."""
    household = ClientFactory(tenant=desk.tenant, name=name)
    dana = ContactFactory(client=household, full_name="Dana Whitaker", email=signer_email, can_sign=True)
    with tenant_scope(desk.tenant):
        contract = agreements.create_agreement(
            client=household,
            version=desk.service_contract,
            actor="owner@example.com",
            starts_on=starts_on,
            plan=desk.plans[plan] if plan else None,
            riders=[desk.plans[key] for key in riders],
            billing_cycle=cycle,
        )
        agreements.mark_sent(contract, actor="owner@example.com", to=dana.email)
        contract = agreements.mark_signed(contract, actor="owner@example.com")
    return household, dana, contract


def account_link(contact):
    """(PortalLink, clear token) of an account link for ``contact``."""
    link = PortalLinkFactory(contact=contact, purpose=LinkPurpose.ACCOUNT)
    return link, link.token


def supplements_of(household) -> list[Agreement]:
    with tenant_scope(household.tenant):
        return list(
            Agreement.objects.filter(client=household, parent__isnull=False)
            .select_related("parent", "version", "plan_offer__plan")
            .order_by("created_at")
        )


def sign_link_path(body: str) -> str:
    """The portal path in an emailed signing invitation."""
    return re.search(r"https?://[^/\s]+(/portal/[A-Za-z0-9_-]{43}/)", body)[1]
