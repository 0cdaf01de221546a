"""Inbound referrals: a client refers someone; when that person becomes a client and signs, the referrer
is credited once (issue 14, acceptance 4), whether the bus delivers the signature or the runner catches it."""

from datetime import timedelta
from decimal import Decimal

import pytest
import time_machine
from django.core.exceptions import ValidationError

from billing.models import CreditEntry
from contracts import agreements
from events.dispatch import dispatch_until_idle
from events.services import record_event
from rewards.models import Program, Referral, ReferralProgram, ReferralStatus, Reward
from rewards.programs import run_programs_due
from rewards.referrals import (
    create_client_from_referral,
    grant_referral_credits,
    link_client,
    mark_contacted,
    mark_lost,
    refer_prospect,
    update_referral_program,
)
from tenants.localtime import tenant_today
from tenants.scope import tenant_scope
from tests.factories import AgreementFactory, ClientFactory, ContactFactory

pytestmark = pytest.mark.django_db


def refer(referrer, name="Maya Chen", email="maya@chen-ortho.example", **extra):
    return refer_prospect(referrer=referrer, name=name, email=email, source="staff", actor="owner", **extra)


def sign_new_agreement(client):
    agreement = AgreementFactory(
        client=client, tenant=client.tenant, status="sent", starts_on=None, ends_on=None
    )
    return agreements.mark_signed(agreement, actor="Maya Chen")


def referral_rewards(referrer):
    return Reward.objects.filter(client=referrer, program=Program.REFERRAL)


@pytest.fixture(autouse=True)
def program(tenant):
    with tenant_scope(tenant):
        return update_referral_program(credit_amount=Decimal("250"), is_active=True)


@pytest.fixture
def harbor(tenant):
    with tenant_scope(tenant):
        return ClientFactory(tenant=tenant, name="Harbor Dental", email="office@harbor.example")


def test_a_referral_that_becomes_a_client_credits_the_referrer_once(tenant, harbor):
    with tenant_scope(tenant):
        update_referral_program(credit_amount=Decimal("250"), is_active=True)
        referral = refer(harbor)
        mark_contacted(referral)
        chen = create_client_from_referral(referral)
        assert chen.name == "Maya Chen"
        assert chen.contacts.get().email == "maya@chen-ortho.example"
        assert not referral_rewards(harbor).exists()  # a client, but nothing signed yet

        first = sign_new_agreement(chen)
        dispatch_until_idle()
        # The same event delivered again, a second agreement signed, the bus and the runner run again.
        record_event("agreement.signed", agreement_id=first.pk, client_id=chen.pk)
        sign_new_agreement(chen)
        dispatch_until_idle()
        dispatch_until_idle()
        assert grant_referral_credits(tenant_today() + timedelta(days=1)) == []

        reward = referral_rewards(harbor).get()
        assert reward.key == f"referral-{referral.pk}"
        assert reward.value == Decimal("250.00")
        assert CreditEntry.objects.filter(client=harbor).count() == 1
        referral.refresh_from_db()
        assert referral.status == ReferralStatus.SIGNED
        assert referral.reward == reward


def test_a_referral_whose_prospect_never_signs_credits_nothing(tenant, harbor):
    with tenant_scope(tenant):
        referral = refer(harbor)
        create_client_from_referral(referral)
        other = refer(harbor, name="Sam Ortiz", email="sam@ortiz.example")
        mark_lost(other, reason="Chose another integrator")
        dispatch_until_idle()
        assert grant_referral_credits(tenant_today()) == []
        assert not referral_rewards(harbor).exists()
        assert not CreditEntry.objects.filter(client=harbor).exists()
        referral.refresh_from_db()
        assert referral.status == ReferralStatus.NEW


def test_the_runner_credits_a_signature_the_bus_has_not_delivered(tenant, harbor):
    with tenant_scope(tenant):
        referral = refer(harbor)
        chen = create_client_from_referral(referral)
        sign_new_agreement(chen)  # the event waits in the outbox
        run = run_programs_due(tenant_today() + timedelta(days=1))
        assert [reward.client for reward in run.granted] == [harbor]
        assert run.failures == []
        dispatch_until_idle()  # the handler now finds the referral settled
        assert referral_rewards(harbor).count() == 1
        assert run_programs_due(tenant_today() + timedelta(days=2)).granted == []


def test_the_runner_waits_for_the_day_of_the_signature(tenant, harbor):
    with tenant_scope(tenant):
        referral = refer(harbor)
        chen = create_client_from_referral(referral)
        sign_new_agreement(chen)
        assert grant_referral_credits(tenant_today() - timedelta(days=1)) == []
        assert len(grant_referral_credits(tenant_today())) == 1


def test_a_client_cannot_refer_itself(tenant, harbor):
    with tenant_scope(tenant):
        ContactFactory(client=harbor, email="dana@harbor.example")
        with pytest.raises(ValidationError, match="your own address"):
            refer(harbor, name="Dana", email="DANA@harbor.example")
        with pytest.raises(ValidationError, match="your own address"):
            refer(harbor, name="Office", email="office@harbor.example")
        referral = refer(harbor)
        with pytest.raises(ValidationError, match="its own referral"):
            link_client(referral, client=harbor)
        assert Referral.objects.count() == 1


def test_the_first_referral_of_a_person_wins(tenant, harbor):
    with tenant_scope(tenant):
        lakeside = ClientFactory(tenant=tenant, name="Lakeside Law")
        first = refer(harbor, email="maya@chen-ortho.example")
        second = refer(lakeside, email="Maya@Chen-Ortho.example ")
        assert second.status == ReferralStatus.DUPLICATE
        assert second.duplicate_of == first
        with pytest.raises(ValidationError, match="referred before"):
            create_client_from_referral(second)
        chen = create_client_from_referral(first)
        sign_new_agreement(chen)
        dispatch_until_idle()
        assert referral_rewards(harbor).count() == 1
        assert not referral_rewards(lakeside).exists()


def test_a_referral_needs_a_name_and_a_way_to_reach_them(tenant, harbor):
    with tenant_scope(tenant):
        with pytest.raises(ValidationError) as error:
            refer_prospect(referrer=harbor, name=" ", source="portal", actor="Dana")
        assert set(error.value.message_dict) == {"name", "email"}
        by_phone = refer(harbor, email="", phone="(503) 555-0101")
        assert by_phone.contact_key == "5035550101"


def test_a_client_who_signed_before_the_referral_was_not_brought_by_it(tenant, harbor):
    with tenant_scope(tenant):
        existing = ClientFactory(tenant=tenant, name="Old Friend")
        sign_new_agreement(existing)
        with time_machine.travel(tenant_today() + timedelta(days=3)):
            referral = refer(harbor)
            with pytest.raises(ValidationError, match="before this referral"):
                link_client(referral, client=existing)


def test_linking_a_client_that_already_signed_since_credits_at_once(tenant, harbor):
    with tenant_scope(tenant):
        referral = refer(harbor)
        chen = ClientFactory(tenant=tenant, name="Chen Orthodontics")
        sign_new_agreement(chen)
        referral = link_client(referral, client=chen)
        assert referral.status == ReferralStatus.SIGNED
        assert referral.reward.value == Decimal("250.00")


def test_a_referral_that_signs_while_the_program_is_off_earns_nothing(tenant, harbor):
    with tenant_scope(tenant):
        update_referral_program(credit_amount=Decimal("100"), is_active=False)
        referral = refer(harbor)
        chen = create_client_from_referral(referral)
        sign_new_agreement(chen)
        dispatch_until_idle()
        update_referral_program(credit_amount=Decimal("100"), is_active=True)
        assert grant_referral_credits(tenant_today()) == []
        referral.refresh_from_db()
        assert referral.status == ReferralStatus.SIGNED
        assert referral.reward is None


def test_a_tenant_that_never_set_the_program_up_credits_nothing(tenant, harbor):
    with tenant_scope(tenant):
        ReferralProgram.objects.all().delete()
        referral = refer(harbor)
        sign_new_agreement(create_client_from_referral(referral))
        dispatch_until_idle()
        assert not referral_rewards(harbor).exists()
        referral.refresh_from_db()
        assert referral.status == ReferralStatus.SIGNED


def test_the_credit_amount_must_be_above_zero(tenant):
    with tenant_scope(tenant), pytest.raises(ValidationError, match="above zero"):
        update_referral_program(credit_amount=Decimal("0"), is_active=True)
