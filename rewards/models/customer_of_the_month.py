"""Customer of the month: staff nominate clients for a month, every staff member votes once a month, the
month's close records one ``MonthlyAward`` (its winner, or none) and the winner's opt-in spotlight."""

from django.conf import settings
from django.db import models
from django.db.models import Q

from tenants.models import TenantOwned


class NominationReason(models.TextChoices):
    PROJECT_FINISHED = "project_finished", "Project finished"
    LOW_UTILIZATION = "low_utilization", "Low utilisation"
    BEST_PRACTICE_TIER = "best_practice_tier", "Best-practice tier reached"
    OTHER = "other", "Other"


class Nomination(TenantOwned):
    """A client put forward for a month (``month`` is its first day). One per client and month: a second
    staff member who agrees votes for it."""

    client = models.ForeignKey("clients.Client", on_delete=models.PROTECT, related_name="+")
    month = models.DateField()
    category = models.CharField(max_length=30, choices=NominationReason.choices)
    reason = models.TextField(max_length=1000)
    nominated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["month", "created_at", "id"]
        indexes = [models.Index(fields=["tenant", "month"], name="nomination_month_idx")]
        constraints = [
            *TenantOwned.Meta.constraints,
            models.UniqueConstraint(fields=["tenant", "client", "month"], name="nomination_once_per_month"),
            models.CheckConstraint(condition=Q(month__day=1), name="nomination_month_first_day"),
        ]

    def __str__(self):
        return f"{self.client_id} for {self.month:%Y-%m}"


class Vote(TenantOwned):
    """One staff member's vote of a month; changing it moves the row to another nomination."""

    voter = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    month = models.DateField()
    nomination = models.ForeignKey(Nomination, on_delete=models.CASCADE, related_name="votes")
    cast_at = models.DateTimeField()

    class Meta:
        indexes = [models.Index(fields=["tenant", "nomination"], name="vote_nomination_idx")]
        constraints = [
            *TenantOwned.Meta.constraints,
            models.UniqueConstraint(fields=["tenant", "voter", "month"], name="vote_once_per_month"),
        ]


class MonthlyAward(TenantOwned):
    """A closed month: its winner (none when nobody was nominated), how many votes won it and by which
    rule. Unique per tenant and month, so two closing runs cannot both decide."""

    month = models.DateField()
    nomination = models.OneToOneField(
        Nomination, on_delete=models.PROTECT, null=True, blank=True, related_name="award"
    )
    client = models.ForeignKey(
        "clients.Client", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    votes = models.PositiveIntegerField(default=0)
    decided_by = models.CharField(max_length=200, blank=True, help_text="How the winner was picked.")
    reward = models.OneToOneField(
        "rewards.Reward", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    closed_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-month"]
        constraints = [
            *TenantOwned.Meta.constraints,
            models.UniqueConstraint(fields=["tenant", "month"], name="award_once_per_month"),
        ]

    def __str__(self):
        return f"Customer of the month {self.month:%Y-%m}"


class Spotlight(TenantOwned):
    """The winner's public page, shown at ``/spotlight/<share_token>/`` only while the client has it
    published. Staff draft the blurb; the client may edit it and publishes or withdraws it."""

    award = models.OneToOneField(MonthlyAward, on_delete=models.CASCADE, related_name="spotlight")
    share_token = models.CharField(max_length=64, db_index=True)
    blurb = models.TextField(max_length=1500, blank=True)
    website = models.URLField(blank=True)
    published_at = models.DateTimeField(null=True, blank=True)
    withdrawn_at = models.DateTimeField(null=True, blank=True)
    updated_by = models.CharField(max_length=200, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            *TenantOwned.Meta.constraints,
            models.UniqueConstraint(fields=["tenant", "share_token"], name="spotlight_token_unique"),
        ]

    @property
    def is_published(self) -> bool:
        return self.published_at is not None and self.withdrawn_at is None
