"""The client's membership on its page: what it holds, its period, next invoice and history; starting one
on a signed contract; changing it with a preview (htmx) before confirming; cancelling, resuming and
dropping a scheduled change. Managers, owners and billing staff act; everyone else may look."""

import re
from datetime import date
from decimal import Decimal

import pytest
from django.urls import reverse

from billing.models import Invoice, ProrationCharge
from billing.subscriptions import change_subscription
from memberships.models import Subscription, SubscriptionChange
from memberships.selectors import plan_terms
from tenants.roles import Role
from tenants.scope import tenant_scope
from tests.factories import AgreementFactory, ClientFactory, give_membership
from tests.memberships.membership_setup import MEMBER_SINCE, in_tenant

pytestmark = pytest.mark.django_db


def page(response) -> str:
    assert response.status_code == 200, response.status_code
    return response.content.decode()


def panel(client, whitaker) -> str:
    html = page(client.get(reverse("clients:detail", args=[whitaker.pk])))
    start = html.index('id="membership"')
    return html[start : html.index("</section>", start)]


def change_url(member):
    return reverse("subscriptions:change", args=[member.pk])


def holding(member):
    """What the membership holds today and from 1 April, by key."""

    def read():
        return [
            (terms.tier.key if terms.tier else None, [r.key for r in terms.riders])
            for terms in (
                plan_terms(member.client_id, on=day) for day in (date(2026, 3, 10), date(2026, 4, 1))
            )
        ]

    return in_tenant(member.tenant, read)


# --- The panel ----------------------------------------------------------------------------------------


def test_the_panel_shows_the_plan_its_agreed_prices_period_next_invoice_and_history(
    client, login_as, tenant, member, whitaker
):
    login_as(tenant, Role.TECHNICIAN)
    html = panel(client, whitaker)

    assert '<span class="badge text-bg-success">Active</span>' in html
    assert "Gold" in html
    assert "$179.00/month" in html
    assert "1 Mar – 31 Mar 2026" in html
    assert "With the next billing run (period from 1 Mar)" in html  # March is not invoiced yet
    assert "Started: Gold" in html
    assert "times in America/New_York" in html
    assert "Change plan" not in html  # a technician may only look
    assert "Cancel at the end of the period" not in html

    with tenant_scope(tenant):
        Invoice.objects.create(
            tenant=tenant, client=whitaker, kind="subscription", subscription=member, currency="USD",
            period_start=MEMBER_SINCE, period_end=date(2026, 4, 1),
        )  # fmt: skip
    assert re.search(r'Next invoice</dt>\s*<dd class="col-7">1 Apr 2026</dd>', panel(client, whitaker))


def test_a_client_without_a_membership_starts_one_on_its_signed_contract(
    client, login_as, tenant, contract, plans
):
    login_as(tenant, Role.BILLING)
    html = panel(client, contract.client)
    start = reverse("subscriptions:start", args=[contract.client.pk])
    assert f'href="{start}"' in html
    assert f"agreement #{contract.pk}" in page(client.get(start))

    response = client.post(
        start, {"tier": plans.gold.pk, "riders": [plans.premium.pk], "billing_cycle": "monthly"}
    )

    assert response.url == reverse("clients:detail", args=[contract.client.pk]) + "#membership"
    member = in_tenant(tenant, lambda: Subscription.objects.get(client=contract.client))
    assert (member.started_on, member.agreement_id) == (date(2026, 3, 10), contract.pk)
    assert "Gold + Premium Response" in panel(client, contract.client)


def test_a_client_without_a_signed_contract_is_told_how_to_get_a_membership(staff_client, tenant, plans):
    okafor = ClientFactory(tenant=tenant, name="Okafor Dental Group")
    html = panel(staff_client, okafor)
    assert "A membership rides on a signed service contract" in html
    assert reverse("subscriptions:start", args=[okafor.pk]) not in html

    start = reverse("subscriptions:start", args=[okafor.pk])
    assert "Send a contract that offers the plan" in page(staff_client.get(start))
    html = page(staff_client.post(start, {"tier": plans.gold.pk, "billing_cycle": "monthly"}))
    assert "has no signed service contract in force" in html
    assert not in_tenant(tenant, lambda: Subscription.objects.filter(client=okafor).exists())


# --- Changing, with a preview ---------------------------------------------------------------------------


def test_the_change_page_starts_from_what_the_client_has(staff_client, member, plans):
    html = page(staff_client.get(change_url(member)))
    assert f'value="{plans.gold.pk}" class="form-check-input" id="id_tier_2" checked' in html
    assert "No tier (riders only)" in html
    assert "Premium Response, $49.00/month or $490.00/year" in html
    assert 'hx-post="' + change_url(member) + '" hx-trigger="change"' in html
    assert "data-preview" not in html  # nothing to preview until something changes


def test_the_preview_says_what_an_upgrade_costs_and_confirming_makes_that_change(
    staff_client, tenant, member, plans
):
    form = {"tier": plans.platinum.pk, "riders": [], "billing_cycle": "monthly", "plan_price": ""}
    response = staff_client.post(change_url(member), {**form, "action": "preview"}, HTTP_HX_REQUEST="true")
    html = page(response)

    assert "<html" not in html  # htmx swaps in the preview only
    assert "Today: +$156.13; from 1 Apr: $399.00/month" in html
    assert "Unused Gold, 10 Mar 2026 – 31 Mar 2026 (22 of 31 days)" in html
    assert "−$127.03" in html
    assert "$283.16" in html
    assert not in_tenant(tenant, lambda: ProrationCharge.objects.exists())  # a preview writes nothing
    expected = html.split('name="expected" value="')[1].split('"')[0]

    response = staff_client.post(change_url(member), {**form, "action": "confirm", "expected": expected})

    assert response.status_code == 302
    assert holding(member) == [("platinum", []), ("platinum", [])]
    assert in_tenant(tenant, lambda: ProrationCharge.objects.count()) == 2
    html = page(staff_client.get(response.url))
    assert "Upgraded: Gold → Platinum, now. Today: +$156.13; from 1 Apr: $399.00/month." in html


def test_a_confirmation_that_no_longer_matches_its_preview_is_shown_again_not_made(
    staff_client, tenant, member, plans
):
    form = {
        "tier": plans.platinum.pk,
        "billing_cycle": "monthly",
        "action": "confirm",
        "expected": "an old preview",
    }
    html = page(staff_client.post(change_url(member), form))

    assert "This is no longer the change you previewed" in html
    assert "Today: +$156.13; from 1 Apr: $399.00/month" in html
    assert holding(member) == [("gold", []), ("gold", [])]
    assert not in_tenant(tenant, lambda: SubscriptionChange.objects.filter(kind="upgraded").exists())


def test_without_javascript_the_preview_button_shows_the_whole_page_with_the_preview(
    staff_client, member, plans
):
    html = page(staff_client.post(change_url(member), {"tier": plans.silver.pk, "billing_cycle": "monthly"}))
    assert "<html" in html
    assert "Today: nothing (takes effect on 1 Apr); from 1 Apr: $59.00/month" in html
    assert "Nothing is charged or credited" in html


def test_a_change_that_cannot_be_made_says_why_and_keeps_the_choice(staff_client, member, plans):
    htmx = {"HTTP_HX_REQUEST": "true"}
    html = page(
        staff_client.post(change_url(member), {"billing_cycle": "monthly", "action": "preview"}, **htmx)
    )
    assert "Choose a tier or at least one rider." in html

    html = page(
        staff_client.post(change_url(member), {"tier": plans.gold.pk, "billing_cycle": "monthly"}, **htmx)
    )
    assert "That is what the client already has: nothing to change." in html
    assert "data-preview" not in html

    only_a_rider = {"tier": "", "plan_price": "10", "riders": [plans.premium.pk], "billing_cycle": "monthly"}
    html = page(staff_client.post(change_url(member), only_a_rider))
    assert "An agreed tier price needs a tier." in html
    assert f'value="{plans.premium.pk}" class="form-check-input" id="id_riders_0" checked' in html


# --- Cancel, resume, keep ---------------------------------------------------------------------------------


def test_cancelling_resuming_and_keeping_the_plan_from_the_panel(
    staff_client, tenant, member, whitaker, plans
):
    response = staff_client.post(
        reverse("subscriptions:cancel", args=[member.pk]), {"reason": "Selling the house"}
    )
    assert response.url == reverse("clients:detail", args=[whitaker.pk]) + "#membership"
    html = panel(staff_client, whitaker)
    assert "Cancelling: ends 1 Apr 2026" in html
    assert "Cancelled from 1 Apr 2026: Selling the house" in html
    assert "Withdraw cancellation" in html
    again = page(staff_client.post(reverse("subscriptions:cancel", args=[member.pk]), follow=True))
    assert "already cancelled from 1 Apr 2026" in again

    staff_client.post(reverse("subscriptions:resume", args=[member.pk]))
    html = panel(staff_client, whitaker)
    assert '<span class="badge text-bg-success">Active</span>' in html

    with tenant_scope(tenant):
        change_subscription(member, tier=plans.silver, actor="Sam Manager")  # a downgrade from 1 April
    html = panel(staff_client, whitaker)
    assert "Scheduled from 1 Apr 2026:</strong> Silver" in html
    staff_client.post(reverse("subscriptions:drop_scheduled", args=[member.pk]))
    html = panel(staff_client, whitaker)
    assert "data-scheduled-change" not in html
    assert "Scheduled change of 1 Apr 2026 dropped: keeps Gold" in html
    assert holding(member) == [("gold", []), ("gold", [])]


@pytest.mark.parametrize("role", [Role.TECHNICIAN, Role.DISPATCHER, Role.READ_ONLY])
def test_only_managers_owners_and_billing_staff_change_memberships(
    client, login_as, tenant, member, plans, role
):
    login_as(tenant, role)
    client_page = reverse("clients:detail", args=[member.client_id])
    assert page(client.get(client_page))  # they see the panel
    assert client.get(change_url(member)).status_code == 403
    data = {"tier": plans.platinum.pk, "billing_cycle": "monthly", "action": "confirm"}
    assert client.post(change_url(member), data).status_code == 403
    for name in ("cancel", "resume", "drop_scheduled"):
        assert client.post(reverse(f"subscriptions:{name}", args=[member.pk])).status_code == 403
    assert client.get(reverse("subscriptions:start", args=[member.client_id])).status_code == 403
    assert holding(member) == [("gold", []), ("gold", [])]


def test_another_companys_membership_is_not_found(client, login_as, tenant, other_tenant, member):
    theirs = give_membership(AgreementFactory(client=ClientFactory(tenant=other_tenant)), tier="gold")
    login_as(tenant, Role.OWNER)
    assert client.get(change_url(theirs)).status_code == 404
    for name in ("cancel", "resume", "drop_scheduled"):
        assert client.post(reverse(f"subscriptions:{name}", args=[theirs.pk])).status_code == 404
    assert client.get(reverse("subscriptions:start", args=[theirs.client_id])).status_code == 404
    assert in_tenant(other_tenant, lambda: Subscription.objects.get(pk=theirs.pk).ends_on) is None


def test_the_price_shown_is_the_agreed_one(staff_client, tenant, contract, plans):
    give_membership(contract, tier="gold", tier_price=Decimal("150.00"), started_on=MEMBER_SINCE)
    assert "$150.00/month" in panel(staff_client, contract.client)
