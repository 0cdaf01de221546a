"""seed_demo's tickets: a history across statuses with some breaches, made once, the same every time."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine

from events.models import OutboxEvent
from tenants.roles import Role
from tenants.scope import tenant_scope
from tests.factories import ClientFactory, IssueTypeFactory, StaffMembershipFactory, TenantFactory, sla_desk
from tickets.demo import RECENT, seed_tickets
from tickets.models import SlaBreach, SlaClock, Ticket

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 11, 16, 15, 0, tzinfo=UTC)  # a Monday, 10:00 in New York


def make_shop(tenant):
    sla_desk(tenant)
    for endpoints in (8, 15, 40, 60, 120, 220):
        ClientFactory(tenant=tenant, name=f"Client with {endpoints} endpoints", managed_endpoints=endpoints)
    IssueTypeFactory(tenant=tenant, name="Control system unresponsive", default_priority="P1")
    IssueTypeFactory(tenant=tenant, name="Remote not working", default_priority="P3", work_location="remote")
    for role in (Role.OWNER, Role.DISPATCHER, Role.TECHNICIAN, Role.TECHNICIAN):
        StaffMembershipFactory(tenant=tenant, role=role)
    return tenant


def seeded_history(tenant) -> list[tuple]:
    with tenant_scope(tenant):
        return list(
            Ticket.objects.order_by("number").values_list(
                "number", "created_at", "status", "priority", "client__name", "issue_type__name"
            )
        )


@pytest.fixture
def shop(tenant):
    return make_shop(tenant)


def test_it_seeds_tickets_in_many_states_some_breached_and_only_once(shop):
    lines = []
    with time_machine.travel(NOW, tick=False):
        assert seed_tickets(shop, progress=lines.append, now=NOW, count=40) == 40
    with tenant_scope(shop):
        tickets = Ticket.objects.all()
        assert tickets.count() == 40
        assert len(set(tickets.values_list("status", flat=True))) >= 4
        assert len(set(tickets.values_list("priority", flat=True))) >= 3
        assert tickets.filter(created_at__lt=NOW - timedelta(days=60)).exists()
        assert not tickets.filter(created_at__gte=NOW).exists()
        assert SlaBreach.objects.exists()
        assert (
            SlaClock.objects.filter(met_at__isnull=False, breached_at__isnull=True).count()
            > SlaBreach.objects.count()
        )
        stale = OutboxEvent.objects.filter(name__startswith="sla.", deliveries__status="pending")
        old = NOW - RECENT - timedelta(hours=1)
        assert not [e for e in stale if (e.payload.get("warn_at") or e.payload["due_at"]) < old.isoformat()]
    assert "40 tickets" in lines[-1]

    assert seed_tickets(shop, progress=lines.append, now=NOW, count=40) == 0
    assert lines[-1].endswith("tickets already there.")
    with tenant_scope(shop):
        assert Ticket.objects.count() == 40


def test_the_same_moment_gives_the_same_tickets_whatever_the_tenant_is_called_and_whenever_it_runs(shop):
    twin = make_shop(TenantFactory(name="Another name", slug="another-slug"))
    with time_machine.travel(NOW, tick=False):
        seed_tickets(shop, progress=lambda line: None, now=NOW, count=12)
    with time_machine.travel(NOW + timedelta(days=3, hours=9), tick=False):  # seeded later, as of NOW
        seed_tickets(twin, progress=lambda line: None, now=NOW, count=12)
    assert seeded_history(shop) == seeded_history(twin)
    assert len(seeded_history(shop)) == 12
