"""``manage.py run_rewards``: every program due, run as beat would across a month end and a year end, each
day twice; the second run of a day grants nothing, and each occasion is rewarded once (issue 14,
acceptance 1, for the five programs together)."""

import io
from collections import Counter
from datetime import UTC, date, datetime
from decimal import Decimal
from unittest import mock

import pytest
import time_machine
from celery.schedules import crontab
from django.conf import settings
from django.core.management import CommandError, call_command

from contracts import agreements
from rewards import tasks
from rewards.anniversaries import save_step
from rewards.best_practice_services import record_check, save_practice, save_tier
from rewards.customer_of_the_month import nominate, vote
from rewards.models import Program, Reward
from rewards.referrals import create_client_from_referral, refer_prospect, update_referral_program
from tenants.roles import Role
from tenants.scope import tenant_scope
from tests.billing.run_setup import catalog, customer, subscribe
from tests.conftest import staff_of
from tests.factories import AgreementFactory, ClientFactory, TenantFactory
from tests.rewards.utilization_setup import switch_on

pytestmark = pytest.mark.django_db

DAYS = [date(2026, 12, 30), date(2026, 12, 31), date(2027, 1, 1), date(2027, 1, 2)]


def _noon(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, 12, tzinfo=UTC)


def run(tenant, day: date) -> list[str]:
    out = io.StringIO()
    with time_machine.travel(_noon(day), tick=False):
        call_command("run_rewards", "--on", day.isoformat(), "--tenant", tenant.slug, stdout=out)
    return out.getvalue().strip().splitlines()


@pytest.fixture
def every_program(tenant):
    """A member under each program's rule, set up in mid-December."""
    with time_machine.travel(_noon(date(2026, 12, 15)), tick=False):
        plans = catalog(tenant)
        switch_on(tenant)
        member = customer(tenant, "Whitaker Residence")
        subscribe(tenant, member, started_on=date(2026, 11, 1), tier=plans.gold)
        owner, manager = staff_of(tenant, Role.OWNER), staff_of(tenant, Role.MANAGER)
        with tenant_scope(tenant):
            member.managed_endpoints = 80
            member.save(update_fields=["managed_endpoints"])
            practice = save_practice(name="Backups verified", weight=1)
            save_tier(name="Silver", threshold_percent="50", discount_percent="10")
            record_check(member, practice=practice, result="met", checked_on=date(2026, 12, 15), by=owner)
            save_step(years=1, credit=Decimal("100"), gift="", gift_cost=Decimal("0"))
            loyal = ClientFactory(tenant=tenant, name="Okafor Dental")
            AgreementFactory(
                client=loyal, tenant=tenant, starts_on=date(2025, 12, 31), ends_on=date(2027, 12, 30)
            )
            nomination = nominate(member, category="low_utilization", reason="Quiet all year", by=owner)
            vote(nomination, by=manager)
            update_referral_program(credit_amount=Decimal("250"), is_active=True)
            referral = refer_prospect(
                referrer=loyal, name="Maya Chen", email="maya@chen.example", source="staff", actor="owner"
            )
            newcomer = create_client_from_referral(referral)
            signed = AgreementFactory(
                client=newcomer, tenant=tenant, status="sent", starts_on=None, ends_on=None
            )
            agreements.mark_signed(signed, actor="Maya Chen")
    return member, loyal


def test_every_program_grants_each_occasion_once_across_the_year_end(tenant, every_program):
    member, loyal = every_program
    last_lines = []
    for day in DAYS:
        first, again = run(tenant, day), run(tenant, day)
        last_lines.append((first[-1], again[-1]))
        assert again[-1].startswith("Granted 0 rewards in 1 company")

    with tenant_scope(tenant):
        granted = Counter((reward.client_id, reward.program, reward.key) for reward in Reward.objects.all())
        by_program = Counter(program for _, program, _ in granted)
    assert set(granted.values()) == {1}
    assert by_program == {
        Program.UTILIZATION: 2,  # November (ended 1 Dec) and December (ended 1 Jan)
        Program.BEST_PRACTICES: 1,
        Program.ANNIVERSARY: 2,  # Okafor's 1st on 31 Dec; Whitaker's 2nd (since 1 Jan 2025) on 1 Jan
        Program.CUSTOMER_OF_THE_MONTH: 1,  # December, decided on 1 Jan
        Program.REFERRAL: 1,
    }
    assert (member.pk, Program.CUSTOMER_OF_THE_MONTH, "2026-12") in granted
    assert (loyal.pk, Program.ANNIVERSARY, "year-1") in granted
    assert (member.pk, Program.ANNIVERSARY, "year-2") in granted
    programs = "(programs: utilization, best_practices, anniversary, customer_of_the_month, referral)."
    assert [first for first, _ in last_lines] == [
        f"Granted 3 rewards in 1 company {programs}",  # November's utilisation, the tier, the referral
        f"Granted 1 reward in 1 company {programs}",  # Okafor's first anniversary
        f"Granted 3 rewards in 1 company {programs}",  # December's utilisation and winner, Whitaker's 2nd
        f"Granted 0 rewards in 1 company {programs}",
    ]


def test_a_bad_date_or_company_is_a_clear_error(tenant):
    with pytest.raises(CommandError, match="YYYY-MM-DD"):
        call_command("run_rewards", "--on", "31/12/2026")
    with pytest.raises(CommandError, match="No company has the slug 'nope'"):
        call_command("run_rewards", "--tenant", "nope")


def test_beat_runs_every_program_hourly_for_each_active_company(tenant, every_program):
    entry = settings.CELERY_BEAT_SCHEDULE["rewards-run"]
    assert (entry["task"], entry["schedule"]) == ("rewards.tasks.run_daily_rewards", crontab(minute=23))
    TenantFactory(slug="closed", is_active=False)
    with mock.patch.object(tasks.run_rewards_for_tenant, "delay") as queued:
        assert tasks.run_daily_rewards() == 1
    queued.assert_called_once_with(tenant_id=tenant.pk)

    with time_machine.travel(_noon(date(2027, 1, 1)), tick=False):
        first = tasks.run_rewards_for_tenant.apply(kwargs={"tenant_id": tenant.pk}).get()
        again = tasks.run_rewards_for_tenant.apply(kwargs={"tenant_id": tenant.pk}).get()
    assert (first["on"], first["granted"], first["failures"]) == ("2027-01-01", 7, [])
    assert again["granted"] == 0
