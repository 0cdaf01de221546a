"""The SLA board in a browser: the most urgent tickets first, a page at a time; "Show more" adds the next
rows in place, keeps them in the URL (so the refresh every 15 s and a shared link show as many) and keeps
the keyboard focus on the button."""

import re

import pytest
from playwright.sync_api import expect

from tenants.roles import Role
from tests.factories import ClientFactory, StaffMembershipFactory, TenantFactory, TicketFactory, sla_desk
from tickets import selectors

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def busy_desk(monkeypatch):
    """Five open tickets and a board page of two rows."""
    monkeypatch.setattr(selectors, "BOARD_PAGE", 2)
    tenant = TenantFactory(name="Northwind AV & Home Technology")
    sla_desk(tenant)
    client = ClientFactory(tenant=tenant, name="The Whitaker Family Lake House")
    for n in range(5):
        TicketFactory(client=client, title=f"Keypad {n + 1} dead", priority="P2")
    return StaffMembershipFactory(tenant=tenant, role=Role.DISPATCHER).user


def test_show_more_adds_the_next_rows_in_place_and_keeps_them_in_the_url(page, sign_in, busy_desk):
    sign_in(page, busy_desk)
    page.goto("/tickets/board/")
    rows = page.locator("#board tbody tr")
    expect(rows).to_have_count(2)
    expect(page.get_by_text("Showing the 2 most urgent of 5 tickets.")).to_be_visible()

    more = page.get_by_role("link", name="Show 2 more")
    more.focus()
    page.keyboard.press("Enter")

    expect(rows).to_have_count(4)
    expect(page).to_have_url(re.compile(r"/tickets/board/\?shown=4$"))
    expect(page.get_by_role("link", name="Show 1 more")).to_be_focused()
    expect(page.locator("#board")).to_have_attribute("hx-get", "/tickets/board/?shown=4")

    page.get_by_role("link", name="Show 1 more").click()
    expect(rows).to_have_count(5)
    expect(page.get_by_text("most urgent of")).to_have_count(0)
