from django.template.loader import render_to_string

from tickets.selectors import client_tickets


def client_tickets_panel(request, client) -> str:
    """The client page's tickets: open ones first, with "New ticket" for those who may open one.
    Registered with clients.panels in TicketsConfig.ready()."""
    return render_to_string(
        "tickets/includes/client_tickets_panel.html",
        {"client": client, "listing": client_tickets(client)},
        request=request,
    )
