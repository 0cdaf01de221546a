"""The SLA engine's partner API: calendars, closure days, policies with their targets grid, the priority
matrix, the issue catalog, and the effective-SLA question."""

import pytest

from service_levels.models import BusinessCalendar, ClosureDay, IssueType, PriorityRule, SlaPolicy
from service_levels.services import PRESETS
from tenants.roles import Role
from tenants.scope import tenant_scope
from tests.api.conftest import check_error
from tests.factories import CalendarFactory, ClientFactory, ClosureDayFactory, IssueTypeFactory

pytestmark = pytest.mark.django_db

OFFICE = {
    "name": "Office",
    "timezone": "America/New_York",
    "weekly_hours": PRESETS["office_hours"],
    "holiday_country": "us",
    "holiday_subdivision": "ny",
}


def in_tenant(tenant, query):
    with tenant_scope(tenant):
        return query()


def errors(response, status=400) -> dict:
    """{attr: [detail, ...]} of a response in the API's one error format."""
    assert response.status_code == status, response.content
    body = response.json()
    assert set(body) == {"type", "errors"}
    found = {}
    for error in body["errors"]:
        assert set(error) == {"code", "detail", "attr"}
        found.setdefault(error["attr"], []).append(error["detail"])
    return found


# --- Calendars and closure days ------------------------------------------------------------------


def test_a_calendar_is_created_read_updated_and_deleted(tenant, writer):
    created = writer.post("/api/v1/calendars/", OFFICE, format="json")
    assert created.status_code == 201, created.content
    body = created.json()
    assert (body["holiday_country"], body["holiday_subdivision"]) == ("US", "NY")
    assert body["open_hours_per_week"] == 45.0
    url = f"/api/v1/calendars/{body['id']}/"

    assert writer.get(url).json()["weekly_hours"] == PRESETS["office_hours"]
    patched = writer.patch(url, {"weekly_hours": {"0": [["22:00", "06:00"]]}}, format="json")
    assert patched.status_code == 200, patched.content
    assert patched.json()["open_hours_per_week"] == 8.0

    assert writer.delete(url).status_code == 204
    assert not in_tenant(tenant, lambda: BusinessCalendar.objects.exists())


def test_overlapping_hours_and_unknown_holidays_are_400s_on_their_fields(writer):
    overlapping = {**OFFICE, "weekly_hours": {"0": [["08:00", "12:00"], ["11:00", "13:00"]]}}
    assert errors(writer.post("/api/v1/calendars/", overlapping, format="json")) == {
        "weekly_hours": ["overlapping opening hours: Monday 08:00:00-12:00:00 and Monday 11:00:00-13:00:00"]
    }
    malformed = {**OFFICE, "weekly_hours": {"7": [["08:00", "12:00"]]}}
    assert "weekly_hours" in errors(writer.post("/api/v1/calendars/", malformed, format="json"))
    assert "holiday_country" in errors(
        writer.post("/api/v1/calendars/", {**OFFICE, "holiday_country": "XX"}, format="json")
    )
    assert "timezone" in errors(
        writer.post("/api/v1/calendars/", {**OFFICE, "timezone": "Mars/Base"}, format="json")
    )


def test_a_calendar_that_targets_use_cannot_be_deleted(writer, policies, calendars):
    body = errors(writer.delete(f"/api/v1/calendars/{calendars.extended.pk}/"))
    assert body["non_field_errors"] == [
        "2 SLA targets still use this calendar: move them to another calendar first."
    ]


def test_closure_days_are_added_idempotently_filtered_and_removed(tenant, writer):
    office, other = CalendarFactory(tenant=tenant), CalendarFactory(tenant=tenant)
    ClosureDayFactory(calendar=other)
    first = writer.post("/api/v1/closures/", {"calendar": office.pk, "date": "2026-07-03"}, format="json")
    again = writer.post(
        "/api/v1/closures/", {"calendar": office.pk, "date": "2026-07-03", "reason": "Retreat"}, format="json"
    )
    assert first.status_code == again.status_code == 201
    assert first.json()["id"] == again.json()["id"]
    assert again.json()["reason"] == "Retreat"

    listed = writer.get("/api/v1/closures/", {"calendar": office.pk}).json()["results"]
    assert [row["date"] for row in listed] == ["2026-07-03"]
    assert writer.get("/api/v1/closures/", {"after": "2026-07-04"}).json()["results"] == []

    assert writer.delete(f"/api/v1/closures/{first.json()['id']}/").status_code == 204
    assert in_tenant(tenant, lambda: ClosureDay.objects.count()) == 1
    assert writer.put(f"/api/v1/closures/{first.json()['id']}/", {}, format="json").status_code in (404, 405)


def test_another_tenants_calendar_does_not_exist(writer, other_tenant):
    theirs = CalendarFactory(tenant=other_tenant)
    body = errors(
        writer.post("/api/v1/closures/", {"calendar": theirs.pk, "date": "2026-07-03"}, format="json")
    )
    assert body["calendar"] == [f'Invalid pk "{theirs.pk}" - object does not exist.']
    assert writer.get(f"/api/v1/calendars/{theirs.pk}/").status_code == 404


# --- Policies and targets --------------------------------------------------------------------------


def test_a_policy_is_created_with_its_targets_and_the_grid_is_replaced_when_sent(tenant, writer, calendars):
    created = writer.post(
        "/api/v1/sla-policies/",
        {
            "name": "Bronze",
            "kind": "tier",
            "key": "bronze",
            "targets": [
                {
                    "priority": "P1",
                    "metric": "first_response",
                    "minutes": 30,
                    "calendar": calendars.always.pk,
                },
                {"priority": "P1", "metric": "onsite", "minutes": 480, "calendar": calendars.business.pk},
            ],
        },
        format="json",
    )
    assert created.status_code == 201, created.content
    body = created.json()
    assert body["pause_statuses"] == ["waiting_on_client"]
    assert body["targets"] == [
        {"priority": "P1", "metric": "first_response", "minutes": 30, "calendar": calendars.always.pk},
        {"priority": "P1", "metric": "onsite", "minutes": 480, "calendar": calendars.business.pk},
    ]
    url = f"/api/v1/sla-policies/{body['id']}/"

    renamed = writer.patch(url, {"name": "Bronze plan"}, format="json").json()
    assert len(renamed["targets"]) == 2  # left alone when not sent

    replaced = writer.patch(
        url,
        {
            "targets": [
                {"priority": "P2", "metric": "resolution", "minutes": 960, "calendar": calendars.extended.pk}
            ]
        },
        format="json",
    ).json()
    assert [(t["priority"], t["metric"]) for t in replaced["targets"]] == [("P2", "resolution")]


def test_policy_validation_errors_name_their_fields(writer, calendars, policies, other_tenant):
    assert errors(writer.post("/api/v1/sla-policies/", {"name": "Iron", "kind": "tier"}, format="json")) == {
        "key": ["Tiers and riders need a key (e.g. 'gold', 'premium-response')."]
    }
    assert "key" in errors(
        writer.post("/api/v1/sla-policies/", {"name": "Gold 2", "kind": "tier", "key": "gold"}, format="json")
    )
    cell = {"priority": "P1", "metric": "onsite", "minutes": 60, "calendar": calendars.always.pk}
    body = errors(
        writer.post(
            "/api/v1/sla-policies/",
            {"name": "Iron", "kind": "tier", "key": "iron", "targets": [cell, cell]},
            format="json",
        )
    )
    assert body == {"targets": ["One target per priority and metric: P1 onsite."]}
    theirs = CalendarFactory(tenant=other_tenant)
    body = errors(
        writer.post(
            "/api/v1/sla-policies/",
            {
                "name": "Iron",
                "kind": "tier",
                "key": "iron",
                "targets": [{**cell, "calendar": theirs.pk, "minutes": 0}],
            },
            format="json",
        )
    )
    assert set(body) == {"targets.0.minutes", "targets.0.calendar"}


def test_deleting_a_policy_deactivates_it(tenant, writer, policies):
    assert writer.delete(f"/api/v1/sla-policies/{policies.gold.pk}/").status_code == 204
    assert in_tenant(tenant, lambda: SlaPolicy.objects.get(pk=policies.gold.pk).is_active) is False
    active = writer.get("/api/v1/sla-policies/", {"active": "true", "kind": "tier"}).json()["results"]
    assert active == []


# --- Priority matrix and issue catalog -----------------------------------------------------------


def test_the_priority_matrix_lists_nine_cells_and_sets_one(tenant, writer):
    cells = writer.get("/api/v1/priority-matrix/").json()
    assert len(cells) == 9
    assert {"impact": "high", "urgency": "high", "priority": "P1"} in cells

    response = writer.post(
        "/api/v1/priority-matrix/", {"impact": "high", "urgency": "low", "priority": "P2"}, format="json"
    )
    assert response.status_code == 200
    assert response.json() == {"impact": "high", "urgency": "low", "priority": "P2"}
    assert in_tenant(tenant, lambda: PriorityRule.objects.get(impact="high", urgency="low").priority) == "P2"
    assert "priority" in errors(
        writer.post(
            "/api/v1/priority-matrix/", {"impact": "high", "urgency": "low", "priority": "P9"}, format="json"
        )
    )


def test_issue_types_are_created_updated_and_deactivated_by_delete(tenant, writer):
    created = writer.post(
        "/api/v1/issue-types/",
        {
            "name": "Doorbell offline",
            "category": "hardware",
            "work_location": "on_site",
            "expected_turnaround_minutes": 240,
        },
        format="json",
    )
    assert created.status_code == 201, created.content
    body = created.json()
    assert (body["default_priority"], body["needs_site_visit"], body["is_active"]) == ("P3", True, True)
    url = f"/api/v1/issue-types/{body['id']}/"

    assert writer.patch(url, {"default_priority": "P2"}, format="json").json()["default_priority"] == "P2"
    assert errors(
        writer.post("/api/v1/issue-types/", {**body, "name": "DOORBELL OFFLINE"}, format="json")
    ) == {"name": ["The catalog already has an issue type with this name."]}
    assert writer.delete(url).status_code == 204
    assert in_tenant(tenant, lambda: IssueType.objects.get(pk=body["id"]).is_active) is False
    assert writer.get("/api/v1/issue-types/", {"active": "false"}).json()["results"][0]["id"] == body["id"]


# --- Effective SLA ---------------------------------------------------------------------------------


def test_the_effective_sla_of_a_gold_p1_with_due_times_in_the_tenants_zone(tenant, reader, policies):
    whitaker = ClientFactory(tenant=tenant, name="Whitaker Residence")
    response = reader.post(
        "/api/v1/effective-sla/",
        {"client": whitaker.pk, "priority": "P1", "has_signed_contract": True, "tier": "gold",
         "riders": ["premium-response"], "start": "2026-03-06T17:00"},
        format="json",
    )  # fmt: skip
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["policy"] == {"id": policies.gold.pk, "name": "Gold", "kind": "tier", "key": "gold"}
    assert [rider["key"] for rider in body["riders"]] == ["premium-response"]
    assert body["start"] == "2026-03-06T17:00:00-05:00"  # read in the tenant's zone
    due = {
        target["metric"]: (target["minutes"], target["calendar_name"], target["due_at"])
        for target in body["targets"]
    }
    assert due == {
        "first_response": (10, "24/7", "2026-03-06T17:10:00-05:00"),
        "onsite": (240, "Extended hours", "2026-03-07T11:00:00-05:00"),
        # 2 h Friday, 4 h Saturday, 2 h from Monday 07:00 — in daylight saving time by then
        "resolution": (480, "Extended hours", "2026-03-09T09:00:00-04:00"),
    }
    assert "The “Premium Response” rider sets first response for P1." in body["reasons"]
    assert body["without_target"] == {}


def test_an_unsigned_client_gets_basic_triage_and_no_due_times_without_a_start(
    tenant, writer, policies, calendars
):
    whitaker = ClientFactory(tenant=tenant, name="Whitaker Residence")
    body = writer.post(
        "/api/v1/effective-sla/",
        {"client": whitaker.pk, "priority": "P1", "has_signed_contract": False},
        format="json",
    ).json()
    assert body["policy"]["kind"] == "basic_triage"
    assert body["reasons"] == ["Whitaker Residence has no signed service contract: basic triage only."]
    assert body["targets"] == [
        {"metric": "first_response", "minutes": 120, "calendar": calendars.always.pk, "calendar_name": "24/7",
         "reason": "Basic triage target for P1"}
    ]  # fmt: skip
    assert body["start"] is None
    assert set(body["without_target"]) == {"onsite", "resolution"}


def test_the_effective_sla_question_is_validated(tenant, writer, other_tenant, policies):
    whitaker = ClientFactory(tenant=tenant)
    assert errors(
        writer.post(
            "/api/v1/effective-sla/", {"client": whitaker.pk, "has_signed_contract": True}, format="json"
        )
    ) == {"non_field_errors": ["Give a priority, or an issue type whose default priority applies."]}
    theirs = ClientFactory(tenant=other_tenant)
    their_issue = IssueTypeFactory(tenant=other_tenant)
    body = errors(
        writer.post(
            "/api/v1/effective-sla/",
            {"client": theirs.pk, "issue_type": their_issue.pk, "has_signed_contract": True},
            format="json",
        )
    )
    assert set(body) == {"client", "issue_type"}


@pytest.mark.parametrize(
    ("start", "message"),
    [
        ("9999-12-31T23:59", "Datetime value out of range."),  # past year 9999 in UTC
        ("9999-12-30T12:00", "start must lie in the years 2000 to 2100 (UTC)"),
        ("1999-12-31T12:00-05:00", "start must lie in the years 2000 to 2100 (UTC)"),
    ],
)
def test_an_effective_sla_start_outside_the_supported_years_is_a_400(
    start, message, tenant, reader, policies
):
    whitaker = ClientFactory(tenant=tenant)
    response = reader.post(
        "/api/v1/effective-sla/",
        {"client": whitaker.pk, "priority": "P1", "has_signed_contract": True, "start": start},
        format="json",
    )
    body = check_error(response, 400)
    assert [(e["attr"], e["code"]) for e in body["errors"]] == [
        ("start", "overflow" if "range" in message else "invalid")
    ]
    assert message in body["errors"][0]["detail"]


# --- Who may write ---------------------------------------------------------------------------------


def test_a_read_only_key_reads_but_every_write_is_a_403(tenant, reader, policies, calendars):
    issue_type = IssueTypeFactory(tenant=tenant)
    for url in ("/api/v1/calendars/", "/api/v1/closures/", "/api/v1/sla-policies/", "/api/v1/issue-types/"):
        assert reader.get(url).status_code == 200, url
    writes = [
        reader.post("/api/v1/calendars/", OFFICE, format="json"),
        reader.patch(f"/api/v1/calendars/{calendars.always.pk}/", {"name": "x"}, format="json"),
        reader.post(
            "/api/v1/closures/", {"calendar": calendars.always.pk, "date": "2026-07-03"}, format="json"
        ),
        reader.put(f"/api/v1/sla-policies/{policies.gold.pk}/", {"name": "x", "kind": "tier"}, format="json"),
        reader.delete(f"/api/v1/sla-policies/{policies.gold.pk}/"),
        reader.post(
            "/api/v1/priority-matrix/", {"impact": "high", "urgency": "low", "priority": "P2"}, format="json"
        ),
        reader.delete(f"/api/v1/issue-types/{issue_type.pk}/"),
    ]
    for response in writes:
        assert errors(response, 403) == {
            None: [
                "This API key lacks the 'service-levels:write' scope "
                "(or the 'write' scope, for every resource)."
            ]
        }
    assert in_tenant(tenant, lambda: SlaPolicy.objects.get(pk=policies.gold.pk).is_active)


def test_staff_need_sla_manage_to_write_through_the_api(client, login_as, tenant, calendars):
    login_as(tenant, Role.TECHNICIAN)
    assert client.get("/api/v1/calendars/").status_code == 200
    response = client.post("/api/v1/calendars/", OFFICE, content_type="application/json")
    assert errors(response, 403) == {None: ["Your role (Technician) cannot do this."]}
    login_as(tenant, Role.MANAGER)
    assert client.post("/api/v1/calendars/", OFFICE, content_type="application/json").status_code == 201
