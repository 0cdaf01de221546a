from django.apps import AppConfig


class PortalConfig(AppConfig):
    name = "portal"
    verbose_name = "Client portal"

    def ready(self):
        from portal import handlers  # noqa: F401  (subscribes to the event bus)
