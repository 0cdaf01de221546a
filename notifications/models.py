"""What staff are told in the app (and by email): one row per recipient and event (SLA alerts, clients
signing or declining their agreements, and clients disputing invoices)."""

from django.conf import settings
from django.db import models

from tenants.models import TenantOwned


class Kind(models.TextChoices):
    SLA_WARNING = "sla.warning", "SLA warning"
    SLA_BREACHED = "sla.breached", "SLA breach"
    AGREEMENT_SIGNED = "agreement.signed", "Agreement signed"
    AGREEMENT_DECLINED = "agreement.declined", "Agreement declined"
    INVOICE_DISPUTED = "invoice.disputed", "Invoice disputed"
    DISPUTE_REPLIED = "dispute.replied", "Dispute answered"
    DISPUTE_ACCEPTED = "dispute.accepted", "Explanation accepted"
    DISPUTE_WITHDRAWN = "dispute.withdrawn", "Dispute withdrawn"
    REWARD_GIFT_DUE = "reward.gift_due", "Gift to deliver"


class EmailStatus(models.TextChoices):
    NOT_WANTED = "none", "No email"
    PENDING = "pending", "Email queued"
    SENT = "sent", "Emailed"
    FAILED = "failed", "Email failed"
    QUIET_HOURS = "quiet_hours", "Not emailed: off shift"


class Notification(TenantOwned):
    """A message to one staff member. Made from an outbox event; the unique constraint on (event,
    recipient) backs the deliverer's claim, so a redelivered event never tells anyone twice."""

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    kind = models.CharField(max_length=30, choices=Kind.choices)
    title = models.CharField(max_length=200)
    body = models.TextField(blank=True)
    url = models.CharField(max_length=300, blank=True, help_text="Where it leads, as a path.")
    ticket = models.ForeignKey(
        "tickets.Ticket", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    event = models.ForeignKey(
        "events.OutboxEvent", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    email_status = models.CharField(
        max_length=20, choices=EmailStatus.choices, default=EmailStatus.NOT_WANTED
    )
    created_at = models.DateTimeField()
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["tenant", "recipient", "-created_at"], name="notification_inbox_idx"),
            models.Index(
                fields=["tenant", "recipient"], condition=models.Q(read_at__isnull=True),
                name="notification_unread_idx",
            ),
            models.Index(
                fields=["tenant", "created_at"], condition=models.Q(email_status="pending"),
                name="notification_email_due_idx",
            ),
        ]  # fmt: skip
        constraints = [
            *TenantOwned.Meta.constraints,
            models.UniqueConstraint(
                fields=["tenant", "event", "recipient"], condition=models.Q(event__isnull=False),
                name="one_notification_per_event_and_recipient",
            ),
        ]  # fmt: skip

    def __str__(self):
        return self.title

    @property
    def is_read(self) -> bool:
        return self.read_at is not None
