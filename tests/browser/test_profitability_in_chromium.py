"""Profitability in Chromium: the chart draws from the API, the sort swaps the table in place, an owner
sets a backdated cost rate and the client's cost follows; no CSP violation or script error anywhere."""

import re
from datetime import date

import pytest
from playwright.sync_api import expect

from tenants.localtime import tenant_today
from tenants.roles import Role
from tenants.scope import tenant_scope
from tests.billing.invoice_setup import issued_invoice
from tests.factories import ClientFactory, StaffMembershipFactory, TenantFactory, TicketFactory
from tickets import services

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_an_owner_reads_profitability_and_a_backdated_rate_changes_the_cost(page, sign_in, page_problems):
    tenant = TenantFactory()
    owner = StaffMembershipFactory(tenant=tenant, role=Role.OWNER, user__full_name="Olivia Owens").user
    tech = StaffMembershipFactory(
        tenant=tenant, role=Role.TECHNICIAN, user__full_name="Theo Tran", cost_rate="40"
    )
    whitaker = ClientFactory(tenant=tenant, name="Whitaker Residence")
    today = tenant_today(tenant)
    with tenant_scope(tenant):
        ticket = TicketFactory(client=whitaker)
        services.log_time(
            ticket,
            technician=tech.user,
            work_type="repair",
            minutes=120,
            location="remote",
            worked_on=today.replace(day=1),
        )
    issued_invoice(whitaker, [("plan", "Gold", "149.00")], issued_on=today.replace(day=1))
    sign_in(page, owner)

    page.goto("/reports/profitability/")
    expect(page.locator("[data-report-chart=profitability] canvas")).to_be_visible()
    row = page.get_by_role("row", name=re.compile("Whitaker Residence"))
    expect(row).to_contain_text("$80.00")  # 2 h at $40
    page.get_by_role("link", name="Client", exact=True).click()
    expect(page).to_have_url(re.compile("sort=client"))

    page.goto("/team/")
    page.get_by_role("link", name=re.compile("Change the cost rate of Theo Tran")).click()
    page.get_by_label("Cost per hour").fill("50")
    page.get_by_label("Effective from").fill(date(today.year, today.month, 1).isoformat())
    page.get_by_role("button", name="Set cost rate").click()
    expect(page.get_by_text("1 time entry re-valued")).to_be_visible()

    page.goto("/reports/profitability/")
    expect(page.get_by_role("row", name=re.compile("Whitaker Residence"))).to_contain_text("$100.00")
    page.get_by_role("link", name="Whitaker Residence").click()
    expect(page.get_by_role("heading", name=re.compile("Whitaker Residence"))).to_be_visible()
    expect(page.get_by_text("$50.00/h")).to_be_visible()
    assert page_problems.csp_violations == []
    assert page_problems == []
