"""Sensitive actions ask for the password again when the last sign-in or confirmation is older than
ACCORD_REAUTH_SECONDS (accounts.reauth)."""

from datetime import timedelta
from urllib.parse import quote

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from api.keys import create_api_key
from tenants.models import StaffMembership
from tenants.roles import Role
from tenants.scope import tenant_scope
from tests.conftest import staff_of
from tests.factories import authenticator_code, enable_two_factor

pytestmark = pytest.mark.django_db

CONFIRM = reverse("accounts:reauthenticate")


@pytest.fixture
def targets(tenant):
    technician = staff_of(tenant, Role.TECHNICIAN)
    with tenant_scope(tenant):
        member = StaffMembership.objects.get(user=technician)
        key, _ = create_api_key(name="RMM", scopes=["read"])
    return {"member": member.pk, "key": key.pk}


SENSITIVE = {
    "create an API key": ("get", lambda t: reverse("api_keys:create"), {}),
    "revoke an API key": ("post", lambda t: reverse("api_keys:revoke", args=[t["key"]]), {}),
    "reassign an API key": ("post", lambda t: reverse("api_keys:reassign", args=[t["key"]]), {}),
    "change a role": (
        "post",
        lambda t: reverse("tenants:staff_member", args=[t["member"]]),
        {"role": "manager"},
    ),
    "remove a member": (
        "post",
        lambda t: reverse("tenants:staff_member", args=[t["member"]]),
        {"action": "remove"},
    ),
    "unlock a member": (
        "post",
        lambda t: reverse("tenants:staff_member", args=[t["member"]]),
        {"action": "unlock"},
    ),
    "invite someone": (
        "post",
        lambda t: reverse("tenants:invite"),
        {"email": "new@example.com", "role": "technician"},
    ),
    "company settings": (
        "post",
        lambda t: reverse("tenants:company"),
        {"name": "Renamed", "timezone": "UTC"},
    ),
    "seal upload": ("post", lambda t: reverse("tenants:seal"), {}),
    "require two-step sign-in": ("post", lambda t: reverse("tenants:two_factor_policy"), {"require": "off"}),
    "two-step settings": ("post", lambda t: reverse("accounts:security_change"), {"action": "start"}),
    "SLA compliance CSV": ("get", lambda t: reverse("reports:compliance_csv"), {}),
    "breaches CSV": ("get", lambda t: reverse("reports:breaches_csv"), {}),
    "utilisation CSV": ("get", lambda t: reverse("reports:utilization_csv"), {}),
    "revenue CSV": ("get", lambda t: reverse("reports:revenue_csv"), {}),
    "profitability CSV": ("get", lambda t: reverse("reports:profitability_csv"), {}),
    "accounting export CSV": ("get", lambda t: reverse("billing:export_file", args=["invoices"]), {}),
    "dispute rate CSV": ("get", lambda t: reverse("billing:dispute_rate_csv"), {}),
    "audit log CSV": ("get", lambda t: reverse("audit:log") + "?format=csv", {}),
}


def asks_to_confirm(response) -> bool:
    return response.status_code == 302 and response.url.startswith(CONFIRM)


@pytest.mark.parametrize("action", SENSITIVE)
def test_a_sensitive_action_asks_for_the_password_when_the_sign_in_is_stale(
    action, client, owner, targets, password
):
    method, url_of, data = SENSITIVE[action]
    url = url_of(targets)
    with time_machine.travel(timezone.now(), tick=False) as traveller:
        client.force_login(owner)
        traveller.shift(timedelta(minutes=11))
        response = getattr(client, method)(
            url, data, HTTP_REFERER=f"http://testserver{reverse('tenants:team')}"
        )
        assert asks_to_confirm(response), response
        # A GET comes back to itself; a POST to the page its form was on.
        expected_next = url if method == "get" else reverse("tenants:team")
        assert quote(expected_next, safe="") in response.url or expected_next in response.url

        confirmed = client.post(response.url, {"password": password})
        assert confirmed.status_code == 302
        assert confirmed.url.endswith(expected_next)

        traveller.shift(timedelta(minutes=5))  # within the window: no question asked
        assert not asks_to_confirm(getattr(client, method)(url, data))


def test_a_fresh_sign_in_counts_as_a_confirmation_for_ten_minutes(client, owner, sign_in_with_password):
    url = reverse("reports:compliance_csv")
    with time_machine.travel(timezone.now(), tick=False) as traveller:
        sign_in_with_password(owner.email)
        traveller.shift(timedelta(minutes=9))
        assert client.get(url).status_code == 200
        traveller.shift(timedelta(minutes=2))
        assert asks_to_confirm(client.get(url))


def test_a_stale_session_changes_nothing_before_confirming(client, owner, tenant, targets):
    with time_machine.travel(timezone.now(), tick=False) as traveller:
        client.force_login(owner)
        traveller.shift(timedelta(minutes=11))
        client.post(reverse("tenants:staff_member", args=[targets["member"]]), {"role": "manager"})
    with tenant_scope(tenant):
        assert StaffMembership.objects.get(pk=targets["member"]).role == Role.TECHNICIAN


def test_a_wrong_password_is_refused_and_counts_towards_the_lockout(client, owner):
    with time_machine.travel(timezone.now(), tick=False) as traveller:
        client.force_login(owner)
        traveller.shift(timedelta(minutes=11))
        response = client.post(CONFIRM + "?next=/", {"password": "nope"})
        assert response.status_code == 400
        assert "That is not your password" in response.content.decode()
        for _ in range(5):
            response = client.post(CONFIRM + "?next=/", {"password": "nope"})
        assert response.status_code == 429


def test_with_two_step_sign_in_confirming_needs_a_code_too(client, owner, password):
    device, _ = enable_two_factor(owner)
    with time_machine.travel(timezone.now(), tick=False) as traveller:
        client.force_login(owner)
        traveller.shift(timedelta(minutes=11))
        assert client.post(CONFIRM + "?next=/", {"password": password}).status_code == 400
        code = authenticator_code(device)
        response = client.post(CONFIRM + "?next=/team/", {"password": password, "code": code})
        assert response.status_code == 302
        assert response.url == "/team/"
