"""Acceptance: a client with rewards opens the link of their reward email on a phone and sees what they
earned, why, what it is worth and where it stands, without scrolling sideways. The `phone_page` fixture
fails the test on any CSP violation or script error."""

import re
from decimal import Decimal

import pytest
from django.core import mail
from playwright.sync_api import expect

from events.dispatch import dispatch_until_idle
from rewards.models import Program, RewardKind
from rewards.services import grant_reward
from tenants.scope import tenant_scope
from tests.factories import ClientFactory, ContactFactory, TenantFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def rewards_link():
    tenant = TenantFactory(name="Northwind AV")
    household = ClientFactory(tenant=tenant, name="Whitaker Residence", email="accounts@whitaker.example")
    ContactFactory(
        client=household, full_name="Dana Whitaker", email="dana@whitaker.example", is_primary=True
    )
    neighbour = ClientFactory(tenant=tenant, name="Okafor Dental")
    with tenant_scope(tenant):
        grant_reward(
            household,
            program=Program.ANNIVERSARY,
            key="year-1",
            kind=RewardKind.GIFT,
            title="A thank-you hamper",
            reason="One year with Northwind AV",
            value=Decimal("40.00"),
            actor="rewards run",
        )
        grant_reward(
            neighbour,
            program=Program.UTILIZATION,
            key="2026-11",
            kind=RewardKind.CREDIT,
            title="10% off the neighbour's plan",
            reason="Not yours",
            value=Decimal("30.00"),
            actor="rewards run",
        )
        mail.outbox.clear()
        grant_reward(
            household,
            program=Program.UTILIZATION,
            key="2026-11",
            kind=RewardKind.CREDIT,
            title="5% off your next plan invoice",
            reason="8 tickets on 100 endpoints in November, under your 10% target",
            value=Decimal("12.50"),
            actor="rewards run",
        )
    dispatch_until_idle()
    [message] = [email for email in mail.outbox if email.to == ["accounts@whitaker.example"]]
    return re.search(r"https?://[^/\s]+(/portal/\S+/rewards/)", message.body)[1]


def test_a_client_sees_their_rewards_on_a_phone(phone_page, rewards_link):
    page = phone_page
    page.goto(rewards_link)

    expect(page.get_by_role("heading", name="Your rewards")).to_be_visible()
    expect(page.get_by_text("Northwind AV").first).to_be_visible()
    expect(page.get_by_role("heading", name="$52.50 earned in")).to_be_visible()
    expect(page.get_by_text("5% off your next plan invoice")).to_be_visible()
    expect(page.get_by_text("8 tickets on 100 endpoints in November, under your 10% target")).to_be_visible()
    expect(page.get_by_text("On your account", exact=True)).to_be_visible()
    expect(page.get_by_text("A thank-you hamper")).to_be_visible()
    expect(page.get_by_text("On its way", exact=True)).to_be_visible()
    expect(page.get_by_text("10% off the neighbour's plan")).to_have_count(0)
    expect(
        page.get_by_role("navigation", name="Your account").get_by_role("link", name="Rewards")
    ).to_have_attribute("aria-current", "page")
    page.wait_for_load_state("load")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390

    page.get_by_role("navigation", name="Your account").get_by_role("link", name="Invoices").click()
    expect(page.get_by_role("heading", name="Your invoices")).to_be_visible()
    expect(page.get_by_text("You have $12.50 of credit")).to_be_visible()
