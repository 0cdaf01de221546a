"""The plans pages: tiers and riders with their prices, SLA and inclusions and who holds them, archived
ones apart; the form (managers and owners only) with inline errors; archive and restore."""

import re
from decimal import Decimal

import pytest
from django.urls import reverse

from memberships.models import Plan
from tenants.roles import Role
from tests.factories import PlanFactory
from tests.memberships.membership_setup import in_tenant

pytestmark = pytest.mark.django_db


def page(response) -> str:
    assert response.status_code == 200, response.status_code
    return response.content.decode()


def plan_post(**fields):
    """The plan form as its page sends it: a Bronze tier, replaced by ``fields``."""
    data = {
        "kind": "tier",
        "name": "Bronze",
        "key": "bronze",
        "description": "Remote support only.",
        "monthly_price": "29.00",
        "annual_price": "",
        "sla_policy": "",
        "rank": "0",
        "onsite_visits_included": "0",
        "hours_included": "0",
        "labour_discount_percent": "0",
    }
    return {**data, **fields}


def test_the_list_shows_each_plan_with_its_prices_sla_inclusions_and_clients(
    client, login_as, tenant, member, plans
):
    login_as(tenant, Role.TECHNICIAN)
    html = page(client.get(reverse("memberships:plan_list")))

    assert "Changing a price does not touch existing memberships" in html
    gold = html[html.index(f'id="plan-{plans.gold.pk}"') :]
    gold = gold[: gold.index("</tr>")]
    for text in ("Gold", "$179.00", "$1,790.00", "Gold</a>", "Rank 2"):
        assert text in gold, text
    assert '<td class="text-end">1<span class="visually-hidden"> client</span></td>' in gold
    assert "Premium Response" in html
    assert "Archived" not in html
    assert reverse("memberships:plan_create") not in html  # a technician may only look
    assert reverse("memberships:plan_list") in page(client.get(reverse("clients:list")))  # in the menu


def test_archived_plans_are_listed_apart_and_can_be_restored(staff_client, tenant, plans):
    response = staff_client.post(
        reverse("memberships:plan_archive", args=[plans.silver.pk]), {"action": "archive"}
    )
    assert response.status_code == 302
    html = page(staff_client.get(reverse("memberships:plan_list")))
    archived = html[html.index('id="archived-heading"') :]
    assert "Silver" in archived
    assert "Restore" in archived
    assert in_tenant(tenant, lambda: Plan.objects.get(pk=plans.silver.pk).is_archived)

    staff_client.post(reverse("memberships:plan_archive", args=[plans.silver.pk]), {"action": "restore"})
    assert not in_tenant(tenant, lambda: Plan.objects.get(pk=plans.silver.pk).is_archived)


@pytest.mark.parametrize("role", [Role.TECHNICIAN, Role.DISPATCHER, Role.BILLING, Role.READ_ONLY])
def test_only_managers_and_owners_change_plans(client, login_as, tenant, plans, role):
    login_as(tenant, role)
    assert client.get(reverse("memberships:plan_create")).status_code == 403
    assert client.get(reverse("memberships:plan_update", args=[plans.gold.pk])).status_code == 403
    assert client.post(reverse("memberships:plan_create"), plan_post()).status_code == 403
    assert client.post(reverse("memberships:plan_archive", args=[plans.gold.pk])).status_code == 403
    assert not in_tenant(tenant, lambda: Plan.objects.filter(key="bronze").exists())


def test_a_manager_adds_a_tier_that_grants_a_tier_policy(client, login_as, tenant, plans, policies):
    login_as(tenant, Role.MANAGER)
    form = page(client.get(reverse("memberships:plan_create") + "?kind=rider"))
    assert re.search(r'value="rider"[^>]* id="id_kind_1" required checked', form)

    response = client.post(reverse("memberships:plan_create"), plan_post(sla_policy=policies["silver"].pk))
    bronze = in_tenant(tenant, lambda: Plan.objects.get(key="bronze"))
    assert response.url == reverse("memberships:plan_list") + f"#plan-{bronze.pk}"
    assert (bronze.monthly_price, bronze.annual_price, bronze.sla_policy_id, bronze.tenant_id) == (
        Decimal("29.00"),
        None,
        policies["silver"].pk,
        tenant.pk,
    )


def test_mistakes_are_shown_on_their_fields_and_what_was_typed_is_kept(staff_client, tenant, plans, policies):
    url = reverse("memberships:plan_create")
    html = page(staff_client.post(url, plan_post(sla_policy=policies["premium-response"].pk)))
    assert "A tier grants a tier SLA policy; Premium Response is a rider policy." in html
    assert 'value="Remote support only."' in html or "Remote support only.</textarea>" in html

    html = page(staff_client.post(url, plan_post(key="gold")))
    assert "Another plan already uses the key &#x27;gold&#x27;." in html
    assert 'id="id_key_error1"' in html  # on the key field, not only at the top

    html = page(staff_client.post(url, plan_post(monthly_price="-5", labour_discount_percent="120")))
    assert "Ensure this value is greater than or equal to 0." in html
    assert "Ensure this value is less than or equal to 100." in html
    assert not in_tenant(tenant, lambda: Plan.objects.filter(key__in=["bronze"]).exists())


def test_a_new_list_price_leaves_the_price_clients_agreed_alone(staff_client, tenant, member, plans):
    url = reverse("memberships:plan_update", args=[plans.gold.pk])
    html = page(staff_client.get(url))
    assert "1 client has this plan" in html
    assert "that client keeps its agreed price" in html
    assert re.search(r'<input type="radio" name="kind" value="tier"[^>]*\bdisabled\b', html)

    data = plan_post(kind="rider", name="Gold", key="gold", monthly_price="199.00", rank="2")
    assert staff_client.post(url, data).status_code == 302

    gold = in_tenant(tenant, lambda: Plan.objects.get(pk=plans.gold.pk))
    assert (gold.kind, gold.monthly_price) == ("tier", Decimal("199.00"))  # the kind cannot change
    phase = in_tenant(tenant, lambda: member.phases.get())
    assert phase.plan_price == Decimal("179.00")


def test_another_companys_plan_is_not_found(client, login_as, tenant, other_tenant, plans):
    theirs = PlanFactory(tenant=other_tenant, key="gold")
    login_as(tenant, Role.OWNER)
    assert client.get(reverse("memberships:plan_update", args=[theirs.pk])).status_code == 404
    assert client.post(reverse("memberships:plan_archive", args=[theirs.pk])).status_code == 404
    assert "Rival" not in page(client.get(reverse("memberships:plan_list")))
