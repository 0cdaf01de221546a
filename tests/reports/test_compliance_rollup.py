"""The SLA compliance roll-up answers as the clocks do, and a change shows at once, before it is rolled up."""

import io
from datetime import date, timedelta
from unittest import mock

import pytest
import time_machine
from django.conf import settings
from django.core.management import CommandError, call_command
from django.utils import timezone

from reports import tasks
from reports.models import ComplianceChange, ComplianceDay, ComplianceRollup
from reports.periods import Period
from reports.rollup import roll_up_compliance, split_period, tenants_behind
from reports.selectors import GROUPINGS, sla_compliance
from tenants.models import Tenant
from tenants.scope import cross_tenant, tenant_scope
from tests.factories import TenantFactory
from tests.reports.conftest import ny
from tickets import services
from tickets.models import ClockState, SlaClock, Ticket
from tickets.sweeper import sweep

pytestmark = pytest.mark.django_db

TODAY = date(2026, 12, 6)


def tables(tenant, period) -> dict:
    with tenant_scope(tenant):
        return {
            group_by: [
                (r.key, r.label, r.met, r.breached, r.pending)
                for r in sla_compliance(period, group_by=group_by)
            ]
            for group_by in GROUPINGS
        }


def roll_up(tenant, today=TODAY):
    with tenant_scope(tenant):
        return roll_up_compliance(today=today)


def split(tenant, period):
    with tenant_scope(Tenant.objects.get(pk=tenant.pk)):
        return split_period(period)


def test_every_grouping_reads_the_same_from_the_rollup_as_from_the_clocks(tenant, period, history):
    counted_live = tables(tenant, period)
    assert not split(tenant, period).rolled

    done = roll_up(tenant)

    assert done.rebuilt
    assert done.days == (TODAY - date(2026, 10, 19)).days + 1  # from the first ticket's day
    assert split(tenant, period).live_ranges == ()
    assert tables(tenant, period) == counted_live
    september_to_december = Period("custom", date(2026, 9, 1), date(2026, 12, 31), tenant.timezone)
    with tenant_scope(tenant):
        whole = split_period(september_to_december)
    assert len(whole.live_ranges) == 1  # the days after the roll-up's last, counted live
    assert tables(tenant, september_to_december)["metric"] == counted_live["metric"]


def test_a_breach_after_the_rollup_counts_at_once_and_is_rolled_up_next(tenant, period, history):
    roll_up(tenant)
    sweep(now=ny(11, 23, 9))  # #3's resolution (P3: 4 × 8 business hours from Mon 16 Nov 09:00) is late

    resolution = {r[0]: r for r in tables(tenant, period)["metric"]}["resolution"]
    assert resolution[2:] == (2, 1, 0)
    assert split(tenant, period).changed_days == {date(2026, 11, 16)}

    again = roll_up(tenant)
    assert (again.rebuilt, again.days) == (False, 2)  # the changed day, and today's once more
    assert split(tenant, period).changed_days == frozenset()
    assert {r[0]: r for r in tables(tenant, period)["metric"]}["resolution"][2:] == (2, 1, 0)


def test_reassigning_or_reprioritising_a_ticket_moves_its_clocks_at_once(tenant, period, history):
    roll_up(tenant)
    with tenant_scope(tenant):
        first = Ticket.objects.get(title="Lights scene wrong")  # Grace's, P2, 19 Oct
        ada = Ticket.objects.get(title="Core switch down").assignee
        services.assign(first, assignee=ada, actor="test")
        services.retarget(first, actor="test", priority="P1", why="test")
    after = tables(tenant, period)

    assert [(label, met, breached) for _, label, met, breached, _ in after["technician"]] == [
        ("Ada Lovelace", 5, 1),
        ("Grace Hopper", 1, 1),
    ]
    assert [key for key, *_ in after["priority"]] == ["P1", "P3"]
    roll_up(tenant)
    assert tables(tenant, period) == after


def test_a_new_time_zone_is_counted_live_until_the_rollup_is_cut_again(tenant, period, history):
    roll_up(tenant)
    Tenant.objects.filter(pk=tenant.pk).update(timezone="Europe/London")
    tenant.refresh_from_db()
    in_london = Period("custom", period.start, period.end, "Europe/London")
    assert not split(tenant, in_london).rolled
    counted_live = tables(tenant, in_london)

    assert roll_up(tenant).rebuilt
    assert split(tenant, in_london).rolled
    assert tables(tenant, in_london) == counted_live


def test_a_tenants_rollup_holds_only_its_own_clocks(tenant, period, history):
    other = TenantFactory(name="Rival Integrations", slug="rival")
    roll_up(tenant)
    roll_up(other)

    with tenant_scope(other):
        assert sla_compliance(period, group_by="client") == []
        assert not ComplianceDay.objects.exists()
        assert ComplianceRollup.objects.get().first_day == TODAY  # no clock yet
    with tenant_scope(tenant):
        assert ComplianceDay.objects.filter(dimension="client").count() == 3  # Whitaker twice, Okafor once


def test_beat_rolls_up_every_minute_the_tenants_that_are_behind(tenant, period, history):
    entry = settings.CELERY_BEAT_SCHEDULE["roll-up-sla-compliance"]
    assert (entry["task"], entry["schedule"]) == ("reports.tasks.roll_up_sla_compliance", 60.0)
    TenantFactory(slug="closed", is_active=False)
    with cross_tenant("test"):
        assert tenants_behind() == [tenant.pk]
    with mock.patch.object(tasks.roll_up_sla_compliance_for_tenant, "delay") as queued:
        assert tasks.roll_up_sla_compliance() == 1
    queued.assert_called_once_with(tenant_id=tenant.pk)

    assert tasks.roll_up_sla_compliance_for_tenant.apply(kwargs={"tenant_id": tenant.pk}).get()["rebuilt"]
    with cross_tenant("test"):
        assert tenants_behind() == []
        assert not ComplianceChange.objects.exists()
    with time_machine.travel(timezone.now() + timedelta(days=1)), cross_tenant("test"):
        assert tenants_behind() == [tenant.pk]  # a new day to roll up


def test_the_command_rolls_up_the_companies_behind_and_says_what_it_counted(tenant, history):
    out = io.StringIO()
    call_command("roll_up_compliance", stdout=out)
    lines = out.getvalue().splitlines()
    assert lines[0].endswith("days counted (whole history).")
    assert lines[-1].startswith("Rolled up ")

    out = io.StringIO()
    call_command("roll_up_compliance", stdout=out)
    assert out.getvalue().startswith("Rolled up 0 days for 0 companies")  # nothing behind any more

    with pytest.raises(CommandError, match="No company has the slug 'nope'"):
        call_command("roll_up_compliance", "--tenant", "nope")
    out = io.StringIO()
    call_command("roll_up_compliance", "--tenant", tenant.slug, "--rebuild", stdout=out)
    assert "(whole history)" in out.getvalue()


def marks(tenant) -> list:
    with tenant_scope(tenant):
        return sorted(ComplianceChange.objects.values_list("started_at", flat=True))


def test_a_clock_update_that_changes_no_counted_column_marks_nothing(tenant, period, history):
    roll_up(tenant)
    with tenant_scope(tenant):
        clock = SlaClock.objects.filter(state=ClockState.RUNNING).first()
        # A warning and new due times: what the sweeper's warning pass and a calendar's re-timing write.
        SlaClock.objects.filter(pk=clock.pk).update(
            warned_at=timezone.now(), due_at=clock.due_at + timedelta(hours=1), warn_at=None
        )
    assert marks(tenant) == []


def test_a_clock_moved_to_another_start_marks_the_day_it_left_and_the_day_it_joined(tenant, period, history):
    roll_up(tenant)
    with tenant_scope(tenant):
        clock = SlaClock.objects.filter(state=ClockState.RUNNING).first()
        moved = clock.started_at - timedelta(days=3)
        SlaClock.objects.filter(pk=clock.pk).update(started_at=moved)
    assert marks(tenant) == [moved, clock.started_at]
