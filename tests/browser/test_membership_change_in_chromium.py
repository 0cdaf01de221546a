"""Changing a client's membership in a real browser: choosing a plan shows what the change does and costs
(htmx, under the strict CSP), and confirming makes that change."""

import pytest
from playwright.sync_api import expect

from billing.subscriptions import preview_change
from memberships.selectors import plan_terms
from tenants.localtime import tenant_today
from tenants.roles import Role
from tenants.scope import tenant_scope
from tests.factories import (
    AgreementFactory,
    ClientFactory,
    PlanFactory,
    StaffMembershipFactory,
    TenantFactory,
    give_membership,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_manager_previews_an_upgrade_then_confirms_it(page, sign_in):
    tenant = TenantFactory()
    manager = StaffMembershipFactory(tenant=tenant, role=Role.MANAGER).user
    whitaker = ClientFactory(tenant=tenant, name="Whitaker Residence")
    member = give_membership(AgreementFactory(client=whitaker), tier="gold")
    platinum = PlanFactory(tenant=tenant, key="platinum")
    with tenant_scope(tenant):
        expected = preview_change(member, tier=platinum).sentence("USD")

    sign_in(page, manager)
    page.goto(f"/clients/{whitaker.pk}/")
    membership = page.get_by_role("region", name="Membership")
    expect(membership).to_contain_text("Gold")
    membership.get_by_role("link", name="Change plan").click()

    page.get_by_label("Platinum", exact=False).check()
    preview = page.get_by_role("region", name="What this change does")
    expect(preview).to_contain_text(expected[:1].upper() + expected[1:])
    page.get_by_role("button", name="Confirm the change").click()

    expect(page.get_by_role("status").first).to_contain_text("Upgraded: Gold → Platinum, now.")
    expect(page.get_by_role("region", name="Membership")).to_contain_text("Platinum")
    with tenant_scope(tenant):
        assert plan_terms(whitaker, on=tenant_today()).tier.key == "platinum"
