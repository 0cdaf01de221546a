import pytest
from django.urls import reverse

from tenants.middleware import SESSION_TENANT_KEY
from tenants.roles import Role
from tests.factories import ClientFactory, ContactFactory, SiteFactory, StaffMembershipFactory

pytestmark = pytest.mark.django_db


def test_the_landing_page_shows_the_tenants_real_counts(staff_client, tenant, other_tenant):
    big = ClientFactory(tenant=tenant, name="Big Co", managed_endpoints=120)
    ClientFactory(tenant=tenant, name="Small Co", managed_endpoints=5)
    ClientFactory(tenant=tenant, name="Old Co", managed_endpoints=99, archived_at="2026-01-01T00:00Z")
    ContactFactory(client=big, can_sign=True)
    ContactFactory(client=big, can_sign=False)
    SiteFactory(client=big)
    ClientFactory(tenant=other_tenant, managed_endpoints=1000)
    counts = staff_client.get(reverse("tenants:home")).context["counts"]
    assert (counts.clients, counts.archived_clients, counts.contacts, counts.signers, counts.sites) == (
        2,
        1,
        2,
        1,
        1,
    )
    assert counts.endpoints == 125


def test_a_user_of_two_tenants_can_switch_between_them(client, tenant, other_tenant):
    membership = StaffMembershipFactory(tenant=tenant, role=Role.MANAGER)
    StaffMembershipFactory(tenant=other_tenant, user=membership.user, role=Role.READ_ONLY)
    ClientFactory(tenant=other_tenant, name="Rival Client")
    client.force_login(membership.user)
    assert "Rival Client" not in client.get(reverse("clients:list")).content.decode()
    client.post(reverse("tenants:switch"), {"tenant": other_tenant.slug})
    assert client.session[SESSION_TENANT_KEY] == other_tenant.pk
    page = client.get(reverse("clients:list")).content.decode()
    assert "Rival Client" in page
    assert "Read-only" in page


def test_nobody_can_switch_into_a_tenant_they_are_not_staff_of(staff_client, tenant, other_tenant):
    ClientFactory(tenant=other_tenant, name="Rival Client")
    response = staff_client.post(reverse("tenants:switch"), {"tenant": other_tenant.slug}, follow=True)
    assert "not on the staff" in response.content.decode()
    assert "Rival Client" not in staff_client.get(reverse("clients:list")).content.decode()


def test_a_tenant_id_forged_into_the_session_falls_back_to_ones_own_tenant(
    staff_client, tenant, other_tenant
):
    ClientFactory(tenant=other_tenant, name="Rival Client")
    session = staff_client.session
    session[SESSION_TENANT_KEY] = other_tenant.pk
    session.save()
    assert "Rival Client" not in staff_client.get(reverse("clients:list")).content.decode()


def test_a_signed_in_user_without_a_tenant_is_told_what_to_do(client, django_user_model):
    user = django_user_model.objects.create_user(email="lost@example.com", password="x" * 12)
    client.force_login(user)
    response = client.get(reverse("tenants:home"))
    assert response.status_code == 403
    assert "not on any company" in response.content.decode()


def test_the_team_page_lists_staff_and_the_permission_map(staff_client, tenant):
    StaffMembershipFactory(tenant=tenant, role=Role.TECHNICIAN, user__email="tech@example.com")
    page = staff_client.get(reverse("tenants:team")).content.decode()
    assert "tech@example.com" in page
    assert "clients.manage" in page
    assert "Technician" in page
