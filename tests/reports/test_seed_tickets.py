"""seed_demo's tickets: a history across statuses with some breaches, made once."""

import pytest
from django.utils import timezone

from events.models import OutboxEvent
from tenants.roles import Role
from tenants.scope import tenant_scope
from tests.factories import ClientFactory, IssueTypeFactory, StaffMembershipFactory, sla_desk
from tickets.demo import RECENT, seed_tickets
from tickets.models import SlaBreach, SlaClock, Ticket

pytestmark = pytest.mark.django_db


@pytest.fixture
def shop(tenant):
    sla_desk(tenant)
    for n in range(6):
        ClientFactory(tenant=tenant, managed_endpoints=[8, 15, 40, 60, 120, 220][n])
    IssueTypeFactory(tenant=tenant, name="Control system unresponsive", default_priority="P1")
    IssueTypeFactory(tenant=tenant, name="Remote not working", default_priority="P3", work_location="remote")
    for role in (Role.OWNER, Role.DISPATCHER, Role.TECHNICIAN, Role.TECHNICIAN):
        StaffMembershipFactory(tenant=tenant, role=role)
    return tenant


def test_it_seeds_tickets_in_many_states_some_breached_and_only_once(shop):
    lines = []
    assert seed_tickets(shop, progress=lines.append, count=40) == 40
    with tenant_scope(shop):
        tickets = Ticket.objects.all()
        assert tickets.count() == 40
        assert len(set(tickets.values_list("status", flat=True))) >= 4
        assert len(set(tickets.values_list("priority", flat=True))) >= 3
        assert tickets.filter(created_at__lt=timezone.now() - timezone.timedelta(days=60)).exists()
        assert SlaBreach.objects.exists()
        assert (
            SlaClock.objects.filter(met_at__isnull=False, breached_at__isnull=True).count()
            > SlaBreach.objects.count()
        )
        stale = OutboxEvent.objects.filter(name__startswith="sla.", deliveries__status="pending")
        old = timezone.now() - RECENT - timezone.timedelta(hours=1)
        assert not [e for e in stale if (e.payload.get("warn_at") or e.payload["due_at"]) < old.isoformat()]
    assert "40 tickets" in lines[-1]

    assert seed_tickets(shop, progress=lines.append, count=40) == 0
    assert lines[-1].endswith("tickets already there.")
    with tenant_scope(shop):
        assert Ticket.objects.count() == 40
