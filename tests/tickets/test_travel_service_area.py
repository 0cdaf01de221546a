"""Travel inside the company's service area is free when the contract says so: the service area is a list
of postcode prefixes and towns in the company settings, a site may be marked inside or outside, and a
coverage rule may match travel by area. The ticket page says a time entry's cost only where the
technician has a cost rate."""

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
import time_machine
from django.urls import reverse

from clients.models import ServiceArea
from contracts import agreements
from tenants import services as tenant_services
from tenants.models import Tenant
from tenants.roles import Role
from tenants.scope import tenant_scope
from tests.factories import ClientFactory, ContractVersionFactory, SiteFactory, StaffMembershipFactory
from tickets import services

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 11, 16, 14, 0, tzinfo=UTC)
DAY = date(2026, 11, 16)
TRAVEL_RULES = [
    {"category": "", "work_type": "travel", "area": "inside", "covered": True,
     "note": "Inside our standard service area travel is free"},
    {"category": "", "work_type": "travel", "covered": False, "note": "Billed at the on-site rate"},
]  # fmt: skip


@pytest.fixture(autouse=True)
def frozen_now():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def serviced_tenant(tenant):
    """The company serves postcodes starting 105 and the town of Rye."""
    Tenant.objects.filter(pk=tenant.pk).update(service_area="105\nRye")
    tenant.refresh_from_db()
    return tenant


@pytest.fixture
def household(serviced_tenant):
    client = ClientFactory(tenant=serviced_tenant, name="Whitaker Residence")
    version = ContractVersionFactory(
        published=True, template__tenant=serviced_tenant, coverage=TRAVEL_RULES, hourly_rate_remote="120.00",
        hourly_rate_onsite="160.00",
    )  # fmt: skip
    with tenant_scope(serviced_tenant):
        agreement = agreements.create_agreement(client=client, version=version, actor="owner@example.com")
        agreements.mark_sent(agreement, actor="owner@example.com")
        agreements.mark_signed(agreement, actor="Dana Whitaker")
    return client


def travel_to(tenant, site, *, technician=None):
    technician = technician or StaffMembershipFactory(tenant=tenant, cost_rate=Decimal("40.00")).user
    with tenant_scope(tenant):
        ticket = services.open_ticket(client=site.client, site=site, title="Projector dead", now=NOW)
        return services.log_time(
            ticket, technician=technician, work_type="travel", minutes=40, location="on_site", worked_on=DAY
        )


def test_travel_to_a_site_whose_postcode_is_in_the_service_area_is_not_billed(serviced_tenant, household):
    site = SiteFactory(client=household, postal_code="10580", city="Harrison")

    entry = travel_to(serviced_tenant, site)

    assert (entry.covered, entry.billable_amount) == (True, Decimal("0.00"))
    assert "Travel inside the service area is covered" in entry.coverage_reason
    assert "postcode 10580 is in the service area (105)" in entry.coverage_reason


def test_travel_to_a_town_in_the_service_area_is_not_billed(serviced_tenant, household):
    site = SiteFactory(client=household, postal_code="", city="rye")

    assert travel_to(serviced_tenant, site).covered


def test_travel_outside_the_service_area_is_billed_at_the_on_site_rate(serviced_tenant, household):
    site = SiteFactory(client=household, postal_code="06830", city="Greenwich")

    entry = travel_to(serviced_tenant, site)

    assert (entry.covered, entry.bill_rate, entry.billable_amount) == (
        False,
        Decimal("160.00"),
        Decimal("106.67"),
    )
    assert "outside the service area" in entry.coverage_reason


def test_a_site_marked_inside_or_outside_overrides_its_postcode(serviced_tenant, household):
    far_but_inside = SiteFactory(client=household, postal_code="06830", service_area=ServiceArea.INSIDE)
    near_but_outside = SiteFactory(client=household, postal_code="10580", service_area=ServiceArea.OUTSIDE)

    assert travel_to(serviced_tenant, far_but_inside).covered
    assert not travel_to(serviced_tenant, near_but_outside).covered


def test_without_a_service_area_only_the_area_free_rule_applies(tenant, household):
    Tenant.objects.filter(pk=tenant.pk).update(service_area="")
    tenant.refresh_from_db()
    site = SiteFactory(client=household, postal_code="10580")

    entry = travel_to(tenant, site)

    assert not entry.covered
    assert "no service area set" in entry.coverage_reason


def test_staff_set_the_service_area_in_the_company_settings(tenant):
    with tenant_scope(tenant):
        saved = tenant_services.update_company_settings(
            tenant, name=tenant.name, timezone=tenant.timezone, service_area="105, 10601\nRye\nrye\n"
        )

    assert saved.service_area == "105\n10601\nRye"


def test_staff_mark_a_site_outside_the_service_area_on_its_form(staff_client, tenant):
    site = SiteFactory(client=ClientFactory(tenant=tenant))
    form = {
        "name": site.name, "address_line1": site.address_line1, "city": site.city, "postal_code": "10580",
        "country": "US", "timezone": site.timezone, "travel_minutes": 30, "service_area": "outside",
    }  # fmt: skip

    response = staff_client.post(reverse("clients:site_update", args=[site.pk]), form)

    assert response.status_code == 302
    with tenant_scope(tenant):
        site.refresh_from_db()
    assert site.service_area == ServiceArea.OUTSIDE


def test_the_ticket_page_says_a_technician_has_no_cost_rate_rather_than_a_zero_cost(
    staff_client, serviced_tenant, household
):
    site = SiteFactory(client=household, postal_code="10580")
    unrated = StaffMembershipFactory(tenant=serviced_tenant, role=Role.TECHNICIAN).user
    entry = travel_to(serviced_tenant, site, technician=unrated)

    page = staff_client.get(reverse("tickets:detail", args=[entry.ticket_id])).content.decode()

    assert "no cost rate" in page
    assert "cost $0.00" not in page
