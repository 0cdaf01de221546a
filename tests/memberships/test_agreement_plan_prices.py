"""What an agreement's offer is shown to cost: a change keeps the prices the client already pays."""

from datetime import date
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from memberships.models import OfferKind
from memberships.selectors import plans_of_agreements
from memberships.services import attach_offer
from tenants.scope import tenant_scope
from tests.factories import AgreementFactory, ClientFactory, plan_with_key, subscribe

pytestmark = pytest.mark.django_db


def test_a_change_offer_keeps_the_agreed_price_of_a_rider_the_client_keeps(tenant):
    gold = plan_with_key(tenant, "gold", price="179.00", rank=2)
    platinum = plan_with_key(tenant, "platinum", price="399.00", rank=3)
    premium = plan_with_key(tenant, "premium-response", kind="rider", price="40.00")
    client = ClientFactory(tenant=tenant)
    contract = AgreementFactory(client=client, starts_on=date(2026, 11, 1), ends_on=date(2027, 10, 31))
    subscribe(contract, tier=gold, riders=[premium], started_on=date(2026, 11, 1))
    with tenant_scope(tenant):
        premium.monthly_price = Decimal("49.00")  # the list price went up since the client signed
        premium.save()
        supplement = AgreementFactory(client=client, parent=contract, status="sent", starts_on=None)
        attach_offer(supplement, kind=OfferKind.CHANGE, tier=platinum, riders=[premium])
        shown = plans_of_agreements([supplement.pk], on=date(2026, 12, 7))[supplement.pk]
    assert (shown.label, shown.monthly_value) == ("Platinum + Premium Response", Decimal("439.00"))


def test_the_prices_that_changes_keep_are_read_once_for_a_whole_page(tenant):
    gold = plan_with_key(tenant, "gold", price="179.00", rank=2)
    platinum = plan_with_key(tenant, "platinum", price="399.00", rank=3)
    premium = plan_with_key(tenant, "premium-response", kind="rider", price="40.00")
    supplements = []
    for _ in range(3):
        client = ClientFactory(tenant=tenant)
        contract = AgreementFactory(client=client, starts_on=date(2026, 11, 1), ends_on=date(2027, 10, 31))
        subscribe(contract, tier=gold, riders=[premium], started_on=date(2026, 11, 1))
        with tenant_scope(tenant):
            supplement = AgreementFactory(client=client, parent=contract, status="sent", starts_on=None)
            attach_offer(supplement, kind=OfferKind.CHANGE, tier=platinum, riders=[premium])
        supplements.append(supplement.pk)

    def shown(agreement_ids) -> tuple[int, set[Decimal]]:
        with CaptureQueriesContext(connection) as queries:
            plans = plans_of_agreements(agreement_ids, on=date(2026, 12, 7))
        return len(queries), {plans[pk].monthly_value for pk in agreement_ids}

    with tenant_scope(tenant):
        premium.monthly_price = Decimal("49.00")  # each client keeps the 40.00 it pays
        premium.save()
        (queries_for_one, _), (queries_for_three, fees) = shown(supplements[:1]), shown(supplements)
    assert queries_for_three == queries_for_one
    assert fees == {Decimal("439.00")}


def test_a_new_contracts_offer_is_at_list_prices(tenant):
    gold = plan_with_key(tenant, "gold", price="179.00", rank=2)
    premium = plan_with_key(tenant, "premium-response", kind="rider", price="49.00")
    client = ClientFactory(tenant=tenant)
    contract = AgreementFactory(client=client, status="sent", starts_on=None)
    with tenant_scope(tenant):
        attach_offer(contract, kind=OfferKind.START, tier=gold, riders=[premium])
        shown = plans_of_agreements([contract.pk], on=date(2026, 12, 7))[contract.pk]
    assert shown.monthly_value == Decimal("228.00")
