from django.conf import settings
from django.db import models

from tenants.models import TenantOwned


class ImportStatus(models.TextChoices):
    PREVIEWED = "previewed", "Checked, not imported"
    QUEUED = "queued", "Queued"
    RUNNING = "running", "Importing"
    DONE = "done", "Imported"
    FAILED = "failed", "Failed"


class OnExisting(models.TextChoices):
    UPDATE = "update", "Update them"
    SKIP = "skip", "Leave them as they are"


class ImportJob(TenantOwned):
    """One uploaded file of clients, contacts and sites: checked (the preview), then imported at once or
    by a worker, all or nothing. The file's text is kept until it is imported, so the preview and the
    import read the same rows; ``problems`` and ``counts`` are the latest check's, ``summary`` what the
    import wrote."""

    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_by_label = models.CharField(max_length=200, blank=True, help_text="Who started it, as shown.")
    file_name = models.CharField(max_length=255, blank=True)
    csv_text = models.TextField(help_text="The file as read (UTF-8); emptied once imported.")
    encoding = models.CharField(max_length=20, blank=True)
    delimiter = models.CharField(max_length=10, blank=True)
    layout = models.CharField(max_length=20, help_text="The layout the rows are read in.")
    layout_detected = models.CharField(max_length=20, blank=True)
    on_existing = models.CharField(max_length=10, choices=OnExisting.choices, default=OnExisting.UPDATE)
    skip_invalid = models.BooleanField(default=False, help_text="Import the valid rows and skip the rest.")
    status = models.CharField(max_length=12, choices=ImportStatus.choices, default=ImportStatus.PREVIEWED)
    total_rows = models.PositiveIntegerField(default=0)
    counts = models.JSONField(default=dict, blank=True)
    problems = models.JSONField(default=list, blank=True)
    summary = models.JSONField(default=dict, blank=True)
    failure = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["tenant", "-created_at"], name="importjob_tenant_created_idx")]
        constraints = [*TenantOwned.Meta.constraints]

    def __str__(self):
        return f"Import {self.pk} ({self.file_name or 'pasted CSV'})"

    @property
    def is_active(self) -> bool:
        return self.status in (ImportStatus.QUEUED, ImportStatus.RUNNING)

    @property
    def is_finished(self) -> bool:
        return self.status in (ImportStatus.DONE, ImportStatus.FAILED)
