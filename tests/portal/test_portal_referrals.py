"""Clients refer someone from their portal (an account link): a simple form, a thank-you page, their
referrals listed with what they earned; and they keep their referral profile. The referrer is always the
link's client."""

import re
from decimal import Decimal
from html import unescape

import pytest
from django.urls import reverse

from portal.models import LinkPurpose
from rewards.models import Referral, ReferralProfile, ReferralStatus
from rewards.referrals import refer_prospect, update_referral_program
from tenants.scope import tenant_scope
from tests.factories import ClientFactory, ContactFactory, PortalLinkFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def program(tenant):
    with tenant_scope(tenant):
        return update_referral_program(credit_amount=Decimal("250"), is_active=True)


def url(name, token):
    return reverse(f"portal:{name}", kwargs={"token": token})


def text(response):
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", response.content.decode())).split())


@pytest.fixture
def harbor(tenant):
    return ClientFactory(tenant=tenant, name="Harbor Dental", email="office@harbor.example")


@pytest.fixture
def dana(harbor):
    return ContactFactory(
        client=harbor, full_name="Dana Whitaker", email="dana@harbor.example", is_primary=True
    )


@pytest.fixture
def token(dana):
    return PortalLinkFactory(contact=dana, purpose=LinkPurpose.ACCOUNT).token


def test_a_client_refers_someone_and_is_thanked(client, tenant, harbor, token):
    page = client.get(url("refer", token))
    assert page.status_code == 200
    assert "you get" not in text(page)  # the offer names the client, not a generic "you"
    assert "Harbor Dental gets $250.00 of credit" in text(page)
    response = client.post(
        url("refer", token), {"name": "Maya Chen", "company": "Chen Ortho", "email": "maya@chen.example"}
    )
    assert response.url == url("referred", token)
    assert "Thank you!" in text(client.get(response.url))
    with tenant_scope(tenant):
        referral = Referral.objects.get()
    assert (referral.referrer_id, referral.source, referral.status) == (
        harbor.pk,
        "portal",
        ReferralStatus.NEW,
    )
    assert referral.recorded_by.startswith("Dana Whitaker")
    assert "Maya Chen" in text(client.get(url("refer", token)))


def test_the_form_keeps_what_was_typed_and_refuses_the_clients_own_address(client, tenant, token):
    response = client.post(url("refer", token), {"name": "Maya Chen", "company": "Chen Ortho"})
    assert response.status_code == 400
    assert "Give an email address or a phone number" in text(response)
    assert 'value="Chen Ortho"' in response.content.decode()
    response = client.post(url("refer", token), {"name": "Dana", "email": "DANA@harbor.example"})
    assert response.status_code == 400
    assert "That is your own address" in text(response)
    with tenant_scope(tenant):
        assert not Referral.objects.exists()


def test_a_person_referred_before_is_thanked_without_saying_by_whom(client, tenant, token):
    with tenant_scope(tenant):
        lakeside = ClientFactory(tenant=tenant, name="Lakeside Law")
        refer_prospect(referrer=lakeside, name="Maya", email="maya@chen.example", source="staff", actor="x")
    response = client.post(
        url("refer", token), {"name": "Maya Chen", "email": "maya@chen.example"}, follow=True
    )
    assert "Thank you!" in text(response)
    assert "Lakeside" not in text(response)
    assert "Referred before" in text(client.get(url("refer", token)))


def test_the_client_keeps_its_referral_profile(client, tenant, harbor, token):
    response = client.post(
        url("referral_profile", token),
        {
            "industry": "Dental practice",
            "sells": "Dentistry",
            "target_customers": "Families",
            "area": "Salem",
            "needs": "Bookkeeping",
            "open_to_introductions": "on",
        },
    )
    assert response.url.endswith("?saved=1")
    assert "Saved" in text(client.get(response.url))
    with tenant_scope(tenant):
        profile = ReferralProfile.objects.get(client=harbor)
    assert (profile.industry, profile.needs, profile.open_to_introductions) == (
        "Dental practice",
        "Bookkeeping",
        True,
    )
    assert profile.updated_by.startswith("Dana Whitaker")


def test_only_an_account_link_opens_the_referral_pages(client, dana):
    tickets = PortalLinkFactory(contact=dana, purpose=LinkPurpose.TICKETS).token
    assert client.get(url("refer", tickets)).status_code == 404
    assert client.post(url("refer", tickets), {"name": "M", "email": "m@x.example"}).status_code == 404
    assert client.get(url("refer", "not-a-token")).status_code in (403, 404, 410)
