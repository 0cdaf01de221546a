import io

import pytest
from django.core.management import CommandError, call_command

from tenants.models import StaffMembership, Tenant
from tenants.roles import Role
from tenants.scope import tenant_scope

pytestmark = pytest.mark.django_db


def run(*args) -> list[str]:
    out = io.StringIO()
    call_command(*args, stdout=out)
    return out.getvalue().strip().splitlines()


def test_create_tenant_prints_the_slug_last_and_makes_the_owner(django_user_model):
    lines = run(
        "create_tenant",
        "Acme Home Theater",
        "--owner-email",
        "Boss@Acme.example",
        "--timezone",
        "America/Denver",
    )
    tenant = Tenant.objects.get(slug=lines[-1])
    assert (tenant.name, tenant.slug, tenant.timezone) == (
        "Acme Home Theater",
        "acme-home-theater",
        "America/Denver",
    )
    user = django_user_model.objects.get(email="boss@acme.example")
    with tenant_scope(tenant):
        assert StaffMembership.objects.get(user=user).role == Role.OWNER


def test_create_tenant_gives_a_second_company_of_the_same_name_its_own_slug():
    first = run("create_tenant", "Acme", "--owner-email", "a@acme.example")[-1]
    second = run("create_tenant", "Acme", "--owner-email", "b@acme.example")[-1]
    assert (first, second) == ("acme", "acme-2")


def test_create_tenant_refuses_an_unknown_time_zone_or_country_clearly():
    with pytest.raises(CommandError, match="time zone"):
        run("create_tenant", "Acme", "--owner-email", "a@acme.example", "--timezone", "Mars/Base")
    with pytest.raises(CommandError, match="holiday"):
        run("create_tenant", "Acme", "--owner-email", "a@acme.example", "--country", "ZZ")
    assert not Tenant.objects.exists()
