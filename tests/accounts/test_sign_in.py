import re

import pytest
from django.core import mail
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_staff_sign_in_with_their_email_and_land_on_the_dashboard(client, owner, password):
    response = client.post(reverse("accounts:login"), {"username": owner.email.upper(), "password": password})
    assert response.status_code == 302
    assert response.url == reverse("tenants:home")


def test_a_wrong_password_is_refused_with_a_message(client, owner):
    response = client.post(reverse("accounts:login"), {"username": owner.email, "password": "nope"})
    assert response.status_code == 200
    assert "Please enter a correct email and password" in response.content.decode()


def test_the_root_url_sends_visitors_to_sign_in(client):
    response = client.get("/")
    assert response.status_code == 302
    assert response.url.startswith(reverse("accounts:login"))


def test_signing_out_takes_a_post(staff_client):
    assert staff_client.post(reverse("accounts:logout")).status_code == 302
    assert staff_client.get("/").status_code == 302


def test_a_forgotten_password_can_be_reset_by_email(client, owner, sign_in_with_password):
    client.post(reverse("accounts:password_reset"), {"email": owner.email})
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.subject == "Reset your Accord password"
    assert message.alternatives  # HTML and text
    link = re.search(r"http://testserver(/accounts/password-reset/\S+/)", message.body).group(1)
    form = client.get(link, follow=True)
    new_password = "a new and long password 42"
    response = client.post(
        form.redirect_chain[-1][0], {"new_password1": new_password, "new_password2": new_password}
    )
    assert response.status_code == 302
    assert sign_in_with_password(owner.email, new_password).status_code == 302


def test_passwords_are_hashed_with_argon2_outside_the_test_suite(settings, owner):
    settings.PASSWORD_HASHERS = settings.PRODUCTION_PASSWORD_HASHERS
    owner.set_password("a long enough password")
    assert owner.password.startswith("argon2$")
    assert owner.check_password("a long enough password")
