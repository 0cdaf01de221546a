from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.utils import timezone

from api.scopes import grants
from tenants.history import track_history
from tenants.models import TenantOwned


class Scope(models.TextChoices):
    """The broad scopes (every resource). Per-resource scopes (``tickets:read``...): ``api.scopes``."""

    READ = "read", "Read"
    WRITE = "write", "Write"


class KeyKind(models.TextChoices):
    PERSONAL = "personal", "Personal key"
    SERVICE = "service", "Service key"


# The secret's hash stays out of history; last_used_at changes on every call, so it is no event.
@track_history(
    object_type="API key",
    label=lambda d: f"{d.get('name')} ({d.get('prefix')}…)",
    exclude=["secret_hash", "last_used_at"],
)
class ApiKey(TenantOwned):
    """A partner's key to one tenant's API. Only a SHA-256 of the secret part is stored.

    Every key has an owner on the staff: a personal key is its owner's own; a service key (an
    integration's) names the staff member responsible for it. A key stops working when its owner leaves
    the team, when it expires, or when it is revoked."""

    name = models.CharField(max_length=100, help_text="Who or what uses it, e.g. 'RMM integration'.")
    kind = models.CharField(max_length=10, choices=KeyKind.choices, default=KeyKind.SERVICE)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,  # a deleted owner leaves a key that no longer works, until reassigned
        null=True,
        related_name="+",
        help_text="The staff member the key belongs to, or who is responsible for a service key.",
    )
    prefix = models.CharField(max_length=16, unique=True, editable=False)
    secret_hash = models.CharField(max_length=64, editable=False)
    scopes = ArrayField(models.CharField(max_length=40), default=list)
    expires_at = models.DateTimeField(null=True, blank=True)
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

    def is_expired(self, now=None) -> bool:
        return self.expires_at is not None and self.expires_at <= (now or timezone.now())

    def allows(self, resource: str | None, access: str) -> bool:
        """Whether the key's scopes open ``access`` (read/write) to ``resource`` (see ``api.scopes``)."""
        return self.is_active and grants(self.scopes, resource, access)


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
