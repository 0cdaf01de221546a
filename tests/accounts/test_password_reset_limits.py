import pytest
from django.core import mail
from django.urls import reverse

pytestmark = pytest.mark.django_db

RESET = "accounts:password_reset"


def test_an_address_gets_at_most_three_reset_emails_an_hour(client, owner):
    responses = [client.post(reverse(RESET), {"email": owner.email}) for _ in range(5)]
    assert len(mail.outbox) == 3
    # Past the limit the page reads as always: nobody learns whether the address has an account.
    assert all(r.status_code == 302 and r.url == reverse("accounts:password_reset_done") for r in responses)


def test_an_unknown_address_past_its_limit_reads_the_same_as_a_known_one(client, owner):
    for _ in range(4):
        known = client.post(reverse(RESET), {"email": owner.email})
        unknown = client.post(reverse(RESET), {"email": "nobody@example.com"})
    assert (known.status_code, known.url) == (unknown.status_code, unknown.url)


def test_too_many_reset_requests_from_one_address_get_a_429_and_no_email(client, owner, settings):
    settings.ACCORD_RATE_LIMITS = settings.ACCORD_RATE_LIMITS | {"password_reset_ip": (4, 3600)}
    for n in range(4):
        client.post(reverse(RESET), {"email": f"someone{n}@example.com"})
    response = client.post(reverse(RESET), {"email": owner.email})
    assert response.status_code == 429
    assert "Too many password reset emails" in response.content.decode()
    assert int(response["Retry-After"]) > 0
    assert len(mail.outbox) == 0
    # Another caller is not concerned.
    assert client.post(reverse(RESET), {"email": owner.email}, REMOTE_ADDR="198.51.100.7").status_code == 302
    assert len(mail.outbox) == 1
