"""The anniversary program's tables: the tenant's table of rewards by year of the relationship, and the
relationship starts staff set by hand (by default a client's relationship starts on the day it signed its
first agreement, ``contracts.selectors.first_signature_date``)."""

from django.conf import settings
from django.db import models
from django.db.models import Q

from rewards.models.ledger import MONEY
from tenants.models import TenantOwned


class AnniversaryStep(TenantOwned):
    """What a client gets on the anniversary of ``years`` years, and every later year until the next step:
    the reward for year N is the step with the largest ``years`` <= N (so with steps for years 1, 3 and 5,
    year 4 repeats year 3). A step gives a credit, a gift staff deliver, or both."""

    years = models.PositiveSmallIntegerField()
    credit = models.DecimalField(**MONEY, default=0, help_text="Account credit, taken off the next invoices.")
    gift = models.CharField(
        max_length=200, blank=True, help_text="Something tangible staff deliver, e.g. 'a thank-you card'."
    )
    gift_cost = models.DecimalField(**MONEY, default=0, help_text="What the gift costs the company.")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["years"]
        constraints = [
            *TenantOwned.Meta.constraints,
            models.UniqueConstraint(fields=["tenant", "years"], name="anniversary_step_once_per_year"),
            models.CheckConstraint(condition=Q(years__gte=1), name="anniversary_step_from_year_one"),
            models.CheckConstraint(
                condition=Q(credit__gte=0) & Q(gift_cost__gte=0), name="anniversary_step_not_negative"
            ),
            models.CheckConstraint(
                condition=Q(credit__gt=0) | ~Q(gift=""), name="anniversary_step_gives_something"
            ),
        ]

    def __str__(self):
        return f"Year {self.years}"


class RelationshipStart(TenantOwned):
    """A relationship start set by staff, replacing the first signature's date (with why)."""

    client = models.ForeignKey("clients.Client", on_delete=models.CASCADE, related_name="+")
    started_on = models.DateField()
    reason = models.CharField(max_length=300)
    set_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    set_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            *TenantOwned.Meta.constraints,
            models.UniqueConstraint(fields=["tenant", "client"], name="relationship_start_once_per_client"),
        ]

    def __str__(self):
        return f"{self.client_id} since {self.started_on}"
