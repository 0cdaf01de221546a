"""The explicit half of the audit log: what leaves no row behind to track (sign-ins, failed sign-ins, CSV
exports). Model changes are kept by django-pghistory in each app's event tables (``tenants.history``);
``audit.selectors`` reads both as one list.

Entries are append-only: the web and worker roles are granted neither UPDATE nor DELETE (``AppendOnly``),
and a trigger refuses both as well, and no
foreign key has a database constraint or an ``on_delete`` that would touch an entry when a user or a key
goes away. Who did it is kept as ids *and* a label, so an entry reads the same after a rename.
"""

import pgtrigger
from django.conf import settings
from django.db import models
from django.db.models.functions import Now

from accounts.actors import ACTOR_MAX_LENGTH
from tenants.grants import AppendOnly
from tenants.models import TenantOwned


class Action(models.TextChoices):
    SIGN_IN = "sign_in", "Signed in"
    SIGN_IN_FAILED = "sign_in_failed", "Failed sign-in"
    EXPORT = "export", "Exported CSV"
    LOCKED_OUT = "locked_out", "Sign-in locked"
    UNLOCKED = "unlocked", "Sign-in unlocked"
    TWO_FACTOR_ON = "two_factor_on", "Two-step sign-in on"
    TWO_FACTOR_OFF = "two_factor_off", "Two-step sign-in off"


@pgtrigger.register(
    pgtrigger.Protect(name="audit_entries_append_only", operation=pgtrigger.Update | pgtrigger.Delete)
)
class AuditEntry(TenantOwned):
    append_only = AppendOnly()  # SELECT and INSERT only, for the web and worker roles (tenants.grants)

    created_at = models.DateTimeField(db_default=Now())
    action = models.CharField(max_length=20, choices=Action.choices)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        null=True,
        blank=True,
        related_name="+",
    )
    api_key_id = models.BigIntegerField(null=True, blank=True)
    actor = models.CharField(max_length=ACTOR_MAX_LENGTH, help_text="accounts.actors.actor_label")
    ip = models.GenericIPAddressField(null=True, blank=True)
    user_agent = models.CharField(max_length=300, blank=True)
    request_id = models.CharField(max_length=36, blank=True)
    object_type = models.CharField(max_length=60, blank=True)
    object_id = models.CharField(max_length=60, blank=True)
    object_label = models.CharField(max_length=300, blank=True)
    details = models.JSONField(default=dict, blank=True)

    class Meta:
        verbose_name_plural = "audit entries"
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["tenant", "-created_at", "-id"], name="audit_entry_newest_idx")]
        constraints = [*TenantOwned.Meta.constraints]

    def __str__(self):
        return f"{self.get_action_display()} by {self.actor}"
