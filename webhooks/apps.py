from django.apps import AppConfig


class WebhooksConfig(AppConfig):
    name = "webhooks"
    verbose_name = "Partner webhooks"

    def ready(self):
        from webhooks import handlers  # noqa: F401 - subscribes to the event bus
