from datetime import timedelta

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

pytestmark = pytest.mark.django_db


def test_a_session_idle_for_longer_than_the_timeout_is_signed_out(
    client, owner, settings, sign_in_with_password
):
    assert settings.ACCORD_IDLE_TIMEOUT_SECONDS == 30 * 60
    with time_machine.travel(timezone.now(), tick=False) as traveller:
        sign_in_with_password(owner.email)
        traveller.shift(timedelta(minutes=25))
        assert client.get(reverse("tenants:team")).status_code == 200
        traveller.shift(timedelta(minutes=25))  # 50 minutes after signing in, 25 after the last request
        assert client.get(reverse("tenants:team")).status_code == 200
        traveller.shift(timedelta(minutes=31))
        response = client.get(reverse("tenants:team") + "?tab=roles")
        assert response.status_code == 302
        assert response.url == reverse("accounts:login") + "?next=%2Fteam%2F%3Ftab%3Droles"
        assert client.get(reverse("tenants:team")).status_code == 302  # really signed out

        # Signing in again returns to the page they were on.
        back = client.post(
            response.url,
            {"username": owner.email, "password": "correct horse battery staple", "next": "/team/?tab=roles"},
        )
        assert back.url == "/team/?tab=roles"


def test_the_idle_timeout_is_a_setting(client, owner, settings):
    settings.ACCORD_IDLE_TIMEOUT_SECONDS = 120
    with time_machine.travel(timezone.now(), tick=False) as traveller:
        client.force_login(owner)
        traveller.shift(timedelta(minutes=3))
        assert client.get(reverse("tenants:team")).status_code == 302
