from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "audit"
    verbose_name = "Audit log"

    def ready(self):
        from audit import (
            handlers,  # noqa: F401  (sign-in signals)
            log_context,  # noqa: F401  (request id and tenant on structured log lines)
        )
