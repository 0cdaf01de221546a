"""Acceptance: a client opens the emailed tickets link on a phone, opens a ticket, sees when to expect an
answer, and replies. The `phone_page` fixture fails the test on any CSP violation or script error."""

import re

import pytest
from django.core import mail
from playwright.sync_api import expect

from portal.links import send_tickets_link
from tenants.scope import tenant_scope
from tests.factories import ClientFactory, ContactFactory, SiteFactory, TenantFactory, sla_desk
from tickets.models import Channel, Ticket

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def emailed_tickets_link():
    tenant = TenantFactory(name="Northwind AV")
    sla_desk(tenant)
    household = ClientFactory(tenant=tenant, name="Whitaker Residence")
    SiteFactory(client=household, name="Lounge and cinema room")
    dana = ContactFactory(client=household, full_name="Dana Whitaker", email="dana@whitaker.example")
    with tenant_scope(tenant):
        send_tickets_link(dana)
    (message,) = mail.outbox
    return tenant, re.search(r"https?://[^/\s]+(/portal/[A-Za-z0-9_-]{43}/)", message.body)[1]


def test_a_client_opens_a_ticket_on_a_phone_and_replies(phone_page, emailed_tickets_link):
    tenant, path = emailed_tickets_link
    page = phone_page
    page.goto(path)

    expect(page.get_by_role("heading", name="Your support requests")).to_be_visible()
    expect(page.get_by_text("Northwind AV").first).to_be_visible()
    expect(page.get_by_role("navigation")).to_have_count(0)
    page.get_by_role("link", name="Open a ticket").first.click()

    page.get_by_label("In a few words, what's wrong?").fill("No picture on the lounge TV")
    page.get_by_label("Tell us more").fill("Black screen since this morning.")
    page.get_by_label("Where?").select_option(label="Lounge and cinema room")
    page.get_by_label("Everything, or most of it").check()
    page.get_by_label("It stops us right now").check()
    page.get_by_role("button", name="Send to Northwind AV").click()

    expect(page.get_by_text("has your request")).to_be_visible()
    expect(page.get_by_role("heading", name="No picture on the lounge TV")).to_be_visible()
    expect(
        page.get_by_text(re.compile(r"We'll reply by \w{3} \d{1,2} \w{3}, \d\d:\d\d E[SD]T"))
    ).to_be_visible()
    expect(page.get_by_text("needs a signed service contract")).to_be_visible()

    page.get_by_label("Your reply").fill("It's the LG in the lounge, model OLED55.")
    page.get_by_role("button", name="Send reply").click()
    expect(page.get_by_text("It's the LG in the lounge, model OLED55.")).to_be_visible()

    # Nothing sideways-scrolls at 390 px (the message names what sticks out, if anything does). Measured
    # once the page has loaded: the text can show before the stylesheet has, and unstyled it is wider.
    page.wait_for_load_state("load")
    sticking_out = page.evaluate(
        "[...document.body.querySelectorAll('*')].filter(e => e.getBoundingClientRect().right > 390)"
        ".map(e => `${e.tagName}.${e.className} ${Math.round(e.getBoundingClientRect().right)}px:"
        " ${e.textContent.trim().slice(0, 60)}`)"
    )
    assert page.evaluate("document.documentElement.scrollWidth") <= 390, sticking_out

    with tenant_scope(tenant):
        ticket = Ticket.objects.get()
        assert ticket.channel == Channel.PORTAL
        assert ticket.priority == "P1"
        assert ticket.replies.get().author_contact.full_name == "Dana Whitaker"
