"""The pages of customer of the month: staff nominate and vote (htmx), the client publishes the spotlight
from the portal, and the public page shows only a published spotlight, of the token's tenant only."""

from datetime import date

import pytest
import time_machine

from rewards.customer_of_the_month import choose_customers_of_the_month, nominate
from rewards.models import Nomination, Spotlight, Vote
from tenants.roles import Role
from tenants.scope import tenant_scope
from tests.conftest import staff_of
from tests.factories import ClientFactory, ContactFactory, PortalLinkFactory

pytestmark = pytest.mark.django_db
PAGE = "/rewards/customer-of-the-month/"


@pytest.fixture(autouse=True)
def december():
    with time_machine.travel("2026-12-10 15:00:00+00:00", tick=False):
        yield


def _winner(tenant, name="Harbor Bakery"):
    """A December winner, closed on 1 January 2027, with its spotlight."""
    with tenant_scope(tenant):
        client = ClientFactory(tenant=tenant, name=name)
        contact = ContactFactory(client=client, tenant=tenant, is_primary=True)
        nominate(
            client,
            category="project_finished",
            reason="Moved offices without a day lost",
            by=staff_of(tenant),
            on=date(2026, 12, 3),
        )
        choose_customers_of_the_month(date(2027, 1, 1))
        return client, contact, Spotlight.objects.get(award__client=client)


def test_staff_nominate_and_vote_with_htmx(tenant, client, login_as):
    with tenant_scope(tenant):
        bakery = ClientFactory(tenant=tenant, name="Harbor Bakery")
    login_as(tenant, Role.OWNER)
    response = client.post(
        PAGE, {"client": bakery.pk, "category": "low_utilization", "reason": "Two tickets all year"}
    )
    assert response.status_code == 302
    with tenant_scope(tenant):
        nomination = Nomination.objects.get()
    tech = login_as(tenant, Role.TECHNICIAN)
    response = client.post(f"{PAGE}{nomination.pk}/vote/", HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert "Take back your vote for Harbor Bakery" in response.content.decode()
    with tenant_scope(tenant):
        assert Vote.objects.get().voter == tech
    page = client.get(PAGE).content.decode()
    assert "Harbor Bakery" in page
    assert "a tie goes to the earliest nomination" in page


def test_a_read_only_member_sees_the_page_but_cannot_nominate(tenant, client, login_as):
    with tenant_scope(tenant):
        bakery = ClientFactory(tenant=tenant)
    login_as(tenant, Role.READ_ONLY)
    assert client.get(PAGE).status_code == 200
    assert client.post(PAGE, {"client": bakery.pk, "category": "other", "reason": "x"}).status_code == 403


def test_voting_for_another_tenants_nomination_is_a_404(tenant, other_tenant, client, login_as):
    with tenant_scope(other_tenant):
        theirs = nominate(
            ClientFactory(tenant=other_tenant), category="other", reason="Great", by=staff_of(other_tenant)
        )
    login_as(tenant, Role.TECHNICIAN)
    assert client.post(f"{PAGE}{theirs.pk}/vote/").status_code == 404
    with tenant_scope(other_tenant):
        assert not Vote.objects.exists()


def test_the_client_publishes_the_spotlight_and_the_public_page_shows_it(tenant, client):
    _bakery, contact, spotlight = _winner(tenant)
    public = f"/spotlight/{spotlight.share_token}/"
    assert client.get(public).status_code == 404  # not published yet
    with tenant_scope(tenant):
        link = PortalLinkFactory(contact=contact, purpose="account")
    portal = f"/portal/{link.token}/spotlight/"
    page = client.get(portal)
    assert page.status_code == 200
    assert "Customer of the month, December 2026" in page.content.decode()
    response = client.post(
        portal, {"action": "publish", "blurb": "Sourdough since 1998.", "website": "harborbakery.example"}
    )
    assert response.status_code == 302
    shown = client.get(public)
    html = shown.content.decode()
    assert shown.status_code == 200
    assert "Harbor Bakery" in html
    assert "Sourdough since 1998." in html
    assert "Moved offices without a day lost" in html
    assert "https://harborbakery.example" in html
    assert "noindex" not in html
    assert contact.email not in html
    client.post(portal, {"action": "withdraw"})
    assert client.get(public).status_code == 404


def test_a_client_without_a_win_has_no_spotlight_page_in_the_portal(tenant, client):
    with tenant_scope(tenant):
        contact = ContactFactory(tenant=tenant)
        link = PortalLinkFactory(contact=contact, purpose="account")
    assert client.get(f"/portal/{link.token}/spotlight/").status_code == 404


def test_staff_draft_the_blurb_and_another_tenants_spotlight_is_out_of_reach(
    tenant, other_tenant, client, login_as
):
    _, _, spotlight = _winner(tenant)
    _, _, theirs = _winner(other_tenant, name="Rival Client")
    login_as(tenant, Role.OWNER)
    response = client.post(
        f"{PAGE}spotlight/{spotlight.pk}/",
        {f"s{spotlight.award_id}-blurb": "Local bakers.", f"s{spotlight.award_id}-website": ""},
    )
    assert response.status_code == 302
    with tenant_scope(tenant):
        spotlight.refresh_from_db()
        assert spotlight.blurb == "Local bakers."
        assert not spotlight.is_published
    assert client.post(f"{PAGE}spotlight/{theirs.pk}/", {f"s{theirs.award_id}-blurb": "x"}).status_code == 404
    page = client.get(PAGE).content.decode()
    assert "Harbor Bakery" in page
    assert "Rival Client" not in page
