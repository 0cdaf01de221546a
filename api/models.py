from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import models

from tenants.history import track_history
from tenants.models import TenantOwned


class Scope(models.TextChoices):
    READ = "read", "Read"
    WRITE = "write", "Write"


# The secret's hash stays out of history; last_used_at changes on every call, so it is no event.
@track_history(
    object_type="API key",
    label=lambda d: f"{d.get('name')} ({d.get('prefix')}…)",
    exclude=["secret_hash", "last_used_at"],
)
class ApiKey(TenantOwned):
    """A partner's key to one tenant's API. Only a SHA-256 of the secret part is stored."""

    name = models.CharField(max_length=100, help_text="Who or what uses it, e.g. 'RMM integration'.")
    prefix = models.CharField(max_length=16, unique=True, editable=False)
    secret_hash = models.CharField(max_length=64, editable=False)
    scopes = ArrayField(models.CharField(max_length=10, choices=Scope.choices), default=list)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [*TenantOwned.Meta.constraints]

    def __str__(self):
        return f"{self.name} ({self.prefix}…)"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None

    def allows(self, scope: str) -> bool:
        return self.is_active and scope in self.scopes


class IdempotentRequest(TenantOwned):
    """A POST made with an ``Idempotency-Key``: its fingerprint and the answer it got, for replays."""

    key = models.CharField(max_length=255)
    principal = models.CharField(max_length=40, help_text="'key:<id>' or 'user:<id>': keys are per caller.")
    fingerprint = models.CharField(max_length=64, help_text="SHA-256 of method, path and body.")
    response_status = models.PositiveSmallIntegerField()
    response_body = models.JSONField(null=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            *TenantOwned.Meta.constraints,
            models.UniqueConstraint(
                fields=["tenant", "principal", "key"], name="one_answer_per_idempotency_key"
            ),
        ]
        indexes = [models.Index(fields=["tenant", "created_at"], name="idempotency_created_idx")]
