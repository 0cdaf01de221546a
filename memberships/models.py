"""Plans (tiers and riders) and each client's subscription to them.

A subscription's history is a chain of phases: each says which tier and riders, on which cycle and at
which prices, from one day until the next phase starts. "What did the client have on 3 March" is the
phase covering that day; a change never rewrites a phase that has begun, it ends it and starts another.
Money (proration charges, invoices) belongs to ``billing``, which sits above this app.
"""

from decimal import Decimal

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q

from clients.models import Archivable
from service_levels.models import SlaPolicy
from tenants.models import TenantOwned


class PlanKind(models.TextChoices):
    TIER = "tier", "Membership tier"
    RIDER = "rider", "Rider"


class BillingCycle(models.TextChoices):
    MONTHLY = "monthly", "Monthly"
    ANNUAL = "annual", "Annual"


MONEY = {"max_digits": 10, "decimal_places": 2}


class Plan(TenantOwned, Archivable):
    """A tier (Silver, Gold, Platinum) or a rider (Premium Response) a client can subscribe to."""

    kind = models.CharField(max_length=10, choices=PlanKind.choices)
    key = models.SlugField(max_length=40, help_text="Stable key, e.g. 'gold' or 'premium-response'.")
    name = models.CharField(max_length=80)
    description = models.TextField(blank=True)
    monthly_price = models.DecimalField(**MONEY, validators=[MinValueValidator(Decimal("0"))])
    annual_price = models.DecimalField(
        **MONEY,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0"))],
        help_text="Leave empty when the plan is sold monthly only.",
    )
    sla_policy = models.ForeignKey(
        SlaPolicy,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="plans",
        help_text="The targets this plan grants: a tier policy for a tier, a rider policy for a rider.",
    )
    rank = models.PositiveSmallIntegerField(
        default=0, help_text="Order of tiers from basic to best: a higher rank is an upgrade."
    )
    proactive_monitoring = models.BooleanField(default=False)
    priority_onsite = models.BooleanField(default=False, help_text="On-site visits are scheduled first.")
    onsite_visits_included = models.PositiveSmallIntegerField(
        default=0, help_text="On-site visits included per billing period."
    )
    hours_included = models.DecimalField(
        max_digits=6, decimal_places=2, default=Decimal("0"), help_text="Labour hours included per period."
    )
    labour_discount_percent = models.DecimalField(
        max_digits=5,
        decimal_places=2,
        default=Decimal("0"),
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("100"))],
        help_text="Discount on billable labour for clients on this plan.",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["kind", "rank", "monthly_price", "name"]
        constraints = [
            *TenantOwned.Meta.constraints,
            models.UniqueConstraint(
                fields=["tenant", "key"],
                name="plan_key_unique_per_tenant",
                violation_error_message="Another plan already uses this key.",
            ),
            models.CheckConstraint(
                condition=Q(monthly_price__gte=0) & (Q(annual_price__isnull=True) | Q(annual_price__gte=0)),
                name="plan_prices_not_negative",
            ),
        ]

    def __str__(self):
        return self.name

    @property
    def is_tier(self) -> bool:
        return self.kind == PlanKind.TIER

    def price_for(self, cycle: str) -> Decimal | None:
        """The price of one period of ``cycle``; None when the plan is not sold on that cycle."""
        return self.monthly_price if cycle == BillingCycle.MONTHLY else self.annual_price


class SubscriptionStatus(models.TextChoices):
    ACTIVE = "active", "Active"
    ENDED = "ended", "Ended"


class Subscription(TenantOwned):
    """A client's paid membership: the tier and riders it has, billed on a cycle from an anchor day."""

    client = models.ForeignKey("clients.Client", on_delete=models.PROTECT, related_name="subscriptions")
    agreement = models.ForeignKey(
        "contracts.Agreement",
        on_delete=models.PROTECT,
        related_name="subscriptions",
        help_text="The signed service contract this membership rides on.",
    )
    status = models.CharField(
        max_length=10, choices=SubscriptionStatus.choices, default=SubscriptionStatus.ACTIVE
    )
    started_on = models.DateField()
    anchor_day = models.PositiveSmallIntegerField(
        validators=[MinValueValidator(1), MaxValueValidator(31)],
        help_text="Day of the month periods start on (the month's last day when it is shorter).",
    )
    anchor_month = models.PositiveSmallIntegerField(
        validators=[MinValueValidator(1), MaxValueValidator(12)],
        help_text="For annual billing: the month periods start in.",
    )
    ends_on = models.DateField(
        null=True, blank=True, help_text="Set when cancelled: the first day without the membership."
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-started_on", "-id"]
        indexes = [models.Index(fields=["tenant", "status"], name="subscription_status_idx")]
        constraints = [
            *TenantOwned.Meta.constraints,
            models.UniqueConstraint(
                fields=["client"],
                condition=Q(status="active"),
                name="one_active_subscription_per_client",
                violation_error_message="This client already has an active membership.",
            ),
            models.CheckConstraint(
                condition=Q(ends_on__isnull=True) | Q(ends_on__gte=models.F("started_on")),
                name="subscription_ends_after_it_starts",
            ),
        ]

    def __str__(self):
        return f"{self.client} membership"


class SubscriptionPhase(TenantOwned):
    """What the subscription was, from ``starts_on`` until ``ends_on`` (exclusive; open when null)."""

    subscription = models.ForeignKey(Subscription, on_delete=models.CASCADE, related_name="phases")
    starts_on = models.DateField()
    ends_on = models.DateField(null=True, blank=True)
    plan = models.ForeignKey(
        Plan, on_delete=models.PROTECT, null=True, blank=True, related_name="+", help_text="The tier, if any."
    )
    billing_cycle = models.CharField(max_length=10, choices=BillingCycle.choices)
    plan_price = models.DecimalField(
        **MONEY,
        default=Decimal("0"),
        help_text="The tier's price per period, as agreed (kept if the list price changes).",
    )
    announced_at = models.DateTimeField(
        null=True,
        blank=True,
        help_text="When the client's open tickets were told (for a phase starting later).",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["starts_on", "id"]
        indexes = [models.Index(fields=["subscription", "starts_on"], name="phase_subscription_start_idx")]
        constraints = [
            *TenantOwned.Meta.constraints,
            models.CheckConstraint(
                condition=Q(ends_on__isnull=True) | Q(ends_on__gte=models.F("starts_on")),
                name="phase_ends_after_it_starts",
            ),
        ]

    def __str__(self):
        return f"{self.subscription} from {self.starts_on}"

    def covers(self, day) -> bool:
        return self.starts_on <= day and (self.ends_on is None or day < self.ends_on)


class PhaseRider(TenantOwned):
    """A rider in a phase, at the price agreed for it."""

    phase = models.ForeignKey(SubscriptionPhase, on_delete=models.CASCADE, related_name="riders")
    rider = models.ForeignKey(Plan, on_delete=models.PROTECT, related_name="+")
    price = models.DecimalField(**MONEY, default=Decimal("0"))

    class Meta:
        ordering = ["rider__name", "id"]
        constraints = [
            *TenantOwned.Meta.constraints,
            models.UniqueConstraint(fields=["phase", "rider"], name="rider_once_per_phase"),
        ]


class ChangeKind(models.TextChoices):
    STARTED = "started", "Started"
    MIGRATED = "migrated", "Migrated from the agreement"
    UPGRADED = "upgraded", "Upgraded"
    DOWNGRADED = "downgraded", "Downgraded"
    RIDER_ADDED = "rider_added", "Rider added"
    RIDER_REMOVED = "rider_removed", "Rider removed"
    CYCLE_CHANGED = "cycle_changed", "Billing cycle changed"
    CHANGED = "changed", "Changed"
    CANCELLED = "cancelled", "Cancelled"
    RESUMED = "resumed", "Cancellation withdrawn"
    SCHEDULED_CHANGE_DROPPED = "scheduled_dropped", "Scheduled change dropped"
    AGREEMENT_RENEWED = "agreement_renewed", "Moved to the renewed agreement"


class SubscriptionChange(TenantOwned):
    """The subscription's history: every change, who made it, when it takes effect and what it said."""

    subscription = models.ForeignKey(Subscription, on_delete=models.CASCADE, related_name="changes")
    kind = models.CharField(max_length=20, choices=ChangeKind.choices)
    effective_on = models.DateField()
    summary = models.CharField(max_length=300)
    before = models.JSONField(default=dict, blank=True)
    after = models.JSONField(default=dict, blank=True)
    actor = models.CharField(max_length=200)
    agreement = models.ForeignKey(
        "contracts.Agreement",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text="The supplement whose signature made this change, if one did.",
    )
    at = models.DateTimeField()

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["subscription", "at"], name="subscription_change_at_idx")]
        constraints = [*TenantOwned.Meta.constraints]

    def __str__(self):
        return self.summary


class OfferKind(models.TextChoices):
    START = "start", "Start a membership when the contract is signed"
    CHANGE = "change", "Change the membership when the supplement is signed"


class PlanOffer(TenantOwned):
    """The membership an agreement offers: applied when the client signs it (a new contract starts a
    subscription; a supplement changes one)."""

    agreement = models.OneToOneField(
        "contracts.Agreement", on_delete=models.CASCADE, related_name="plan_offer"
    )
    kind = models.CharField(max_length=10, choices=OfferKind.choices)
    plan = models.ForeignKey(Plan, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    billing_cycle = models.CharField(
        max_length=10, choices=BillingCycle.choices, default=BillingCycle.MONTHLY
    )
    plan_price = models.DecimalField(
        **MONEY, null=True, blank=True, help_text="A negotiated price per period; empty means the list price."
    )
    requested_by = models.CharField(max_length=200, blank=True)
    applied_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [*TenantOwned.Meta.constraints]

    def __str__(self):
        return f"Offer on {self.agreement_id}"


class OfferRider(TenantOwned):
    """A rider an offer includes."""

    offer = models.ForeignKey(PlanOffer, on_delete=models.CASCADE, related_name="riders")
    rider = models.ForeignKey(Plan, on_delete=models.PROTECT, related_name="+")

    class Meta:
        constraints = [
            *TenantOwned.Meta.constraints,
            models.UniqueConstraint(fields=["offer", "rider"], name="rider_once_per_offer"),
        ]
