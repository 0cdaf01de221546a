import pytest

from tenants.roles import Role
from tests.factories import PASSWORD, ClientFactory, StaffMembershipFactory, TenantFactory


@pytest.fixture
def tenant(db):
    return TenantFactory()


@pytest.fixture
def other_tenant(db):
    return TenantFactory(name="Rival Integrations", slug="rival")


def staff_of(tenant, role=Role.OWNER):
    return StaffMembershipFactory(tenant=tenant, role=role).user


@pytest.fixture
def owner(tenant):
    return staff_of(tenant, Role.OWNER)


@pytest.fixture
def staff_client(client, owner):
    """Django's test client, signed in as an owner of `tenant`."""
    client.force_login(owner)
    return client


@pytest.fixture
def login_as(client):
    def _login(tenant, role=Role.OWNER):
        user = staff_of(tenant, role)
        client.force_login(user)
        return user

    return _login


@pytest.fixture
def a_client(tenant):
    return ClientFactory(tenant=tenant, name="Whitaker Residence")


@pytest.fixture
def password():
    return PASSWORD


@pytest.fixture
def small_demo(monkeypatch):
    """seed_demo with fewer demo tickets: the same code paths, a fraction of the time."""
    import tickets.demo

    monkeypatch.setattr(tickets.demo, "TICKETS_PER_TENANT", 24)
