from django.apps import AppConfig


class BillingConfig(AppConfig):
    name = "billing"
    verbose_name = "Billing"

    def ready(self):
        from billing import handlers  # noqa: F401  (subscribes to the event bus)
        from billing.client_panel import billing_panel
        from billing.views_subscriptions import membership_panel
        from clients.panels import register_client_panel

        register_client_panel("membership", membership_panel)
        register_client_panel("billing", billing_panel)
