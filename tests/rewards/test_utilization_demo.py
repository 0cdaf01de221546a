"""The demo's utilisation program: switched on once, and the runner called on each monthly billing-run day
of a year grants each period once, catching up between runs."""

import random
from datetime import date

import pytest

from rewards.demo_utilization import seed_utilization
from rewards.models import Reward, UtilizationEvaluation
from rewards.programs import run_programs_due
from rewards.utilization import program_settings
from tenants.scope import tenant_scope
from tests.billing.run_setup import catalog, customer, subscribe

pytestmark = pytest.mark.django_db

TODAY = date(2026, 12, 6)


def test_the_demo_switches_the_program_on_once(tenant):
    assert seed_utilization(tenant, today=TODAY, rng=random.Random(7), progress=lambda line: None)
    assert not seed_utilization(tenant, today=TODAY, rng=random.Random(7), progress=lambda line: None)
    with tenant_scope(tenant):
        settings = program_settings()
    assert (settings.enabled, settings.target_percent) == (True, 20)
    assert [(t.below_percent, t.reward_percent) for t in settings.tiers] == [(10, 10), (20, 5)]


def test_monthly_runs_over_a_year_reward_each_period_once(tenant):
    plans = catalog(tenant)
    member = customer(tenant, "Whitaker Residence")
    subscribe(tenant, member, started_on=date(2026, 1, 1), tier=plans.gold)
    seed_utilization(tenant, today=TODAY, rng=random.Random(7), progress=lambda line: None)
    days = [date(2026, month, 1) for month in range(1, 13)] + [TODAY]

    with tenant_scope(tenant):
        granted = [len(run_programs_due(day).granted) for day in days]
        again = [len(run_programs_due(day).granted) for day in days]
        keys = list(Reward.objects.order_by("period_start").values_list("key", flat=True))
        evaluated = UtilizationEvaluation.objects.filter(client=member, basis="membership").count()

    assert granted == [0] + [1] * 11 + [0]
    assert again == [0] * 13
    assert keys == [f"period-2026-{month:02d}-01" for month in range(1, 12)]
    assert evaluated == 11
