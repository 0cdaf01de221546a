from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

from reports.periods import Period
from tenants.roles import Role
from tenants.scope import tenant_scope
from tests.factories import ClientFactory, StaffMembershipFactory, sla_desk
from tickets import services
from tickets.sweeper import sweep

NY = ZoneInfo("America/New_York")


def ny(month: int, day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=NY)


@pytest.fixture
def period(tenant):
    """October and November 2026, in the tenant's (New York) days."""
    return Period("custom", date(2026, 10, 1), date(2026, 11, 30), tenant.timezone)


@pytest.fixture
def history(tenant):
    """Three tickets whose eight decided clocks (and one still running) are known:

    #1 Oct 19, P2, Whitaker, Grace: first response met, on-site BREACHED (checked in a day late),
       resolution met.
    #2 Nov 16, P1, Whitaker, Ada: first response, on-site and resolution met.
    #3 Nov 16, P3, Okafor, Grace: first response BREACHED, on-site met, resolution still running.

    Targets (tests/factories.sla_desk): first response 1 h × 1/2/4/8 (24/7); on-site 4 and resolution
    8 business hours × 1/2/4/8 (Mon-Fri 08:00-17:00 New York).
    """
    sla_desk(tenant)
    whitaker = ClientFactory(tenant=tenant, name="Whitaker Residence", managed_endpoints=25)
    okafor = ClientFactory(tenant=tenant, name="Okafor Dental Group", managed_endpoints=4)
    ada = StaffMembershipFactory(tenant=tenant, role=Role.TECHNICIAN, user__full_name="Ada Lovelace").user
    grace = StaffMembershipFactory(tenant=tenant, role=Role.TECHNICIAN, user__full_name="Grace Hopper").user
    with tenant_scope(tenant):
        t1 = services.open_ticket(client=whitaker, title="Lights scene wrong", priority="P2", assignee=grace,
                                  now=ny(10, 19, 9))  # fmt: skip
        services.add_reply(t1, body="Looking.", author=grace, now=ny(10, 19, 10))  # due 11:00
    sweep(now=ny(10, 20, 12))  # on-site was due 19 Oct 17:00
    with tenant_scope(tenant):
        services.check_in(t1, technician=grace, now=ny(10, 20, 13))
        services.change_status(t1, "resolved", actor="grace", now=ny(10, 20, 15))  # due 20 Oct 17:00

        t2 = services.open_ticket(client=whitaker, title="Core switch down", priority="P1", assignee=ada,
                                  now=ny(11, 16, 9))  # fmt: skip
        t3 = services.open_ticket(client=okafor, title="Printer offline", priority="P3", assignee=grace,
                                  now=ny(11, 16, 9))  # fmt: skip
        services.add_reply(t2, body="On it.", author=ada, now=ny(11, 16, 9, 30))  # due 10:00
        services.check_in(t2, technician=ada, now=ny(11, 16, 12))  # due 13:00
    sweep(now=ny(11, 16, 13, 30))  # #3's first response was due 13:00
    with tenant_scope(tenant):
        services.add_reply(t3, body="Sorry for the wait.", author=grace, now=ny(11, 16, 14))
        services.change_status(t2, "resolved", actor="ada", now=ny(11, 16, 16))  # due 17:00
        services.check_in(t3, technician=grace, now=ny(11, 17, 10))  # due 17 Nov 17:00
    return {"whitaker": whitaker, "okafor": okafor, "ada": ada, "grace": grace, "tickets": (t1, t2, t3)}
