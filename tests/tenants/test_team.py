import re

import pytest
from django.core import mail
from django.urls import reverse

from tenants.models import StaffMembership
from tenants.roles import Role
from tenants.scope import tenant_scope
from tests.factories import StaffMembershipFactory

pytestmark = pytest.mark.django_db


def test_an_owner_invites_a_technician_who_sets_a_password_from_the_email(
    client, staff_client, tenant, django_capture_on_commit_callbacks, sign_in_with_password
):
    with django_capture_on_commit_callbacks(execute=True):
        response = staff_client.post(
            reverse("tenants:invite"),
            {"email": "New.Tech@example.com", "full_name": "Nia Tech", "role": "technician"},
        )
    assert response.status_code == 302
    with tenant_scope(tenant):
        membership = StaffMembership.objects.get(user__email="new.tech@example.com")
    assert membership.role == Role.TECHNICIAN
    assert len(mail.outbox) == 1
    assert tenant.name in mail.outbox[0].subject
    link = re.search(r"https?://[^/\s]+(/accounts/password-reset/\S+/)", mail.outbox[0].body).group(1)
    client.logout()
    form_url = client.get(link, follow=True).redirect_chain[-1][0]
    password = "a strong new password 7"
    client.post(form_url, {"new_password1": password, "new_password2": password})
    assert sign_in_with_password("new.tech@example.com", password).status_code == 302


def test_an_invitation_with_a_bad_email_shows_the_error_on_the_team_page(staff_client):
    response = staff_client.post(reverse("tenants:invite"), {"email": "not-an-email", "role": "technician"})
    assert response.status_code == 200
    assert "Enter a valid email address" in response.content.decode()
    assert not mail.outbox


def test_an_owner_changes_a_role_and_removes_someone(staff_client, tenant):
    tech = StaffMembershipFactory(tenant=tenant, role=Role.TECHNICIAN)
    staff_client.post(reverse("tenants:staff_member", args=[tech.pk]), {"role": "dispatcher"})
    with tenant_scope(tenant):
        assert StaffMembership.objects.get(pk=tech.pk).role == Role.DISPATCHER
    staff_client.post(reverse("tenants:staff_member", args=[tech.pk]), {"action": "remove"})
    with tenant_scope(tenant):
        assert not StaffMembership.objects.get(pk=tech.pk).is_active


def test_the_last_owner_cannot_be_demoted_or_removed(staff_client, tenant, owner):
    with tenant_scope(tenant):
        mine = StaffMembership.objects.get(user=owner)
    response = staff_client.post(
        reverse("tenants:staff_member", args=[mine.pk]), {"role": "manager"}, follow=True
    )
    assert "at least one owner" in response.content.decode()
    staff_client.post(reverse("tenants:staff_member", args=[mine.pk]), {"action": "remove"})
    with tenant_scope(tenant):
        assert StaffMembership.objects.get(pk=mine.pk).role == Role.OWNER
        assert StaffMembership.objects.get(pk=mine.pk).is_active


@pytest.mark.parametrize("role", [Role.MANAGER, Role.DISPATCHER, Role.READ_ONLY])
def test_only_owners_manage_the_team(client, login_as, tenant, role):
    login_as(tenant, role)
    other = StaffMembershipFactory(tenant=tenant, role=Role.TECHNICIAN)
    assert (
        client.post(reverse("tenants:invite"), {"email": "x@example.com", "role": "owner"}).status_code == 403
    )
    assert client.post(reverse("tenants:staff_member", args=[other.pk]), {"role": "owner"}).status_code == 403


def test_a_removed_person_no_longer_gets_into_the_tenant(client, tenant):
    membership = StaffMembershipFactory(tenant=tenant, role=Role.TECHNICIAN)
    client.force_login(membership.user)
    assert client.get(reverse("tenants:home")).status_code == 200
    with tenant_scope(tenant):
        membership.is_active = False
        membership.save()
    assert client.get(reverse("tenants:home")).status_code == 403
