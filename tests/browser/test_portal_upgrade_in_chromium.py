"""Acceptance 5: a client upgrades from the portal in Chromium, signs the supplement, and the next ticket gets
the new tier's targets. The client opens its account link's plan page on a phone, picks Gold, confirms,
signs the supplement on the portal's signing page; the worker is played by dispatching the bus; then the
client opens a ticket, whose clocks come from the Gold policy. The `phone_page` fixture fails the test on
any CSP violation or script error."""

import re
from datetime import timedelta

import pytest
from playwright.sync_api import expect

from events.dispatch import dispatch_until_idle
from memberships.selectors import plan_terms
from service_levels.models import Metric
from tenants.localtime import tenant_today
from tenants.scope import tenant_scope
from tests.factories import TenantFactory
from tests.portal.plan_setup import account_link, membership_desk, signed_client, supplements_of
from tickets.models import SlaClock, Ticket

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def member():
    """A household on Silver for ten days, its signer Dana, and the plan page of Dana's account link."""
    tenant = TenantFactory(name="Northwind AV", reply_to_email="service@northwind.example")
    desk = membership_desk(tenant)
    household, dana, _ = signed_client(desk, starts_on=tenant_today(tenant) - timedelta(days=10))
    return tenant, desk, household, f"/portal/{account_link(dana)[1]}/plan/"


def no_wider_than_the_phone(page):
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"{page.url} is {width} px wide on a 390 px phone"


def test_a_client_upgrades_to_gold_signs_and_the_next_ticket_gets_golds_targets(phone_page, member):
    tenant, desk, household, plan_path = member
    page = phone_page

    # The plan page: what the client has, and what Gold would add and cost.
    page.goto(plan_path)
    expect(page.get_by_role("heading", name="Your plan", level=1)).to_be_visible()
    expect(page.get_by_role("banner")).to_contain_text("Northwind AV")
    expect(page.get_by_role("heading", name="Silver", level=2)).to_be_visible()
    gold = page.get_by_role("article", name="Move up to Gold")
    expect(gold).to_contain_text("P1 · Critical, first response")
    expect(gold).to_contain_text("1 hour → 15 minutes")
    expect(gold).to_contain_text(re.compile(r"Today: \+\$\d+\.\d\d; from \d{1,2} \w{3}: \$179\.00/month"))
    no_wider_than_the_phone(page)
    gold.get_by_role("link", name="Choose Gold").click()

    # The confirm step says the price again; confirming sends the supplement.
    expect(page.get_by_role("heading", name="Move up to Gold", level=1)).to_be_visible()
    expect(page.get_by_text("After signing")).to_be_visible()
    no_wider_than_the_phone(page)
    page.get_by_role("button", name="Send me the supplement to sign").click()

    expect(page.get_by_role("status")).to_contain_text("We emailed you the supplement to sign")
    expect(page.get_by_role("heading", name="Your request: Gold")).to_be_visible()
    page.get_by_role("button", name="Read and sign now").click()

    # The portal's signing page, for the supplement: the new plan and its targets, then the signature.
    expect(page.get_by_role("heading", name="Supplement: Membership change", level=1).first).to_be_visible()
    expect(page.get_by_role("region", name="What this supplement changes")).to_contain_text("Gold")
    expect(page.get_by_text("Targets per priority: Gold")).to_be_visible()
    page.get_by_role("link", name="Go to signing").click()
    page.get_by_label("I agree to use electronic records and signatures").check()
    page.get_by_label("I have read the agreement and I sign it on behalf of Whitaker Residence.").check()
    page.get_by_label("Your full name").fill("Dana Whitaker")
    page.get_by_role("button", name="Sign agreement").click()
    expect(page.get_by_role("heading", name="Thank you, it's signed")).to_be_visible()

    # The worker applies the signed offer.
    dispatch_until_idle()
    today = tenant_today(tenant)
    with tenant_scope(tenant):
        assert plan_terms(household, on=today).tier.pk == desk.plans["gold"].pk
        [supplement] = supplements_of(household)
    assert supplement.status == "active"

    # The plan page shows Gold; the client opens a ticket from the same account link.
    page.goto(plan_path)
    expect(page.get_by_role("heading", name="Gold", level=2)).to_be_visible()
    page.get_by_role("link", name="Your support requests").click()
    page.get_by_role("link", name="Open a ticket").first.click()
    page.get_by_label("In a few words, what's wrong?").fill("Whole-house control is down")
    page.get_by_label("Everything, or most of it").check()
    page.get_by_label("It stops us right now").check()
    page.get_by_role("button", name="Send to Northwind AV").click()
    expect(page.get_by_role("heading", name="Whole-house control is down")).to_be_visible()
    expect(page.get_by_text(re.compile(r"We'll reply by"))).to_be_visible()

    with tenant_scope(tenant):
        ticket = Ticket.objects.get(client=household)
        clocks = {clock.metric: clock for clock in SlaClock.objects.filter(ticket=ticket)}
    assert ticket.priority == "P1"
    assert ticket.sla_policy_name == "Gold"
    assert {clock.policy_name for clock in clocks.values()} == {"Gold"}
    first_response = clocks[Metric.FIRST_RESPONSE]
    assert first_response.target_minutes == 15  # Gold's P1 first response (Silver's is 60)
    assert first_response.due_at == ticket.created_at + timedelta(minutes=15)  # on the 24/7 calendar
    assert clocks[Metric.ONSITE].target_minutes == 4 * 60  # Gold's on-site, on office hours
