"""Staff pages of tickets: the list with its filters, a new ticket, and a ticket's page with its clocks
drawn as timelines, the conversation, the actions and the history. Time is frozen (time-machine)."""

import re
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.urls import reverse

from contracts.models import CampaignRecipient
from service_levels.models import Metric
from tenants.roles import Role
from tenants.scope import tenant_scope
from tests.factories import (
    AgreementFactory,
    CampaignFactory,
    ClientFactory,
    ContactFactory,
    IssueTypeFactory,
    SiteFactory,
    StaffMembershipFactory,
)
from tickets import services
from tickets.models import Channel, ClockState, SlaClock, Ticket, TicketStatus

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 11, 16, 14, 0, tzinfo=UTC)  # Monday 09:00 in New York (the tenant's zone)


@pytest.fixture(autouse=True)
def frozen_now():
    with time_machine.travel(NOW, tick=False):
        yield


def html(response, status=200) -> str:
    assert response.status_code == status, response.status_code
    return response.content.decode()


def no_inline_script_or_style(page: str) -> bool:
    return not re.search(r"<script(?![^>]*\bsrc=)|\sstyle=|\son[a-z]+=", page)


def open_ticket(tenant, client, *, at=NOW, **fields):
    fields.setdefault("title", "Wi-Fi down in the east wing")
    with tenant_scope(tenant):
        return services.open_ticket(client=client, now=at, actor="Dispatcher", **fields)


def in_tenant(tenant, query):
    with tenant_scope(tenant):
        return query()


@pytest.fixture
def whitaker(tenant, desk):
    return desk["client"]


# --- The list -----------------------------------------------------------------------------------------


def test_the_list_shows_open_tickets_with_priority_status_and_sla_as_colour_and_word(
    staff_client, tenant, whitaker
):
    open_ticket(tenant, whitaker, title="Core switch down", priority="P1")
    resolved = open_ticket(tenant, whitaker, title="Old printer jam", priority="P4")
    with tenant_scope(tenant):
        services.change_status(resolved, TicketStatus.RESOLVED, actor="tech", now=NOW)

    page = html(staff_client.get(reverse("tickets:list")))

    assert "#1 Core switch down" in page
    assert "Old printer jam" not in page  # resolved: not open
    assert re.search(r'class="badge text-bg-danger">P1 · Critical<', page)
    assert re.search(r'class="badge text-bg-primary">New<', page)
    assert "On track" in page
    assert "First response: " in page
    assert 'data-due="2026-11-16T10:00:00-05:00">breaches in 1 h<' in page
    assert "Mon 16 Nov, 09:00 EST" in page
    assert "America/New_York" in page
    assert no_inline_script_or_style(page)


def test_the_list_filters_search_and_answers_htmx_with_the_results_only(
    staff_client, tenant, whitaker, owner
):
    other = ClientFactory(tenant=tenant, name="Okafor Dental Group")
    open_ticket(tenant, whitaker, title="Projector fan noisy", priority="P4")
    open_ticket(tenant, other, title="Camera at the gate offline", priority="P2", assignee=owner)
    waiting = open_ticket(tenant, other, title="Lighting scene wrong", priority="P3")
    with tenant_scope(tenant):
        services.change_status(waiting, TicketStatus.WAITING_ON_CLIENT, actor="tech", now=NOW)

    def titles(**params):
        response = staff_client.get(reverse("tickets:list"), params, HTTP_HX_REQUEST="true")
        page = html(response)
        assert "<html" not in page  # the results partial only
        return sorted(re.findall(r'class="row-link"[^>]*>#\d+ ([^<]+)<', page))

    assert titles() == ["Camera at the gate offline", "Lighting scene wrong", "Projector fan noisy"]
    assert titles(priority="P2") == ["Camera at the gate offline"]
    assert titles(client=str(whitaker.pk)) == ["Projector fan noisy"]
    assert titles(assignee="me") == ["Camera at the gate offline"]
    assert titles(assignee="none") == ["Lighting scene wrong", "Projector fan noisy"]
    assert titles(status="waiting_on_client") == ["Lighting scene wrong"]
    assert titles(q="okafor") == ["Camera at the gate offline", "Lighting scene wrong"]
    assert titles(q="#1") == ["Projector fan noisy"]

    full = html(staff_client.get(reverse("tickets:list"), {"priority": "P2", "client": str(other.pk)}))
    assert '<option value="P2" selected>' in full  # the URL's filters are shown as chosen
    assert f'<option value="{other.pk}" selected>' in full
    assert 'hx-push-url="true"' in full


def test_an_empty_list_says_what_to_do_next(staff_client, tenant):
    page = html(staff_client.get(reverse("tickets:list")))
    assert "No open tickets." in page
    assert reverse("tickets:create") in page


# --- A new ticket ---------------------------------------------------------------------------------------


def test_a_new_ticket_from_the_form_starts_its_clocks_and_goes_to_its_page(
    staff_client, tenant, whitaker, owner
):
    site = SiteFactory(client=whitaker, name="Beach house")
    contact = ContactFactory(client=whitaker, full_name="Dana Whitaker")
    issue_type = IssueTypeFactory(tenant=tenant, name="Wi-Fi dropping", work_location="on_site")
    response = staff_client.post(reverse("tickets:create"), {
        "client": whitaker.pk, "site": site.pk, "contact": contact.pk, "title": "Wi-Fi drops upstairs",
        "description": "Since the storm", "issue_type": issue_type.pk, "impact": "high", "urgency": "high",
        "work_location": "remote", "channel": "email", "assignee": owner.pk,
    })  # fmt: skip

    ticket = in_tenant(tenant, lambda: Ticket.objects.get())
    assert response.status_code == 302
    assert response["Location"] == reverse("tickets:detail", args=[ticket.pk])
    assert (ticket.priority, ticket.channel, ticket.work_location) == ("P1", Channel.EMAIL, "remote")
    assert (ticket.site_id, ticket.contact_id, ticket.assignee, ticket.created_by) == (
        site.pk,
        contact.pk,
        owner,
        owner,
    )
    metrics = in_tenant(
        tenant, lambda: set(SlaClock.objects.filter(ticket=ticket).values_list("metric", flat=True))
    )
    assert metrics == {Metric.FIRST_RESPONSE, Metric.ONSITE, Metric.RESOLUTION}


def test_choosing_a_client_offers_only_its_own_sites_and_contacts(staff_client, tenant, whitaker):
    SiteFactory(client=whitaker, name="Beach house")
    ContactFactory(client=whitaker, full_name="Dana Whitaker")
    other = ClientFactory(tenant=tenant)
    SiteFactory(client=other, name="Downtown office")

    page = html(staff_client.get(reverse("tickets:client_fields"), {"client": whitaker.pk}))

    assert "Beach house" in page
    assert "Dana Whitaker" in page
    assert "Downtown office" not in page
    assert "<html" not in page


def test_the_form_shows_the_priority_of_impact_and_urgency_and_an_issue_type_sets_where(
    staff_client, tenant, whitaker
):
    issue_type = IssueTypeFactory(tenant=tenant, name="Projector dead", work_location="on_site")
    hints = reverse("tickets:form_hints")

    high = html(staff_client.get(hints, {"impact": "high", "urgency": "medium"}))
    low = html(staff_client.get(hints, {"impact": "low", "urgency": "low"}))
    chosen = html(
        staff_client.get(
            hints,
            {"impact": "medium", "urgency": "medium", "issue_type": issue_type.pk},
            HTTP_HX_REQUEST="true",
            HTTP_HX_TRIGGER_NAME="issue_type",
        )
    )

    assert 'data-priority="P2">P2 · High<' in high
    assert 'data-priority="P4">P4 · Low<' in low
    assert "“Projector dead” is usually P3 · Medium, on-site." in chosen
    assert 'hx-swap-oob="true"' in chosen
    assert '<option value="on_site" selected>' in chosen


def test_a_ticket_without_a_title_is_refused_inline_and_keeps_what_was_typed(staff_client, tenant, whitaker):
    page = html(
        staff_client.post(
            reverse("tickets:create"),
            {
                "client": whitaker.pk,
                "title": "",
                "description": "Keep this text",
                "impact": "low",
                "urgency": "high",
                "work_location": "remote",
                "channel": "staff",
            },
        ),
    )
    assert "This field is required." in page
    assert "Keep this text" in page
    assert '<option value="high" selected>' in page
    assert not in_tenant(tenant, lambda: Ticket.objects.exists())


# --- A ticket's page ------------------------------------------------------------------------------------


def test_the_page_shows_each_clock_with_its_countdown_due_time_timeline_and_reasons(
    staff_client, tenant, whitaker
):
    ticket = open_ticket(tenant, whitaker, priority="P1", at=NOW - timedelta(minutes=30))

    page = html(staff_client.get(reverse("tickets:detail", args=[ticket.pk])))

    assert 'data-priority="P1">Priority P1 · Critical<' in page
    assert 'data-status="new">New<' in page
    assert 'data-clock="first_response" data-state="on_track"' in page
    assert 'data-due="2026-11-16T09:30:00-05:00">breaches in 30 min<' in page
    assert "Due Mon 16 Nov, 09:30 EST" in page
    assert 'data-clock="resolution" data-state="on_track"' in page  # 8 business hours from 08:30
    assert "Due Mon 16 Nov, 16:30 EST" in page
    assert page.count('<svg class="clock-timeline') == 3
    assert 'data-segment="running"' in page
    assert 'data-segment="remaining"' in page
    assert 'data-marker="due"' in page
    assert 'data-marker="now"' in page
    assert "has no signed service contract: basic triage only." in page  # the reasons
    assert "times in America/New_York" in page
    assert no_inline_script_or_style(page)
    assert "js/countdown.js" in page


def test_a_paused_clock_is_drawn_with_its_pause_and_the_business_time_it_has_left(
    staff_client, tenant, whitaker
):
    ticket = open_ticket(tenant, whitaker, priority="P1", at=NOW - timedelta(hours=1))
    with tenant_scope(tenant):
        services.change_status(
            ticket, TicketStatus.WAITING_ON_CLIENT, actor="tech", now=NOW - timedelta(minutes=30)
        )

    page = html(staff_client.get(reverse("tickets:detail", args=[ticket.pk])))

    # Resolution: 8 business hours from 08:00 EST; 30 min used before the pause.
    assert 'data-clock="resolution" data-state="paused"' in page
    assert "Paused · 7 h 30 min of business time left" in page
    assert 'data-segment="paused"' in page
    assert "Paused Mon 16 Nov, 08:30 – now" in page


def test_a_met_clock_says_met_in_time_and_a_late_one_met_late(staff_client, tenant, whitaker, owner):
    on_time = open_ticket(tenant, whitaker, priority="P1", at=NOW - timedelta(hours=3))
    late = open_ticket(tenant, whitaker, priority="P1", at=NOW - timedelta(hours=3))
    with tenant_scope(tenant):
        services.add_reply(on_time, body="On it", author=owner, now=NOW - timedelta(hours=2, minutes=30))
        services.add_reply(late, body="Sorry for the wait", author=owner, now=NOW - timedelta(hours=1))

    first = html(staff_client.get(reverse("tickets:detail", args=[on_time.pk])))
    second = html(staff_client.get(reverse("tickets:detail", args=[late.pk])))

    assert 'data-clock="first_response" data-state="met"' in first
    assert "Met in time" in first
    assert 'data-clock="first_response" data-state="met_late"' in second
    assert 'data-segment="overdue"' in second
    assert 'data-marker="met"' in second


def test_a_client_without_a_signed_contract_gets_the_basic_triage_banner(staff_client, tenant, whitaker):
    ticket = open_ticket(tenant, whitaker)
    page = html(staff_client.get(reverse("tickets:detail", args=[ticket.pk])))
    assert 'data-banner="basic_triage"' in page
    assert "Basic triage only: no signed service contract." in page


def test_a_client_in_a_signing_campaigns_grace_period_gets_the_grace_banner(staff_client, tenant, whitaker):
    campaign = CampaignFactory(tenant=tenant, grace_deadline=datetime(2026, 11, 30).date())
    agreement = AgreementFactory(client=whitaker, status="sent", starts_on=None)
    contact = ContactFactory(client=whitaker)
    with tenant_scope(tenant):
        CampaignRecipient.objects.create(
            tenant=tenant, campaign=campaign, client=whitaker, contact=contact, agreement=agreement
        )
    ticket = open_ticket(tenant, whitaker)

    page = html(staff_client.get(reverse("tickets:detail", args=[ticket.pk])))

    assert 'data-banner="grace"' in page
    assert "Grace period until 30 Nov 2026: no signed service contract yet." in page


def test_a_client_under_a_signed_agreement_gets_no_banner(staff_client, tenant, whitaker):
    AgreementFactory(client=whitaker)
    ticket = open_ticket(tenant, whitaker)
    page = html(staff_client.get(reverse("tickets:detail", args=[ticket.pk])))
    assert "data-banner=" not in page
    assert ">Signed</span>" in page


# --- Actions ---------------------------------------------------------------------------------------------


def test_a_public_reply_stops_first_response_and_an_internal_note_is_marked_as_such(
    staff_client, tenant, whitaker
):
    ticket = open_ticket(tenant, whitaker, priority="P1")
    url = reverse("tickets:reply", args=[ticket.pk])

    note = staff_client.post(url, {"reply-body": "Check the PoE switch first", "visibility": "internal"})
    clock = in_tenant(tenant, lambda: SlaClock.objects.get(ticket=ticket, metric=Metric.FIRST_RESPONSE))
    assert (note.status_code, clock.state) == (302, ClockState.RUNNING)

    reply = staff_client.post(url, {"reply-body": "We are on our way", "visibility": "public"})
    in_tenant(tenant, clock.refresh_from_db)
    assert (reply.status_code, clock.state) == (302, ClockState.STOPPED)

    page = html(staff_client.get(reverse("tickets:detail", args=[ticket.pk])))
    assert page.index('data-reply="internal"') < page.index('data-reply="public"')
    assert "Internal note</span>" in page
    assert "Public reply</span>" in page
    assert "First response sent" in page
    assert "Status: New → Acknowledged" in page


def test_an_empty_reply_is_refused_on_the_page(staff_client, tenant, whitaker):
    ticket = open_ticket(tenant, whitaker)
    page = html(
        staff_client.post(
            reverse("tickets:reply", args=[ticket.pk]), {"reply-body": " ", "visibility": "public"}
        ),
        status=400,
    )
    assert "Write something first." in page


def test_status_assignment_and_check_in_go_through_the_workflow_into_the_history(
    staff_client, tenant, whitaker, owner
):
    tech = StaffMembershipFactory(tenant=tenant, role=Role.TECHNICIAN, user__full_name="Theo Tran").user
    ticket = open_ticket(tenant, whitaker, priority="P2")

    staff_client.post(reverse("tickets:assign", args=[ticket.pk]), {"assign-assignee": tech.pk})
    staff_client.post(reverse("tickets:status", args=[ticket.pk]), {"status-status": "waiting_on_client"})
    paused = in_tenant(
        tenant, lambda: set(SlaClock.objects.filter(ticket=ticket).values_list("state", flat=True))
    )
    staff_client.post(reverse("tickets:status", args=[ticket.pk]), {"status-status": "scheduled"})
    staff_client.post(reverse("tickets:check_in", args=[ticket.pk]))

    in_tenant(tenant, ticket.refresh_from_db)
    onsite = in_tenant(tenant, lambda: SlaClock.objects.get(ticket=ticket, metric=Metric.ONSITE))
    page = html(staff_client.get(reverse("tickets:detail", args=[ticket.pk])))
    assert paused == {ClockState.PAUSED}
    assert (ticket.assignee, ticket.status) == (tech, TicketStatus.IN_PROGRESS)
    assert onsite.met_at == NOW
    for line in ("Assigned to Theo Tran", "Status: New → Waiting on client", "Checked in on site",
                 "Status: Scheduled → In progress"):  # fmt: skip
        assert line in page


def test_a_closed_ticket_can_only_be_reopened(staff_client, tenant, whitaker):
    ticket = open_ticket(tenant, whitaker)
    with tenant_scope(tenant):
        services.change_status(ticket, TicketStatus.CLOSED, actor="tech", now=NOW)

    page = html(staff_client.get(reverse("tickets:detail", args=[ticket.pk])))
    options = re.findall(
        r'<option value="([a-z_]+)"', page.split('id="id_status-status"')[1].split("</select>")[0]
    )
    refused = staff_client.post(reverse("tickets:status", args=[ticket.pk]), {"status-status": "in_progress"})

    assert options == ["reopened"]
    assert refused.status_code == 400
    assert in_tenant(tenant, lambda: Ticket.objects.get(pk=ticket.pk).status) == TicketStatus.CLOSED


def test_changing_the_priority_recomputes_the_targets_and_the_history_says_why(
    staff_client, tenant, whitaker
):
    ticket = open_ticket(tenant, whitaker, priority="P3")

    response = staff_client.post(
        reverse("tickets:retarget", args=[ticket.pk]),
        {"retarget-priority": "P1", "retarget-issue_type": "", "retarget-why": "Whole house is down"},
    )
    page = html(staff_client.get(reverse("tickets:detail", args=[ticket.pk])))

    same = staff_client.post(
        reverse("tickets:retarget", args=[ticket.pk]),
        {"retarget-priority": "P1", "retarget-issue_type": "", "retarget-why": "Again"},
    )
    first = in_tenant(tenant, lambda: SlaClock.objects.get(ticket=ticket, metric=Metric.FIRST_RESPONSE))
    assert response.status_code == 302
    assert "Choose another priority or issue type" in html(same, status=400)
    assert first.target_minutes == 60  # P1 instead of P3's 4 h
    assert "Changed priority P3 → P1" in page
    assert "Why: <em>Whole house is down</em>" in page
    assert "First response: 1 h on “24/7”" in page


def test_read_only_staff_see_a_ticket_but_no_actions_and_cannot_act(client, login_as, tenant, whitaker):
    login_as(tenant, Role.READ_ONLY)
    ticket = open_ticket(tenant, whitaker)

    page = html(client.get(reverse("tickets:detail", args=[ticket.pk])))
    board = client.get(reverse("tickets:board"))

    assert "#1" in page
    assert reverse("tickets:reply", args=[ticket.pk]) not in page
    assert reverse("tickets:log_time", args=[ticket.pk]) not in page
    assert board.status_code == 200
    assert (
        client.post(reverse("tickets:status", args=[ticket.pk]), {"status-status": "closed"}).status_code
        == 403
    )
    assert client.get(reverse("tickets:create")).status_code == 403
