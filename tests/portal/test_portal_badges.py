"""Every status a client sees in the portal has its colour, next to the portal's word for it."""

from portal.client_tickets import STATUS_WORDS
from portal.templatetags.portal_badges import STATUS_BADGES, portal_status_badge
from tickets.models import TicketStatus


def test_every_ticket_status_has_a_word_and_a_colour_in_the_portal():
    assert set(STATUS_WORDS) == set(STATUS_BADGES) == set(TicketStatus.values)


def test_a_ticket_waiting_for_the_client_stands_out():
    assert portal_status_badge(TicketStatus.WAITING_ON_CLIENT) == "portal-badge-waiting"
    assert portal_status_badge("unknown") == "portal-badge-closed"
