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
def only_the_notifications_consumer(monkeypatch):
    """These tests count the events the bus hands to notifications; the other consumers (webhooks,
    ticket re-targeting) are left out, so an event gets no delivery for them and the counts stay exact."""
    from events import bus

    mine = {name: sub for name, sub in bus._subscriptions.items() if name.startswith("notifications.")}
    monkeypatch.setattr(bus, "_subscriptions", mine)
