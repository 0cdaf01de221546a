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
    PlanFactory,
    PortalLinkFactory,
    SlaPolicyFactory,
    SlaTargetFactory,
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


def sent_agreement(version, client, *, tier="", riders=(), monthly_fee=None):
    """Created and sent; with a ``tier`` or ``riders`` (plan keys) it offers that membership."""
    tenant = client.tenant
    with tenant_scope(tenant):
        agreement = agreements.create_agreement(
            client=client, version=version, actor="owner@example.com",
            plan=PlanFactory(tenant=tenant, key=tier) if tier else None,
            riders=[PlanFactory(tenant=tenant, key=key) for key in riders], plan_price=monthly_fee,
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
    return sent_agreement(version, household)


@pytest.fixture
def sign_link(signer, agreement):
    """(PortalLink, clear token) to sign ``agreement`` as ``signer``."""
    link = PortalLinkFactory(contact=signer, agreement=agreement, purpose=LinkPurpose.SIGN_AGREEMENT)
    return link, link.token
