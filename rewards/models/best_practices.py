"""The best-practices program: a tenant's checklist, each client's checks against it, the compliance tiers
and where each client stands.

- ``Practice``: one item of the checklist (backups verified, MFA enforced...) with a weight. Archived
  practices leave the checklist (and every score) but keep their checks.
- ``PracticeCheck``: what staff found for one client and practice on a day, with a note and optional
  evidence. History: a check is never edited; the next one supersedes it. A check may expire
  (``expires_on``, exclusive, from the practice's ``valid_for_months`` when it was recorded): from then on
  the practice counts as not met until someone checks it again.
- ``ComplianceTier``: reaching ``threshold_percent`` gives ``discount_percent`` off project labour.
- ``ComplianceStanding``: the tier the runner put in force for a client and the day it evaluated through;
  its row lock is what serialises two runs for one client.
"""

import uuid
from pathlib import PurePath

from django.conf import settings
from django.db import models
from django.db.models import Q

from tenants.models import TenantOwned


class Practice(TenantOwned):
    name = models.CharField(max_length=120)
    description = models.CharField(
        max_length=500, blank=True, help_text="What it means and how staff verify it."
    )
    weight = models.PositiveSmallIntegerField(default=1, help_text="How much it counts in the score.")
    valid_for_months = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text="Re-verify after this many months; empty: a check never expires."
    )
    position = models.PositiveIntegerField(default=0)
    archived_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["position", "id"]
        indexes = [models.Index(fields=["tenant", "position"], name="practice_order_idx")]
        constraints = [
            *TenantOwned.Meta.constraints,
            models.UniqueConstraint(
                "tenant", models.functions.Lower("name"), name="practice_name_unique_per_tenant"
            ),
            models.CheckConstraint(condition=Q(weight__gt=0), name="practice_weight_positive"),
            models.CheckConstraint(
                condition=Q(valid_for_months__isnull=True) | Q(valid_for_months__gt=0),
                name="practice_validity_positive",
            ),
        ]

    def __str__(self):
        return self.name

    @property
    def is_archived(self) -> bool:
        return self.archived_at is not None


def evidence_path(check, filename: str) -> str:
    """Each tenant's evidence under its own folder, named by a random id (never by what was uploaded)."""
    suffix = PurePath(filename).suffix.lower()[:10]
    return f"best-practices/tenant-{check.tenant_id}/client-{check.client_id}/{uuid.uuid4().hex}{suffix}"


class CheckResult(models.TextChoices):
    MET = "met", "Met"
    NOT_MET = "not_met", "Not met"
    NOT_APPLICABLE = "not_applicable", "Not applicable"


class PracticeCheck(TenantOwned):
    client = models.ForeignKey("clients.Client", on_delete=models.PROTECT, related_name="practice_checks")
    practice = models.ForeignKey(Practice, on_delete=models.PROTECT, related_name="checks")
    result = models.CharField(max_length=20, choices=CheckResult.choices)
    note = models.CharField(max_length=1000, blank=True)
    checked_on = models.DateField()
    expires_on = models.DateField(
        null=True, blank=True, help_text="Exclusive: the first day it no longer counts."
    )
    checked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    checked_by_name = models.CharField(max_length=200)
    evidence = models.FileField(upload_to=evidence_path, max_length=300, blank=True)
    evidence_name = models.CharField(max_length=200, blank=True, help_text="The file's name as uploaded.")
    evidence_type = models.CharField(max_length=100, blank=True)
    evidence_size = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-checked_on", "-id"]
        indexes = [
            models.Index(
                fields=["tenant", "client", "practice", "checked_on"], name="practice_check_client_idx"
            )
        ]
        constraints = [
            *TenantOwned.Meta.constraints,
            models.CheckConstraint(
                condition=Q(expires_on__isnull=True) | Q(expires_on__gt=models.F("checked_on")),
                name="practice_check_expires_after_check",
            ),
        ]

    def __str__(self):
        return f"{self.practice}: {self.get_result_display()} on {self.checked_on}"

    def counts_on(self, day) -> bool:
        return self.checked_on <= day and (self.expires_on is None or day < self.expires_on)


class ComplianceTier(TenantOwned):
    name = models.CharField(max_length=60)
    threshold_percent = models.DecimalField(max_digits=5, decimal_places=2, help_text="Score reached, 0–100.")
    discount_percent = models.DecimalField(
        max_digits=5, decimal_places=2, help_text="Off project labour while the tier holds."
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["threshold_percent", "id"]
        constraints = [
            *TenantOwned.Meta.constraints,
            models.UniqueConstraint(fields=["tenant", "name"], name="compliance_tier_name_unique"),
            models.UniqueConstraint(
                fields=["tenant", "threshold_percent"], name="compliance_tier_threshold_unique"
            ),
            models.CheckConstraint(
                condition=Q(threshold_percent__gt=0) & Q(threshold_percent__lte=100),
                name="compliance_tier_threshold_range",
            ),
            models.CheckConstraint(
                condition=Q(discount_percent__gt=0) & Q(discount_percent__lte=100),
                name="compliance_tier_discount_range",
            ),
        ]

    def __str__(self):
        return self.name


class ComplianceStanding(TenantOwned):
    client = models.ForeignKey("clients.Client", on_delete=models.PROTECT, related_name="+")
    tier = models.ForeignKey(
        ComplianceTier, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    reward = models.ForeignKey(
        "rewards.Reward", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    since = models.DateField(null=True, blank=True)
    evaluated_through = models.DateField()

    class Meta:
        constraints = [
            *TenantOwned.Meta.constraints,
            models.UniqueConstraint(fields=["tenant", "client"], name="one_compliance_standing_per_client"),
        ]
