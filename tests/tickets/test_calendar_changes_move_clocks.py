"""A business calendar edited under open tickets: their clocks follow the new hours and closures."""

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from events.dispatch import dispatch_pending
from events.models import OutboxEvent
from service_levels import services as sla_services
from service_levels.models import Metric
from tenants.scope import tenant_scope
from tests.factories import StaffMembershipFactory
from tickets import services
from tickets.models import SlaClock

pytestmark = pytest.mark.django_db

NY = ZoneInfo("America/New_York")
MONDAY_9AM = datetime(2026, 11, 16, 9, 0, tzinfo=NY)


def clocks(ticket) -> dict[str, SlaClock]:
    return {clock.metric: clock for clock in SlaClock.objects.filter(ticket=ticket)}


@pytest.fixture
def ticket(desk, tenant):
    with tenant_scope(tenant):
        return services.open_ticket(client=desk["client"], title="Amp dead", priority="P1", now=MONDAY_9AM)


def test_closing_the_day_moves_the_due_times_of_running_clocks_once_tickets_hears_of_it(desk, tenant, ticket):
    with tenant_scope(tenant):
        before = clocks(ticket)
        assert before[Metric.ONSITE].due_at == datetime(2026, 11, 16, 13, 0, tzinfo=NY)  # 4 business hours
        sla_services.add_closure(calendar=desk["office"], day=date(2026, 11, 16), reason="Flood")
        assert clocks(ticket)[Metric.ONSITE].due_at == before[Metric.ONSITE].due_at  # tickets is told next

    dispatch_pending()

    with tenant_scope(tenant):
        after = clocks(ticket)
    assert after[Metric.ONSITE].due_at == datetime(2026, 11, 17, 12, 0, tzinfo=NY)  # Tuesday 08:00 + 4 h
    assert after[Metric.RESOLUTION].due_at == datetime(2026, 11, 17, 16, 0, tzinfo=NY)  # 8 business hours
    assert after[Metric.FIRST_RESPONSE].due_at == before[Metric.FIRST_RESPONSE].due_at  # another calendar


def test_a_paused_clock_keeps_the_time_left_the_new_hours_give_it(desk, tenant, ticket):
    with tenant_scope(tenant):
        services.change_status(ticket, "waiting_on_client", actor="tech", now=MONDAY_9AM + timedelta(hours=1))
        assert clocks(ticket)[Metric.ONSITE].paused_business_left == timedelta(hours=3)
        sla_services.add_closure(calendar=desk["office"], day=date(2026, 11, 16))
    dispatch_pending()
    with tenant_scope(tenant):
        onsite = clocks(ticket)[Metric.ONSITE]
    assert onsite.paused_business_left == timedelta(hours=4)  # the hour waited was not a business hour


def test_reopening_the_day_and_new_hours_move_them_again_and_stopped_clocks_stay(desk, tenant, ticket):
    with tenant_scope(tenant):
        tech = StaffMembershipFactory(tenant=tenant).user
        services.add_reply(ticket, body="On it.", author=tech, now=MONDAY_9AM + timedelta(minutes=10))
        responded = clocks(ticket)[Metric.FIRST_RESPONSE]
        closure = sla_services.add_closure(calendar=desk["office"], day=date(2026, 11, 16))
        sla_services.remove_closure(closure)
        sla_services.update_calendar(desk["office"], weekly_hours=sla_services.PRESETS["split_shift"])
        reasons = list(
            OutboxEvent.objects.filter(name="calendar.changed")
            .order_by("pk")
            .values_list("payload__why", flat=True)
        )
    assert reasons == ["closed on 16 Nov 2026 (Office)", "open again on 16 Nov 2026 (Office)",
                       "business calendar Office changed"]  # fmt: skip

    dispatch_pending()

    with tenant_scope(tenant):
        after = clocks(ticket)
    assert after[Metric.ONSITE].due_at == datetime(2026, 11, 16, 14, 0, tzinfo=NY)  # 08-12 and 13-17
    assert after[Metric.RESOLUTION].due_at == datetime(2026, 11, 17, 9, 0, tzinfo=NY)
    stopped = after[Metric.FIRST_RESPONSE]
    assert (stopped.state, stopped.met_at, stopped.due_at) == (responded.state, responded.met_at, None)
