"""Partner webhooks: where a tenant's events are sent, and the log of every delivery and attempt.

Deliveries follow the Standard Webhooks specification (https://www.standardwebhooks.com): one
``webhook-id`` per delivery, the same across its retries, and an HMAC-SHA256 signature with the
endpoint's ``whsec_`` secret.
"""

import json

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import models

from tenants.models import TenantOwned


class WebhookEndpoint(TenantOwned):
    """A partner's URL and the event types it wants. The secret is kept in clear: it signs every
    message (a hash could not). After a rotation the previous secret still signs for a day, so the
    partner can switch over without dropping messages."""

    url = models.URLField(max_length=2000)
    description = models.CharField(max_length=200, blank=True, help_text="Whose endpoint, what it does.")
    events = ArrayField(models.CharField(max_length=60), help_text="Event types it receives.")
    secret = models.CharField(max_length=100, editable=False)
    previous_secret = models.CharField(max_length=100, blank=True, editable=False)
    previous_secret_expires_at = models.DateTimeField(null=True, blank=True, editable=False)
    is_enabled = models.BooleanField(default=True)
    disabled_reason = models.CharField(max_length=300, blank=True)
    disabled_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["tenant", "is_enabled"], name="webhook_endpoint_enabled_idx")]
        constraints = [*TenantOwned.Meta.constraints]

    def __str__(self):
        return self.url

    def wants(self, event_type: str) -> bool:
        return self.is_enabled and event_type in self.events


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    SUCCEEDED = "succeeded", "Succeeded"
    FAILED = "failed", "Failed (gave up)"


class WebhookDelivery(TenantOwned):
    """One event on its way to one endpoint.

    The sender claims a due delivery by setting a lease (``claimed_until``, ``claim_token``) with a
    conditional UPDATE, so two workers never send it at the same time; a worker that dies mid-send
    leaves the lease to expire and the delivery is claimed again. The message is built once, when the
    event is fanned out, and kept as the exact bytes sent, so every retry sends the same body (same
    signature input) with the same webhook-id.
    """

    endpoint = models.ForeignKey(WebhookEndpoint, on_delete=models.CASCADE, related_name="deliveries")
    # SET_NULL: the bus purges settled events after its retention period; the log keeps the message.
    event = models.ForeignKey(
        "events.OutboxEvent", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    event_type = models.CharField(max_length=60)
    message_id = models.CharField(max_length=40, unique=True, help_text="The webhook-id header: msg_…")
    body = models.TextField(help_text="The message exactly as sent: JSON {type, timestamp, data}.")
    status = models.CharField(max_length=10, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING)
    attempts = models.PositiveIntegerField(default=0, help_text="Attempts made, counted when claimed.")
    failures = models.PositiveIntegerField(
        default=0, help_text="Failed attempts since the last success or 'send again': the backoff step."
    )
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    claimed_until = models.DateTimeField(null=True, blank=True)
    claim_token = models.UUIDField(null=True, blank=True)
    last_attempt_at = models.DateTimeField(null=True, blank=True)
    last_status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    last_error = models.CharField(max_length=500, blank=True)
    succeeded_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            # The sender's claim, across tenants: only pending rows are in it.
            models.Index(
                fields=["next_attempt_at"],
                condition=models.Q(status="pending"),
                name="webhook_delivery_due_idx",
            ),
            models.Index(fields=["tenant", "endpoint", "-created_at"], name="webhook_delivery_log_idx"),
        ]
        constraints = [
            *TenantOwned.Meta.constraints,
            models.UniqueConstraint(
                fields=["tenant", "endpoint", "event"], name="one_webhook_delivery_per_endpoint_and_event"
            ),
        ]

    def __str__(self):
        return f"{self.event_type} to {self.endpoint_id} ({self.status})"

    @property
    def message(self) -> dict:
        return json.loads(self.body)


class WebhookAttempt(TenantOwned):
    """One HTTP request of a delivery, with what came back (or why nothing did)."""

    delivery = models.ForeignKey(WebhookDelivery, on_delete=models.CASCADE, related_name="attempt_log")
    number = models.PositiveIntegerField()
    at = models.DateTimeField()
    status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    duration_ms = models.PositiveIntegerField(default=0)
    error = models.CharField(max_length=500, blank=True)
    response_body = models.TextField(blank=True, help_text="The first few KB of the answer.")

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["tenant", "delivery", "at"], name="webhook_attempt_delivery_idx")]
        constraints = [*TenantOwned.Meta.constraints]

    def __str__(self):
        return f"attempt {self.number} of delivery {self.delivery_id}"

    @property
    def succeeded(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300
