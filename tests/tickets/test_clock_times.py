"""One SLA clock's pauses, due time and business time left: what the services store and the pages show
both come from the clock itself (SlaClock), on its own calendar."""

from datetime import UTC, datetime, timedelta

import pytest

from service_levels.models import Metric
from tenants.scope import tenant_scope
from tests.factories import CalendarFactory
from tickets.models import ClockState, SlaClock

pytestmark = pytest.mark.django_db

NY_MONDAY_9AM = datetime(2026, 11, 16, 14, 0, tzinfo=UTC)  # 09:00 in New York
NY_TUESDAY_11AM = datetime(2026, 11, 17, 16, 0, tzinfo=UTC)


def at(hours: float) -> datetime:
    return NY_MONDAY_9AM + timedelta(hours=hours)


@pytest.fixture
def resolution(tenant):
    """8 business hours on Mon-Fri 08:00-17:00 New York, from Monday 09:00, warning at 75 %."""
    office = CalendarFactory(tenant=tenant)
    return SlaClock(
        tenant=tenant, calendar=office, metric=Metric.RESOLUTION, target_minutes=8 * 60, warn_percent=75,
        started_at=NY_MONDAY_9AM, policy_name="Standard",
    )  # fmt: skip


def test_a_running_clock_is_due_after_its_target_in_business_time(resolution, tenant):
    with tenant_scope(tenant):
        resolution.refresh_times()

    assert (resolution.due_at, resolution.warn_at) == (at(8), at(6))


def test_a_paused_clock_keeps_the_instant_and_has_no_due_time(resolution, tenant):
    resolution.open_pause(at(2))
    resolution.state = ClockState.PAUSED
    with tenant_scope(tenant):
        resolution.refresh_times()

    assert resolution.pause_intervals() == [(at(2), None)]
    assert resolution.pauses == [[at(2).isoformat(), None]]  # stored as JSON
    assert (resolution.due_at, resolution.warn_at) == (None, None)


def test_a_paused_clock_has_the_business_time_it_had_left_when_paused(resolution, tenant):
    resolution.open_pause(at(2))
    with tenant_scope(tenant):
        assert resolution.business_time_left(at(2)) == timedelta(hours=6)
        assert resolution.business_time_left(at(30)) == timedelta(hours=6)


def test_a_resumed_clock_is_due_later_by_the_business_time_it_was_paused(resolution, tenant):
    resolution.open_pause(at(2))
    resolution.close_pause(at(5))
    with tenant_scope(tenant):
        resolution.refresh_times()

    assert resolution.pause_intervals() == [(at(2), at(5))]
    # 2 h used before the pause, 6 h left from 14:00: 3 h on Monday, 3 h on Tuesday from 08:00.
    assert resolution.due_at == NY_TUESDAY_11AM


def test_time_between_resolving_and_reopening_counts_as_a_pause(resolution, tenant):
    resolution.add_pause(at(2), at(5))
    with tenant_scope(tenant):
        resolution.refresh_times()

    assert resolution.due_at == NY_TUESDAY_11AM


def test_a_stopped_clock_has_no_due_time_but_still_says_when_it_was_due(resolution, tenant):
    resolution.state = ClockState.STOPPED
    with tenant_scope(tenant):
        resolution.refresh_times()
        was_due = resolution.scheduled_times().due_at

    assert (resolution.due_at, resolution.warn_at) == (None, None)
    assert was_due == at(8)


def test_a_breached_clock_has_negative_business_time_left(resolution, tenant):
    with tenant_scope(tenant):  # due Monday 17:00; Tuesday 09:00 is one business hour later
        assert resolution.business_time_left(at(24)) == timedelta(hours=-1)
