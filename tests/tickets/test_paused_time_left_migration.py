"""Clocks paused before they kept their business time left get it from the migration (tickets 0015), as
the engine computes it on each clock's own calendar; running and stopped clocks keep none."""

import importlib
from datetime import UTC, datetime, timedelta

import pytest
from django.apps import apps

from service_levels.models import Metric
from tenants.scope import tenant_scope
from tickets import services
from tickets.models import SlaClock, TicketStatus

pytestmark = pytest.mark.django_db
migration = importlib.import_module("tickets.migrations.0015_fill_paused_business_left")

NOW = datetime(2026, 11, 16, 14, 0, tzinfo=UTC)  # Monday 09:00 in New York


def test_clocks_paused_before_the_column_get_the_time_they_had_left(tenant, desk):
    with tenant_scope(tenant):
        waiting = services.open_ticket(
            client=desk["client"], title="VPN drops hourly", priority="P1", now=NOW - timedelta(minutes=50)
        )
        services.change_status(
            waiting, TicketStatus.WAITING_ON_CLIENT, actor="tech", now=NOW - timedelta(minutes=20)
        )
        working = services.open_ticket(client=desk["client"], title="Phones dead", priority="P1", now=NOW)
        SlaClock.objects.update(paused_business_left=None)  # as before the column existed

        migration.fill(apps, None)

        kept = dict(SlaClock.objects.filter(ticket=waiting).values_list("metric", "paused_business_left"))
        running = set(SlaClock.objects.filter(ticket=working).values_list("paused_business_left", flat=True))
    # First response 1 h on 24/7, on-site 4 h and resolution 8 h in office hours (from 08:00): 30 min used.
    assert kept == {
        Metric.FIRST_RESPONSE: timedelta(minutes=30),
        Metric.ONSITE: timedelta(hours=3, minutes=30),
        Metric.RESOLUTION: timedelta(hours=7, minutes=30),
    }
    assert running == {None}
