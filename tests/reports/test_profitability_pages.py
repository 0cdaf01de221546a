"""The profitability pages, CSV and API: who may see them, what they show, and the drill-down."""

import csv
import io
from datetime import date

import pytest
from django.urls import reverse

from tenants.roles import Role
from tests.factories import ClientFactory, StaffMembershipFactory, TenantFactory, api_key_for
from tests.reports.test_profitability import books, march, work  # noqa: F401  (fixtures)

pytestmark = pytest.mark.django_db

MARCH = {"period": "custom", "start": "2026-03-01", "end": "2026-03-31"}


def test_the_page_lists_clients_losses_first_with_the_definitions(staff_client, tenant, books):  # noqa: F811
    costly = ClientFactory(tenant=tenant, name="Costly Estate")
    work(costly, books["techs"][0], on=date(2026, 3, 10), minutes=120)
    page = staff_client.get(reverse("reports:profitability"), MARCH).content.decode()
    assert page.index("Costly Estate") < page.index("Whitaker Residence")
    assert "$284.00" in page  # Whitaker's revenue
    assert "How these figures are counted" in page
    assert reverse("reports:profitability_client", args=[costly.pk]) in page
    assert "api/v1/reports/profitability/" in page  # the chart's source


def test_search_and_sort_keep_to_the_url(staff_client, tenant, books):  # noqa: F811
    ClientFactory(tenant=tenant, name="Costly Estate")
    page = staff_client.get(reverse("reports:profitability"), MARCH | {"q": "whit", "sort": "client"})
    body = page.content.decode()
    assert "Whitaker Residence" in body
    assert 'aria-sort="ascending"' in body


def test_the_agreement_view_and_csv(staff_client, books):  # noqa: F811
    assert staff_client.get(reverse("reports:profitability_agreements"), MARCH).status_code == 200
    response = staff_client.get(reverse("reports:profitability_csv"), MARCH)
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0][:7] == [
        "Client",
        "Membership",
        "Labour",
        "Credit notes",
        "Account credit",
        "Revenue",
        "Labour cost",
    ]
    assert rows[1][:8] == [
        "Whitaker Residence",
        "169.00",
        "155.00",
        "30.00",
        "10.00",
        "284.00",
        "175.51",
        "108.49",
    ]
    bad = staff_client.get(reverse("reports:profitability_csv"), {"period": "custom", "start": "2026-03-01"})
    assert bad.status_code == 400


def test_the_drill_down_shows_the_invoices_tickets_and_entries_behind_the_numbers(staff_client, books):  # noqa: F811
    client = books["client"]
    page = staff_client.get(reverse("reports:profitability_client", args=[client.pk]), MARCH).content.decode()
    main, voided, *_ = books["invoices"]
    assert reverse("billing:invoice_detail", args=[main.pk]) in page
    assert main.number in page
    assert voided.number not in page
    assert "$66.50/h" in page  # Grace's rate after her raise
    assert "$45.00/h" in page  # Ada's backdated rate
    assert "Billable" in page


@pytest.mark.parametrize("role", [Role.DISPATCHER, Role.TECHNICIAN, Role.READ_ONLY])
def test_only_owners_managers_and_billing_see_profitability(client, login_as, tenant, role):
    login_as(tenant, role)
    target = ClientFactory(tenant=tenant)
    assert client.get(reverse("reports:profitability")).status_code == 403
    assert client.get(reverse("reports:profitability_csv")).status_code == 403
    assert client.get(reverse("reports:profitability_client", args=[target.pk])).status_code == 403
    assert client.get("/api/v1/reports/profitability/").status_code == 403


def test_billing_staff_see_it(client, login_as, tenant):
    login_as(tenant, Role.BILLING)
    assert client.get(reverse("reports:profitability")).status_code == 200


def test_another_tenants_client_is_not_found(staff_client):
    theirs = ClientFactory(tenant=TenantFactory())
    assert staff_client.get(reverse("reports:profitability_client", args=[theirs.pk])).status_code == 404


def test_the_api_answers_per_client_a_page_at_a_time(client, tenant, books):  # noqa: F811
    other = ClientFactory(tenant=tenant, name="Costly Estate")
    work(other, books["techs"][0], on=date(2026, 3, 10), minutes=120)
    key = {"HTTP_AUTHORIZATION": f"Bearer {api_key_for(tenant, scopes=('read',))[1]}"}
    body = client.get("/api/v1/reports/profitability/", MARCH | {"page_size": 1}, **key).json()
    assert (body["count"], body["pages"], body["currency"]) == (2, 2, "USD")
    assert body["results"][0]["client"] == "Costly Estate"
    assert body["results"][0]["is_loss"] is True
    assert body["totals"]["revenue"] == "284.00"
    one = client.get("/api/v1/reports/profitability/", MARCH | {"client": books["client"].pk}, **key).json()
    row = one["results"][0]
    assert (row["revenue"], row["cost"], row["margin"], row["effective_hourly_rate"]) == (
        "284.00",
        "175.51",
        "108.49",
        "79.63",
    )
    bad = client.get("/api/v1/reports/profitability/", {"sort": "nonsense"}, **key)
    assert bad.status_code == 400


def test_the_schema_documents_the_endpoint(client):
    schema = client.get("/api/v1/schema/", HTTP_ACCEPT="application/json").content.decode()
    assert "/api/v1/reports/profitability/" in schema
    assert "effective_hourly_rate" in schema


def test_a_technician_without_a_rate_costs_nothing_until_one_is_set(staff_client, tenant):
    tech = StaffMembershipFactory(tenant=tenant, role=Role.TECHNICIAN)
    client = ClientFactory(tenant=tenant, name="Free Work Ltd")
    work(client, tech, on=date(2026, 3, 10), minutes=60)
    page = staff_client.get(reverse("reports:profitability"), MARCH).content.decode()
    assert "Free Work Ltd" in page
