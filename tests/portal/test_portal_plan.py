"""The plan page of an account link: what the client has, what it could move up to and at what cost, and
asking for an upgrade, which sends a supplement to sign. (Signing it: test_portal_plan_signing.py.)"""

import re
from decimal import Decimal

import pytest
import time_machine
from django.core import mail
from django.core.exceptions import ValidationError
from django.test import Client as BrowserClient
from django.urls import reverse

from contracts.models import AgreementStatus, EmailLog
from memberships import services as memberships
from memberships.models import OfferKind, Plan, PlanKind
from memberships.selectors import current_subscription
from portal import plan
from portal.models import LinkPurpose, PortalLink
from portal.plan import Benefits, target_changes, what_it_adds
from service_levels.models import Metric
from tenants.scope import tenant_scope
from tests.factories import ContactFactory, PortalLinkFactory
from tests.portal.conftest import sent_agreement
from tests.portal.plan_setup import (
    TUESDAY,
    account_link,
    membership_desk,
    signed_client,
    supplements_of,
)

pytestmark = pytest.mark.django_db

SUPPORT = "office@harbor-av.example"


@pytest.fixture(autouse=True)
def frozen_now():
    with time_machine.travel(TUESDAY, tick=False):
        yield


@pytest.fixture
def company(tenant):
    tenant.name, tenant.reply_to_email = "Harbor AV", SUPPORT
    tenant.save()
    return tenant


@pytest.fixture
def desk(company):
    return membership_desk(company)


@pytest.fixture
def on_silver(desk):
    """(household, Dana, service contract) on Silver since 1 Nov, and Dana's account link token."""
    household, dana, contract = signed_client(desk)
    return household, dana, contract, account_link(dana)[1]


def url(name, token, **kwargs):
    return reverse(f"portal:{name}", kwargs={"token": token, **kwargs})


def text_of(response) -> str:
    """The page's main content as words, tags stripped and spaces collapsed."""
    html = response.content.decode()
    main = html[html.index("<main") : html.index("</main>")]
    return " ".join(re.sub(r"<[^>]+>", " ", main).replace("&#x27;", "'").replace("&amp;", "&").split())


def choose(client, token, plan_row):
    return client.post(url("plan_choose", token, plan_id=plan_row.pk))


# --- What the page shows ---------------------------------------------------------------------------


def test_the_page_shows_the_current_plan_its_price_inclusions_and_targets(client, on_silver):
    *_, token = on_silver
    response = client.get(url("plan", token))
    assert response.status_code == 200
    page = text_of(response)
    assert "Silver Price $59.00 a month, billed monthly" in page
    assert "Next period Starts 1 December 2026" in page
    assert "Labour hours: 1 hour a month included" in page
    assert "Labour discount: 5% off billable labour" in page
    assert "Proactive monitoring: Not included" in page
    assert "P1 · Critical 1 hour (24/7) 8 business hours (Office hours) no target" in page
    assert response["Cache-Control"] == "private, no-store"


def test_each_upgrade_says_what_it_adds_what_it_speeds_up_and_what_it_costs(client, on_silver):
    *_, token = on_silver
    page = text_of(client.get(url("plan", token)))
    gold = page[page.index("Move up to Gold") : page.index("Choose Gold")]
    assert "Proactive monitoring of your systems" in gold
    assert "1 on-site visit a month included" in gold
    assert "1 more labour hour a month (2 in all)" in gold
    assert "10% off billable labour (now 5%)" in gold
    assert "P1 · Critical, first response 1 hour → 15 minutes" in gold
    assert "P1 · Critical, on-site arrival 8 business hours → 4 business hours" in gold
    assert "and 2 more faster targets, all listed when you choose Gold" in gold
    # 21 of November's 30 days left: Gold's $179 for them, less Silver's unused $59.
    assert "Today: +$84.00; from 1 Dec: $179.00/month" in gold
    rider = page[page.index("Add Premium Response") : page.index("Choose Premium Response")]
    assert "P1 · Critical, first response 1 hour → 10 minutes" in rider
    assert "Today: +$34.30; from 1 Dec: $108.00/month" in rider


def test_downgrades_and_what_the_client_has_are_not_offered_but_the_team_can_be_asked(client, desk):
    _, dana, _ = signed_client(desk, plan="gold", riders=["premium-response"])
    page = text_of(client.get(url("plan", account_link(dana)[1])))
    assert "Gold + Premium Response" in page
    assert "Move up to" not in page
    assert "Choose" not in page
    assert "You already have the best plan Harbor AV offers here, with every extra." in page
    assert (
        f"A smaller plan, fewer extras or cancelling is arranged with Harbor AV: write to {SUPPORT}" in page
    )


def test_archived_plans_are_not_offered(client, desk, on_silver):
    *_, token = on_silver
    with tenant_scope(desk.tenant):
        memberships.archive_plan(desk.plans["gold"])
    page = text_of(client.get(url("plan", token)))
    assert "Add Premium Response" in page
    assert "Gold" not in page
    assert client.get(url("plan_choose", token, plan_id=desk.plans["gold"].pk)).status_code == 404


def test_an_option_not_sold_on_the_clients_cycle_is_named_not_offered(client, desk):
    with tenant_scope(desk.tenant):
        memberships.save_plan(
            Plan(tenant=desk.tenant, kind=PlanKind.TIER, key="platinum", name="Platinum", rank=3,
                 monthly_price=Decimal("399.00"))  # monthly only
        )  # fmt: skip
    _, dana, _ = signed_client(desk, cycle="annual")
    page = text_of(client.get(url("plan", account_link(dana)[1])))
    assert "Silver Price $590.00 a year, billed yearly" in page
    assert "Move up to Gold" in page
    assert "Move up to Platinum" not in page
    assert "Not available on your billing cycle: Platinum: Platinum is not sold on annual billing." in page


def test_a_cancelled_membership_offers_no_upgrade_until_it_is_kept(client, desk):
    household, dana, _ = signed_client(desk)
    with tenant_scope(desk.tenant):
        memberships.cancel_at_period_end(
            current_subscription(household), on=TUESDAY.date(), actor="owner@example.com"
        )
    page = text_of(client.get(url("plan", account_link(dana)[1])))
    assert "Ends Cancelled: the plan ends on 1 December 2026" in page
    assert "Keep your plan? Your plan is cancelled and ends on 1 December 2026." in page
    assert "Choose" not in page


def test_a_signed_client_without_a_membership_sees_the_tiers_it_can_start(client, desk):
    _, dana, _ = signed_client(desk, plan=None)
    page = text_of(client.get(url("plan", account_link(dana)[1])))
    assert "No paid plan yet" in page
    assert "P1 · Critical 2 hours (24/7) 16 business hours (Office hours)" in page  # the standard policy
    assert "Start Silver" in page
    assert "Start Gold" in page
    assert "From the day you sign: $179.00/month" in page
    assert "Premium Response" not in page  # extras come with a plan


def test_a_client_without_a_signed_contract_is_asked_to_sign_it_first(client, desk, company):
    dana = ContactFactory(
        client__tenant=company, client__name="Whitaker Residence", full_name="Dana Whitaker"
    )
    waiting = sent_agreement(desk.service_contract, dana.client)
    token = account_link(dana)[1]
    page = text_of(client.get(url("plan", token)))
    assert "First, a signed service agreement" in page
    assert "Home Technology Care Plan is waiting for a signature." in page
    assert "Choose" not in page

    response = client.post(url("plan_sign", token), {"agreement": waiting.pk})
    assert response.status_code == 302
    with tenant_scope(company):
        link = PortalLink.objects.get(purpose=LinkPurpose.SIGN_AGREEMENT, agreement=waiting)
    assert link.contact_id == dana.pk
    assert "Sign agreement" in client.get(response["Location"]).content.decode()


def test_without_any_agreement_the_page_says_whom_to_ask(client, company):
    membership_desk(company)
    dana = ContactFactory(client__tenant=company, full_name="Dana Whitaker")
    page = text_of(client.get(url("plan", account_link(dana)[1])))
    assert (
        f"Reply to any email from Harbor AV or write to {SUPPORT} and ask for the agreement to sign." in page
    )


# --- Who may see it ---------------------------------------------------------------------------------


@pytest.mark.parametrize("purpose", [LinkPurpose.TICKETS, LinkPurpose.SIGN_AGREEMENT])
def test_a_link_for_something_else_does_not_open_the_plan(client, on_silver, desk, purpose):
    household, dana, contract, _ = on_silver
    agreement = contract if purpose == LinkPurpose.SIGN_AGREEMENT else None
    token = PortalLinkFactory(contact=dana, purpose=purpose, agreement=agreement).token
    for response in (
        client.get(url("plan", token)),
        client.get(url("plan_choose", token, plan_id=desk.plans["gold"].pk)),
        client.post(url("plan_choose", token, plan_id=desk.plans["gold"].pk)),
    ):
        assert response.status_code == 404
        assert "This link doesn't open your account" in text_of(response)
    assert supplements_of(household) == []


def test_the_page_shows_the_links_client_only(client, desk, on_silver, other_tenant):
    _, _, _, token = on_silver
    signed_client(desk, name="Okafor Household", plan="gold", signer_email="ada@okafor.example")
    rival = membership_desk(other_tenant)
    rival_client, _, _ = signed_client(
        rival, name="Rival Client", plan="silver", signer_email="r@rival.example"
    )
    page = text_of(client.get(url("plan", token)))
    assert "Whitaker Residence" in page
    assert "Okafor" not in page
    assert "Rival" not in page
    # A plan of another company is not an option here, whatever its id.
    response = client.post(url("plan_choose", token, plan_id=rival.plans["gold"].pk))
    assert response.status_code == 404
    assert "That option isn't on offer" in text_of(response)
    assert supplements_of(rival_client) == []


# --- Asking for an upgrade ----------------------------------------------------------------------------


def test_the_confirm_step_shows_the_price_again_and_changes_nothing(client, desk, on_silver):
    household, *_, token = on_silver
    response = client.get(url("plan_choose", token, plan_id=desk.plans["gold"].pk))
    page = text_of(response)
    assert "Move up to Gold" in page
    assert "Now Silver, $59.00 a month After signing Gold, $179.00 a month" in page
    assert "Today: +$84.00; from 1 Dec: $179.00/month" in page
    assert "Unused Silver, 10 Nov 2026 – 30 Nov 2026 (21 of 30 days) −$41.30" in page
    assert "Gold, 10 Nov 2026 – 30 Nov 2026 (21 of 30 days) +$125.30" in page
    assert "for signature to you at dana@whitaker.example" in page
    assert 'name="csrfmiddlewaretoken"' in response.content.decode()
    assert supplements_of(household) == []


def test_choosing_sends_one_supplement_that_offers_the_change_to_the_contact(client, desk, on_silver):
    household, _, contract, token = on_silver
    ContactFactory(client=household, full_name="Sam Whitaker", email="sam@whitaker.example", can_sign=True)
    mail.outbox.clear()
    response = choose(client, token, desk.plans["gold"])
    assert response.status_code == 302
    assert response["Location"] == url("plan", token) + "?sent=1"

    [supplement] = supplements_of(household)
    assert (supplement.parent, supplement.version, supplement.status) == (
        contract,
        desk.supplement,
        AgreementStatus.SENT,
    )
    offer = supplement.plan_offer
    assert (offer.kind, offer.plan, offer.billing_cycle, offer.applied_at) == (
        OfferKind.CHANGE,
        desk.plans["gold"],
        "monthly",
        None,
    )
    assert offer.requested_by == "Dana Whitaker <dana@whitaker.example> (client contact)"
    # Only the contact who asked is asked to sign: Sam is not emailed about Dana's request.
    [invitation] = mail.outbox
    assert invitation.to == ["dana@whitaker.example"]
    assert "Supplement: Membership change" in invitation.subject
    assert "asked for this from the client portal: Move up to Gold" in invitation.body

    page = text_of(client.get(response["Location"]))
    assert "We emailed you the supplement to sign It went to dana@whitaker.example." in page
    assert "Your request: Gold $179.00 a month, once the supplement is signed." in page
    assert "Read and sign now" in page


def test_the_supplement_shows_the_new_plan_and_its_targets(client, desk, on_silver):
    household, *_, token = on_silver
    choose(client, token, desk.plans["gold"])
    sign = client.post(url("plan_sign", token), {"agreement": supplements_of(household)[0].pk})
    page = text_of(client.get(sign["Location"]))
    assert "This supplement changes the membership of Whitaker Residence to Gold" in page
    assert "Service plan Gold" in page
    assert "Targets per priority: Gold" in page
    assert "Plan Gold Monthly fee $179.00" in page


def test_choosing_again_replaces_the_request_not_signed_yet(client, desk, on_silver):
    household, *_, token = on_silver
    choose(client, token, desk.plans["gold"])
    confirm = text_of(client.get(url("plan_choose", token, plan_id=desk.plans["premium-response"].pk)))
    assert "This replaces your request for Gold , which has not been signed." in confirm
    choose(client, token, desk.plans["premium-response"])

    first, second = supplements_of(household)
    assert first.status == AgreementStatus.CANCELLED
    assert second.status == AgreementStatus.SENT
    with tenant_scope(household.tenant):
        riders = [item.rider_id for item in second.plan_offer.riders.all()]
        cancelled = first.history.get(kind="cancelled")
    assert riders == [desk.plans["premium-response"].pk]
    assert second.plan_offer.plan == desk.plans["silver"]
    assert second.plan_offer.plan_price == Decimal("59.00")  # the tier stays at its agreed price
    assert cancelled.details["reason"] == "Replaced by a newer request from the client portal."
    page = text_of(client.get(url("plan", token)))
    assert "Your request: Silver + Premium Response $108.00 a month" in page


def test_a_contact_who_may_not_sign_asks_and_the_signers_get_the_supplement(client, desk, on_silver):
    household, dana, *_ = on_silver
    lee = ContactFactory(client=household, full_name="Lee Park", email="lee@whitaker.example", can_sign=False)
    token = account_link(lee)[1]
    confirm = text_of(client.get(url("plan_choose", token, plan_id=desk.plans["gold"].pk)))
    assert "to Dana Whitaker: only they may sign for Whitaker Residence" in confirm
    mail.outbox.clear()
    response = choose(client, token, desk.plans["gold"])
    [invitation] = mail.outbox
    assert invitation.to == [dana.email]
    assert "Lee Park asked for this from the client portal" in invitation.body
    page = text_of(client.get(response["Location"]))
    assert (
        "Only the people who may sign for Whitaker Residence can sign it, so it went to Dana Whitaker."
        in page
    )
    assert "Read and sign now" not in page
    assert (
        client.post(url("plan_sign", token), {"agreement": supplements_of(household)[0].pk}).status_code
        == 409
    )


def test_without_a_published_supplement_upgrades_are_arranged_with_the_team(client, company):
    desk = membership_desk(company, supplement=False)
    household, dana, _ = signed_client(desk)
    token = account_link(dana)[1]
    page = text_of(client.get(url("plan", token)))
    assert f"arranged with Harbor AV directly: reply to any email from us or write to {SUPPORT}" in page
    assert "Move up to Gold" in page
    assert "Choose Gold" not in page
    response = choose(client, token, desk.plans["gold"])
    assert response.status_code == 400
    assert "Changes to your plan are arranged with Harbor AV directly" in text_of(response)
    assert supplements_of(household) == []


def test_when_no_email_can_go_out_nothing_is_requested(client, desk, on_silver, settings):
    household, *_, token = on_silver
    settings.EMAIL_BACKEND = "tests.portal.test_portal_plan.FailingBackend"
    response = choose(client, token, desk.plans["gold"])
    assert response.status_code == 400
    assert "We could not email the supplement just now, so nothing was changed." in text_of(response)
    assert supplements_of(household) == []
    with tenant_scope(household.tenant):
        assert not EmailLog.objects.exists()


class FailingBackend:
    def __init__(self, *args, **kwargs):
        pass

    def send_messages(self, messages):
        raise ConnectionRefusedError("mail server down")


def test_asking_needs_the_forms_csrf_token(desk, on_silver):
    household, *_, token = on_silver
    browser = BrowserClient(enforce_csrf_checks=True)
    response = browser.post(url("plan_choose", token, plan_id=desk.plans["gold"].pk))
    assert response.status_code == 403
    assert supplements_of(household) == []


def test_a_request_for_an_option_no_longer_on_offer_changes_nothing(desk, on_silver):
    household, dana, _, _ = on_silver
    with tenant_scope(household.tenant):
        link = PortalLink.objects.select_related("contact", "tenant").get(
            purpose=LinkPurpose.ACCOUNT, contact=dana
        )
        with pytest.raises(ValidationError, match="not on offer for your plan"):
            plan.request_change(link, plan_id=desk.plans["silver"].pk)
    assert supplements_of(household) == []


# --- The pure parts ----------------------------------------------------------------------------------


def test_what_an_upgrade_adds_names_only_what_is_more():
    silver = Benefits(hours=Decimal("1"), discount=Decimal("5"))
    gold = Benefits(monitoring=True, visits=2, hours=Decimal("1"), discount=Decimal("5"))
    assert what_it_adds(silver, gold, "annual") == [
        "Proactive monitoring of your systems",
        "2 on-site visits a year included",
    ]
    platinum = Benefits(monitoring=True, visits=3, hours=Decimal("4"), discount=Decimal("15"))
    assert what_it_adds(gold, platinum, "monthly") == [
        "1 more on-site visit a month (3 in all)",
        "3 more labour hours a month (4 in all)",
        "15% off billable labour (now 5%)",
    ]
    assert what_it_adds(Benefits(), Benefits(hours=Decimal("1.5")), "monthly") == [
        "1.5 hours of labour a month included"
    ]
    assert what_it_adds(gold, silver, "monthly") == []


def test_target_changes_put_faster_targets_first_and_skip_unchanged_ones(desk, company):
    from contracts.documents import effective_sla_by_priority

    with tenant_scope(company):
        silver = effective_sla_by_priority(tier="silver")
        gold = effective_sla_by_priority(tier="gold")
        changes = target_changes(silver, gold)
        backwards = target_changes(gold, silver)
    assert (changes[0].priority, changes[0].metric) == ("P1 · Critical", Metric.FIRST_RESPONSE.label)
    assert (changes[0].before, changes[0].after) == ("1 hour", "15 minutes")
    assert all(change.faster for change in changes)
    assert not any(change.faster for change in backwards)
    assert target_changes(gold, gold) == []
