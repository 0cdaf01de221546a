"""Reports show one tenant's figures only: pages, exports and API."""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse

from tenants.roles import Role
from tenants.scope import tenant_scope
from tests.factories import ClientFactory, StaffMembershipFactory, api_key_for, sla_desk
from tickets import services
from tickets.sweeper import sweep

pytestmark = pytest.mark.django_db

NY = ZoneInfo("America/New_York")
RANGE = {"period": "custom", "start": "2026-10-01", "end": "2026-11-30"}


@pytest.fixture
def rival_history(other_tenant):
    sla_desk(other_tenant)
    rival = ClientFactory(tenant=other_tenant, name="Rival Residence", managed_endpoints=2)
    tech = StaffMembershipFactory(
        tenant=other_tenant, role=Role.TECHNICIAN, user__full_name="Rival Tech"
    ).user
    with tenant_scope(other_tenant):
        services.open_ticket(
            client=rival,
            title="Rival outage",
            priority="P1",
            assignee=tech,
            now=datetime(2026, 11, 2, 9, tzinfo=NY),
        )
    sweep(now=datetime(2026, 11, 3, 9, tzinfo=NY))  # all three clocks breached


def test_pages_and_exports_show_only_the_tenants_own_figures(staff_client, history, rival_history):
    for name in ("reports:compliance", "reports:breaches", "reports:utilization"):
        page = staff_client.get(reverse(name), RANGE | {"group_by": "client"}).content.decode()
        assert "Rival" not in page
    for name in ("reports:compliance_csv", "reports:breaches_csv", "reports:utilization_csv"):
        assert "Rival" not in staff_client.get(reverse(name), RANGE | {"group_by": "client"}).content.decode()


def test_api_keys_see_only_their_tenants_figures(client, other_tenant, history, rival_history):
    headers = {"HTTP_AUTHORIZATION": f"Bearer {api_key_for(other_tenant, scopes=('read',))[1]}"}
    compliance = client.get(
        "/api/v1/reports/sla-compliance/", RANGE | {"group_by": "client"}, **headers
    ).json()
    assert [r["label"] for r in compliance["rows"]] == ["Rival Residence"]
    assert compliance["overall"]["breached"] == 3
    breaches = client.get("/api/v1/reports/breaches/", RANGE, **headers).json()
    assert {r["client"] for r in breaches["rows"]} == {"Rival Residence"}
    utilization = client.get("/api/v1/reports/utilization/", RANGE, **headers).json()
    assert [r["client"] for r in utilization["rows"]] == ["Rival Residence"]
