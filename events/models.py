from django.db import models

from tenants.models import TenantOwned


class OutboxEvent(TenantOwned):
    """Something that happened, written in the same transaction as the change itself.

    Notifications, webhooks and the audit trail are fed from these rows by workers, so a crash between
    "changed" and "told" loses nothing. Names are dotted: ``agreement.signed``, ``sla.breached``.
    """

    name = models.CharField(max_length=60)
    payload = models.JSONField(default=dict)
    occurred_at = models.DateTimeField(auto_now_add=True)
    processed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-occurred_at", "-id"]
        indexes = [
            models.Index(
                fields=["tenant", "occurred_at"],
                condition=models.Q(processed_at__isnull=True),
                name="outbox_unprocessed_idx",
            ),
            models.Index(fields=["tenant", "name", "occurred_at"], name="outbox_tenant_name_idx"),
        ]
        constraints = [*TenantOwned.Meta.constraints]

    def __str__(self):
        return f"{self.name} at {self.occurred_at:%Y-%m-%d %H:%M}"
