"""The recurring revenue page in Chromium: its five charts draw from one API answer, under the strict CSP
(the `page` fixture fails the test on a CSP violation or a script error), and the figures read the same
as the tables."""

import re
from datetime import date, timedelta

import pytest
from playwright.sync_api import expect

from tenants.localtime import tenant_today
from tenants.roles import Role
from tests.factories import (
    AgreementFactory,
    ClientFactory,
    StaffMembershipFactory,
    TenantFactory,
    give_membership,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_revenue_page_draws_its_charts_from_one_request(page, sign_in):
    tenant = TenantFactory(name="Northwind AV")
    today = tenant_today(tenant)
    for name, tier, months_ago in [("Whitaker Residence", "platinum", 14), ("Okafor Dental", "silver", 3)]:
        client = ClientFactory(tenant=tenant, name=name)
        since = today.replace(day=1) - timedelta(days=31 * months_ago)
        agreement = AgreementFactory(
            tenant=tenant, client=client, starts_on=date(since.year, since.month, 1), ends_on=None
        )
        give_membership(agreement, tier=tier, started_on=agreement.starts_on)
    billing = StaffMembershipFactory(tenant=tenant, role=Role.BILLING).user
    sign_in(page, billing)

    requests = []
    page.on(
        "request", lambda request: requests.append(request.url) if "/reports/mrr/" in request.url else None
    )
    page.goto("/reports/revenue/")
    expect(page.get_by_role("link", name="Recurring revenue")).to_have_attribute("aria-current", "page")
    expect(page.get_by_role("group", name="MRR", exact=True).locator(".stat-value")).to_have_text("$458.00")
    charts = page.locator("[data-report-chart] canvas")
    expect(charts).to_have_count(5)
    for index in range(5):
        expect(charts.nth(index)).to_have_attribute("style", re.compile("height"))  # Chart.js drew it
    expect(page.locator("[data-chart-problem]")).to_have_count(0)
    assert len(requests) == 1
    movements = page.get_by_role("region", name="MRR movements by month")
    expect(movements.get_by_role("row").nth(1)).to_contain_text("to date")
