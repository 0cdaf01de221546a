from django.apps import AppConfig


class TicketsConfig(AppConfig):
    name = "tickets"
    verbose_name = "Tickets"

    def ready(self):
        from clients.panels import register_client_panel
        from tickets import handlers  # noqa: F401  (subscribes to the event bus)
        from tickets.client_panel import client_tickets_panel

        # Clients sit below tickets: the client page shows the client's tickets through this panel.
        register_client_panel("tickets", client_tickets_panel)
