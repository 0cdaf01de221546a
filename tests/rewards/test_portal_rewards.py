"""Clients see their rewards in the portal through an account link: what they earned, why, what it is
worth and where it stands, then each program's portal section. Only their own client's rewards; another
kind of link gets the way back instead."""

import copy
import re
from decimal import Decimal
from html import unescape

import pytest
from django.urls import reverse

from portal.models import LinkPurpose
from rewards import sections
from rewards.models import Program, Reward, RewardKind, RewardStatus
from rewards.services import grant_reward
from tenants.scope import tenant_scope
from tests.factories import ClientFactory, ContactFactory, PortalLinkFactory

pytestmark = pytest.mark.django_db


def text(response):
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", response.content.decode())).split())


@pytest.fixture
def household(tenant):
    return ClientFactory(tenant=tenant, name="Whitaker Residence")


@pytest.fixture
def dana(household):
    return ContactFactory(client=household, full_name="Dana Whitaker", email="dana@whitaker.example")


@pytest.fixture
def token(dana):
    return PortalLinkFactory(contact=dana, purpose=LinkPurpose.ACCOUNT).token


def grant(client, key, *, kind=RewardKind.CREDIT, value="12.50", program=Program.UTILIZATION, title=None):
    with tenant_scope(client.tenant):
        return grant_reward(
            client,
            program=program,
            key=key,
            kind=kind,
            title=title or f"Reward {key}",
            reason=f"Because of {key}",
            value=Decimal(value),
            actor="rewards run",
        ).reward


def test_an_account_link_shows_the_clients_rewards_with_why_value_and_status(client, token, household):
    grant(household, "2026-11", title="5% off your next plan invoice")
    grant(
        household,
        "year-1",
        kind=RewardKind.GIFT,
        value="40.00",
        program=Program.ANNIVERSARY,
        title="A hamper",
    )
    mention = grant(household, "2026-10", kind=RewardKind.RECOGNITION, value="0", title="Spotlight")
    with tenant_scope(household.tenant):
        Reward.objects.filter(pk=mention.pk).update(status=RewardStatus.WITHDRAWN)

    response = client.get(reverse("portal:rewards", kwargs={"token": token}))

    assert response.status_code == 200
    page = text(response)
    assert "Your rewards" in page
    assert "5% off your next plan invoice $12.50 Because of 2026-11" in page
    assert "On your account" in page
    assert "A hamper" in page
    assert "On its way" in page
    assert "Withdrawn" in page
    assert "You have $12.50 of credit on your account: it comes off your next invoice." in page
    assert f'href="{reverse("portal:rewards", kwargs={"token": token})}" aria-current="page"' in (
        response.content.decode()
    )


def test_a_client_never_sees_another_clients_rewards(client, token, tenant, household, other_tenant):
    grant(household, "2026-11", title="Ours")
    grant(ClientFactory(tenant=tenant, name="Okafor Dental"), "2026-11", title="Theirs, same company")
    grant(ClientFactory(tenant=other_tenant, name="Rival Client"), "2026-11", title="Theirs, other company")

    page = text(client.get(reverse("portal:rewards", kwargs={"token": token})))

    assert "Ours" in page
    assert "Theirs" not in page


def test_a_link_for_something_else_does_not_open_the_rewards(client, dana, household):
    grant(household, "2026-11", title="Ours")
    tickets_link = PortalLinkFactory(contact=dana, purpose=LinkPurpose.TICKETS).token

    response = client.get(reverse("portal:rewards", kwargs={"token": tickets_link}))

    assert response.status_code == 404
    assert "Ours" not in text(response)


def test_the_account_pages_link_to_the_rewards(client, token):
    invoices = client.get(reverse("portal:invoices", kwargs={"token": token})).content.decode()

    assert f'href="{reverse("portal:rewards", kwargs={"token": token})}"' in invoices


def test_no_rewards_yet_says_what_will_appear(client, token):
    page = text(client.get(reverse("portal:rewards", kwargs={"token": token})))

    assert "No rewards yet." in page


def test_the_programs_portal_sections_follow_the_rewards(client, token, tmp_path, settings, monkeypatch):
    folder = tmp_path / "sections"
    folder.mkdir()
    (folder / "standing.html").write_text("<p>Your tier with {{ client.name }}: {{ tier }}</p>")
    templates = copy.deepcopy(settings.TEMPLATES)
    templates[0]["DIRS"] = [*templates[0]["DIRS"], tmp_path]
    settings.TEMPLATES = templates
    monkeypatch.setattr(sections, "_sections", {})
    sections.register_section(
        Program.BEST_PRACTICES,
        audience="portal",
        template="sections/standing.html",
        build=lambda client, on: {"tier": "Silver"},
    )
    sections.register_section(
        Program.UTILIZATION,
        audience="staff",
        template="sections/standing.html",
        build=lambda c, on: {"tier": "x"},
    )

    page = text(client.get(reverse("portal:rewards", kwargs={"token": token})))

    assert page.index("No rewards yet.") < page.index("Your tier with Whitaker Residence: Silver")
    assert ": x" not in page
