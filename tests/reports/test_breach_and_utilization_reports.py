"""The breach list (with what was promised, why, and how late) and utilisation per client."""

from datetime import UTC, datetime

import pytest

from clients.services import archive_client
from reports.selectors import breach_list, utilization, utilization_totals
from tenants.scope import tenant_scope
from tests.factories import ClientFactory

pytestmark = pytest.mark.django_db


def test_the_breach_list_says_what_was_promised_when_it_was_due_and_how_late(tenant, period, history):
    with tenant_scope(tenant):
        rows = breach_list(period)
    assert [(r.ticket_number, r.metric) for r in rows] == [
        (3, "first_response"),
        (1, "onsite"),
    ]  # newest first
    printer, lights = rows
    assert printer.due_at == datetime(2026, 11, 16, 18, 0, tzinfo=UTC)  # 13:00 New York
    assert (printer.late_minutes, printer.assignee, printer.client) == (
        60,
        "Grace Hopper",
        "Okafor Dental Group",
    )
    assert printer.target_minutes == 240
    assert "Basic triage" in printer.target_reason
    assert printer.reason == "Not met by 2026-11-16 18:00 UTC"
    assert lights.late_minutes == 20 * 60  # due 19 Oct 17:00, checked in 20 Oct 13:00
    assert not lights.is_open
    assert lights.met_at is not None


def test_the_breach_list_filters_by_metric_and_priority(tenant, period, history):
    with tenant_scope(tenant):
        assert [r.ticket_number for r in breach_list(period, metric="onsite")] == [1]
        assert [r.ticket_number for r in breach_list(period, priority="P3")] == [3]
        assert breach_list(period, priority="P1") == []


def test_utilization_is_tickets_per_managed_endpoint_against_the_target(tenant, period, history):
    ClientFactory(tenant=tenant, name="Brennan Bakery", managed_endpoints=0)
    gone = ClientFactory(tenant=tenant, name="Gone Away LLP", managed_endpoints=40)
    with tenant_scope(tenant):
        archive_client(gone)
        rows = utilization(period)
        totals = utilization_totals(rows)
    assert [(r.client, r.endpoints, r.tickets, r.percent, r.over_target) for r in rows] == [
        ("Okafor Dental Group", 4, 1, 25.0, True),  # 1 ticket on 4 endpoints: over 20 %
        ("Whitaker Residence", 25, 2, 8.0, False),
        ("Brennan Bakery", 0, 0, None, False),  # no endpoints: no ratio, listed last
    ]
    assert (totals.endpoints, totals.tickets, totals.percent) == (29, 3, 10.3)
    assert rows[0].target_tickets == 0.8


def test_utilization_counts_only_tickets_opened_in_the_period(tenant, history):
    from datetime import date

    from reports.periods import Period

    october = Period("custom", date(2026, 10, 1), date(2026, 10, 31), tenant.timezone)
    with tenant_scope(tenant):
        rows = {r.client: r.tickets for r in utilization(october)}
    assert rows == {"Whitaker Residence": 1, "Okafor Dental Group": 0}
