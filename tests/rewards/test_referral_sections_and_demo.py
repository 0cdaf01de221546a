"""The referral sections of a client's rewards pages (portal and staff), and the demo's referrals."""

import random
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
import time_machine
from django.template.loader import render_to_string

from events.dispatch import dispatch_until_idle
from rewards.demo_referrals import seed_referrals
from rewards.models import (
    Introduction,
    IntroductionStatus,
    Program,
    Prospect,
    Referral,
    ReferralStatus,
    Reward,
)
from rewards.programs import run_programs_due
from rewards.referrals import (
    propose_introduction,
    record_introduction_outcome,
    refer_prospect,
    update_referral_program,
)
from rewards.sections import sections_for
from tenants.localtime import tenant_today
from tenants.scope import tenant_scope
from tests.factories import ClientFactory
from tests.portal.conftest import published_version

pytestmark = pytest.mark.django_db


def referral_section(client, audience):
    found = [s for s in sections_for(client, audience=audience, on=tenant_today()) if s.program == "referral"]
    return found[0] if found else None


def test_the_sections_say_nothing_while_the_program_is_off_and_the_client_has_no_referrals(tenant):
    with tenant_scope(tenant):
        harbor = ClientFactory(tenant=tenant, name="Harbor Dental")
        for audience in ("portal", "staff"):
            assert referral_section(harbor, audience) is None


def test_the_sections_show_referrals_given_and_received(tenant):
    with tenant_scope(tenant):
        harbor = ClientFactory(tenant=tenant, name="Harbor Dental")
        ledger = ClientFactory(tenant=tenant, name="Ledger & Co")
        update_referral_program(credit_amount=Decimal("150"), is_active=True)
        refer_prospect(referrer=harbor, name="Maya Chen", email="m@c.example", source="portal", actor="Dana")
        introduction = propose_introduction(client=harbor, to_client=ledger, reason="Books", actor="owner")
        record_introduction_outcome(introduction, status=IntroductionStatus.WON, value=1200)
        [portal] = [
            s for s in sections_for(harbor, audience="portal", on=tenant_today()) if s.program == "referral"
        ]
        [staff] = [
            s for s in sections_for(harbor, audience="staff", on=tenant_today()) if s.program == "referral"
        ]
        portal_html = render_to_string(portal.template, {**portal.context, "token": "tok"})
        staff_html = render_to_string(staff.template, staff.context)
    assert portal.program == Program.REFERRAL
    assert "People you referred" in portal_html
    assert "Maya Chen" in portal_html
    assert "Business we sent you" in portal_html
    assert "$1,200.00" in portal_html
    assert "/portal/tok/refer/" in portal_html
    assert "<strong>$150.00</strong> of credit" in portal_html
    assert "Referrals given (people they sent us)" in staff_html
    assert "No referral profile yet" in staff_html


@time_machine.travel(datetime(2026, 12, 6, 17, 0, tzinfo=UTC), tick=False)
def test_the_demo_plays_a_year_of_referrals_and_the_runner_credits_the_one_that_signed(tenant):
    today = date(2026, 12, 6)  # the seeded referral signs today: the past months' runs grant nothing
    with tenant_scope(tenant):
        published_version(tenant)
        for name in (
            "Okafor Dental Group",
            "Castillo Accounting",
            "Moreau Bakery Co.",
            "The Haddad Residence",
        ):
            ClientFactory(tenant=tenant, name=name)
    done = seed_referrals(tenant, today=today, rng=random.Random("referrals"), progress=lambda line: None)
    assert (
        seed_referrals(tenant, today=today, rng=random.Random("referrals"), progress=lambda line: None) == {}
    )
    assert done["profiles"] == 4
    with tenant_scope(tenant):
        assert Prospect.objects.count() == 4
        assert Introduction.objects.filter(status=IntroductionStatus.WON).exists()
        statuses = dict(Referral.objects.values_list("name", "status"))
        assert statuses == {"Grace Romano": "contacted", "Omar Haddad": "contacted", "Zara Kowalski": "lost"}
        past_months = [date(2025, 12, 1)] + [date(2026, month, 1) for month in range(1, 12)]
        assert [run_programs_due(day).granted for day in past_months] == [[]] * 12
        granted = run_programs_due(today).granted
        dispatch_until_idle()
        assert [reward.program for reward in granted] == [Program.REFERRAL]
        assert Referral.objects.get(name="Grace Romano").status == ReferralStatus.SIGNED
        assert Reward.objects.filter(program=Program.REFERRAL).count() == 1
