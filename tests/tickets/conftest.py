import pytest

from service_levels import services as sla_services
from service_levels.models import Metric, PolicyKind
from tenants.scope import tenant_scope
from tests.factories import ClientFactory

H = 60


@pytest.fixture
def desk(tenant):
    """A tenant whose unsigned clients get: first response 1 h (24/7), on-site 4 business hours and
    resolution 8 business hours (Mon-Fri 08:00-17:00 New York, US holidays); waiting on client pauses."""
    with tenant_scope(tenant):
        always = sla_services.create_calendar(
            name="24/7", timezone="UTC", weekly_hours=sla_services.PRESETS["always_open"]
        )
        office = sla_services.create_calendar(
            name="Office", timezone="America/New_York", weekly_hours=sla_services.PRESETS["office_hours"],
            holiday_country="US", holiday_subdivision="NY",
        )  # fmt: skip
        policy = sla_services.create_policy(
            name="Basic triage", kind=PolicyKind.BASIC_TRIAGE, pause_statuses=["waiting_on_client"]
        )
        grid = {}
        for priority, factor in (("P1", 1), ("P2", 2), ("P3", 4), ("P4", 8)):
            grid[(priority, Metric.FIRST_RESPONSE)] = (1 * H * factor, always)
            grid[(priority, Metric.ONSITE)] = (4 * H * factor, office)
            grid[(priority, Metric.RESOLUTION)] = (8 * H * factor, office)
        sla_services.set_targets(policy, grid)
    # Yielded outside the scope: its transaction must commit, so other connections (threads, workers) see it.
    return {"always": always, "office": office, "policy": policy, "client": ClientFactory(tenant=tenant)}
