"""Acceptance (issue 14, 3): on a phone, a client sees in the portal their utilisation this period and what
the next tier needs, their best-practice tier and what would move them up, the rewards the programs granted
them, and, having won customer of the month, their spotlight, which they publish and anyone can then open.

The programs run for real (``run_programs_due``) on the live server's today, as beat would run them."""

from datetime import UTC, date, datetime, timedelta

import pytest
from playwright.sync_api import expect

from portal.links import build_portal_url, issue_portal_link
from portal.models import LinkPurpose
from rewards.best_practice_services import record_check, save_practice, save_tier
from rewards.customer_of_the_month import month_of, nominate, previous_month, vote
from rewards.programs import run_programs_due
from tenants.localtime import tenant_today
from tenants.roles import Role
from tenants.scope import tenant_scope
from tests.billing.run_setup import catalog, customer, subscribe
from tests.conftest import staff_of
from tests.factories import ContactFactory, TenantFactory
from tests.rewards.utilization_setup import switch_on, tickets

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def rewarded_client_link():
    tenant = TenantFactory(name="Northwind AV")
    today = tenant_today(tenant)
    last_month = previous_month(month_of(today))
    plans = catalog(tenant)
    switch_on(tenant)  # target 20%: under 20% -> 5% off, under 10% -> 10% off
    household = customer(tenant, "Whitaker Residence")
    with tenant_scope(tenant):
        household.managed_endpoints = 40
        household.save(update_fields=["managed_endpoints"])
    dana = ContactFactory(client=household, full_name="Dana Whitaker", email="dana@whitaker.example")
    subscribe(tenant, household, started_on=previous_month(last_month), tier=plans.gold)
    owner, manager = staff_of(tenant, Role.OWNER), staff_of(tenant, Role.MANAGER)
    tickets(tenant, household, 1, at=_noon(today))  # 1 of 40 this month: 2.5%, the 10% tier

    with tenant_scope(tenant):
        checked_on = today - timedelta(days=1)
        for name, weight, met in (
            ("Backups verified", 3, True),
            ("MFA enforced", 2, True),
            ("UPS on racks", 1, False),
        ):
            practice = save_practice(name=name, weight=weight)
            record_check(
                household,
                practice=practice,
                result="met" if met else "not_met",
                checked_on=checked_on,
                by=owner,
                note="" if met else "The rack has no UPS yet.",
                today=today,
            )
        save_tier(name="Silver", threshold_percent="75", discount_percent="10")
        save_tier(name="Gold", threshold_percent="95", discount_percent="15")
        nomination = nominate(
            household,
            category="project_finished",
            reason="Finished the whole-home audio project with us",
            by=owner,
            on=last_month + timedelta(days=3),
        )
        vote(nomination, by=manager, on=last_month + timedelta(days=4))
        run_programs_due(today)  # last month's utilisation and winner, today's best-practice tier
        _, token = issue_portal_link(contact=dana, purpose=LinkPurpose.ACCOUNT)
    return build_portal_url(token, absolute=False) + "rewards/", last_month


def _noon(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, 12, tzinfo=UTC)


def test_a_client_sees_every_program_and_publishes_their_spotlight_on_a_phone(
    phone_page, rewarded_client_link
):
    url, last_month = rewarded_client_link
    page = phone_page
    page.goto(url)
    expect(page.get_by_role("heading", name="Your rewards")).to_be_visible()

    # The rewards the programs granted: last month's utilisation credit, the tier, the recognition.
    expect(page.get_by_text("10% off your next plan invoice").first).to_be_visible()
    expect(page.get_by_text(f"Customer of the month, {last_month:%B %Y}").first).to_be_visible()

    utilisation = page.locator("section", has=page.get_by_role("heading", name="Low utilisation"))
    expect(utilisation.get_by_text("1 ticket on 40 devices")).to_be_visible()
    expect(utilisation.get_by_text("10% off reached so far")).to_be_visible()
    expect(utilisation.get_by_text("to keep 10% off")).to_be_visible()

    practices = page.locator("section", has=page.get_by_role("heading", name="Best practices"))
    expect(practices.get_by_text("Silver", exact=True)).to_be_visible()
    expect(practices.get_by_text("10% off project labour")).to_be_visible()
    expect(practices.get_by_text("UPS on racks")).to_be_visible()  # what would move them up to Gold

    page.wait_for_load_state("load")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390

    page.get_by_role("link", name="Publish your spotlight page").click()
    page.get_by_label("About the business").fill("A family home in the hills, wired for music in every room.")
    page.get_by_role("button", name="Save and publish my page").click()
    expect(page.get_by_role("heading", name="Your page is public")).to_be_visible()
    public_url = page.locator("a[href*='/spotlight/']").first.get_attribute("href")

    page.goto(public_url)
    expect(page.get_by_role("heading", name="Whitaker Residence", exact=True)).to_be_visible()
    expect(page.get_by_text("Finished the whole-home audio project with us")).to_be_visible()
    expect(page.get_by_text("wired for music in every room")).to_be_visible()
