"""A published service contract, a client with a signer, an agreement sent to them and their link."""

from decimal import Decimal

import pytest
from django.utils import timezone

from contracts import agreements
from contracts.models import ContractTemplate, ContractVersion
from portal.models import LinkPurpose
from service_levels.models import PolicyKind
from tenants.scope import tenant_scope
from tests.factories import (
    CalendarFactory,
    ClientFactory,
    ContactFactory,
    PortalLinkFactory,
    SlaPolicyFactory,
    SlaTargetFactory,
    plan_with_key,
)

TERMS = """# Scope of service
{{ tenant_name }} looks after the systems of {{ client_name }}.

# Your responsibilities
Keep the equipment powered and reachable.
"""
SLA = """# Response times
{{ sla_table }}
"""
COVERAGE = [
    {"category": "hardware", "work_type": "repair", "covered": True, "note": "parts extra"},
    {"category": "", "work_type": "remote_support", "covered": True, "note": ""},
    {"category": "", "work_type": "installation", "covered": False, "note": "quoted first"},
]


def published_version(tenant, *, title="Home Technology Care Plan", number=1, **fields):
    with tenant_scope(tenant):
        template, _ = ContractTemplate.objects.get_or_create(tenant=tenant, name=title)
        return ContractVersion.objects.create(
            tenant=tenant, template=template, number=number, title=title, terms_markdown=TERMS,
            sla_markdown=SLA, coverage=COVERAGE, hourly_rate_remote=Decimal("95"),
            hourly_rate_onsite=Decimal("140"), billing_terms="Invoiced monthly, due in 15 days.",
            status="published", published_at=timezone.now(), **fields,
        )  # fmt: skip


def sent_agreement(version, client, *, tier="", riders=(), monthly_fee=Decimal("149.00")):
    """Sent for signature; with a tier key or rider keys, offering that membership."""
    plan = plan_with_key(client.tenant, tier) if tier else None
    rider_plans = [plan_with_key(client.tenant, key, kind="rider", price="49.00") for key in riders]
    with tenant_scope(client.tenant):
        agreement = agreements.create_agreement(
            client=client, version=version, actor="owner@example.com", plan=plan, riders=rider_plans,
            plan_price=monthly_fee if plan else None,
        )  # fmt: skip
        return agreements.mark_sent(agreement, actor="owner@example.com", to="signer@example.com")


@pytest.fixture
def sla_policy(tenant):
    policy = SlaPolicyFactory(tenant=tenant, name="Standard", kind=PolicyKind.STANDARD, key="")
    calendar = CalendarFactory(tenant=tenant, name="Business hours")
    SlaTargetFactory(policy=policy, calendar=calendar, priority="P1", metric="first_response", minutes=60)
    SlaTargetFactory(policy=policy, calendar=calendar, priority="P1", metric="resolution", minutes=480)
    return policy


@pytest.fixture
def version(tenant, sla_policy):
    return published_version(tenant)


@pytest.fixture
def household(tenant):
    return ClientFactory(tenant=tenant, name="Whitaker Residence")


@pytest.fixture
def signer(household):
    return ContactFactory(
        client=household, full_name="Dana Whitaker", email="dana@whitaker.example", can_sign=True
    )


@pytest.fixture
def agreement(version, household):
    """Offers a "Care" membership (no SLA policy of its own) at $149.00 a month."""
    return sent_agreement(version, household, tier="care")


@pytest.fixture
def sign_link(signer, agreement):
    """(PortalLink, clear token) to sign ``agreement`` as ``signer``."""
    link = PortalLinkFactory(contact=signer, agreement=agreement, purpose=LinkPurpose.SIGN_AGREEMENT)
    return link, link.token
