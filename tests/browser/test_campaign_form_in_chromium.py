"""The new-campaign form in a real browser: choosing "only the clients I tick" opens the list to tick."""

import pytest
from playwright.sync_api import expect

from tenants.roles import Role
from tests.factories import ClientFactory, StaffMembershipFactory, TenantFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_choosing_only_the_clients_i_tick_opens_the_client_list(page, sign_in):
    tenant = TenantFactory(name="Northwind AV")
    owner = StaffMembershipFactory(tenant=tenant, role=Role.OWNER).user
    ClientFactory(tenant=tenant, name="Okafor Dental")
    sign_in(page, owner)

    page.goto("/contracts/campaigns/new/")
    okafor = page.get_by_role("checkbox", name="Okafor Dental")
    expect(okafor).to_be_hidden()  # the list starts folded away

    page.get_by_role("radio", name="Only the clients I tick below").check()

    expect(okafor).to_be_visible()
    okafor.check()
    expect(okafor).to_be_checked()
