"""Acceptance: a staff member with TOTP enabled cannot sign in with the password alone (issue 16)."""

import re

import pytest
from playwright.sync_api import expect

from tenants.roles import Role
from tests.factories import (
    PASSWORD,
    StaffMembershipFactory,
    TenantFactory,
    authenticator_code,
    enable_two_factor,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_with_an_authenticator_the_password_alone_only_reaches_the_code_step(page, live_server):
    tenant = TenantFactory(name="Northwind AV")
    owner = StaffMembershipFactory(tenant=tenant, role=Role.OWNER, user__full_name="Olivia Owens").user
    device, _ = enable_two_factor(owner)

    page.goto("/accounts/login/")
    page.get_by_label("Email").fill(owner.email)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Sign in", exact=True).click()

    expect(page).to_have_url(f"{live_server.url}/accounts/login/code/")
    expect(page.get_by_role("heading", name="Two-step sign-in")).to_be_visible()
    # Not signed in yet: any page sends them back to sign in.
    page.goto("/team/")
    expect(page).to_have_url(re.compile(r"/accounts/login/\?next="))

    page.goto("/accounts/login/code/")
    page.get_by_label("Code").fill(authenticator_code(device, steps_ahead=1))
    page.get_by_role("button", name="Verify and sign in").click()
    expect(page).to_have_url(f"{live_server.url}/")
    page.goto("/team/")
    expect(page.get_by_role("heading", name=re.compile("^Team"))).to_be_visible()
