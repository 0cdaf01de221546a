"""Two-step sign-in: an authenticator app (TOTP) and recovery codes, with django-otp."""

import re

import pytest
import time_machine
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts import lockout, two_factor
from audit.models import Action, AuditEntry
from tenants.roles import Role
from tenants.scope import tenant_scope
from tests.conftest import staff_of
from tests.factories import authenticator_code, enable_two_factor

pytestmark = pytest.mark.django_db


def signed_in(client) -> bool:
    return client.get(reverse("tenants:home")).status_code == 200


def test_staff_turn_on_two_step_sign_in_from_their_security_page(staff_client, owner, tenant):
    page = staff_client.get(reverse("accounts:security")).content.decode()
    assert "Set up two-step sign-in" in page

    setup = staff_client.post(reverse("accounts:security_change"), {"action": "start"})
    assert setup.status_code == 200
    assert 'src="data:image/svg+xml' in setup.content.decode()  # the QR code
    device = two_factor.pending_setup(owner)

    with time_machine.travel(timezone.now(), tick=False) as traveller:
        wrong = staff_client.post(
            reverse("accounts:security_change"), {"action": "confirm", "code": "000000"}
        )
        assert wrong.status_code == 400
        assert not two_factor.has_two_factor(owner)
        traveller.shift(2)  # django-otp slows a device down after a wrong code: 1 s, then 2, 4...
        done = staff_client.post(
            reverse("accounts:security_change"), {"action": "confirm", "code": authenticator_code(device)}
        )
    assert done.status_code == 200
    codes = re.findall(r'<li class="col">([a-z2-7]{8})</li>', done.content.decode())
    assert len(codes) == 10  # shown once, on this page only
    assert two_factor.has_two_factor(owner)
    assert (
        "Recovery codes left: <strong>10</strong>"
        in staff_client.get(reverse("accounts:security")).content.decode()
    )
    with tenant_scope(tenant):
        assert AuditEntry.objects.filter(action=Action.TWO_FACTOR_ON, user=owner).exists()


def test_with_two_step_sign_in_the_password_alone_does_not_sign_in(client, owner, sign_in_with_password):
    device, _ = enable_two_factor(owner)
    response = sign_in_with_password(owner.email)
    assert response.status_code == 302
    assert response.url == reverse("accounts:sign_in_code")
    assert not signed_in(client)

    with time_machine.travel(timezone.now(), tick=False) as traveller:
        assert client.post(reverse("accounts:sign_in_code"), {"code": "123456"}).status_code == 400
        assert not signed_in(client)
        traveller.shift(2)  # past django-otp's slow-down after a wrong code
        code = authenticator_code(device, steps_ahead=1)
        response = client.post(reverse("accounts:sign_in_code"), {"code": code})
    assert response.status_code == 302
    assert response.url == reverse("tenants:home")
    assert signed_in(client)


def test_the_code_step_returns_to_the_page_asked_for(client, owner):
    device, _ = enable_two_factor(owner)
    client.post(
        reverse("accounts:login"),
        {"username": owner.email, "password": "correct horse battery staple", "next": "/team/"},
    )
    response = client.post(
        reverse("accounts:sign_in_code"), {"code": authenticator_code(device, steps_ahead=1)}
    )
    assert response.url == "/team/"


def test_the_code_step_without_a_password_first_goes_back_to_sign_in(client):
    response = client.get(reverse("accounts:sign_in_code"))
    assert response.status_code == 302
    assert response.url == reverse("accounts:login")


def test_a_recovery_code_signs_in_once(owner, sign_in_with_password, client):
    _, codes = enable_two_factor(owner)
    sign_in_with_password(owner.email)
    assert client.post(reverse("accounts:sign_in_code"), {"code": codes[0].upper()}).status_code == 302
    assert signed_in(client)
    assert two_factor.recovery_codes_left(owner) == 9

    client.post(reverse("accounts:logout"))
    sign_in_with_password(owner.email)
    assert client.post(reverse("accounts:sign_in_code"), {"code": codes[0]}).status_code == 400
    assert not signed_in(client)


def test_wrong_codes_count_towards_the_lockout(owner, sign_in_with_password, client):
    enable_two_factor(owner)
    sign_in_with_password(owner.email)
    for _ in range(5):
        client.post(reverse("accounts:sign_in_code"), {"code": "000000"})
    locked = client.post(reverse("accounts:sign_in_code"), {"code": "000000"})
    assert locked.status_code == 429
    assert lockout.locked_until(owner.email) is not None
    # Even with the password and the right code, nobody gets in until the lock ends.
    assert sign_in_with_password(owner.email).status_code == 429


def test_a_tenant_that_requires_it_sends_staff_without_it_to_set_it_up(tenant, client, sign_in_with_password):
    tenant.require_two_factor = True
    tenant.save()
    technician = staff_of(tenant, Role.TECHNICIAN)
    sign_in_with_password(technician.email)

    response = client.get(reverse("clients:list"))
    assert response.status_code == 302
    assert response.url.startswith(reverse("accounts:security"))
    assert "requires two-step sign-in" in client.get(response.url).content.decode()

    client.post(reverse("accounts:security_change"), {"action": "start"})
    device = two_factor.pending_setup(technician)
    client.post(
        reverse("accounts:security_change"), {"action": "confirm", "code": authenticator_code(device)}
    )
    assert client.get(reverse("clients:list")).status_code == 200


def test_in_a_tenant_that_requires_it_the_api_answers_a_session_without_it_in_json(
    tenant, client, sign_in_with_password
):
    tenant.require_two_factor = True
    tenant.save()
    sign_in_with_password(staff_of(tenant, Role.TECHNICIAN).email)

    response = client.get("/api/v1/clients/")

    assert response.status_code == 403
    assert response.json()["errors"][0]["code"] == "two_factor_required"


def test_in_a_tenant_that_requires_it_a_session_that_skipped_the_code_is_signed_out(tenant, client):
    tenant.require_two_factor = True
    tenant.save()
    technician = staff_of(tenant, Role.TECHNICIAN)
    enable_two_factor(technician)
    client.force_login(technician)  # a session that never passed the code step
    response = client.get(reverse("clients:list"))
    assert response.url.startswith(reverse("accounts:login"))
    assert not signed_in(client)


def test_an_owner_with_two_step_sign_in_requires_it_for_the_whole_company(tenant, owner, staff_client):
    url = reverse("tenants:two_factor_policy")
    refused = staff_client.post(url, {"require": "on"}, follow=True)
    assert "Turn on two-step sign-in for yourself first" in refused.content.decode()
    tenant.refresh_from_db()
    assert not tenant.require_two_factor

    enable_two_factor(owner)
    staff_client.post(url, {"require": "on"})
    tenant.refresh_from_db()
    assert tenant.require_two_factor


def test_a_manager_cannot_change_the_requirement(tenant, client, login_as):
    login_as(tenant, Role.MANAGER)
    assert client.post(reverse("tenants:two_factor_policy"), {"require": "on"}).status_code == 403


def test_staff_can_turn_it_off_unless_their_company_requires_it(tenant, owner, staff_client):
    enable_two_factor(owner)
    staff_client.post(reverse("accounts:security_change"), {"action": "disable"})
    assert not two_factor.has_two_factor(owner)

    enable_two_factor(owner)
    tenant.require_two_factor = True
    tenant.save()
    other = Client()
    other.force_login(owner)
    other.post(reverse("accounts:security_change"), {"action": "disable"})
    assert two_factor.has_two_factor(owner)
