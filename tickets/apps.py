from django.apps import AppConfig


class TicketsConfig(AppConfig):
    name = "tickets"
    verbose_name = "Tickets"

    def ready(self):
        from tickets import handlers  # noqa: F401  (subscribes to the event bus)
