"""The top bar's search in a real browser: live results as you type, reached with the arrow keys,
closed with Escape, on a desktop and on a phone."""

import re

import pytest
from playwright.sync_api import expect

from tenants.roles import Role
from tests.factories import ClientFactory, StaffMembershipFactory, TenantFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def owner():
    tenant = TenantFactory(name="Northwind AV")
    ClientFactory(tenant=tenant, name="Castillo Accounting")
    ClientFactory(tenant=tenant, name="Castillo Penthouse")
    return StaffMembershipFactory(tenant=tenant, role=Role.OWNER).user


def _search_from_the_top_bar(page):
    page.goto("/clients/")
    box = page.get_by_role("searchbox", name="Search everything")
    box.fill("castil")  # a substring: found with or without pg_trgm (the embedded PostgreSQL has none)
    expect(
        page.locator("#top-search-results").get_by_role("link", name="Castillo Accounting")
    ).to_be_visible()
    return box


def test_live_results_are_reached_with_the_arrow_keys_and_closed_with_escape(page, sign_in, owner):
    sign_in(page, owner)
    box = _search_from_the_top_bar(page)
    box.press("ArrowDown")
    expect(page.locator("#top-search-results a").first).to_be_focused()
    page.keyboard.press("ArrowDown")
    expect(page.locator("#top-search-results a").nth(1)).to_be_focused()
    page.keyboard.press("Escape")
    expect(box).to_be_focused()
    expect(page.locator("[data-top-search-panel]")).to_have_count(0)


def test_enter_opens_every_result(page, sign_in, owner):
    sign_in(page, owner)
    box = _search_from_the_top_bar(page)
    box.press("Enter")
    expect(page).to_have_url(re.compile(r"/search/\?q=castil$"))
    expect(page.get_by_role("heading", name="Clients 2")).to_be_visible()


def test_the_search_box_is_on_a_phone_without_opening_the_menu(phone_page, sign_in, owner):
    page = phone_page
    sign_in(page, owner)
    _search_from_the_top_bar(page)
    page.locator("#top-search-results").get_by_role("link", name="Castillo Penthouse").click()
    expect(page.get_by_role("heading", name="Castillo Penthouse", exact=True)).to_be_visible()
