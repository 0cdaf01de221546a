"""SLA compliance: % of decided clocks met, by metric, priority, client, technician and month."""

import pytest

from reports.selectors import overall, sla_compliance
from tenants.scope import tenant_scope

pytestmark = pytest.mark.django_db


def table(tenant, period, group_by):
    with tenant_scope(tenant):
        rows = sla_compliance(period, group_by=group_by)
    return [(r.label, r.met, r.breached, r.total, r.percent, r.pending) for r in rows]


def test_by_metric(tenant, period, history):
    assert table(tenant, period, "metric") == [
        ("First response", 2, 1, 3, 66.7, 0),
        ("On-site arrival", 2, 1, 3, 66.7, 0),
        ("Resolution", 2, 0, 2, 100.0, 1),
    ]


def test_by_priority_p1_first(tenant, period, history):
    assert table(tenant, period, "priority") == [
        ("P1 · Critical", 3, 0, 3, 100.0, 0),
        ("P2 · High", 2, 1, 3, 66.7, 0),
        ("P3 · Medium", 1, 1, 2, 50.0, 1),
    ]


def test_by_client(tenant, period, history):
    assert table(tenant, period, "client") == [
        ("Okafor Dental Group", 1, 1, 2, 50.0, 1),
        ("Whitaker Residence", 5, 1, 6, 83.3, 0),
    ]


def test_by_technician_the_assignee(tenant, period, history):
    assert table(tenant, period, "technician") == [
        ("Ada Lovelace", 3, 0, 3, 100.0, 0),
        ("Grace Hopper", 3, 2, 5, 60.0, 1),
    ]


def test_by_month_in_the_tenants_time_zone(tenant, period, history):
    assert table(tenant, period, "month") == [
        ("Oct 2026", 2, 1, 3, 66.7, 0),
        ("Nov 2026", 4, 1, 5, 80.0, 1),
    ]


def test_every_grouping_adds_up_to_the_same_whole(tenant, period, history):
    with tenant_scope(tenant):
        totals = {
            g: overall(sla_compliance(period, group_by=g))
            for g in ("metric", "priority", "client", "technician", "month")
        }
    assert {(t.met, t.breached, t.pending, t.percent) for t in totals.values()} == {(6, 2, 1, 75.0)}


def test_a_month_without_tickets_is_shown_empty(tenant, history):
    from datetime import date

    from reports.periods import Period

    september_to_october = Period("custom", date(2026, 9, 1), date(2026, 10, 31), tenant.timezone)
    assert table(tenant, september_to_october, "month") == [
        ("Sep 2026", 0, 0, 0, None, 0),
        ("Oct 2026", 2, 1, 3, 66.7, 0),
    ]


def test_a_breach_met_late_still_counts_as_breached(tenant, period, history):
    with tenant_scope(tenant):
        onsite = next(r for r in sla_compliance(period, group_by="metric") if r.key == "onsite")
    assert (onsite.met, onsite.breached) == (2, 1)  # #1 checked in, a day late


def test_tickets_opened_outside_the_period_do_not_count(tenant, history):
    from datetime import date

    from reports.periods import Period

    november = Period("custom", date(2026, 11, 1), date(2026, 11, 30), tenant.timezone)
    assert table(tenant, november, "priority") == [
        ("P1 · Critical", 3, 0, 3, 100.0, 0),
        ("P3 · Medium", 1, 1, 2, 50.0, 1),
    ]
