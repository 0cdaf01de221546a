"""The staff ticket list pages by keyset (Previous / Next, tenants.keyset_pages): every ticket once, in
order, however deep; the count stops at 1,000; a cursor that does not decode shows the first page."""

import re
from datetime import UTC, datetime, timedelta

import pytest
from django.urls import reverse

from tenants.keyset_pages import capped_count, keyset_page
from tenants.scope import tenant_scope
from tests.factories import TicketFactory
from tickets.models import Ticket

pytestmark = pytest.mark.django_db

START = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)


@pytest.fixture
def seven_tickets(a_client):
    # two share a created_at: the id breaks the tie, so neither is skipped nor shown twice
    times = [START + timedelta(hours=h) for h in (0, 1, 2, 2, 3, 4, 5)]
    return [TicketFactory(client=a_client, title=f"Ticket {i}", now=at) for i, at in enumerate(times)]


def titles(page):
    return [ticket.title for ticket in page.rows]


def test_keyset_pages_walk_every_ticket_once_forwards_and_back(tenant, seven_tickets):
    newest = ("-created_at", "-id")
    with tenant_scope(tenant):
        tickets = Ticket.objects.all()
        first = keyset_page(tickets, newest, size=3)
        second = keyset_page(tickets, newest, size=3, cursor=first.older)
        third = keyset_page(tickets, newest, size=3, cursor=second.older)
        back = keyset_page(tickets, newest, size=3, cursor=second.newer)
    assert titles(first) == ["Ticket 6", "Ticket 5", "Ticket 4"]
    assert titles(second) == ["Ticket 3", "Ticket 2", "Ticket 1"]
    assert titles(third) == ["Ticket 0"]
    assert titles(back) == titles(first)
    assert first.newer == ""
    assert third.older == ""
    assert back.newer == ""  # back on the first page: nothing newer


def test_a_cursor_that_does_not_decode_shows_the_first_page(tenant, seven_tickets):
    with tenant_scope(tenant):
        tickets = Ticket.objects.all()
        first = keyset_page(tickets, ("-created_at", "-id"), size=3)
        for cursor in ("not-base64!", "W10", "WyJhZnRlciIsWyJ5ZXN0ZXJkYXkiLDFdXQ"):
            assert titles(keyset_page(tickets, ("-created_at", "-id"), size=3, cursor=cursor)) == titles(
                first
            )


def test_the_count_stops_at_its_cap(tenant, seven_tickets):
    with tenant_scope(tenant):
        assert capped_count(Ticket.objects.all(), cap=5) == (5, True)
        assert capped_count(Ticket.objects.all(), cap=7) == (7, False)


def test_the_list_page_links_next_and_previous_with_its_filters(staff_client, seven_tickets, monkeypatch):
    from tickets.views import TicketListView

    monkeypatch.setattr(TicketListView, "page_size", 4)
    page = staff_client.get(reverse("tickets:list"), {"sort": "oldest"}).content.decode()
    assert "7 tickets" in page
    assert re.findall(r'class="row-link"[^>]*>#\d+ ([^<]+)<', page) == [f"Ticket {i}" for i in range(4)]
    cursor = re.search(r'href="\?sort=oldest&(?:amp;)?cursor=([\w-]+)" rel="next"', page)[1]
    second = staff_client.get(reverse("tickets:list"), {"sort": "oldest", "cursor": cursor}).content.decode()
    assert re.findall(r'class="row-link"[^>]*>#\d+ ([^<]+)<', second) == [f"Ticket {i}" for i in range(4, 7)]
    assert 'rel="prev">Previous<' in second
