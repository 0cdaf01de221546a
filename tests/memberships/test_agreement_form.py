"""The agreement form's membership fields: a tier, riders as a checkbox group, the billing cycle and an
agreed price. A new contract offers a membership that signing starts; an amendment offers a change."""

import re

import pytest
from django.urls import reverse

from contracts.models import Agreement
from memberships.models import OfferKind, Plan, PlanOffer
from tenants.roles import Role
from tests.contracts.contract_setup import service_version, supplement_version
from tests.factories import ClientFactory, ContactFactory
from tests.memberships.membership_setup import in_tenant

pytestmark = pytest.mark.django_db


@pytest.fixture
def okafor(tenant):
    client = ClientFactory(tenant=tenant, name="Okafor Dental Group")
    ContactFactory(client=client, email="office@okafor.example", can_sign=True)
    return client


def offer_of(tenant, client):
    def read():
        offer = PlanOffer.objects.get(agreement=Agreement.objects.filter(client=client).latest("pk"))
        riders = sorted(item.rider.key for item in offer.riders.all())
        return (
            offer.kind,
            offer.plan.key if offer.plan else None,
            riders,
            offer.billing_cycle,
            offer.plan_price,
        )

    return in_tenant(tenant, read)


def test_the_membership_fields_are_a_tier_a_checkbox_group_of_riders_and_a_cycle(
    client, login_as, tenant, plans
):
    login_as(tenant, Role.MANAGER)
    html = client.get(reverse("contracts:agreement_create")).content.decode()

    assert "Membership it offers" in html
    assert re.search(r'<option value=""( selected)?>No tier</option>', html)
    assert "Gold, $179.00/month or $1,790.00/year</option>" in html
    checkbox = f'<input type="checkbox" name="riders" value="{plans.premium.pk}" class="form-check-input"'
    assert f'{checkbox} id="id_riders_0">' in html
    assert '<label class="form-check-label" for="id_riders_0">Premium Response, $49.00/month' in html
    assert 'type="radio" name="billing_cycle" value="annual" class="form-check-input"' in html
    assert "form-control" not in html[html.index('name="riders"') - 80 : html.index('name="riders"') + 200]


def test_a_contract_offers_the_chosen_membership_at_the_agreed_price(staff_client, tenant, okafor, plans):
    version = service_version(tenant)
    response = staff_client.post(
        reverse("contracts:agreement_create"),
        {"client": okafor.pk, "version": version.pk, "plan": plans.gold.pk, "riders": [plans.premium.pk],
         "billing_cycle": "annual", "plan_price": "1650.00"},
    )  # fmt: skip

    assert response.status_code == 302
    assert offer_of(tenant, okafor) == (OfferKind.START, "gold", ["premium-response"], "annual", 1650)


def test_an_amendment_offers_a_change_of_the_current_membership(staff_client, tenant, member, plans):
    ContactFactory(client=member.client, email="dana@whitaker.example", can_sign=True)
    version = supplement_version(tenant)
    response = staff_client.post(
        reverse("contracts:agreement_create"),
        {
            "client": member.client_id,
            "version": version.pk,
            "plan": plans.platinum.pk,
            "billing_cycle": "monthly",
        },
    )
    assert response.status_code == 302
    assert offer_of(tenant, member.client) == (OfferKind.CHANGE, "platinum", [], "monthly", None)


def test_membership_mistakes_are_shown_on_their_fields(staff_client, tenant, okafor, plans):
    version = service_version(tenant)
    in_tenant(tenant, lambda: Plan.objects.filter(pk=plans.premium.pk).update(annual_price=None))
    url = reverse("contracts:agreement_create")
    base = {"client": okafor.pk, "version": version.pk}

    html = staff_client.post(url, {**base, "billing_cycle": "monthly", "plan_price": "99"}).content.decode()
    assert "An agreed tier price needs a tier" in html

    html = staff_client.post(
        url, {**base, "plan": plans.gold.pk, "riders": [plans.premium.pk], "billing_cycle": "annual"}
    ).content.decode()
    assert "Premium Response is not sold on annual billing." in html
    assert f'value="{plans.premium.pk}" class="form-check-input" id="id_riders_0" checked' in html  # kept
    assert not in_tenant(tenant, lambda: Agreement.objects.filter(client=okafor).exists())
