"""The billing run invoices labour as the client's terms on the day worked say: travel inside the company's
service area is free where the contract says so, and a signed supplement's rate applies from its start."""

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
import time_machine

from billing.models import LineKind
from tenants.models import Tenant
from tenants.scope import tenant_scope
from tests.billing.run_setup import bill, lines_of, technician
from tests.factories import AgreementFactory, ClientFactory, ContractVersionFactory, SiteFactory
from tickets import services as tickets

pytestmark = pytest.mark.django_db

RULES = [
    {"category": "", "work_type": "travel", "area": "inside", "covered": True, "note": "Free in our area"},
    {"category": "", "work_type": "travel", "covered": False, "note": "At the on-site rate"},
]


@pytest.fixture
def contract(tenant):
    """A client under a contract from 1 Jan 2026 ($160/h on site, travel free inside the area), amended by
    a supplement from 15 Oct 2026 that raises the on-site rate to $200/h; the area is postcodes 105…."""
    Tenant.objects.filter(pk=tenant.pk).update(service_area="105")
    tenant.refresh_from_db()
    client = ClientFactory(tenant=tenant, name="Whitaker Residence")
    version = ContractVersionFactory(
        published=True, template__tenant=tenant, coverage=RULES, hourly_rate_onsite="160.00"
    )
    parent = AgreementFactory(
        tenant=tenant, client=client, version=version, starts_on=date(2026, 1, 1), ends_on=date(2026, 12, 31)
    )
    raise_rate = ContractVersionFactory(
        published=True, template__tenant=tenant, template__kind="supplement", title="On-site rate 2026",
        coverage=[], hourly_rate_remote="0", hourly_rate_onsite="200.00",
    )  # fmt: skip
    AgreementFactory(
        tenant=tenant, client=client, version=raise_rate, parent=parent, starts_on=date(2026, 10, 15),
        ends_on=parent.ends_on,
    )  # fmt: skip
    return client


def travel(tenant, client, *, postcode: str, on: date, tech):
    site = SiteFactory(client=client, postal_code=postcode)
    with tenant_scope(tenant):
        ticket = tickets.open_ticket(client=client, site=site, title=f"Visit {postcode}")
        return tickets.log_time(
            ticket, technician=tech, work_type="travel", minutes=60, location="on_site", worked_on=on
        )


def test_only_travel_outside_the_area_is_invoiced_at_the_rate_in_force_that_day(tenant, contract):
    with time_machine.travel(datetime(2026, 10, 1, 12, tzinfo=UTC), tick=False) as clock:
        tech = technician(tenant)
        inside = travel(tenant, contract, postcode="10580", on=date(2026, 10, 5), tech=tech)
        before = travel(tenant, contract, postcode="06830", on=date(2026, 10, 6), tech=tech)
        after = travel(tenant, contract, postcode="06830", on=date(2026, 10, 20), tech=tech)
        clock.move_to(datetime(2026, 11, 1, 12, tzinfo=UTC))
        bill(tenant)

    labour = {line.time_entry_id: line.amount for line in lines_of(tenant, kind=LineKind.LABOUR)}

    assert inside.covered
    assert inside.pk not in labour
    assert labour == {before.pk: Decimal("160.00"), after.pk: Decimal("200.00")}
