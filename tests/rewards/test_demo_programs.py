"""The demo's anniversary and customer-of-the-month history: deterministic, idempotent, and what the
monthly runs of the past year grant from it."""

import random
from datetime import date

import pytest

from events.models import DeliveryStatus, EventDelivery
from rewards.customer_of_the_month import month_of, previous_month
from rewards.demo_anniversaries import seed_anniversaries
from rewards.demo_customer_of_the_month import seed_customer_of_the_month
from rewards.models import MonthlyAward, Program, RelationshipStart, Reward, Spotlight
from rewards.programs import run_programs_due
from tenants.roles import Role
from tenants.scope import tenant_scope
from tests.conftest import staff_of
from tests.factories import AgreementFactory, ClientFactory, ContactFactory

pytestmark = pytest.mark.django_db
TODAY = date(2026, 12, 6)


def _demo_tenant(tenant):
    for role in (Role.OWNER, Role.MANAGER, Role.TECHNICIAN, Role.TECHNICIAN, Role.DISPATCHER):
        staff_of(tenant, role)
    with tenant_scope(tenant):
        for n in range(10):
            client = ClientFactory(tenant=tenant, name=f"Client {n}")
            ContactFactory(client=client, tenant=tenant, is_primary=True)
            AgreementFactory(
                client=client, tenant=tenant, starts_on=date(2026, 2, 1), ends_on=date(2027, 1, 31)
            )


def test_the_demo_plays_a_year_once_and_the_monthly_runs_grant_the_anniversaries(tenant):
    _demo_tenant(tenant)
    assert seed_anniversaries(tenant, today=TODAY, rng=random.Random(1), progress=lambda _: None) == 8
    assert (
        seed_customer_of_the_month(tenant, today=TODAY, rng=random.Random(1), progress=lambda _: None) == 12
    )
    assert seed_anniversaries(tenant, today=TODAY, rng=random.Random(1), progress=lambda _: None) == 0
    assert seed_customer_of_the_month(tenant, today=TODAY, rng=random.Random(1), progress=lambda _: None) == 0
    with tenant_scope(tenant):
        assert RelationshipStart.objects.count() == 8
        assert MonthlyAward.objects.exclude(client=None).count() == 12
        assert Spotlight.objects.filter(published_at__isnull=False).count() == 1
        assert not EventDelivery.objects.filter(status=DeliveryStatus.PENDING).exists()  # history
        days, month = [], month_of(TODAY)
        for _ in range(12):
            month = previous_month(month)
            days.append(month)
        for day in [*sorted(days), TODAY]:
            run_programs_due(day)
        anniversaries = Reward.objects.filter(program=Program.ANNIVERSARY)
        assert anniversaries.filter(key__in=[f"year-{n}" for n in (2, 3, 4, 5, 6, 8)]).count() >= 5
        assert anniversaries.filter(kind="gift").exists()
