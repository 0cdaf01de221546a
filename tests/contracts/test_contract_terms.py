"""contract_terms(): which agreement is in force, on the tenant's calendar day (never the server's UTC day:
in the evening in New York the UTC date is already tomorrow)."""

from datetime import date

import pytest
import time_machine

from contracts.selectors import contract_terms
from tenants.scope import tenant_scope
from tests.factories import AgreementFactory, ClientFactory, give_membership

pytestmark = pytest.mark.django_db

LAST_EVENING = "2026-11-30 23:30 -05:00"  # New York; 1 December 04:30 UTC


@pytest.fixture
def client_row(tenant):
    return ClientFactory(tenant=tenant, name="Okafor Residence")


@time_machine.travel(LAST_EVENING, tick=False)
def test_a_contract_is_in_force_until_the_end_of_its_last_day_in_the_tenants_time_zone(tenant, client_row):
    agreement = AgreementFactory(client=client_row, starts_on=date(2025, 12, 1), ends_on=date(2026, 11, 30))
    give_membership(agreement, tier="gold")

    with tenant_scope(tenant):
        terms = contract_terms(client_row)

    assert (terms.has_signed_contract, terms.tier, terms.plan.tier.key) == (True, "Gold", "gold")


@time_machine.travel(LAST_EVENING, tick=False)
def test_a_contract_that_starts_tomorrow_is_not_in_force_the_evening_before(tenant, client_row):
    AgreementFactory(client=client_row, starts_on=date(2026, 12, 1), ends_on=date(2027, 11, 30))

    with tenant_scope(tenant):
        assert not contract_terms(client_row).has_signed_contract
