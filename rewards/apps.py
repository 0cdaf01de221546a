from django.apps import AppConfig


class RewardsConfig(AppConfig):
    name = "rewards"
    verbose_name = "Rewards"

    def ready(self):
        from clients.panels import register_client_panel
        from rewards.client_panel import rewards_panel

        register_client_panel("rewards", rewards_panel)
