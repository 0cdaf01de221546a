"""A small SLA setup like the demo's: three calendars, basic triage, a standard policy, the Gold tier and
the Premium Response rider (P1 targets only, enough to see every rule)."""

from types import SimpleNamespace

import pytest
from rest_framework.test import APIClient

from service_levels.models import Metric, PolicyKind
from service_levels.services import PRESETS
from tests.factories import CalendarFactory, SlaPolicyFactory, SlaTargetFactory, api_key_for


@pytest.fixture
def calendars(tenant):
    return SimpleNamespace(
        always=CalendarFactory(tenant=tenant, name="24/7", weekly_hours=PRESETS["always_open"]),
        business=CalendarFactory(tenant=tenant, name="Business hours", weekly_hours=PRESETS["office_hours"]),
        extended=CalendarFactory(
            tenant=tenant, name="Extended hours", weekly_hours=PRESETS["extended_hours"]
        ),
    )


def _policy(tenant, name, kind, key, targets):
    policy = SlaPolicyFactory(tenant=tenant, name=name, kind=kind, key=key)
    for metric, minutes, calendar in targets:
        SlaTargetFactory(policy=policy, priority="P1", metric=metric, minutes=minutes, calendar=calendar)
    return policy


@pytest.fixture
def policies(tenant, calendars):
    c = calendars
    return SimpleNamespace(
        basic=_policy(
            tenant, "Basic triage", PolicyKind.BASIC_TRIAGE, "", [(Metric.FIRST_RESPONSE, 120, c.always)]
        ),
        standard=_policy(
            tenant,
            "Standard contract",
            PolicyKind.STANDARD,
            "",
            [(Metric.FIRST_RESPONSE, 60, c.always), (Metric.ONSITE, 16 * 60, c.business)],
        ),
        gold=_policy(
            tenant,
            "Gold",
            PolicyKind.TIER,
            "gold",
            [
                (Metric.FIRST_RESPONSE, 15, c.always),
                (Metric.ONSITE, 4 * 60, c.extended),
                (Metric.RESOLUTION, 8 * 60, c.extended),
            ],
        ),
        premium=_policy(
            tenant,
            "Premium Response",
            PolicyKind.RIDER,
            "premium-response",
            [(Metric.FIRST_RESPONSE, 10, c.always)],
        ),
    )


def _api(clear_key):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {clear_key}")
    return client


@pytest.fixture
def writer(tenant):
    return _api(api_key_for(tenant, ["read", "write"], name="Writer")[1])


@pytest.fixture
def reader(tenant):
    return _api(api_key_for(tenant, ["read"], name="Reader")[1])
