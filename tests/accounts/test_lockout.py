"""Sign-in lockout (django-axes, counted in Redis by accounts.lockout)."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts import lockout
from audit.models import Action, AuditEntry
from tenants.models import StaffMembership
from tenants.roles import Role
from tenants.scope import tenant_scope
from tests.conftest import staff_of

pytestmark = pytest.mark.django_db

LOGIN = "accounts:login"


def wrong_passwords(client, email, times, **extra):
    responses = [
        client.post(reverse(LOGIN), {"username": email, "password": "not the password"}, **extra)
        for _ in range(times)
    ]
    return responses[-1]


def is_signed_in(client) -> bool:
    return client.get(reverse("tenants:home")).status_code == 200


def test_five_wrong_passwords_in_a_row_still_let_the_right_one_in(client, owner, sign_in_with_password):
    assert wrong_passwords(client, owner.email, 5).status_code == 200
    assert lockout.locked_until(owner.email) is None
    assert sign_in_with_password(owner.email).status_code == 302
    assert is_signed_in(client)


def test_sixth_wrong_password_locks_the_account(client, owner, sign_in_with_password, password):
    wrong_passwords(client, owner.email, 5)
    response = wrong_passwords(client, owner.email.upper(), 1)  # the email's case makes no difference
    assert response.status_code == 429
    assert lockout.locked_until(owner.email) is not None

    refused = sign_in_with_password(owner.email, password)
    assert refused.status_code == 429
    assert "this account is locked" in refused.content.decode()
    assert not is_signed_in(client)


def test_the_right_password_works_again_once_the_lock_expires(client, owner, sign_in_with_password):
    with time_machine.travel(timezone.now(), tick=False) as traveller:
        wrong_passwords(client, owner.email, 6)
        traveller.shift(timedelta(minutes=14))
        assert sign_in_with_password(owner.email).status_code == 429
        traveller.shift(timedelta(minutes=2))
        assert sign_in_with_password(owner.email).status_code == 302
    assert is_signed_in(client)


def test_the_lockout_page_says_until_when_and_what_to_do(client, owner):
    with time_machine.travel(datetime(2026, 12, 6, 14, 30, tzinfo=UTC), tick=False):
        response = wrong_passwords(client, owner.email, 6)
    page = response.content.decode()
    assert "locked for 15 minutes, until 14:45 UTC" in page
    assert "An owner of your company can unlock your account" in page
    assert response["Retry-After"] == str(15 * 60)


def test_a_lockout_is_recorded_in_the_audit_log(client, owner, tenant):
    wrong_passwords(client, owner.email, 6)
    with tenant_scope(tenant):
        actions = list(AuditEntry.objects.values_list("action", flat=True))
    assert actions.count(Action.SIGN_IN_FAILED) == 6
    assert actions.count(Action.LOCKED_OUT) == 1


def test_failures_across_accounts_from_one_address_lock_that_address(client, owner, settings, password):
    settings.ACCORD_SIGN_IN_IP_FAILURE_LIMIT = 8
    for n in range(8):
        wrong_passwords(client, f"guess{n}@example.com", 1, REMOTE_ADDR="203.0.113.9")
    refused = client.post(
        reverse(LOGIN), {"username": owner.email, "password": password}, REMOTE_ADDR="203.0.113.9"
    )
    assert refused.status_code == 429
    assert "from your network" in refused.content.decode()
    # The account itself is not locked: from elsewhere its owner signs in.
    elsewhere = Client(REMOTE_ADDR="198.51.100.7")
    assert elsewhere.post(reverse(LOGIN), {"username": owner.email, "password": password}).status_code == 302


def test_behind_a_trusted_proxy_the_forwarded_address_is_the_one_locked(client, owner, settings, password):
    settings.ACCORD_SIGN_IN_IP_FAILURE_LIMIT = 3
    settings.TRUSTED_PROXY_HOPS = 1
    for n in range(3):
        wrong_passwords(client, f"guess{n}@example.com", 1, HTTP_X_FORWARDED_FOR="203.0.113.9")
    other_caller = client.post(
        reverse(LOGIN), {"username": owner.email, "password": password}, HTTP_X_FORWARDED_FOR="203.0.113.10"
    )
    assert other_caller.status_code == 302


def test_an_owner_sees_a_locked_member_and_unlocks_them(tenant, staff_client, password):
    technician = staff_of(tenant, Role.TECHNICIAN)
    attacker = Client()
    wrong_passwords(attacker, technician.email, 6)

    team = staff_client.get(reverse("tenants:team")).content.decode()
    assert "Locked until" in team
    assert ">Unlock<" in team

    with tenant_scope(tenant):
        membership = StaffMembership.objects.get(user=technician)
    response = staff_client.post(reverse("tenants:staff_member", args=[membership.pk]), {"action": "unlock"})
    assert response.status_code == 302
    assert lockout.locked_until(technician.email) is None
    assert "Locked until" not in staff_client.get(reverse("tenants:team")).content.decode()

    person = Client()
    assert (
        person.post(reverse(LOGIN), {"username": technician.email, "password": password}).status_code == 302
    )
    with tenant_scope(tenant):
        unlocked = AuditEntry.objects.get(action=Action.UNLOCKED)
    assert unlocked.object_label == technician.email
    assert unlocked.user_id != technician.pk  # the owner did it


def test_a_manager_cannot_unlock_a_member(tenant, client, login_as):
    technician = staff_of(tenant, Role.TECHNICIAN)
    wrong_passwords(Client(), technician.email, 6)
    login_as(tenant, Role.MANAGER)
    with tenant_scope(tenant):
        membership = StaffMembership.objects.get(user=technician)
    team = client.get(reverse("tenants:team")).content.decode()
    assert "Locked until" in team
    assert ">Unlock<" not in team
    response = client.post(reverse("tenants:staff_member", args=[membership.pk]), {"action": "unlock"})
    assert response.status_code == 403
    assert lockout.locked_until(technician.email) is not None
