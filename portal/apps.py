from django.apps import AppConfig


class PortalConfig(AppConfig):
    name = "portal"
    verbose_name = "Client portal"

    def ready(self):
        # Contracts sit below the portal: their campaign emails get signing links through this issuer.
        from contracts.signing_links import register_signing_link_issuer
        from portal.links import issue_signing_link_url

        register_signing_link_issuer(issue_signing_link_url)

        from portal import handlers  # noqa: F401  (subscribes to the event bus)
