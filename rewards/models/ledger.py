"""What the rewards programs granted: one ``Reward`` row per grant, whatever the program.

Each program (``rewards.programs``) keeps its own settings and working tables in its own module's
models below; the ``Reward`` ledger is what they have in common, and what the client's rewards page,
the tenant's rewards report, the API and the ``reward.granted`` event read.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q

from tenants.models import TenantOwned

MONEY = {"max_digits": 12, "decimal_places": 2}


class Program(models.TextChoices):
    UTILIZATION = "utilization", "Low utilisation"
    BEST_PRACTICES = "best_practices", "Best practices"
    ANNIVERSARY = "anniversary", "Anniversary"
    CUSTOMER_OF_THE_MONTH = "customer_of_the_month", "Customer of the month"
    REFERRAL = "referral", "Referral"


class RewardKind(models.TextChoices):
    CREDIT = "credit", "Account credit"  # money on the client's credit ledger, spent by the next invoices
    LABOUR_DISCOUNT = "labour_discount", "Labour discount"  # a percentage off some billable work
    GIFT = "gift", "Gift"  # something tangible staff deliver (a staff task until delivered)
    RECOGNITION = "recognition", "Recognition"  # a spotlight, a certificate: no money changes hands


class RewardStatus(models.TextChoices):
    GRANTED = "granted", "Granted"  # credit on the ledger, discount in force, recognition given
    TO_DELIVER = "to_deliver", "To deliver"  # a gift staff have yet to hand over
    DELIVERED = "delivered", "Delivered"
    WITHDRAWN = "withdrawn", "Withdrawn"  # e.g. a labour discount replaced by a higher tier


class Reward(TenantOwned):
    """One thing a client was given by a program, with why and what it is worth.

    ``key`` names the occasion inside the program (``2026-11`` for a utilisation period, ``year-3`` for
    an anniversary, ``referral-12`` for a referral): (tenant, client, program, key) is unique, which is
    what makes every program's job idempotent, even two runs at once.
    """

    client = models.ForeignKey("clients.Client", on_delete=models.PROTECT, related_name="rewards")
    program = models.CharField(max_length=30, choices=Program.choices)
    key = models.CharField(max_length=60)
    kind = models.CharField(max_length=20, choices=RewardKind.choices)
    status = models.CharField(max_length=20, choices=RewardStatus.choices, default=RewardStatus.GRANTED)
    title = models.CharField(
        max_length=200, help_text="What the client got, e.g. '10% off your next plan invoice'."
    )
    reason = models.CharField(max_length=400, help_text="Why, in the client's terms.")
    value = models.DecimalField(
        **MONEY, default=0, help_text="What it costs the company, in its currency (a discount's estimate)."
    )
    percent = models.DecimalField(max_digits=5, decimal_places=2, null=True, blank=True)
    granted_on = models.DateField()
    period_start = models.DateField(null=True, blank=True)
    period_end = models.DateField(null=True, blank=True, help_text="Exclusive.")
    credit_entry = models.OneToOneField(
        "billing.CreditEntry", on_delete=models.PROTECT, null=True, blank=True, related_name="reward"
    )
    details = models.JSONField(default=dict, blank=True)
    actor = models.CharField(max_length=200)
    delivered_at = models.DateTimeField(null=True, blank=True)
    delivered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    withdrawn_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-granted_on", "-id"]
        indexes = [
            models.Index(fields=["tenant", "client", "granted_on"], name="reward_client_idx"),
            models.Index(fields=["tenant", "granted_on"], name="reward_granted_idx"),
        ]
        constraints = [
            *TenantOwned.Meta.constraints,
            models.UniqueConstraint(
                fields=["tenant", "client", "program", "key"], name="reward_once_per_occasion"
            ),
            models.CheckConstraint(condition=Q(value__gte=0), name="reward_value_not_negative"),
            models.CheckConstraint(
                condition=Q(kind="credit", value__gt=0) | ~Q(kind="credit"), name="credit_reward_has_value"
            ),
        ]

    def __str__(self):
        return f"{self.get_program_display()}: {self.title}"
