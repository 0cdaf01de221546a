"""The ticket and SLA-clock API pages build their nested clock summaries and pauses with one serializer per
request (tickets.api._nested_serializer) and their rows the lean way (api.flat_rows.LeanRepresentation):
what they answer is what the declared serializers give through DRF's own steps, built one per clock as
before, for tickets without clocks and with running, breached, paused and met ones."""

from datetime import UTC, datetime, timedelta
from unittest import mock

import pytest
import time_machine
from rest_framework import serializers
from rest_framework.test import APIClient

from tenants.roles import Role
from tenants.scope import tenant_scope
from tests.factories import StaffMembershipFactory, api_key_for
from tickets import api as tickets_api
from tickets import selectors, services
from tickets.models import ClockState, SlaClock, Ticket, TicketStatus

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 11, 16, 14, 0, tzinfo=UTC)  # Monday 09:00 in New York


@pytest.fixture(autouse=True)
def frozen_now():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def reader(tenant):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {api_key_for(tenant, ['read'])[1]}")
    return client


@pytest.fixture
def tickets(tenant, desk):
    """Tickets whose clocks stand every way a page shows them."""
    technician = StaffMembershipFactory(tenant=tenant, role=Role.TECHNICIAN).user
    with tenant_scope(tenant):

        def opened(title, ago, **fields):
            return services.open_ticket(client=desk["client"], title=title, now=NOW - ago, **fields)

        opened("Fresh: on track", timedelta(minutes=5), priority="P3")
        opened("Old P1: breached", timedelta(hours=3), priority="P1")
        waiting = opened("Waiting on the client: paused", timedelta(hours=2), priority="P2")
        services.change_status(
            waiting, TicketStatus.WAITING_ON_CLIENT, actor="tech", now=NOW - timedelta(hours=1)
        )
        answered = opened("Answered and resolved: met", timedelta(hours=1), priority="P2")
        services.add_reply(answered, body="On it.", author=technician, now=NOW - timedelta(minutes=50))
        services.change_status(answered, TicketStatus.RESOLVED, actor="tech", now=NOW - timedelta(minutes=40))
        late = opened("Answered late: met late", timedelta(hours=4), priority="P1")
        services.add_reply(late, body="Sorry.", author=technician, now=NOW - timedelta(hours=2))
        services.change_status(late, TicketStatus.CLOSED, actor="tech", now=NOW - timedelta(hours=1))
        Ticket.objects.create(  # from before SLA targets: a row alone
            tenant=tenant, number=99, client=desk["client"], title="No clocks at all", priority="P4",
            created_at=NOW - timedelta(minutes=1),
        )  # fmt: skip
        return list(Ticket.objects.order_by("pk"))


def declared(tenant, ticket_pk: int) -> dict:
    """`sla` and `clocks` as the declared ClockSummarySerializer gives them, one instance per clock."""
    with tenant_scope(tenant):
        clocks = SlaClock.objects.filter(ticket_id=ticket_pk).select_related("calendar")
        views = [selectors.clock_view(clock, now=NOW) for clock in clocks]

    def summary(view):
        return tickets_api.ClockSummarySerializer({
            "id": view.clock.pk, "metric": view.clock.metric, "sla_state": view.state, "due_at": view.due_at,
            "seconds_to_breach": view.seconds_left if view.is_live else None,
        }).data  # fmt: skip

    active = [view for view in views if view.clock.state != ClockState.STOPPED]
    return {
        "sla": summary(min(active, key=lambda v: v.sort_key)) if active else None,
        "clocks": [summary(view) for view in views],
    }


def test_a_ticket_page_shows_each_clock_as_the_declared_summary_does(reader, tenant, tickets):
    page = reader.get("/api/v1/tickets/", {"page_size": 50}).json()["results"]

    assert len(page) == len(tickets)
    for shown in page:
        assert {"sla": shown["sla"], "clocks": shown["clocks"]} == declared(tenant, shown["id"]), shown[
            "title"
        ]
        assert reader.get(f"/api/v1/tickets/{shown['id']}/").json() == shown
    states = {clock["sla_state"] for shown in page for clock in shown["clocks"]}
    assert {"on_track", "breached", "paused", "met", "met_late"} <= states
    bare = next(shown for shown in page if shown["title"] == "No clocks at all")
    assert (bare["sla"], bare["clocks"]) == (None, [])


def test_a_ticket_page_builds_one_clock_summary_serializer_however_many_clocks_it_shows(reader, tickets):
    built = mock.patch.object(
        tickets_api.ClockSummarySerializer, "__init__", autospec=True,
        side_effect=tickets_api.ClockSummarySerializer.__init__,
    )  # fmt: skip
    with built as init:
        page = reader.get("/api/v1/tickets/", {"page_size": 50}).json()["results"]

    assert sum(len(shown["clocks"]) for shown in page) > 10
    assert init.call_count == 1


def test_the_clock_page_shows_pauses_as_the_declared_pause_serializer_does(reader, tenant, tickets):
    with tenant_scope(tenant):
        waiting = Ticket.objects.get(title__startswith="Waiting")
        services.change_status(
            waiting, TicketStatus.IN_PROGRESS, actor="tech", now=NOW - timedelta(minutes=30)
        )
        services.change_status(
            waiting, TicketStatus.WAITING_ON_CLIENT, actor="tech", now=NOW - timedelta(minutes=10)
        )
        clocks = {clock.pk: clock for clock in SlaClock.objects.all()}

    page = reader.get("/api/v1/sla-clocks/", {"page_size": 200}).json()["results"]

    assert len(page) == len(clocks)
    for shown in page:
        intervals = clocks[shown["id"]].pause_intervals()
        pauses = [{"start": start, "end": end} for start, end in intervals]
        assert shown["pauses"] == tickets_api.PauseSerializer(pauses, many=True).data
    assert [len(shown["pauses"]) for shown in page if shown["ticket"] == waiting.pk] == [2, 2, 2]
    assert any(shown["pauses"] and shown["pauses"][-1]["end"] is None for shown in page)


def test_tickets_and_clocks_serialize_the_lean_way_as_drf_does(tenant, tickets):
    with tenant_scope(tenant):
        rows = list(Ticket.objects.prefetch_related("client", "clocks__calendar").order_by("pk"))
        clocks = list(SlaClock.objects.select_related("calendar").order_by("pk"))
        ticket_serializer = tickets_api.TicketSerializer(context={})
        clock_serializer = tickets_api.SlaClockSerializer(context={})

        for ticket in rows:
            lean = ticket_serializer.to_representation(ticket)
            assert lean == serializers.ModelSerializer.to_representation(ticket_serializer, ticket)
        for clock in clocks:
            lean = clock_serializer.to_representation(clock)
            assert lean == serializers.ModelSerializer.to_representation(clock_serializer, clock)

    assert {row.assignee_id for row in rows} == {None}  # null relations among them
    assert {clock.state for clock in clocks} == {"running", "paused", "stopped"}
