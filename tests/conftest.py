import copy
import uuid

import pytest
from django.conf import settings

from tenants.roles import Role
from tests import databases
from tests.factories import PASSWORD, ClientFactory, StaffMembershipFactory, TenantFactory


@pytest.fixture(scope="session")
def django_db_modify_db_settings(django_db_modify_db_settings_parallel_suffix):
    """The suite creates, migrates and drops its test database as the owner (tests/databases.py)."""
    databases.use_owner_login(settings.DATABASES["default"])
    settings.CROSS_TENANT_VIA = "role"


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """Once the test database exists, every test acts as the web role, bound by row-level security."""
    with django_db_blocker.unblock():
        databases.act_as_web(settings.DATABASES["default"])
    yield
    with django_db_blocker.unblock():
        databases.stop_acting(settings.DATABASES["default"])


@pytest.fixture(autouse=True)
def _cache_keys_of_its_own(settings):
    """Throttles and lockouts count in Redis: each test counts from zero, whatever ran before or beside it."""
    caches = copy.deepcopy(settings.CACHES)
    caches["default"]["KEY_PREFIX"] = f"test-{uuid.uuid4().hex}"
    settings.CACHES = caches


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
def sign_in_with_password(client):
    """sign_in_with_password(email, password): through the sign-in form, as a person would. (The test
    client's login() passes no request, which django-axes' lockout needs.) Returns the response."""
    from django.urls import reverse

    def _sign_in(email, password=PASSWORD, **extra):
        return client.post(reverse("accounts:login"), {"username": email, "password": password}, **extra)

    return _sign_in


@pytest.fixture
def small_demo(monkeypatch):
    """seed_demo with fewer demo tickets: the same code paths, a fraction of the time."""
    import tickets.demo

    monkeypatch.setattr(tickets.demo, "TICKETS_PER_TENANT", 24)
