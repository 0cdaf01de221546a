"""tenant_now() / tenant_today(): the tenant's wall clock and calendar day, not the server's UTC."""

from datetime import UTC, date, datetime

import pytest
import time_machine

from tenants.localtime import tenant_localtime, tenant_now, tenant_today
from tenants.scope import NoTenantError, tenant_scope
from tests.factories import TenantFactory

pytestmark = pytest.mark.django_db

NEW_YORK_EVENING = "2026-11-30 23:30 -05:00"  # already 1 December 04:30 in UTC


@time_machine.travel(NEW_YORK_EVENING, tick=False)
def test_in_the_evening_in_new_york_it_is_still_the_tenants_day_while_utc_is_tomorrow(tenant):
    london = TenantFactory(timezone="Europe/London")

    with tenant_scope(tenant):
        assert tenant_today() == date(2026, 11, 30)
        assert (tenant_now().hour, tenant_now().minute) == (23, 30)
    assert tenant_today(tenant) == date(2026, 11, 30)
    assert tenant_today(london) == date(2026, 12, 1)


def test_an_instant_reads_as_the_tenants_wall_clock(tenant):
    moment = datetime(2026, 7, 4, 16, 0, tzinfo=UTC)

    assert tenant_localtime(moment, tenant).strftime("%d %H:%M %Z") == "04 12:00 EDT"
    assert tenant_localtime(moment, TenantFactory(timezone="Asia/Tokyo")).strftime("%d %H:%M") == "05 01:00"


def test_outside_a_tenant_scope_it_refuses_rather_than_answer_in_utc():
    with pytest.raises(NoTenantError):
        tenant_today()
