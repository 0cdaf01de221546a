from django.db import models

from tenants.models import TenantOwned, tenant_key


class OutboxEvent(TenantOwned):
    """Something that happened, written in the same transaction as the change itself.

    Notifications, client emails, webhooks and re-targeting are fed from these rows by the bus
    (``events.dispatch``), so a crash between "changed" and "told" loses nothing. Names are dotted:
    ``agreement.signed``, ``sla.breached``. Each consumer's progress is its own ``EventDelivery`` row;
    an event no consumer wanted has none and is purged after the retention period.
    """

    # The SLA sweeper writes these rows by the hundred: outbox_tenant_name_idx serves lookups by tenant.
    # No foreign-key check of the tenant per event (events/migrations/0005): every change of every tenant
    # writes here, and each check share-locks the tenant's one row, a hot spot for concurrent writers
    # (MultiXacts) and 0.45 ms of a sweeper pass of 100. The tenant comes from a row that has one: the
    # tenant_scope() of the service recording it, or the clock the sweeper claimed. Deliveries still name
    # their event's tenant (their key, below).
    tenant = tenant_key(db_index=False, db_constraint=False)
    name = models.CharField(max_length=60)
    payload = models.JSONField(default=dict)
    occurred_at = models.DateTimeField(auto_now_add=True)
    # True for an event written from SQL (the SLA sweeper's, events.services.OUTBOX_CTE) until the dispatcher
    # has made its deliveries (events.services.create_pending_deliveries): the writing statement then
    # carries the event alone. ``record_events`` makes its deliveries at once and leaves it false.
    awaiting_deliveries = models.BooleanField(db_default=False)

    class Meta:
        ordering = ["-occurred_at", "-id"]
        indexes = [
            # The dispatcher's fan-out: the few events awaiting deliveries, oldest first.
            models.Index(
                fields=["id"], condition=models.Q(awaiting_deliveries=True), name="outbox_awaiting_idx"
            ),
            models.Index(fields=["tenant", "name", "occurred_at"], name="outbox_tenant_name_idx"),
            # The retention purge walks events by age across tenants.
            models.Index(fields=["occurred_at"], name="outbox_occurred_idx"),
        ]
        constraints = [
            *TenantOwned.Meta.constraints,
            # What a delivery's tenant-inclusive foreign key references (events/migrations/0004).
            models.UniqueConstraint(fields=["tenant", "id"], name="outbox_event_tenant_id_key"),
        ]

    def __str__(self):
        return f"{self.name} at {self.occurred_at:%Y-%m-%d %H:%M}"


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    DONE = "done", "Done"
    FAILED = "failed", "Failed (gave up)"


class EventDelivery(TenantOwned):
    """One consumer's state for one event: created with the event, done once its handler committed.

    The handler's writes and ``status = done`` commit in one transaction, so each consumer handles each
    event once; a worker killed mid-way rolls back and leaves the row pending for the next pass.
    """

    # Lookups by tenant use delivery_tenant_consumer_idx, by event delivery_once_per_consumer: no index of
    # either column alone (two indexes less to write per delivery). One tenant-inclusive foreign key,
    # (tenant_id, event_id), stands for the two single ones (events/migrations/0004): one check per
    # delivery at commit instead of two, and a delivery cannot run in another tenant than its event's.
    tenant = tenant_key(db_index=False, db_constraint=False)
    event = models.ForeignKey(
        OutboxEvent, on_delete=models.CASCADE, related_name="deliveries", db_index=False, db_constraint=False
    )
    consumer = models.CharField(max_length=60)
    status = models.CharField(max_length=10, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    # Empty until a failure: then not retried before this instant (backoff).
    available_at = models.DateTimeField(null=True, blank=True)
    done_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)

    class Meta:
        ordering = ["id"]
        indexes = [
            # The dispatcher's claim: pending rows of every tenant, oldest first. Done rows stay out of it.
            models.Index(fields=["id"], condition=models.Q(status="pending"), name="delivery_pending_idx"),
            models.Index(fields=["tenant", "consumer", "status"], name="delivery_tenant_consumer_idx"),
        ]
        constraints = [
            *TenantOwned.Meta.constraints,
            models.UniqueConstraint(fields=["event", "consumer"], name="delivery_once_per_consumer"),
        ]

    def __str__(self):
        return f"{self.consumer} <- event {self.event_id} ({self.status})"
