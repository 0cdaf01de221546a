"""Signing the supplement a client asked for in the portal changes the membership: the worker applies the
offer (billing.handlers.apply_signed_offer) with its proration, and tickets follow the new tier. The worker
is played by dispatching the bus until it is idle."""

import re
from datetime import timedelta
from decimal import Decimal

import pytest
import time_machine
from django.urls import reverse

from billing.models import ProrationCharge
from contracts.models import AgreementStatus
from events.dispatch import dispatch_until_idle
from memberships.models import ChangeKind, Subscription, SubscriptionChange
from memberships.selectors import current_subscription, plan_terms
from memberships.services import archive_plan
from portal.client_tickets import open_from_portal
from portal.models import PortalLink
from service_levels.models import Metric
from tenants.scope import tenant_scope
from tests.portal.plan_setup import TUESDAY, account_link, membership_desk, signed_client, supplements_of
from tickets.models import SlaClock

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def frozen_now():
    with time_machine.travel(TUESDAY, tick=False):
        yield


@pytest.fixture
def desk(tenant):
    return membership_desk(tenant)


def url(name, token, **kwargs):
    return reverse(f"portal:{name}", kwargs={"token": token, **kwargs})


def ask_and_sign(client, token, plan_row, *, name="Dana Whitaker"):
    """Choose ``plan_row`` on the plan page, then 'Read and sign now' and sign it as a person would."""
    assert client.post(url("plan_choose", token, plan_id=plan_row.pk)).status_code == 302
    page = client.get(url("plan", token)).content.decode()
    agreement_id = re.search(r'name="agreement" value="(\d+)"', page)[1]
    sign_page = client.post(url("plan_sign", token), {"agreement": agreement_id})
    shown = client.get(sign_page["Location"]).content.decode()
    document_hash = re.search(r'name="document_sha256" value="([0-9a-f]{64})"', shown)[1]
    signed = client.post(
        sign_page["Location"] + "sign/",
        {"typed_name": name, "consent": "on", "intent": "on", "document_sha256": document_hash},
    )
    assert signed.status_code == 302, signed.content.decode()


def worker():
    dispatch_until_idle(now=TUESDAY)


def p1_ticket(link_or_token, tenant):
    with tenant_scope(tenant):
        link = PortalLink.objects.select_related("contact__client", "tenant").get(pk=link_or_token.pk)
        ticket = open_from_portal(link, title="Whole-house control is down", impact="high", urgency="high")
        return {clock.metric: clock for clock in SlaClock.objects.filter(ticket=ticket)}


def test_signing_an_upgrade_moves_the_client_to_gold_now_with_its_proration(client, desk, tenant):
    household, dana, contract = signed_client(desk)
    link, token = account_link(dana)
    open_before = p1_ticket(link, tenant)
    assert open_before[Metric.FIRST_RESPONSE].due_at == TUESDAY + timedelta(minutes=60)  # Silver

    ask_and_sign(client, token, desk.plans["gold"])
    [supplement] = supplements_of(household)
    assert supplement.status == AgreementStatus.ACTIVE
    with tenant_scope(tenant):  # nothing changes before the worker applies the signed offer
        assert plan_terms(household, on=TUESDAY.date()).tier == desk.plans["silver"]
    worker()

    with tenant_scope(tenant):
        subscription = current_subscription(household)
        silver_phase, gold_phase = subscription.phases.all()
        change = SubscriptionChange.objects.get(subscription=subscription, kind=ChangeKind.UPGRADED)
        charges = sorted(ProrationCharge.objects.filter(subscription=subscription), key=lambda c: c.amount)
        supplement.plan_offer.refresh_from_db()
        clocks = {clock.metric: clock for clock in SlaClock.objects.filter(ticket__client=household)}
    assert subscription.agreement_id == contract.pk  # the membership stays on the service contract
    assert (silver_phase.plan_id, silver_phase.ends_on) == (desk.plans["silver"].pk, TUESDAY.date())
    assert (gold_phase.plan_id, gold_phase.starts_on, gold_phase.plan_price) == (
        desk.plans["gold"].pk,
        TUESDAY.date(),
        Decimal("179.00"),
    )
    assert change.agreement_id == supplement.pk
    assert change.actor == "Dana Whitaker <dana@whitaker.example> (client contact)"
    assert [(charge.plan_id, charge.amount) for charge in charges] == [
        (desk.plans["silver"].pk, Decimal("-41.30")),
        (desk.plans["gold"].pk, Decimal("125.30")),
    ]
    assert supplement.plan_offer.applied_at is not None
    # The ticket open at the time follows the new tier, from its own start.
    assert clocks[Metric.FIRST_RESPONSE].due_at == TUESDAY + timedelta(minutes=15)
    assert clocks[Metric.FIRST_RESPONSE].policy_name == "Gold"

    # The page now shows Gold, with no request waiting.
    page = client.get(url("plan", token)).content.decode()
    assert "Your request" not in page
    assert "$179.00 a month, billed monthly" in page


def test_a_ticket_opened_after_signing_gets_the_gold_targets(client, desk, tenant):
    _, dana, _ = signed_client(desk)
    link, token = account_link(dana)
    ask_and_sign(client, token, desk.plans["gold"])
    worker()
    with time_machine.travel(TUESDAY + timedelta(hours=1), tick=False):
        clocks = p1_ticket(link, tenant)
    opened = TUESDAY + timedelta(hours=1)
    assert clocks[Metric.FIRST_RESPONSE].due_at == opened + timedelta(minutes=15)
    assert clocks[Metric.ONSITE].target_minutes == 4 * 60
    assert {clock.policy_name for clock in clocks.values()} == {"Gold"}


def test_signing_a_rider_adds_it_and_keeps_the_tier_at_its_agreed_price(client, desk, tenant):
    household, dana, _ = signed_client(desk)
    with tenant_scope(tenant):  # Silver was sold at $59; the list price went up since
        silver = desk.plans["silver"]
        silver.monthly_price = Decimal("69.00")
        silver.save()
    link, token = account_link(dana)
    ask_and_sign(client, token, desk.plans["premium-response"])
    worker()
    with tenant_scope(tenant):
        terms = plan_terms(household, on=TUESDAY.date())
        change = SubscriptionChange.objects.get(kind=ChangeKind.RIDER_ADDED)
        charges = list(ProrationCharge.objects.values_list("plan__key", "amount"))
    assert terms.label == "Silver + Premium Response"
    assert terms.phase.plan_price == Decimal("59.00")
    assert terms.recurring_price == Decimal("108.00")
    assert change.summary.startswith("Rider added: Silver → Silver + Premium Response, now")
    assert charges == [("premium-response", Decimal("34.30"))]
    assert p1_ticket(link, tenant)[Metric.FIRST_RESPONSE].due_at == TUESDAY + timedelta(minutes=10)


def test_a_signed_client_without_a_membership_starts_one_when_it_signs(client, desk, tenant):
    household, dana, contract = signed_client(desk, plan=None)
    _, token = account_link(dana)
    ask_and_sign(client, token, desk.plans["gold"])
    worker()
    with tenant_scope(tenant):
        subscription = Subscription.objects.get(client=household)
        [phase] = subscription.phases.all()
        charges = ProrationCharge.objects.count()
    assert (subscription.agreement_id, subscription.started_on) == (contract.pk, TUESDAY.date())
    assert (phase.plan_id, phase.plan_price) == (desk.plans["gold"].pk, Decimal("179.00"))
    assert charges == 0  # the first period is billed by the billing run, from the day it started


def test_running_the_worker_again_applies_the_change_once(client, desk, tenant):
    household, dana, _ = signed_client(desk)
    _, token = account_link(dana)
    ask_and_sign(client, token, desk.plans["gold"])
    worker()
    worker()
    dispatch_until_idle(now=TUESDAY + timedelta(hours=2))
    with tenant_scope(tenant):
        assert SubscriptionChange.objects.filter(kind=ChangeKind.UPGRADED).count() == 1
        assert ProrationCharge.objects.count() == 2
        assert current_subscription(household).phases.count() == 2


def test_a_declined_supplement_changes_nothing_and_a_new_choice_replaces_it(client, desk, tenant):
    household, dana, _ = signed_client(desk)
    _, token = account_link(dana)
    client.post(url("plan_choose", token, plan_id=desk.plans["gold"].pk))
    [supplement] = supplements_of(household)
    page = client.get(url("plan", token)).content.decode()
    sign_page = client.post(url("plan_sign", token), {"agreement": supplement.pk})
    assert "Read and sign now" in page
    declined = client.post(sign_page["Location"] + "decline/", {"reason": "Too expensive this year."})
    assert declined.status_code == 302
    worker()
    with tenant_scope(tenant):
        assert plan_terms(household, on=TUESDAY.date()).tier == desk.plans["silver"]
    assert "Your request" not in client.get(url("plan", token)).content.decode()

    client.post(url("plan_choose", token, plan_id=desk.plans["premium-response"].pk))
    first, second = supplements_of(household)
    assert (first.status, second.status) == (AgreementStatus.CANCELLED, AgreementStatus.SENT)


def test_a_client_on_a_plan_no_longer_sold_can_still_add_a_rider(client, desk, tenant):
    household, dana, _ = signed_client(desk)
    with tenant_scope(tenant):
        archive_plan(desk.plans["silver"])  # clients on Silver keep it until they change
    _, token = account_link(dana)
    ask_and_sign(client, token, desk.plans["premium-response"])
    worker()
    with tenant_scope(tenant):
        terms = plan_terms(household, on=TUESDAY.date())
    assert terms.label == "Silver + Premium Response"
    assert terms.recurring_price == Decimal("108.00")


def test_a_supplements_summary_says_it_amends_the_contract_instead_of_giving_a_term(client, desk):
    _household, dana, contract = signed_client(desk)
    _, token = account_link(dana)
    client.post(url("plan_choose", token, plan_id=desk.plans["gold"].pk))
    page = client.get(url("plan", token)).content.decode()
    agreement_id = re.search(r'name="agreement" value="(\d+)"', page)[1]
    shown = client.get(client.post(url("plan_sign", token), {"agreement": agreement_id})["Location"]).content
    summary = shown.decode().split('id="summary-title"')[1].split("</dl>")[0]
    assert f"Amends your service agreement (in force until {contract.ends_on:%-d %b %Y})" in summary
    assert "starting the day you sign" not in summary
    assert "Renews by itself" not in summary
