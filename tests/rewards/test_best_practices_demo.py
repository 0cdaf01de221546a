"""The demo's year of best-practice checks, played through the runner on the monthly billing days: some
clients climb tiers, the seed is deterministic and a second seed changes nothing."""

import random
from datetime import date

import pytest

from rewards.demo_best_practices import seed_best_practices
from rewards.models import PracticeCheck, Program, Reward, RewardStatus
from rewards.programs import run_programs_due
from tenants.roles import Role
from tenants.scope import tenant_scope
from tests.conftest import staff_of
from tests.factories import ClientFactory

pytestmark = pytest.mark.django_db

TODAY = date(2026, 12, 6)
RUN_DAYS = [date(2025 + (11 + m) // 12, (11 + m) % 12 + 1, 1) for m in range(12)] + [TODAY]


def test_a_year_of_checks_makes_some_clients_climb_a_tier(tenant):
    staff_of(tenant, Role.TECHNICIAN)
    clients = [ClientFactory(tenant=tenant, name=f"Client {i:02}") for i in range(8)]
    with tenant_scope(tenant):
        done = seed_best_practices(tenant, today=TODAY, rng=random.Random(3), progress=lambda _: None)
        for day in RUN_DAYS:
            assert run_programs_due(day).failures == []
        assert seed_best_practices(tenant, today=TODAY, rng=random.Random(3), progress=lambda _: None) == {}
        assert PracticeCheck.objects.count() == done["checks"]
        assert not PracticeCheck.objects.filter(checked_on__gt=TODAY).exists()
        rewards = list(Reward.objects.filter(program=Program.BEST_PRACTICES).order_by("granted_on", "id"))
    by_client = {client.pk: [r for r in rewards if r.client_id == client.pk] for client in clients}
    climbers = [
        grants
        for grants in by_client.values()
        if [g.percent for g in grants] == sorted({g.percent for g in grants}) and len(grants) >= 2
    ]
    assert climbers, "some client climbs a tier during the year"
    assert all(grant.granted_on <= TODAY for grant in rewards)
    in_force = [r for r in rewards if r.status == RewardStatus.GRANTED]
    assert len(in_force) == len({r.client_id for r in in_force})  # one tier in force per client
    assert any(not grants for grants in by_client.values())  # the unchecked client has none
