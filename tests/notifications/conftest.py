import pytest

from tenants.roles import Role
from tests.factories import ClientFactory, StaffMembershipFactory, sla_desk


@pytest.fixture
def desk(tenant):
    """The tickets tests' SLA desk (first response 1 h × 1/2/4/8 on a 24/7 calendar) and a client."""
    return {**sla_desk(tenant), "client": ClientFactory(tenant=tenant, name="Whitaker Residence")}


@pytest.fixture
def team(tenant):
    """One person per role, and a dispatcher who has left the company (told nothing)."""
    people = {
        role: StaffMembershipFactory(tenant=tenant, role=role, user__full_name=f"{role.label} Person").user
        for role in (Role.OWNER, Role.MANAGER, Role.DISPATCHER, Role.TECHNICIAN, Role.BILLING, Role.READ_ONLY)
    }
    StaffMembershipFactory(tenant=tenant, role=Role.DISPATCHER, is_active=False)
    return people


@pytest.fixture(autouse=True)
def without_webhooks(monkeypatch):
    """These tests count the deliveries the bus hands out for SLA, ticket and agreement events. Partner
    webhooks subscribe to those events too (tests/webhooks covers them): leave that consumer out, so an
    event gets no webhooks delivery here and the counts stay the ones these tests are about."""
    from events import bus

    others = {name: sub for name, sub in bus._subscriptions.items() if name != "webhooks"}
    monkeypatch.setattr(bus, "_subscriptions", others)
