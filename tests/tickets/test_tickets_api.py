"""The partner API of tickets: monitoring tools and partners open tickets (channel "api"), change them
through the workflow, reply, log time, and read the SLA clocks. One error format; Idempotency-Key."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from rest_framework.test import APIClient

from service_levels.models import Metric
from tenants.roles import Role
from tenants.scope import tenant_scope
from tests.factories import (
    ClientFactory,
    ContactFactory,
    SiteFactory,
    StaffMembershipFactory,
    api_key_for,
)
from tickets import services
from tickets.models import Channel, ClockState, SlaClock, Ticket, TicketStatus, TimeEntry

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 11, 16, 14, 0, tzinfo=UTC)  # Monday 09:00 in New York


@pytest.fixture(autouse=True)
def frozen_now():
    with time_machine.travel(NOW, tick=False):
        yield


def api(clear_key=None) -> APIClient:
    client = APIClient()
    if clear_key:
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {clear_key}")
    return client


@pytest.fixture
def writer(tenant):
    return api(api_key_for(tenant, ["read", "write"], name="Monitoring")[1])


@pytest.fixture
def reader(tenant):
    return api(api_key_for(tenant, ["read"], name="Reports")[1])


def errors(response, status=400) -> dict:
    """{attr: [detail, …]} of an answer in the API's one error format."""
    assert response.status_code == status, response.content
    body = response.json()
    assert set(body) == {"type", "errors"}
    found = {}
    for error in body["errors"]:
        assert set(error) == {"code", "detail", "attr"}
        found.setdefault(error["attr"], []).append(error["detail"])
    return found


def open_ticket(tenant, client, **fields):
    fields.setdefault("title", "Wi-Fi down")
    with tenant_scope(tenant):
        return services.open_ticket(client=client, now=fields.pop("now", NOW), **fields)


def in_tenant(tenant, query):
    with tenant_scope(tenant):
        return query()


# --- Tickets ----------------------------------------------------------------------------------------------


def test_a_monitoring_tool_opens_a_ticket_and_its_clocks_start(writer, tenant, desk):
    client = desk["client"]
    site = SiteFactory(client=client)
    response = writer.post("/api/v1/tickets/", {
        "client": client.pk, "title": "NVR reports camera 3 offline", "site": site.pk, "impact": "high",
        "urgency": "high",
    }, format="json")  # fmt: skip

    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["number"], body["channel"], body["priority"], body["status"]) == (1, "api", "P1", "new")
    assert body["sla"] == {
        "id": body["sla"]["id"], "metric": "first_response", "sla_state": "on_track",
        "due_at": "2026-11-16T15:00:00Z", "seconds_to_breach": 3600,
    }  # fmt: skip
    assert {clock["metric"] for clock in body["clocks"]} == {"first_response", "onsite", "resolution"}
    assert "basic triage only" in body["sla_reasons"][0]
    ticket = in_tenant(tenant, lambda: Ticket.objects.get())
    assert ticket.channel == Channel.API
    assert ticket.created_by is None
    history = writer.get(f"/api/v1/tickets/{ticket.pk}/history/").json()
    assert history[0]["kind"] == "created"
    assert history[0]["actor"] == "API key “Monitoring”"


def test_a_retried_create_with_the_same_idempotency_key_opens_one_ticket(writer, tenant, desk):
    payload = {"client": desk["client"].pk, "title": "Internet outage at the cabin"}
    first = writer.post("/api/v1/tickets/", payload, format="json", HTTP_IDEMPOTENCY_KEY="nvr-alert-77")
    again = writer.post("/api/v1/tickets/", payload, format="json", HTTP_IDEMPOTENCY_KEY="nvr-alert-77")

    assert (first.status_code, again.status_code) == (201, 201)
    assert again["Idempotent-Replayed"] == "true"
    assert again.json()["id"] == first.json()["id"]
    assert in_tenant(tenant, lambda: Ticket.objects.count()) == 1


def test_a_site_of_another_client_or_tenant_is_refused_in_the_error_format(
    writer, tenant, other_tenant, desk
):
    other_site = SiteFactory(client=ClientFactory(tenant=tenant))
    foreign_contact = ContactFactory(client=ClientFactory(tenant=other_tenant))

    wrong_client = writer.post("/api/v1/tickets/", {
        "client": desk["client"].pk, "title": "TV dead", "site": other_site.pk,
    }, format="json")  # fmt: skip
    foreign = writer.post("/api/v1/tickets/", {
        "client": desk["client"].pk, "title": "TV dead", "contact": foreign_contact.pk,
    }, format="json")  # fmt: skip
    no_title = writer.post("/api/v1/tickets/", {"client": desk["client"].pk}, format="json")

    assert errors(wrong_client) == {
        "non_field_errors": ["The site and contact must belong to the ticket's client."]
    }
    assert "contact" in errors(foreign)
    assert "title" in errors(no_title)
    assert not in_tenant(tenant, lambda: Ticket.objects.exists())


def test_tickets_are_listed_and_filtered(reader, tenant, desk):
    okafor = ClientFactory(tenant=tenant, name="Okafor Dental Group")
    open_ticket(tenant, desk["client"], title="Core switch down", priority="P1")
    waiting = open_ticket(tenant, okafor, title="Lighting scene wrong", priority="P4")
    with tenant_scope(tenant):
        services.change_status(waiting, TicketStatus.RESOLVED, actor="tech", now=NOW)

    def titles(**params):
        response = reader.get("/api/v1/tickets/", params)
        assert response.status_code == 200, response.content
        return [ticket["title"] for ticket in response.json()["results"]]

    assert titles() == ["Lighting scene wrong", "Core switch down"]
    assert titles(open="true") == ["Core switch down"]
    assert titles(status="resolved") == ["Lighting scene wrong"]
    assert titles(priority="P1") == ["Core switch down"]
    assert titles(client=okafor.pk) == ["Lighting scene wrong"]
    assert titles(search="okafor") == ["Lighting scene wrong"]


def test_changing_the_priority_recomputes_the_targets_and_the_history_keeps_why(writer, tenant, desk):
    ticket = open_ticket(tenant, desk["client"], priority="P3")

    response = writer.patch(
        f"/api/v1/tickets/{ticket.pk}/", {"priority": "P1", "why": "Client escalated"}, format="json"
    )

    assert response.status_code == 200, response.content
    body = response.json()
    assert body["priority"] == "P1"
    assert body["sla"]["due_at"] == "2026-11-16T15:00:00Z"  # first response: 1 h instead of 4 h
    history = writer.get(f"/api/v1/tickets/{ticket.pk}/history/").json()
    retargeted = next(event for event in history if event["kind"] == "retargeted")
    assert retargeted["details"] == {"priority": ["P3", "P1"], "why": "Client escalated"}


def test_status_and_assignee_change_through_the_workflow(writer, tenant, desk):
    tech = StaffMembershipFactory(tenant=tenant, role=Role.TECHNICIAN).user
    ticket = open_ticket(tenant, desk["client"])

    response = writer.patch(
        f"/api/v1/tickets/{ticket.pk}/", {"status": "waiting_on_client", "assignee": tech.pk}, format="json"
    )

    assert response.status_code == 200, response.content
    assert (response.json()["status"], response.json()["assignee"]) == ("waiting_on_client", tech.pk)
    assert {c["sla_state"] for c in response.json()["clocks"]} == {"paused"}
    unassigned = writer.patch(f"/api/v1/tickets/{ticket.pk}/", {"assignee": None}, format="json")
    assert unassigned.json()["assignee"] is None


def test_a_refused_status_change_undoes_the_rest_of_the_request(writer, tenant, desk):
    ticket = open_ticket(tenant, desk["client"], priority="P3")
    with tenant_scope(tenant):
        services.change_status(ticket, TicketStatus.CLOSED, actor="tech", now=NOW)

    response = writer.patch(
        f"/api/v1/tickets/{ticket.pk}/", {"priority": "P1", "status": "in_progress"}, format="json"
    )

    assert errors(response) == {"non_field_errors": ["A closed ticket can only be reopened."]}
    assert in_tenant(tenant, lambda: Ticket.objects.get(pk=ticket.pk).priority) == "P3"


def test_a_read_only_key_cannot_open_or_change_tickets_and_none_are_replaced_or_deleted(
    reader, writer, tenant, desk
):
    ticket = open_ticket(tenant, desk["client"])
    new = {"client": desk["client"].pk, "title": "TV dead"}
    assert reader.post("/api/v1/tickets/", new, format="json").status_code == 403
    assert reader.patch(f"/api/v1/tickets/{ticket.pk}/", {"priority": "P1"}, format="json").status_code == 403
    assert writer.put(f"/api/v1/tickets/{ticket.pk}/", new, format="json").status_code == 405
    assert writer.delete(f"/api/v1/tickets/{ticket.pk}/").status_code == 405


# --- Replies ---------------------------------------------------------------------------------------------


def test_a_staff_reply_through_the_api_stops_first_response_and_a_keys_reply_does_not(
    writer, tenant, desk, client
):
    ticket = open_ticket(tenant, desk["client"], priority="P1")
    staff = StaffMembershipFactory(tenant=tenant, role=Role.TECHNICIAN).user
    client.force_login(staff)

    from_tool = writer.post(
        "/api/v1/replies/", {"ticket": ticket.pk, "body": "Auto: link restored"}, format="json"
    )
    first = in_tenant(tenant, lambda: SlaClock.objects.get(ticket=ticket, metric=Metric.FIRST_RESPONSE))
    assert from_tool.status_code == 201, from_tool.content
    assert (from_tool.json()["author"], first.state) == (None, ClockState.RUNNING)

    from_staff = client.post(
        "/api/v1/replies/", {"ticket": ticket.pk, "body": "On our way"}, content_type="application/json"
    )
    in_tenant(tenant, first.refresh_from_db)
    assert from_staff.status_code == 201, from_staff.content
    assert (from_staff.json()["author"], first.state) == (staff.pk, ClockState.STOPPED)


def test_internal_notes_are_listed_apart_from_public_replies(writer, tenant, desk):
    ticket = open_ticket(tenant, desk["client"])
    writer.post(
        "/api/v1/replies/",
        {"ticket": ticket.pk, "body": "PoE port 7 down", "is_public": False},
        format="json",
    )
    writer.post("/api/v1/replies/", {"ticket": ticket.pk, "body": "Fixed"}, format="json")

    notes = writer.get("/api/v1/replies/", {"ticket": ticket.pk, "is_public": "false"}).json()["results"]
    empty = writer.post("/api/v1/replies/", {"ticket": ticket.pk, "body": "  "}, format="json")

    assert [note["body"] for note in notes] == ["PoE port 7 down"]
    assert "body" in errors(empty)


# --- Time entries -------------------------------------------------------------------------------------------


def test_time_logged_through_the_api_says_covered_or_billable(writer, tenant, desk):
    tech = StaffMembershipFactory(tenant=tenant, role=Role.TECHNICIAN, cost_rate="60.00").user
    ticket = open_ticket(tenant, desk["client"])

    without_technician = writer.post("/api/v1/time-entries/", {
        "ticket": ticket.pk, "work_type": "repair", "minutes": 30,
    }, format="json")  # fmt: skip
    response = writer.post("/api/v1/time-entries/", {
        "ticket": ticket.pk, "technician": tech.pk, "work_type": "repair", "minutes": 30,
        "location": "on_site",
    }, format="json")  # fmt: skip

    assert "technician" in errors(without_technician)
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["covered"], body["coverage_reason"]) == (
        False,
        "No signed service contract: all work is billable.",
    )
    assert (body["cost"], body["currency"], body["worked_on"]) == ("30.00", "USD", "2026-11-16")
    listed = writer.get("/api/v1/time-entries/", {"ticket": ticket.pk, "covered": "false"}).json()["results"]
    assert [entry["id"] for entry in listed] == [body["id"]]
    assert in_tenant(tenant, lambda: TimeEntry.objects.count()) == 1


def test_a_technician_of_another_tenant_cannot_be_named(writer, tenant, other_tenant, desk):
    stranger = StaffMembershipFactory(tenant=other_tenant).user
    ticket = open_ticket(tenant, desk["client"])
    response = writer.post("/api/v1/time-entries/", {
        "ticket": ticket.pk, "technician": stranger.pk, "work_type": "repair", "minutes": 30,
    }, format="json")  # fmt: skip
    assert "technician" in errors(response)


# --- SLA clocks ------------------------------------------------------------------------------------------


def test_clocks_are_read_only_with_their_state_pauses_and_time_to_breach(writer, tenant, desk):
    ticket = open_ticket(tenant, desk["client"], priority="P1", now=NOW - timedelta(hours=2))
    with tenant_scope(tenant):
        services.change_status(
            ticket, TicketStatus.WAITING_ON_CLIENT, actor="tech", now=NOW - timedelta(hours=1)
        )
        services.change_status(
            ticket, TicketStatus.IN_PROGRESS, actor="tech", now=NOW - timedelta(minutes=30)
        )

    clocks = writer.get("/api/v1/sla-clocks/", {"ticket": ticket.pk}).json()["results"]
    first = next(clock for clock in clocks if clock["metric"] == "first_response")
    breached = writer.get("/api/v1/sla-clocks/", {"ticket": ticket.pk, "breached": "false"}).json()["results"]

    # 1 h on 24/7: 1 h run before the pause -> due at the resume, 30 min ago.
    assert (first["state"], first["sla_state"], first["seconds_to_breach"]) == ("running", "breached", -1800)
    assert first["pauses"] == [{"start": "2026-11-16T13:00:00Z", "end": "2026-11-16T13:30:00Z"}]
    assert len(breached) == 3  # the sweeper has not recorded a breach yet
    assert writer.post("/api/v1/sla-clocks/", {}, format="json").status_code == 405
    assert writer.patch(f"/api/v1/sla-clocks/{first['id']}/", {}, format="json").status_code == 405
