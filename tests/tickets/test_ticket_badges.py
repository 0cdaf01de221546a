"""Every state a ticket or a clock can be in has its colour on the staff pages, next to its word."""

from service_levels.models import Priority
from service_levels.templatetags.sla_badges import PRIORITY_BADGES, priority_badge
from tickets import selectors
from tickets.models import TicketStatus
from tickets.templatetags.ticket_badges import (
    CLOCK_STATE_BADGES,
    STATUS_BADGES,
    clock_state_badge,
    clock_state_row,
    ticket_status_badge,
)


def test_every_priority_status_and_clock_state_has_a_colour():
    assert set(PRIORITY_BADGES) == set(Priority.values)
    assert set(STATUS_BADGES) == set(TicketStatus.values)
    assert set(CLOCK_STATE_BADGES) == set(selectors.STATE_LABELS)


def test_urgent_things_are_red():
    assert priority_badge(Priority.P1) == "text-bg-danger"
    assert clock_state_badge(selectors.BREACHED) == "text-bg-danger"
    assert clock_state_row(selectors.BREACHED) == "table-danger"


def test_a_clock_on_track_leaves_its_board_row_plain():
    assert clock_state_row(selectors.ON_TRACK) == ""


def test_an_unknown_value_gets_a_neutral_colour():
    assert priority_badge("") == ticket_status_badge("archived") == "text-bg-secondary"
