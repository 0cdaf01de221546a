"""A reward that puts credit on the client's account is emailed to whoever gets their invoices: the amount,
why, that it comes off the next invoice, and a fresh link to their rewards page. Once per reward, even if
the event is delivered again; gifts, recognitions and anniversaries (which write their own) send nothing
from here. The worker is played by dispatching the bus."""

import re
from decimal import Decimal

import pytest
from django.core import mail
from django.utils import timezone

from billing.models import BillingAccount
from events.dispatch import dispatch_until_idle
from events.models import OutboxEvent
from portal.handlers import email_client_about_credit_reward
from rewards.models import Program, RewardKind
from rewards.services import grant_reward
from tenants.scope import tenant_scope
from tests.factories import ClientFactory, ContactFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def household(tenant):
    return ClientFactory(tenant=tenant, name="Whitaker Residence", email="")


@pytest.fixture
def dana(household):
    return ContactFactory(
        client=household, full_name="Dana Whitaker", email="dana@whitaker.example", is_primary=True
    )


def grant(client, key="2026-11", *, kind=RewardKind.CREDIT, value="12.50", program=Program.UTILIZATION):
    with tenant_scope(client.tenant):
        return grant_reward(
            client,
            program=program,
            key=key,
            kind=kind,
            title="5% off your next plan invoice",
            reason="8 tickets on 100 endpoints in November, under your 10% target",
            value=Decimal(value),
            actor="rewards run",
        ).reward


def test_credit_from_a_reward_is_emailed_with_why_and_a_link_to_the_rewards_page(client, household, dana):
    grant(household)

    dispatch_until_idle()

    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["dana@whitaker.example"]
    assert message.subject == f"You've earned $12.50 credit with {household.tenant.name}"
    assert "Dear Dana Whitaker" in message.body
    assert "8 tickets on 100 endpoints in November, under your 10% target" in message.body
    assert "comes off your next invoice" in message.body
    path = re.search(r"https?://[^/\s]+(/portal/\S+/rewards/)", message.body).group(1)
    page = client.get(path)
    assert page.status_code == 200
    assert "5% off your next plan invoice" in page.content.decode()


def test_it_goes_to_the_invoice_address_when_the_client_has_one(household, dana):
    with tenant_scope(household.tenant):
        BillingAccount.objects.create(
            tenant=household.tenant, client=household, invoice_email="accounts@whitaker.example"
        )
    grant(household)

    dispatch_until_idle()

    assert [m.to for m in mail.outbox] == [["accounts@whitaker.example"]]


def test_a_redelivered_event_sends_nothing_twice(household, dana):
    grant(household)
    dispatch_until_idle()
    with tenant_scope(household.tenant):
        event = OutboxEvent.objects.get(name="reward.granted")
        email_client_about_credit_reward(event, now=timezone.now())  # the bus hands it over again

    assert len(mail.outbox) == 1


def test_gifts_recognitions_and_anniversary_credit_send_no_credit_email(household, dana):
    grant(household, "year-1", kind=RewardKind.GIFT, value="40.00", program=Program.ANNIVERSARY)
    grant(household, "2026-10", kind=RewardKind.RECOGNITION, value="0", program=Program.CUSTOMER_OF_THE_MONTH)
    grant(household, "year-3", value="100.00", program=Program.ANNIVERSARY)

    dispatch_until_idle()

    assert mail.outbox == []


def test_a_client_nobody_can_be_emailed_at_gets_nothing_and_the_bus_moves_on(household):
    grant(household)

    dispatch_until_idle()

    assert mail.outbox == []
