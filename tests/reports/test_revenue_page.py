"""The recurring revenue page, its CSV exports and `GET /api/v1/reports/mrr/`: who may see them, what they
show, that another tenant's revenue never counts, and that the queries do not grow with the clients."""

import csv
import io
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from reports import revenue
from tenants.roles import Role
from tenants.scope import tenant_scope
from tests.factories import AgreementFactory, ClientFactory, api_key_for, give_membership

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 4, 10, 15, 0, tzinfo=UTC)  # 10 April 2026, 11:00 in New York


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


def member(
    tenant,
    name,
    *,
    tier="gold",
    riders=(),
    cycle="monthly",
    since=date(2026, 1, 5),
    signed=True,
    tier_price=None,
):
    client = ClientFactory(tenant=tenant, name=name)
    agreement = AgreementFactory(
        tenant=tenant,
        client=client,
        starts_on=date(2025, 6, 1),
        ends_on=None,
        status="active" if signed else "cancelled",
    )
    return give_membership(
        agreement, tier=tier, riders=riders, cycle=cycle, started_on=since, tier_price=tier_price
    )


@pytest.fixture
def members(tenant):
    member(tenant, "Whitaker Residence", tier="platinum", riders=["premium-response"])  # 448.00
    member(tenant, "Okafor Dental Group", tier="gold", cycle="annual", since=date(2026, 2, 10))  # 149.17
    member(tenant, "Lindqvist Studio", tier="silver", signed=False, since=date(2026, 3, 2))  # 59.00
    ClientFactory(tenant=tenant, name="Prospect Without Plan")
    return tenant


@pytest.fixture
def rival(other_tenant):
    """Another tenant's big client: never counted here."""
    member(other_tenant, "Rival Client", tier="platinum", riders=["premium-response"])
    return other_tenant


def test_the_page_shows_mrr_arr_the_change_and_the_definitions(staff_client, members, rival):
    page = staff_client.get(reverse("reports:revenue")).content.decode()
    assert '<div class="stat-value" data-stat="mrr">$656.17</div>' in page
    assert '<div class="stat-value" data-stat="arr">$7,874.04</div>' in page
    assert '<div class="stat-value" data-stat="change">$0.00</div>' in page  # nothing moved since 31 March
    assert "since $656.17 on 31 Mar" in page
    assert "from 3 paying clients" in page
    assert "Rival Client" not in page
    assert "How these figures are counted" in page
    assert "An annual price counts as a twelfth" in page
    assert 'data-report-chart="mrr-movements" data-source="/api/v1/reports/mrr/?months=24"' in page
    assert "/reports/revenue/export.csv?table=movements&amp;months=24" in page
    assert 'src="/static/js/reports.js"' in page
    assert "<script>" not in page  # strict CSP: no inline scripts


def test_the_change_this_month_compares_today_with_the_last_month_end(staff_client, members):
    with time_machine.travel(datetime(2026, 3, 20, 15, 0, tzinfo=UTC), tick=False):
        page = staff_client.get(reverse("reports:revenue")).content.decode()
    assert '<div class="stat-value" data-stat="change">+$59.00</div>' in page
    assert "since $597.17 on 28 Feb" in page


def test_plans_and_coverage_are_shown_beside_each_other(staff_client, members):
    with tenant_scope(members):
        report = revenue.revenue_report(today=date(2026, 4, 10))
    plans = {(row.kind, row.name): (row.clients, row.mrr) for row in report.plans}
    assert plans == {
        ("tier", "Platinum"): (1, Decimal("399.00")),
        ("tier", "Gold"): (1, Decimal("149.17")),
        ("tier", "Silver"): (1, Decimal("59.00")),
        ("rider", "Premium Response"): (1, Decimal("49.00")),
    }
    assert sum((row.mrr for row in report.plans), Decimal("0")) == report.mrr
    signed, unsigned = report.coverage
    assert (signed.clients, signed.paying_clients, signed.mrr) == (2, 2, Decimal("597.17"))
    assert (unsigned.clients, unsigned.paying_clients, unsigned.mrr) == (2, 1, Decimal("59.00"))
    assert (signed.clients_share, signed.mrr_share) == (50.0, 91.0)


def test_an_annual_phase_rounds_its_items_so_they_add_up_to_its_mrr(tenant):
    member(
        tenant,
        "Annual With Rider",
        tier="gold",
        riders=["premium-response"],
        cycle="annual",
        tier_price=Decimal("1000.10"),
    )
    with tenant_scope(tenant):
        report = revenue.revenue_report(today=date(2026, 4, 10), months=1)
    # (1000.10 + 490.00) / 12 = 124.175 -> 124.18, while 83.34 + 40.83 = 124.17: the tier takes the cent
    assert report.mrr == Decimal("124.18")
    plans = {row.name: row.mrr for row in report.plans if row.clients}
    assert plans == {"Gold": Decimal("83.35"), "Premium Response": Decimal("40.83")}


def test_a_tenant_without_memberships_reads_well(staff_client):
    page = staff_client.get(reverse("reports:revenue")).content.decode()
    assert "No recurring revenue yet." in page
    assert '<div class="stat-value" data-stat="mrr">$0.00</div>' in page
    assert "needs a year of history" in page


@pytest.mark.parametrize(
    ("role", "status"),
    [
        (Role.OWNER, 200),
        (Role.MANAGER, 200),
        (Role.BILLING, 200),
        (Role.TECHNICIAN, 403),
        (Role.DISPATCHER, 403),
        (Role.READ_ONLY, 403),
    ],
)
def test_only_owners_managers_and_billing_see_revenue(client, login_as, tenant, role, status):
    login_as(tenant, role)
    assert client.get(reverse("reports:revenue")).status_code == status
    assert client.get(reverse("reports:revenue_csv"), {"table": "plans"}).status_code == status
    assert client.get("/api/v1/reports/mrr/").status_code == status


def test_the_revenue_tab_shows_only_to_those_who_may_see_it(client, login_as, tenant):
    login_as(tenant, Role.BILLING)
    assert "Recurring revenue</a>" in client.get(reverse("reports:compliance")).content.decode()
    login_as(tenant, Role.DISPATCHER)
    assert "Recurring revenue</a>" not in client.get(reverse("reports:compliance")).content.decode()


def rows_of(response):
    return list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))


def test_each_table_exports_as_csv(staff_client, members, rival):
    movements = rows_of(
        staff_client.get(reverse("reports:revenue_csv"), {"table": "movements", "months": 12})
    )
    assert movements[0][:10] == [
        "Month",
        "MRR read on",
        "Opening MRR (USD)",
        "New",
        "Expansion",
        "Reactivated",
        "Contraction",
        "Churned",
        "Net change",
        "Closing MRR (USD)",
    ]
    assert len(movements) == 1 + 12
    by_month = {row[0]: row for row in movements[1:]}
    assert by_month["2026-01"][2:10] == ["0.00", "448.00", "0.00", "0.00", "0.00", "0.00", "448.00", "448.00"]
    assert by_month["2026-02"][3] == "149.17"
    assert by_month["2026-04"][1] == "2026-04-10"
    plans = rows_of(staff_client.get(reverse("reports:revenue_csv"), {"table": "plans"}))
    assert plans[1] == ["tier", "Platinum", "1", "399.00", "60.8"]
    coverage = rows_of(staff_client.get(reverse("reports:revenue_csv"), {"table": "coverage"}))
    assert coverage[1][0] == "Signed service contract in force"
    for table in ("mrr", "retention"):
        response = staff_client.get(reverse("reports:revenue_csv"), {"table": table})
        assert response["Content-Disposition"] == f'attachment; filename="revenue-{table}_2026-04-10.csv"'
        assert len(rows_of(response)) == 1 + 24


def test_an_unknown_table_is_a_400_saying_which_exist(staff_client):
    response = staff_client.get(reverse("reports:revenue_csv"), {"table": "salaries"})
    assert response.status_code == 400
    assert "movements, mrr, retention, plans, coverage" in response.content.decode()


def test_the_api_answers_the_same_figures(client, members, rival):
    key = api_key_for(members, scopes=("read",))[1]
    body = client.get("/api/v1/reports/mrr/", {"months": 3}, HTTP_AUTHORIZATION=f"Bearer {key}").json()
    assert (body["today"], body["currency"], body["timezone"]) == ("2026-04-10", "USD", "America/New_York")
    assert (body["mrr"], body["arr"], body["previous_mrr"], body["change"]) == (
        "656.17",
        "7874.04",
        "656.17",
        "0.00",
    )
    assert [m["month"] for m in body["months"]] == ["2026-02", "2026-03", "2026-04"]
    february = body["months"][0]
    assert {k: february[k] for k in ("opening", "new", "expansion", "churned", "net", "closing")} == {
        "opening": "448.00",
        "new": "149.17",
        "expansion": "0.00",
        "churned": "0.00",
        "net": "149.17",
        "closing": "597.17",
    }
    assert february["trailing_12_months"] is None
    assert body["months"][-1]["to_date"] is True
    assert body["plans"][0] == {
        "kind": "tier",
        "plan_id": body["plans"][0]["plan_id"],
        "key": "platinum",
        "name": "Platinum",
        "clients": 1,
        "mrr": "399.00",
        "share_percent": 60.8,
    }
    assert [row["key"] for row in body["coverage"]] == ["signed", "unsigned"]


def test_the_api_refuses_months_out_of_range_in_the_one_error_format(client, tenant):
    key = api_key_for(tenant, scopes=("read",))[1]
    response = client.get("/api/v1/reports/mrr/", {"months": 37}, HTTP_AUTHORIZATION=f"Bearer {key}")
    assert response.status_code == 400
    assert response.json()["errors"][0]["attr"] == "months"


def test_the_api_schema_documents_the_report_as_an_object(client):
    schema = client.get("/api/v1/schema/", {"format": "json"}).json()
    operation = schema["paths"]["/api/v1/reports/mrr/"]["get"]
    assert operation["responses"]["200"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/MrrReport"
    }
    assert [p["name"] for p in operation["parameters"]] == ["months"]
    month = schema["components"]["schemas"]["MrrMonth"]
    assert {"new", "expansion", "reactivated", "contraction", "churned", "net"} <= set(month["properties"])


def queries_for(staff_client):
    with CaptureQueriesContext(connection) as queries:
        assert staff_client.get(reverse("reports:revenue")).status_code == 200
    return len(queries)


def test_the_page_needs_as_many_queries_for_fifty_clients_as_for_five(staff_client, tenant):
    for index in range(5):
        member(tenant, f"Client {index:02}", tier=["silver", "gold", "platinum"][index % 3])
    few = queries_for(staff_client)
    for index in range(5, 50):
        riders = ["premium-response"] if index % 4 else []
        cycle = "annual" if index % 7 == 0 else "monthly"
        member(
            tenant,
            f"Client {index:02}",
            tier=["silver", "gold", "platinum"][index % 3],
            riders=riders,
            cycle=cycle,
        )
    assert queries_for(staff_client) == few
