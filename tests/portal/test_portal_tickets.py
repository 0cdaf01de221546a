"""Clients open and follow their tickets through an emailed tickets link: their own client's tickets only,
public replies only, and the promise of when they will hear back."""

import re
from datetime import UTC, datetime, timedelta
from html import unescape

import pytest
import time_machine
from django.core import mail
from django.urls import reverse

from events.models import OutboxEvent
from portal.links import Refusal, resolve_portal_link, send_tickets_link
from portal.models import LinkPurpose, PortalLink
from tenants.roles import Role
from tenants.scope import tenant_scope
from tests.factories import (
    AgreementFactory,
    ClientFactory,
    ContactFactory,
    IssueTypeFactory,
    PortalLinkFactory,
    SiteFactory,
    TicketFactory,
    sla_desk,
)
from tickets import services
from tickets.models import Channel, ClockState, Ticket, TicketStatus

pytestmark = pytest.mark.django_db

# Tuesday 24 November 2026, 13:00 UTC = 08:00 in New York (EST).
TUESDAY = datetime(2026, 11, 24, 13, 0, tzinfo=UTC)
DANA = "Dana Whitaker <dana@whitaker.example> (client contact)"  # how the history names her


def url(name, token, **kwargs):
    return reverse(f"portal:{name}", kwargs={"token": token, **kwargs})


def text(response):
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", response.content.decode())).split())


@pytest.fixture
def desk(tenant):
    return sla_desk(tenant)


@pytest.fixture
def household(tenant, desk):
    return ClientFactory(tenant=tenant, name="Whitaker Residence")


@pytest.fixture
def dana(household):
    return ContactFactory(client=household, full_name="Dana Whitaker", email="dana@whitaker.example")


@pytest.fixture
def lounge(household):
    return SiteFactory(client=household, name="Lounge and cinema room")


@pytest.fixture
def token(dana):
    return PortalLinkFactory(contact=dana, purpose=LinkPurpose.TICKETS).token


def ticket_of(client, **fields):
    return TicketFactory(client=client, **fields)


def in_scope(tenant, fn, *args, **kwargs):
    with tenant_scope(tenant):
        return fn(*args, **kwargs)


# --- The link ----------------------------------------------------------------------------------------


def test_a_tickets_link_needs_no_agreement_and_opens_the_tickets(client, tenant, token):
    link = resolve_portal_link(token)
    assert link.purpose == LinkPurpose.TICKETS
    assert link.agreement_id is None
    response = client.get(url("open", token))
    assert response.status_code == 302
    assert response["Location"] == url("tickets", token)


def test_a_tickets_link_cannot_carry_an_agreement(tenant, dana):
    from django.core.exceptions import ValidationError

    from portal.links import issue_portal_link

    agreement = AgreementFactory(client=dana.client)
    with tenant_scope(tenant), pytest.raises(ValidationError):
        issue_portal_link(contact=dana, purpose=LinkPurpose.TICKETS, agreement=agreement)


# --- Opening a ticket --------------------------------------------------------------------------------


@time_machine.travel(TUESDAY, tick=False)
def test_a_client_opens_a_ticket_from_the_portal(client, tenant, household, dana, lounge, token):
    kind = IssueTypeFactory(tenant=tenant, name="TV or projector", work_location="remote")
    form = client.get(url("ticket_new", token))
    assert form.status_code == 200
    assert "Lounge and cinema room" in text(form)
    assert "TV or projector" in text(form)

    response = client.post(url("ticket_new", token), {
        "title": "No picture on the lounge TV", "description": "Black screen since this morning.",
        "site": lounge.pk, "issue_type": kind.pk, "impact": "high", "urgency": "high",
    })  # fmt: skip

    with tenant_scope(tenant):
        ticket = Ticket.objects.get()
        assert (ticket.channel, ticket.contact, ticket.client, ticket.site, ticket.issue_type) == (
            Channel.PORTAL, dana, household, lounge, kind,
        )  # fmt: skip
        assert ticket.priority == "P1"
        assert ticket.clocks.filter(state=ClockState.RUNNING).exists()
        event = OutboxEvent.objects.get(name="ticket.created")
        assert event.payload["ticket_id"] == ticket.pk
        assert ticket.history.get(kind="created").actor == DANA
    assert response.status_code == 302
    assert response["Location"] == url("ticket", token, pk=ticket.pk) + "?opened=1"

    page = text(client.get(response["Location"]))
    assert f"#{ticket.number}" in page
    # First response: 1 h on the 24/7 calendar, shown in the tenant's zone (New York).
    assert "We'll reply by Tue 24 Nov, 09:00 EST" in page
    assert "basic triage" in page
    assert "needs a signed service contract" in page


def test_a_client_with_a_signed_contract_is_not_told_about_basic_triage(client, tenant, household, token):
    AgreementFactory(client=household)
    ticket = ticket_of(household, contact=None, impact="high", urgency="high")
    page = text(client.get(url("ticket", token, pk=ticket.pk)))
    assert "basic triage" not in page


def test_a_ticket_needs_a_title_and_the_form_keeps_what_was_typed(client, tenant, lounge, token):
    response = client.post(url("ticket_new", token), {
        "title": "", "description": "It beeps all night", "site": lounge.pk, "impact": "low",
        "urgency": "low",
    })  # fmt: skip
    assert response.status_code == 400
    assert "It beeps all night" in response.content.decode()
    with tenant_scope(tenant):
        assert not Ticket.objects.exists()


def test_only_the_clients_active_sites_can_be_chosen(client, tenant, household, lounge, token):
    theirs = SiteFactory(client=ClientFactory(tenant=tenant), name="Neighbour's garage")
    archived = SiteFactory(client=household, name="Old boathouse", archived_at=TUESDAY)
    page = text(client.get(url("ticket_new", token)))
    assert "Neighbour's garage" not in page
    assert "Old boathouse" not in page
    for site in (theirs, archived):
        response = client.post(url("ticket_new", token), {
            "title": "Gate stuck", "site": site.pk, "impact": "low", "urgency": "low",
        })  # fmt: skip
        assert response.status_code == 400
    with tenant_scope(tenant):
        assert not Ticket.objects.exists()


# --- The list ---------------------------------------------------------------------------------------


def test_the_list_shows_only_the_clients_tickets_open_first(client, tenant, other_tenant, household, token):
    done = ticket_of(household, title="Doorbell chime too quiet")
    in_scope(tenant, services.change_status, done, TicketStatus.RESOLVED, actor="tech")
    in_scope(tenant, services.change_status, done, TicketStatus.CLOSED, actor="tech")
    ticket_of(household, title="Wi-Fi drops in the study")
    ticket_of(ClientFactory(tenant=tenant, name="Neighbour"), title="Neighbour's alarm panel")
    ticket_of(ClientFactory(tenant=other_tenant), title="Rival's projector")

    page = text(client.get(url("tickets", token)))
    assert "Wi-Fi drops in the study" in page
    assert "Doorbell chime too quiet" in page
    assert page.index("Wi-Fi drops in the study") < page.index("Doorbell chime too quiet")
    assert "Neighbour's alarm panel" not in page
    assert "Rival's projector" not in page
    assert "Being worked on" in page or "Received" in page
    assert "Closed" in page


def test_an_empty_list_says_what_to_do(client, token):
    page = text(client.get(url("tickets", token)))
    assert "Nothing open right now" in page
    assert "Open a ticket" in page


# --- Following a ticket -----------------------------------------------------------------------------


def test_internal_notes_are_never_shown(client, tenant, household, dana, token, owner):
    ticket = ticket_of(household, contact=dana)
    in_scope(tenant, services.add_reply, ticket, body="Swapping the HDMI cable tomorrow.", author=owner)
    in_scope(tenant, services.add_reply, ticket, body="Client is difficult, bill it all.", author=owner,
             is_public=False)  # fmt: skip
    for response in (client.get(url("ticket", token, pk=ticket.pk)), client.get(url("tickets", token))):
        assert "Client is difficult" not in response.content.decode()
    assert "Swapping the HDMI cable tomorrow." in text(client.get(url("ticket", token, pk=ticket.pk)))


def test_a_client_reply_resumes_a_ticket_waiting_on_them(client, tenant, household, dana, token):
    ticket = ticket_of(household, contact=dana)
    in_scope(tenant, services.change_status, ticket, TicketStatus.WAITING_ON_CLIENT, actor="tech")
    with tenant_scope(tenant):
        assert ticket.clocks.filter(state=ClockState.PAUSED).exists()
    assert "is waiting for your answer" in text(client.get(url("ticket", token, pk=ticket.pk)))

    response = client.post(url("ticket_reply", token, pk=ticket.pk), {"body": "The model is LG OLED55."})

    assert response.status_code == 302
    with tenant_scope(tenant):
        ticket.refresh_from_db()
        assert ticket.status == TicketStatus.IN_PROGRESS
        assert not ticket.clocks.filter(state=ClockState.PAUSED).exists()
        reply = ticket.replies.get()
        assert (reply.author_contact, reply.author, reply.is_public) == (dana, None, True)
    assert "The model is LG OLED55." in text(client.get(url("ticket", token, pk=ticket.pk)))


def test_add_reply_by_a_contact_moves_a_waiting_ticket_back_to_in_progress(tenant, household, dana):
    ticket = ticket_of(household, contact=dana)
    with tenant_scope(tenant):
        services.change_status(ticket, TicketStatus.WAITING_ON_CLIENT, actor="tech")
        services.add_reply(ticket, body="Here you go", author_contact=dana)
        ticket.refresh_from_db()
        assert ticket.status == TicketStatus.IN_PROGRESS
        assert ticket.history.filter(kind="status", actor=DANA).exists()
        # Not waiting on the client: a reply changes nothing.
        services.change_status(ticket, TicketStatus.SCHEDULED, actor="tech")
        services.add_reply(ticket, body="Thanks", author_contact=dana)
        ticket.refresh_from_db()
        assert ticket.status == TicketStatus.SCHEDULED


def test_an_empty_reply_is_refused(client, tenant, household, token):
    ticket = ticket_of(household)
    response = client.post(url("ticket_reply", token, pk=ticket.pk), {"body": "  "})
    assert response.status_code == 400
    with tenant_scope(tenant):
        assert not ticket.replies.exists()


def test_a_client_closes_a_resolved_ticket(client, tenant, household, token):
    ticket = ticket_of(household)
    in_scope(tenant, services.change_status, ticket, TicketStatus.RESOLVED, actor="tech")
    page = text(client.get(url("ticket", token, pk=ticket.pk)))
    assert "Yes, it's fixed: close it" in page
    assert "It's not fixed" in page

    assert client.post(url("ticket_close", token, pk=ticket.pk)).status_code == 302

    with tenant_scope(tenant):
        ticket.refresh_from_db()
    assert ticket.status == TicketStatus.CLOSED
    assert ticket.closed_at is not None
    page = text(client.get(url("ticket", token, pk=ticket.pk)))
    assert "This ticket is closed" in page
    assert "Send reply" not in page


def test_a_client_reopens_a_resolved_ticket_that_is_not_fixed(client, tenant, household, dana, token):
    ticket = ticket_of(household)
    in_scope(tenant, services.change_status, ticket, TicketStatus.RESOLVED, actor="tech")

    response = client.post(url("ticket_reopen", token, pk=ticket.pk), {"body": "Still no sound."})

    assert response.status_code == 302
    with tenant_scope(tenant):
        ticket.refresh_from_db()
        assert ticket.status == TicketStatus.REOPENED
        assert ticket.replies.get().author_contact == dana
    assert "Still no sound." in text(client.get(url("ticket", token, pk=ticket.pk)))


def test_an_open_ticket_cannot_be_closed_from_the_portal(client, tenant, household, token):
    ticket = ticket_of(household)
    assert client.post(url("ticket_close", token, pk=ticket.pk)).status_code == 409
    assert client.post(url("ticket_reopen", token, pk=ticket.pk)).status_code == 409
    with tenant_scope(tenant):
        ticket.refresh_from_db()
    assert ticket.status == TicketStatus.NEW


# --- Isolation and dead ends ------------------------------------------------------------------------


def _every_ticket_route(client, token, pk):
    yield client.get(url("ticket", token, pk=pk))
    yield client.post(url("ticket_reply", token, pk=pk), {"body": "Let me in"})
    yield client.post(url("ticket_close", token, pk=pk))
    yield client.post(url("ticket_reopen", token, pk=pk), {"body": "Let me in"})


def test_another_clients_ticket_is_not_found(client, tenant, token):
    neighbours = ticket_of(ClientFactory(tenant=tenant), title="Neighbour's alarm panel")
    in_scope(tenant, services.change_status, neighbours, TicketStatus.RESOLVED, actor="tech")
    for response in _every_ticket_route(client, token, neighbours.pk):
        assert response.status_code == 404
        assert "Neighbour's alarm panel" not in response.content.decode()
    assert "We can't find that ticket" in text(client.get(url("ticket", token, pk=neighbours.pk)))
    with tenant_scope(tenant):
        neighbours.refresh_from_db()
        assert neighbours.status == TicketStatus.RESOLVED
        assert not neighbours.replies.exists()


def test_another_tenants_ticket_is_not_found(client, other_tenant, token):
    theirs = ticket_of(ClientFactory(tenant=other_tenant), title="Rival's projector")
    for response in _every_ticket_route(client, token, theirs.pk):
        assert response.status_code == 404
        assert "Rival's projector" not in response.content.decode()
    with tenant_scope(other_tenant):
        assert not theirs.replies.exists()


def test_an_expired_link_gets_the_dead_end_page(client, dana, household):
    ticket = ticket_of(household, title="Garage door sensor")
    token = PortalLinkFactory(contact=dana, purpose=LinkPurpose.TICKETS, ttl=timedelta(days=1)).token
    with time_machine.travel(datetime.now(UTC) + timedelta(days=2)):
        for response in (client.get(url("tickets", token)), client.get(url("ticket", token, pk=ticket.pk))):
            assert response.status_code == 410
            assert "This link has expired" in text(response)
            assert "Garage door sensor" not in text(response)
        assert client.post(url("ticket_new", token), {"title": "Sneaky"}).status_code == 410
        # The dead end offers a fresh link, and it is a tickets link in the tickets email.
        client.post(url("fresh_link", token), {"email": "dana@whitaker.example"})
    (message,) = mail.outbox
    assert "support requests" in message.body
    fresh = re.search(r"/portal/([A-Za-z0-9_-]{43})/", message.body)[1]
    assert resolve_portal_link(fresh).purpose == LinkPurpose.TICKETS


def test_revoked_and_tampered_tokens_get_the_dead_end_pages(client, tenant, token):
    from portal.links import revoke_portal_link

    assert client.get(url("tickets", token[:-1] + ("A" if token[-1] != "A" else "B"))).status_code == 404
    in_scope(tenant, revoke_portal_link, resolve_portal_link(token))
    response = client.get(url("tickets", token))
    assert response.status_code == 410
    assert "This link was withdrawn" in text(response)


def test_an_agreement_link_does_not_open_tickets(client, tenant, household, dana):
    agreement = AgreementFactory(client=household)
    token = PortalLinkFactory(contact=dana, purpose=LinkPurpose.VIEW_AGREEMENT, agreement=agreement).token
    ticket = ticket_of(household, title="Wi-Fi drops in the study")
    for response in (client.get(url("tickets", token)), client.get(url("ticket", token, pk=ticket.pk))):
        assert response.status_code == 404
        assert "Wi-Fi drops" not in response.content.decode()
    assert resolve_portal_link(token).purpose == LinkPurpose.VIEW_AGREEMENT


def test_an_archived_contact_or_client_can_no_longer_use_the_link(client, tenant, household, dana, token):
    with tenant_scope(tenant):
        type(household).objects.filter(pk=household.pk).update(archived_at=TUESDAY)
    assert resolve_portal_link(token).reason == Refusal.WRONG_CONTACT
    assert client.get(url("tickets", token)).status_code == 403


# --- Staff send the link -----------------------------------------------------------------------------


def send_url(contact):
    return reverse("contract_verify:send_tickets_link", kwargs={"pk": contact.pk})


def test_staff_email_a_contact_their_tickets_link(staff_client, tenant, household, dana):
    response = staff_client.post(send_url(dana))

    assert response.status_code == 302
    assert response["Location"] == reverse("clients:detail", kwargs={"pk": household.pk})
    (message,) = mail.outbox
    assert message.to == ["dana@whitaker.example"]
    assert "support requests" in message.subject
    token = re.search(r"https?://[^/\s]+/portal/([A-Za-z0-9_-]{43})/", message.body)[1]
    link = resolve_portal_link(token)
    assert (link.contact, link.purpose) == (dana, LinkPurpose.TICKETS)
    assert client_can_open(staff_client, token)


def client_can_open(client, token):
    return client.get(url("tickets", token)).status_code == 200


def test_staff_get_a_message_when_the_contact_has_no_email(staff_client, tenant, household):
    nobody = ContactFactory(client=household, email="", can_sign=False)
    response = staff_client.post(send_url(nobody), follow=True)
    assert "has no email address" in response.content.decode()
    assert mail.outbox == []


def test_sending_the_link_is_404_for_another_tenants_contact(staff_client, other_tenant):
    theirs = ContactFactory(client=ClientFactory(tenant=other_tenant))
    assert staff_client.post(send_url(theirs)).status_code == 404
    assert mail.outbox == []
    with tenant_scope(other_tenant):
        assert not PortalLink.objects.exists()


def test_a_read_only_role_cannot_send_the_link(client, login_as, tenant, dana):
    login_as(tenant, Role.READ_ONLY)
    assert client.post(send_url(dana)).status_code == 403
    assert mail.outbox == []


def test_send_tickets_link_refuses_an_archived_contact(tenant, dana):
    from django.core.exceptions import ValidationError

    dana.archived_at = TUESDAY
    with tenant_scope(tenant), pytest.raises(ValidationError):
        send_tickets_link(dana)


def test_a_ticket_staff_opened_for_the_contact_says_who_opened_it_not_you(
    client, tenant, household, dana, token, owner
):
    owner.full_name = "Olivia Owens"
    owner.save(update_fields=["full_name"])
    ticket = ticket_of(household, contact=dana, channel=Channel.STAFF, created_by=owner)

    page = text(client.get(url("ticket", token, pk=ticket.pk)))

    assert "by you" not in page
    assert f"by Olivia Owens at {tenant.name}" in page


def test_a_ticket_the_contact_opened_in_the_portal_says_by_you(client, tenant, household, dana, token):
    ticket = ticket_of(household, contact=dana, channel=Channel.PORTAL)

    assert "by you" in text(client.get(url("ticket", token, pk=ticket.pk)))
