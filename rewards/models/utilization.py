"""The utilisation rewards program's tables: the tenant's settings (``UtilizationProgram`` and its
``UtilizationTier`` rows) and one ``UtilizationEvaluation`` per client and ended period.

The rules (which tickets count, which period, what a tier is worth) live in ``rewards.utilization``.
"""

from decimal import Decimal

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q

from tenants.models import TenantOwned

PERCENT = {"max_digits": 5, "decimal_places": 2}
DEFAULT_TARGET_PERCENT = Decimal("20")


class UtilizationProgram(TenantOwned):
    """The tenant's utilisation target and whether the program grants rewards (one row per tenant)."""

    enabled = models.BooleanField(default=False, help_text="Evaluate clients at each period's end.")
    target_percent = models.DecimalField(
        **PERCENT,
        default=DEFAULT_TARGET_PERCENT,
        validators=[MinValueValidator(Decimal("0.01")), MaxValueValidator(Decimal("100"))],
        help_text="Tickets per 100 managed endpoints in a period that the company aims for.",
    )
    updated_by = models.CharField(max_length=200, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            *TenantOwned.Meta.constraints,
            models.UniqueConstraint(fields=["tenant"], name="one_utilization_program_per_tenant"),
        ]

    def __str__(self):
        return f"Utilisation rewards (target {self.target_percent:g}%)"


class UtilizationTier(TenantOwned):
    """A client whose utilisation in a period is strictly under ``below_percent`` earns ``reward_percent``
    off its next plan invoice. The lowest threshold gives the most."""

    program = models.ForeignKey(UtilizationProgram, on_delete=models.CASCADE, related_name="tiers")
    below_percent = models.DecimalField(
        **PERCENT, validators=[MinValueValidator(Decimal("0.01")), MaxValueValidator(Decimal("100"))]
    )
    reward_percent = models.DecimalField(
        **PERCENT, validators=[MinValueValidator(Decimal("0.01")), MaxValueValidator(Decimal("100"))]
    )
    name = models.CharField(max_length=60, blank=True, help_text="E.g. 'Gold'; optional.")

    class Meta:
        ordering = ["-below_percent"]
        constraints = [
            *TenantOwned.Meta.constraints,
            models.UniqueConstraint(
                fields=["tenant", "program", "below_percent"], name="utilization_tier_threshold_unique"
            ),
            models.CheckConstraint(
                condition=Q(below_percent__gt=0, below_percent__lte=100), name="utilization_tier_below_range"
            ),
            models.CheckConstraint(
                condition=Q(reward_percent__gt=0, reward_percent__lte=100),
                name="utilization_tier_reward_range",
            ),
        ]

    def __str__(self):
        label = f"under {self.below_percent:g}%: {self.reward_percent:g}% off"
        return f"{self.name} ({label})" if self.name else label


class EvaluationOutcome(models.TextChoices):
    REWARDED = "rewarded", "Rewarded"
    NO_TIER = "no_tier", "No tier reached"
    NO_ENDPOINTS = "no_endpoints", "No endpoints recorded"
    NO_PLAN_INVOICE = "no_plan_invoice", "No plan invoice to discount"


class EvaluationBasis(models.TextChoices):
    MEMBERSHIP = "membership", "Membership billing period"
    CALENDAR_MONTH = "calendar_month", "Calendar month (no membership)"


class UtilizationEvaluation(TenantOwned):
    """A client's utilisation over one ended period, the tier it reached (copied, as tiers may change
    later) and the reward it got, if any. One per (client, period start): the runner's idempotency."""

    client = models.ForeignKey("clients.Client", on_delete=models.PROTECT, related_name="+")
    period_start = models.DateField()
    period_end = models.DateField(help_text="Exclusive.")
    basis = models.CharField(max_length=20, choices=EvaluationBasis.choices)
    tickets = models.PositiveIntegerField()
    endpoints = models.PositiveIntegerField()
    percent = models.DecimalField(max_digits=8, decimal_places=2, null=True, blank=True)
    target_percent = models.DecimalField(**PERCENT)
    tier_name = models.CharField(max_length=60, blank=True)
    tier_below_percent = models.DecimalField(**PERCENT, null=True, blank=True)
    tier_reward_percent = models.DecimalField(**PERCENT, null=True, blank=True)
    outcome = models.CharField(max_length=20, choices=EvaluationOutcome.choices)
    note = models.CharField(max_length=400, help_text="What happened and why, in plain words.")
    reward = models.OneToOneField(
        "rewards.Reward",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="utilization_evaluation",
    )
    evaluated_on = models.DateField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-period_end", "client_id"]
        indexes = [
            models.Index(fields=["tenant", "period_end"], name="utilization_eval_end_idx"),
        ]
        constraints = [
            *TenantOwned.Meta.constraints,
            models.UniqueConstraint(
                fields=["tenant", "client", "period_start"], name="utilization_eval_once_per_period"
            ),
            models.CheckConstraint(
                condition=Q(period_end__gt=models.F("period_start")), name="utilization_eval_period_order"
            ),
            models.CheckConstraint(
                condition=Q(outcome="rewarded", reward__isnull=False) | ~Q(outcome="rewarded"),
                name="utilization_eval_rewarded_has_reward",
            ),
        ]

    def __str__(self):
        return f"{self.client} {self.period_start}–{self.period_end}: {self.get_outcome_display()}"

    @property
    def tier_reached(self) -> bool:
        return self.tier_below_percent is not None
