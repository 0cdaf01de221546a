"""The read-only report endpoints of the partner API."""

import pytest
from django.urls import reverse

from tests.factories import api_key_for

pytestmark = pytest.mark.django_db

RANGE = {"period": "custom", "start": "2026-10-01", "end": "2026-11-30"}


@pytest.fixture
def read_key(tenant):
    return {"HTTP_AUTHORIZATION": f"Bearer {api_key_for(tenant, scopes=('read',))[1]}"}


def test_sla_compliance(client, read_key, history):
    body = client.get("/api/v1/reports/sla-compliance/", RANGE | {"group_by": "client"}, **read_key).json()
    assert body["period"] == {"key": "custom", "label": "1 Oct 2026 – 30 Nov 2026", "start": "2026-10-01",
                              "end": "2026-11-30", "timezone": "America/New_York"}  # fmt: skip
    assert body["goal_percent"] == 95
    assert body["overall"] | {} == {"key": "all", "label": "All", "met": 6, "breached": 2, "total": 8,
                                    "percent": 75.0, "pending": 1}  # fmt: skip
    assert [(r["label"], r["percent"]) for r in body["rows"]] == [
        ("Okafor Dental Group", 50.0),
        ("Whitaker Residence", 83.3),
    ]


def test_breaches_with_times_in_the_tenants_zone(client, read_key, history):
    body = client.get("/api/v1/reports/breaches/", RANGE | {"metric": "first_response"}, **read_key).json()
    assert body["count"] == 1
    row = body["rows"][0]
    assert row["due_at"] == "2026-11-16T13:00:00-05:00"
    assert (row["ticket_number"], row["late_minutes"], row["assignee"]) == (3, 60, "Grace Hopper")
    assert row["met_at"] == "2026-11-16T14:00:00-05:00"


def test_utilization(client, read_key, history):
    body = client.get(reverse("api:report-utilization-list"), RANGE, **read_key).json()
    assert body["target_percent"] == 20
    assert body["rows"][0] == {
        "client_id": history["okafor"].pk, "client": "Okafor Dental Group", "endpoints": 4, "tickets": 1,
        "percent": 25.0, "over_target": True, "target_tickets": 0.8,
    }  # fmt: skip


def test_a_bad_query_answers_in_the_one_error_format(client, read_key):
    response = client.get("/api/v1/reports/sla-compliance/", {"group_by": "colour"}, **read_key)
    assert response.status_code == 400
    body = response.json()
    assert body["type"] == "validation_error"
    assert body["errors"][0]["attr"] == "group_by"
    custom = client.get("/api/v1/reports/utilization/", {"period": "custom"}, **read_key).json()
    assert custom["errors"][0]["detail"] == "A custom range needs a start and an end date."


def test_reports_are_read_only(client, tenant):
    headers = {"HTTP_AUTHORIZATION": f"Bearer {api_key_for(tenant)[1]}"}
    assert (
        client.post("/api/v1/reports/breaches/", {}, content_type="application/json", **headers).status_code
        == 405
    )


def test_the_schema_documents_the_report_endpoints(client):
    schema = client.get("/api/v1/schema/?format=json").json()
    for path in (
        "/api/v1/reports/sla-compliance/",
        "/api/v1/reports/breaches/",
        "/api/v1/reports/utilization/",
    ):
        operation = schema["paths"][path]["get"]
        assert {p["name"] for p in operation["parameters"]} >= {"period", "start", "end"}
        assert operation["responses"]["200"]["content"]["application/json"]["examples"]


def test_start_and_end_without_a_period_are_a_custom_range(client, read_key, history):
    body = client.get(
        "/api/v1/reports/utilization/", {"start": "2026-10-01", "end": "2026-10-31"}, **read_key
    ).json()
    assert (body["period"]["key"], body["period"]["end"]) == ("custom", "2026-10-31")
    assert body["totals"]["tickets"] == 1
