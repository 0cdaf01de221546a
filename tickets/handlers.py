"""What tickets does when the event bus hands it an event (imported by TicketsConfig.ready)."""

from clients.models import Client
from events.bus import subscribe
from tickets.services import refresh_clocks_of_calendar, retarget_open_tickets


@subscribe("tickets.retarget", "client.terms_changed")
def retarget_tickets_of_client(event, *, now):
    """Open tickets follow the client's contract: each re-reads its SLA targets from its start."""
    client = Client.objects.filter(pk=event.payload["client_id"]).first()
    if client is not None:  # a client deleted since has no tickets left to move
        retarget_open_tickets(client, why=event.payload.get("why", "contract changed"), now=now)


@subscribe("tickets.calendar", "calendar.changed")
def refresh_clocks_on_changed_calendar(event, *, now):
    """New business hours or closures move the due and warning times of the clocks counting on them."""
    refresh_clocks_of_calendar(event.payload["calendar_id"])
