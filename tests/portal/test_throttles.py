"""The portal's abuse limits (portal/throttles.py): token probing, requests per link, tickets opened from
the portal, and the verify page."""

import re
import secrets
from datetime import UTC, datetime, timedelta
from html import unescape

import pytest
import time_machine
from django.urls import reverse

from portal.models import LinkPurpose
from tenants.scope import tenant_scope
from tests.factories import ClientFactory, ContactFactory, PortalLinkFactory, sla_desk
from tickets.models import Ticket

pytestmark = pytest.mark.django_db

# Tuesday 24 November 2026, 13:00 UTC: far from the daily window's end (UTC midnight).
TUESDAY = datetime(2026, 11, 24, 13, 0, tzinfo=UTC)
SCANNER = "198.51.100.66"


def url(name, token, **kwargs):
    return reverse(f"portal:{name}", kwargs={"token": token, **kwargs})


def text(response):
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", response.content.decode())).split())


def limits(settings, **overrides):
    settings.ACCORD_RATE_LIMITS = {**settings.ACCORD_RATE_LIMITS, **overrides}


@pytest.fixture
def household(tenant):
    sla_desk(tenant)
    tenant.reply_to_email = "help@northwind.example"
    tenant.save()
    return ClientFactory(tenant=tenant, name="Whitaker Residence")


@pytest.fixture
def dana(household):
    return ContactFactory(client=household, full_name="Dana Whitaker", email="dana@whitaker.example")


@pytest.fixture
def token(dana):
    return PortalLinkFactory(contact=dana, purpose=LinkPurpose.TICKETS).token


def open_ticket(client, token, title="No picture on the lounge TV", impact="medium", urgency="medium"):
    return client.post(url("ticket_new", token), {"title": title, "impact": impact, "urgency": urgency})


def tickets_of(tenant):
    with tenant_scope(tenant):
        return Ticket.objects.count()


# --- Token probing -----------------------------------------------------------------------------------


def test_an_address_probing_unknown_tokens_gets_429_after_twenty(client, token):
    for _ in range(20):
        response = client.get(url("open", secrets.token_urlsafe(32)), REMOTE_ADDR=SCANNER)
        assert response.status_code == 404
    response = client.get(url("open", secrets.token_urlsafe(32)), REMOTE_ADDR=SCANNER)
    assert response.status_code == 429
    assert 0 < int(response["Retry-After"]) <= 600
    assert "Please wait a few minutes" in text(response)
    assert response["Cache-Control"] == "private, no-store"

    # A genuine link still opens, even from that address; another address is not held up.
    assert client.get(url("tickets", token), REMOTE_ADDR=SCANNER).status_code == 200
    assert client.get(url("open", secrets.token_urlsafe(32)), REMOTE_ADDR="203.0.113.5").status_code == 404


def test_the_probing_pause_ends_with_its_window(client):
    with time_machine.travel(TUESDAY, tick=False) as traveller:
        for _ in range(21):
            response = client.get(url("open", secrets.token_urlsafe(32)), REMOTE_ADDR=SCANNER)
        assert response.status_code == 429
        traveller.shift(timedelta(minutes=10))
        assert client.get(url("open", secrets.token_urlsafe(32)), REMOTE_ADDR=SCANNER).status_code == 404


def test_expired_tokens_count_as_probing_too(client, dana, settings):
    limits(settings, portal_bad_token=(2, 600))
    with time_machine.travel(TUESDAY - timedelta(days=31)):
        expired = PortalLinkFactory(contact=dana, purpose=LinkPurpose.TICKETS)
    assert client.get(url("open", expired.token), REMOTE_ADDR=SCANNER).status_code == 410
    assert client.get(url("open", expired.token), REMOTE_ADDR=SCANNER).status_code == 410
    assert client.get(url("open", expired.token), REMOTE_ADDR=SCANNER).status_code == 429


def test_a_probing_address_gets_no_fresh_link_answer(client, settings):
    limits(settings, portal_bad_token=(1, 600))
    client.get(url("open", secrets.token_urlsafe(32)), REMOTE_ADDR=SCANNER)
    response = client.post(url("fresh_link", secrets.token_urlsafe(32)), {"email": "a@b.example"},
                           REMOTE_ADDR=SCANNER)  # fmt: skip
    assert response.status_code == 429


# --- Requests per link -------------------------------------------------------------------------------


def test_one_link_used_too_often_in_a_minute_is_paused(client, token, settings):
    limits(settings, portal_link_requests=(3, 60))
    with time_machine.travel(TUESDAY, tick=False) as traveller:
        for _ in range(3):
            assert client.get(url("tickets", token)).status_code == 200
        response = client.get(url("tickets", token))
        assert response.status_code == 429
        assert "This link was used many times" in text(response)
        traveller.shift(timedelta(minutes=1))
        assert client.get(url("tickets", token)).status_code == 200


# --- Tickets opened from the portal ------------------------------------------------------------------


@time_machine.travel(TUESDAY, tick=False)
def test_portal_ticket_creation_stops_at_its_cap_with_a_clear_message(client, tenant, token):
    for number in range(3):
        assert open_ticket(client, token, title=f"Problem {number}").status_code == 302
    response = open_ticket(client, token, title="Fourth problem, still typed")
    assert response.status_code == 429
    assert int(response["Retry-After"]) == 600
    page = text(response)
    assert "You've sent the most tickets we take through this page for now" in page
    assert "phone" in page
    assert "help@northwind.example" in page
    assert "again from 08:10 (EST)" in page  # the tenant's zone (New York): 13:10 UTC
    assert 'value="Fourth problem, still typed"' in response.content.decode()  # nothing lost
    assert tickets_of(tenant) == 3


def test_the_burst_cap_lifts_after_ten_minutes_and_the_daily_cap_holds_until_midnight(client, tenant, token):
    with time_machine.travel(TUESDAY, tick=False) as traveller:
        for number in range(10):
            if number and number % 3 == 0:
                traveller.shift(timedelta(minutes=10))
            assert open_ticket(client, token, title=f"Problem {number}").status_code == 302, number
        traveller.shift(timedelta(minutes=10))
        refused = open_ticket(client, token, title="Eleventh")
        assert refused.status_code == 429
        assert "again from 19:00 (EST)" in text(refused)  # UTC midnight, in New York
        traveller.move_to(datetime(2026, 11, 25, 0, 1, tzinfo=UTC))
        assert open_ticket(client, token, title="Next day").status_code == 302
    assert tickets_of(tenant) == 11


@time_machine.travel(TUESDAY, tick=False)
def test_every_link_of_a_client_shares_the_clients_cap(client, tenant, household, token):
    other = PortalLinkFactory(contact=ContactFactory(client=household), purpose=LinkPurpose.TICKETS).token
    for number in range(3):
        response = open_ticket(client, token if number % 2 else other, title=f"Problem {number}")
        assert response.status_code == 302
    assert open_ticket(client, other, title="From the other link").status_code == 429


@time_machine.travel(TUESDAY, tick=False)
def test_urgent_tickets_have_a_stricter_cap_and_a_less_urgent_one_still_goes_through(client, tenant, settings,
                                                                                       token):  # fmt: skip
    limits(settings, portal_ticket_burst=(30, 600))
    for number in range(2):
        response = open_ticket(client, token, title=f"Down {number}", impact="high", urgency="high")
        assert response.status_code == 302
    response = open_ticket(client, token, title="Down again", impact="high", urgency="high")
    assert response.status_code == 429
    assert "most urgent tickets we take through this page today" in text(response)
    assert "If this is an emergency, phone" in text(response)
    assert open_ticket(client, token, title="Not so urgent").status_code == 302
    assert tickets_of(tenant) == 3


@time_machine.travel(TUESDAY, tick=False)
def test_a_refused_attempt_does_not_push_the_cap_further(client, tenant, token):
    for number in range(3):
        open_ticket(client, token, title=f"Problem {number}")
    for _ in range(5):
        assert open_ticket(client, token).status_code == 429
    with time_machine.travel(TUESDAY + timedelta(minutes=10), tick=False):
        assert open_ticket(client, token).status_code == 302


# --- The verify page ---------------------------------------------------------------------------------


def test_the_verify_page_is_limited_per_user(staff_client, settings):
    limits(settings, verify_per_user=(2, 600))
    verify = reverse("contract_verify:verify")
    for _ in range(2):
        assert staff_client.post(verify, {"sha256": "a" * 64}).status_code == 200
    response = staff_client.post(verify, {"sha256": "a" * 64})
    assert response.status_code == 429
    assert re.search(r"this page is pausing for you\. Try again in \d+ minutes?\.", text(response))
    assert int(response["Retry-After"]) > 0


def test_the_verify_page_is_limited_per_address(client, tenant, settings):
    from tests.conftest import staff_of

    limits(settings, verify_per_ip=(2, 600))
    verify = reverse("contract_verify:verify")
    for _ in range(2):
        client.force_login(staff_of(tenant))
        assert client.post(verify, {"sha256": "a" * 64}, REMOTE_ADDR=SCANNER).status_code == 200
    client.force_login(staff_of(tenant))
    assert client.post(verify, {"sha256": "a" * 64}, REMOTE_ADDR=SCANNER).status_code == 429
