"""The breach rows are read as plain values (reports.selectors.breach_rows) and the API serializes them the
lean way (api.flat_rows.FlatRowSerializer): both must say exactly what the models and DRF's own
serialization say, for met and still-running breaches, assigned and unassigned tickets."""

import pytest
from rest_framework import serializers

from reports.api import BreachRowSerializer
from reports.selectors import BreachRow, breach_list, breach_rows, breaches_in_period
from tenants.scope import tenant_scope
from tests.reports.conftest import ny
from tickets import services
from tickets.models import SlaBreach
from tickets.sweeper import sweep

pytestmark = pytest.mark.django_db


@pytest.fixture
def breaches(tenant, history):
    """history's two breaches (met late, assigned), and two still late: an unassigned P1's first response and
    history's #3's resolution."""
    with tenant_scope(tenant):
        services.open_ticket(
            client=history["okafor"], title="Server room hot", priority="P1", now=ny(11, 20, 9)
        )
    sweep(now=ny(11, 20, 12))  # due 10:00
    return history


def as_models_say(breach: SlaBreach, *, now) -> BreachRow:
    """The row as it was built from model instances before."""
    ticket, clock = breach.ticket, breach.clock
    late = ((clock.met_at or now) - breach.due_at).total_seconds() // 60
    return BreachRow(
        id=breach.pk, ticket_id=ticket.pk, ticket_number=ticket.number, ticket_title=ticket.title,
        ticket_status=ticket.get_status_display(), client_id=ticket.client_id, client=ticket.client.name,
        priority=ticket.priority, metric=breach.metric, metric_label=breach.get_metric_display(),
        target_minutes=clock.target_minutes, target_reason=clock.reason, due_at=breach.due_at,
        recorded_at=breach.recorded_at, met_at=clock.met_at, assignee_id=ticket.assignee_id,
        assignee=str(ticket.assignee) if ticket.assignee_id else "", reason=breach.reason,
        late_minutes=max(int(late), 0),
    )  # fmt: skip


def test_breach_rows_read_as_values_say_what_the_models_say(tenant, period, breaches):
    now = ny(11, 21, 9)
    with tenant_scope(tenant):
        query = breaches_in_period(period)
        expected = [as_models_say(breach, now=now) for breach in query]
        from_query = breach_rows(query, now=now)
        from_loaded_page = breach_rows(list(query[:2]), now=now)

    assert from_query == expected
    assert from_loaded_page == expected[:2]
    assert [(row.ticket_title, row.assignee, row.met_at is None) for row in from_query] == [
        ("Server room hot", "", True),
        ("Printer offline", "Grace Hopper", True),  # its resolution, late too by now
        ("Printer offline", "Grace Hopper", False),
        ("Lights scene wrong", "Grace Hopper", False),
    ]
    assert {row.ticket_status for row in from_query} == {"New", "In progress", "Resolved"}


def test_the_lean_breach_row_serializer_gives_what_drf_gives(tenant, period, breaches):
    with tenant_scope(tenant):
        rows = breach_list(period, now=ny(11, 21, 9))
    lean = BreachRowSerializer(context={"tenant": tenant})

    for row in rows:
        assert lean.to_representation(row) == serializers.Serializer.to_representation(lean, row)
    assert [lean.to_representation(row)["met_at"] for row in rows] == [
        None, None, "2026-11-16T14:00:00-05:00", "2026-10-20T13:00:00-04:00"
    ]  # fmt: skip
