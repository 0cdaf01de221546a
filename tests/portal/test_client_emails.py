"""Clients hear about their tickets by email: staff's public replies and the resolution, to the ticket's
contact, answering to the company's reply-to address, with a link to follow the ticket in the portal.
Internal notes and the client's own replies email nobody. The worker is played by dispatching the bus."""

import logging
import re
from datetime import UTC, datetime, timedelta
from email.utils import parseaddr

import pytest
import time_machine
from django.conf import settings
from django.core import mail
from django.urls import reverse

from events.dispatch import dispatch_pending
from events.models import DeliveryStatus, EventDelivery
from notifications.services import send_pending_emails
from tenants.roles import Role
from tenants.scope import cross_tenant, tenant_scope
from tests.factories import ClientFactory, ContactFactory, PortalLinkFactory, StaffMembershipFactory, sla_desk
from tickets import services
from tickets.models import TicketStatus

pytestmark = pytest.mark.django_db

# Tuesday 24 November 2026, 15:00 UTC = 10:00 in New York (the tenant's zone).
TUESDAY = datetime(2026, 11, 24, 15, 0, tzinfo=UTC)
SUPPORT = "support@harbor-av.example"


@pytest.fixture(autouse=True)
def frozen_now():
    with time_machine.travel(TUESDAY, tick=False):
        yield


@pytest.fixture
def company(tenant):
    tenant.name, tenant.reply_to_email = "Harbor AV", SUPPORT
    tenant.save()
    sla_desk(tenant)
    return tenant


@pytest.fixture
def household(company):
    return ClientFactory(tenant=company, name="Whitaker Residence")


@pytest.fixture
def dana(household):
    return ContactFactory(client=household, full_name="Dana Whitaker", email="dana@whitaker.example")


@pytest.fixture
def sam(company, client):
    """A technician of the company, signed in with the test client."""
    user = StaffMembershipFactory(tenant=company, role=Role.TECHNICIAN, user__full_name="Sam Rivera").user
    client.force_login(user)
    return user


@pytest.fixture
def ticket(company, household, dana):
    with tenant_scope(company):
        return services.open_ticket(client=household, contact=dana, title="Projector has no picture")


def worker_pass(minutes=0):
    """What the worker does: one pass of the bus, then the queued staff emails."""
    dispatch_pending(now=TUESDAY + timedelta(minutes=minutes))
    send_pending_emails()


def reply_on_the_staff_page(client, ticket, body, *, visibility="public"):
    response = client.post(
        reverse("tickets:reply", args=[ticket.pk]), {"reply-body": body, "visibility": visibility}
    )
    assert response.status_code == 302


def html_of(message) -> str:
    [(html, mimetype)] = message.alternatives
    assert mimetype == "text/html"
    return html


def portal_path(message) -> str:
    """The portal address in the email's text, as a path for the test client."""
    url = re.search(r"https?://\S+/portal/\S+/", message.body)[0]
    assert url.startswith(settings.SITE_URL)
    return url.removeprefix(settings.SITE_URL)


def test_a_public_reply_by_staff_emails_the_tickets_contact_once_answering_to_the_company(
    client, company, ticket, sam
):
    reply_on_the_staff_page(client, ticket, "Swap the <HDMI> cable & press Input twice.\nThen it's back.")
    worker_pass()
    worker_pass(minutes=1)  # the next pass finds nothing left to send

    [message] = mail.outbox
    assert message.to == ["dana@whitaker.example"]
    assert message.subject == "Re: [#1] Projector has no picture"
    assert message.reply_to == [SUPPORT]
    assert message.from_email == f"Harbor AV <{parseaddr(settings.DEFAULT_FROM_EMAIL)[1]}>"
    assert "Sam Rivera of Harbor AV replied to your request #1" in message.body
    assert "Swap the <HDMI> cable & press Input twice.\nThen it's back." in message.body
    html = html_of(message)
    assert "Swap the &lt;HDMI&gt; cable &amp; press Input twice.<br>Then it&#x27;s back." in html
    assert "<HDMI>" not in html
    assert "Open your request" in html


def test_the_emailed_link_opens_the_ticket_in_the_portal(client, company, ticket, sam):
    reply_on_the_staff_page(client, ticket, "We will come by at 2 pm.")
    worker_pass()
    client.logout()

    path = portal_path(mail.outbox[0])
    assert path.endswith(f"/tickets/{ticket.pk}/")
    page = client.get(path)
    assert page.status_code == 200
    assert "Projector has no picture" in page.content.decode()
    assert "We will come by at 2 pm." in page.content.decode()


def test_an_internal_note_and_the_clients_own_reply_email_nobody(client, company, ticket, sam, dana):
    reply_on_the_staff_page(client, ticket, "Their AV receiver is out of warranty", visibility="internal")
    link = PortalLinkFactory(contact=dana, purpose="tickets", agreement=None)
    client.logout()
    answered = client.post(
        reverse("portal:ticket_reply", kwargs={"token": link.token, "pk": ticket.pk}), {"body": "Still dark."}
    )
    assert answered.status_code == 302

    worker_pass()
    assert mail.outbox == []


def test_internal_notes_never_reach_the_client_in_a_later_email(client, company, ticket, sam):
    reply_on_the_staff_page(client, ticket, "Parts cost us $4, do not bill", visibility="internal")
    reply_on_the_staff_page(client, ticket, "The new cable is in: the picture is back.")
    client.post(reverse("tickets:status", args=[ticket.pk]), {"status-status": "resolved"})
    reply_on_the_staff_page(client, ticket, "Closing note: the client was happy", visibility="internal")
    worker_pass()

    assert [m.subject for m in mail.outbox] == [
        "Re: [#1] Projector has no picture",
        "Resolved: [#1] Projector has no picture",
    ]
    for message in mail.outbox:
        for content in (message.body, html_of(message)):
            assert "do not bill" not in content
            assert "client was happy" not in content


def test_resolving_tells_the_client_what_was_done_and_how_to_reopen(client, company, ticket, sam):
    with tenant_scope(company):
        services.add_reply(ticket, body="Replaced the HDMI cable.", author=sam, now=TUESDAY)
        services.change_status(ticket, TicketStatus.RESOLVED, actor="Sam Rivera", now=TUESDAY)
    worker_pass()

    [message] = [m for m in mail.outbox if m.subject == "Resolved: [#1] Projector has no picture"]
    assert message.to == ["dana@whitaker.example"]
    assert message.reply_to == [SUPPORT]
    assert 'Harbor AV has marked your request #1 "Projector has no picture" as fixed.' in message.body
    assert "What was done (Sam Rivera):\n\nReplaced the HDMI cable." in message.body
    assert 'press "It\'s not fixed"' in message.body
    assert "/tickets/" in portal_path(message)
    assert "Open your request" in html_of(message)


def test_a_resolution_without_a_public_reply_still_says_how_to_reopen(company, ticket):
    with tenant_scope(company):
        services.change_status(ticket, TicketStatus.RESOLVED, actor="Sam Rivera")
    worker_pass()
    [message] = mail.outbox
    assert "What was done" not in message.body
    assert "It's not fixed" in message.body


def test_a_ticket_reopened_before_its_resolution_was_emailed_sends_nothing(company, ticket):
    with tenant_scope(company):
        services.change_status(ticket, TicketStatus.RESOLVED, actor="Sam Rivera")
        services.change_status(ticket, TicketStatus.REOPENED, actor="Sam Rivera")
    worker_pass()
    assert mail.outbox == []


def test_without_a_contact_on_the_ticket_the_clients_primary_contact_is_emailed(company, household, sam):
    ContactFactory(client=household, full_name="Abe Archer", email="abe@whitaker.example")
    ContactFactory(client=household, full_name="Pat Primary", email="pat@whitaker.example", is_primary=True)
    with tenant_scope(company):
        ticket = services.open_ticket(client=household, title="Doorbell camera offline")
        services.add_reply(ticket, body="Rebooted it remotely.", author=sam)
    worker_pass()
    assert [m.to for m in mail.outbox] == [["pat@whitaker.example"]]


def test_when_nobody_at_the_client_has_an_email_address_nothing_is_sent_and_it_is_logged(
    company, household, sam, caplog
):
    ContactFactory(client=household, full_name="No Mail", email="")
    with tenant_scope(company):
        ticket = services.open_ticket(client=household, title="Doorbell camera offline")
        services.add_reply(ticket, body="Rebooted it remotely.", author=sam)
    with caplog.at_level(logging.INFO, logger="portal.client_emails"):
        worker_pass()
    assert mail.outbox == []
    assert "nobody at client" in caplog.text
    with cross_tenant("the test reads the delivery"):
        delivery = EventDelivery.objects.get(consumer="portal.client_ticket_emails")
    assert delivery.status == DeliveryStatus.DONE  # not retried: there is nobody to send it to


def test_a_send_that_fails_is_retried_later_and_then_sent_once(company, ticket, sam, monkeypatch):
    real_send = mail.EmailMultiAlternatives.send
    failures = {"left": 1}

    def flaky_send(message, *args, **kwargs):
        if failures["left"]:
            failures["left"] -= 1
            raise ConnectionRefusedError("mail server is down")
        return real_send(message, *args, **kwargs)

    monkeypatch.setattr(mail.EmailMultiAlternatives, "send", flaky_send)
    with tenant_scope(company):
        services.add_reply(ticket, body="On our way.", author=sam)
    worker_pass()
    with cross_tenant("the test reads the delivery"):
        delivery = EventDelivery.objects.get(consumer="portal.client_ticket_emails")
    assert (delivery.status, mail.outbox) == (DeliveryStatus.PENDING, [])
    assert "mail server is down" in delivery.last_error

    worker_pass(minutes=1)  # after the backoff
    assert [m.subject for m in mail.outbox] == ["Re: [#1] Projector has no picture"]
    worker_pass(minutes=5)
    assert len(mail.outbox) == 1


def test_without_a_reply_to_address_answers_go_nowhere_special(company, ticket, sam):
    company.reply_to_email = ""
    company.save()
    with tenant_scope(company):
        services.add_reply(ticket, body="On our way.", author=sam)
    worker_pass()
    [message] = mail.outbox
    assert message.reply_to == []
    assert "reply to this email" not in message.body


def test_each_companys_emails_go_only_to_its_own_clients_under_its_own_name(
    company, ticket, sam, other_tenant
):
    other_tenant.reply_to_email = "help@rival.example"
    other_tenant.save()
    sla_desk(other_tenant)
    their_client = ClientFactory(tenant=other_tenant, name="Rival Client")
    their_contact = ContactFactory(
        client=their_client, full_name="Robin Rival", email="robin@rival-client.example"
    )
    their_tech = StaffMembershipFactory(tenant=other_tenant, role=Role.TECHNICIAN, user__full_name="Tia").user
    with tenant_scope(other_tenant):
        theirs = services.open_ticket(client=their_client, contact=their_contact, title="Router blinking red")
        services.add_reply(theirs, body="Replacing the router.", author=their_tech)
    with tenant_scope(company):
        services.add_reply(ticket, body="On our way.", author=sam)
    worker_pass()

    by_recipient = {m.to[0]: m for m in mail.outbox}
    assert set(by_recipient) == {"dana@whitaker.example", "robin@rival-client.example"}
    ours, rivals = by_recipient["dana@whitaker.example"], by_recipient["robin@rival-client.example"]
    assert (ours.reply_to, rivals.reply_to) == ([SUPPORT], ["help@rival.example"])
    assert ours.from_email.startswith("Harbor AV <")
    assert rivals.from_email.startswith("Rival Integrations <")
    assert "Rival" not in ours.body + html_of(ours)
    assert "Harbor AV" not in rivals.body + html_of(rivals)
    assert "Router blinking red" in rivals.subject
