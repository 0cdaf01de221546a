"""What an integrator promises: business-hours calendars, SLA policies with targets per priority and
metric, the priority matrix and the issue catalog. The arithmetic lives in ``service_levels/engine.py``."""

from datetime import time, timedelta

from django.contrib.postgres.fields import ArrayField
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models

from tenants.history import label_from, track_history
from tenants.models import TenantOwned, validate_timezone


class Priority(models.TextChoices):
    P1 = "P1", "P1 · Critical"
    P2 = "P2", "P2 · High"
    P3 = "P3", "P3 · Medium"
    P4 = "P4", "P4 · Low"


class Metric(models.TextChoices):
    FIRST_RESPONSE = "first_response", "First response"
    ONSITE = "onsite", "On-site arrival"
    RESOLUTION = "resolution", "Resolution"


class Level(models.TextChoices):
    HIGH = "high", "High"
    MEDIUM = "medium", "Medium"
    LOW = "low", "Low"


# Ticket statuses a policy may pause on (the tickets issue owns the workflow; these are its names).
PAUSABLE_STATUSES = [
    ("waiting_on_client", "Waiting on client"),
    ("scheduled", "Scheduled"),
]

WEEKDAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]


def _parse_time(text: str) -> time:
    hours, minutes = text.split(":")
    return time(int(hours) % 24, int(minutes))


def validate_weekly_hours(value) -> None:
    """{"0": [["08:00", "12:00"], ...], ...}: weekday 0 = Monday; a close at or before the open runs
    past midnight. The engine checks overlaps; this checks the shape."""
    if not isinstance(value, dict):
        raise ValidationError("Weekly hours must map weekdays to lists of [open, close] times.")
    for day, intervals in value.items():
        if day not in {str(n) for n in range(7)}:
            raise ValidationError(f"{day!r} is not a weekday number (0 = Monday … 6 = Sunday).")
        for interval in intervals:
            try:
                opens, closes = interval
                _parse_time(opens), _parse_time(closes)
            except (TypeError, ValueError) as error:
                raise ValidationError(
                    f"{interval!r} is not an [open, close] pair like ['08:00', '17:00']."
                ) from error


@track_history(object_type="Business calendar", label=label_from("name"), exclude=["updated_at"])
class BusinessCalendar(TenantOwned):
    """When the clock runs: a time zone, weekly open hours, public holidays and the tenant's closures."""

    name = models.CharField(max_length=100)
    timezone = models.CharField(max_length=64, validators=[validate_timezone])
    weekly_hours = models.JSONField(default=dict, validators=[validate_weekly_hours])
    holiday_country = models.CharField(
        max_length=2, blank=True, help_text="Public holidays of this country (ISO code); blank for none."
    )
    holiday_subdivision = models.CharField(max_length=10, blank=True, help_text="State or region, e.g. NY.")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            *TenantOwned.Meta.constraints,
            models.UniqueConstraint(fields=["tenant", "name"], name="calendar_name_unique_per_tenant"),
        ]

    def __str__(self):
        return self.name

    @property
    def is_always_open(self) -> bool:
        return all(self.weekly_hours.get(str(day)) == [["00:00", "00:00"]] for day in range(7)) and not (
            self.holiday_country
        )

    def weekly_intervals(self) -> dict[int, list[tuple[time, time]]]:
        return {
            int(day): [(_parse_time(opens), _parse_time(closes)) for opens, closes in intervals]
            for day, intervals in self.weekly_hours.items()
            if intervals
        }

    def open_hours_per_week(self) -> timedelta:
        total = timedelta()
        for intervals in self.weekly_intervals().values():
            for opens, closes in intervals:
                start = timedelta(hours=opens.hour, minutes=opens.minute)
                end = timedelta(hours=closes.hour, minutes=closes.minute)
                total += end - start if end > start else end - start + timedelta(days=1)
        return total


@track_history(object_type="Closure day", label=label_from("date"))
class ClosureDay(TenantOwned):
    """A day the tenant is closed besides public holidays (e.g. the company retreat)."""

    calendar = models.ForeignKey(BusinessCalendar, on_delete=models.CASCADE, related_name="closures")
    date = models.DateField()
    reason = models.CharField(max_length=120, blank=True)

    class Meta:
        ordering = ["date"]
        constraints = [
            *TenantOwned.Meta.constraints,
            models.UniqueConstraint(
                fields=["tenant", "calendar", "date"], name="one_closure_per_calendar_day"
            ),
        ]

    def __str__(self):
        return f"{self.date:%Y-%m-%d} {self.reason}".strip()


class PolicyKind(models.TextChoices):
    BASIC_TRIAGE = "basic_triage", "Basic triage (no signed contract)"
    STANDARD = "standard", "Standard (signed contract, no paid tier)"
    TIER = "tier", "Membership tier"
    RIDER = "rider", "Rider (tightens targets)"


@track_history(object_type="SLA policy", label=label_from("name"), exclude=["updated_at"])
class SlaPolicy(TenantOwned):
    """A set of targets. Which one applies is decided by ``service_levels.selectors.effective_sla``."""

    name = models.CharField(max_length=100)
    kind = models.CharField(max_length=20, choices=PolicyKind.choices)
    key = models.SlugField(
        max_length=40,
        blank=True,
        help_text="For tiers and riders: the key memberships use, e.g. 'gold' or 'premium-response'.",
    )
    description = models.TextField(blank=True)
    warning_percent = models.PositiveSmallIntegerField(
        default=75,
        validators=[MinValueValidator(1), MaxValueValidator(99)],
        help_text="Warn when this share of a target's business time has elapsed.",
    )
    pause_statuses = ArrayField(
        models.CharField(max_length=30, choices=PAUSABLE_STATUSES),
        default=list,
        blank=True,
        help_text="Ticket statuses that stop the clock.",
    )
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["kind", "name"]
        verbose_name = "SLA policy"
        verbose_name_plural = "SLA policies"
        constraints = [
            *TenantOwned.Meta.constraints,
            models.UniqueConstraint(fields=["tenant", "name"], name="policy_name_unique_per_tenant"),
            models.UniqueConstraint(
                fields=["tenant", "kind", "key"],
                condition=models.Q(is_active=True),
                name="one_active_policy_per_kind_and_key",
                violation_error_message="Another active policy already uses this kind and key.",
            ),
        ]

    def __str__(self):
        return self.name

    def clean(self):
        if self.kind in (PolicyKind.TIER, PolicyKind.RIDER) and not self.key:
            raise ValidationError({"key": "Tiers and riders need a key (e.g. 'gold', 'premium-response')."})
        if self.kind in (PolicyKind.BASIC_TRIAGE, PolicyKind.STANDARD):
            self.key = ""


@track_history(object_type="SLA target", label=lambda d: f"{d.get('priority')} {d.get('metric')}")
class SlaTarget(TenantOwned):
    """One promise: for this priority, this metric is met within ``minutes`` on ``calendar``."""

    policy = models.ForeignKey(SlaPolicy, on_delete=models.CASCADE, related_name="targets")
    priority = models.CharField(max_length=2, choices=Priority.choices)
    metric = models.CharField(max_length=20, choices=Metric.choices)
    minutes = models.PositiveIntegerField(validators=[MinValueValidator(1)])
    calendar = models.ForeignKey(BusinessCalendar, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["priority", "metric"]
        constraints = [
            *TenantOwned.Meta.constraints,
            models.UniqueConstraint(
                fields=["tenant", "policy", "priority", "metric"],
                name="one_target_per_policy_priority_metric",
            ),
        ]

    def __str__(self):
        return f"{self.policy} {self.priority} {self.get_metric_display()}: {self.minutes} min"

    @property
    def duration(self) -> timedelta:
        return timedelta(minutes=self.minutes)


@track_history(
    object_type="Priority matrix", label=lambda d: f"{d.get('impact')} impact × {d.get('urgency')} urgency"
)
class PriorityRule(TenantOwned):
    """One cell of the priority matrix: impact × urgency → priority."""

    impact = models.CharField(max_length=10, choices=Level.choices)
    urgency = models.CharField(max_length=10, choices=Level.choices)
    priority = models.CharField(max_length=2, choices=Priority.choices)

    class Meta:
        ordering = ["impact", "urgency"]
        constraints = [
            *TenantOwned.Meta.constraints,
            models.UniqueConstraint(
                fields=["tenant", "impact", "urgency"], name="one_priority_per_matrix_cell"
            ),
        ]

    def __str__(self):
        return f"{self.impact} impact × {self.urgency} urgency → {self.priority}"


class IssueCategory(models.TextChoices):
    SOFTWARE = "software", "Software"
    HARDWARE = "hardware", "Hardware"


class WorkLocation(models.TextChoices):
    REMOTE = "remote", "Remote"
    ON_SITE = "on_site", "On-site"


@track_history(object_type="Issue type", label=label_from("name"))
class IssueType(TenantOwned):
    """An entry of the issue catalog: what can go wrong, how urgent it usually is, where it is fixed."""

    name = models.CharField(max_length=120)
    category = models.CharField(max_length=10, choices=IssueCategory.choices)
    default_priority = models.CharField(max_length=2, choices=Priority.choices, default=Priority.P3)
    work_location = models.CharField(max_length=10, choices=WorkLocation.choices, default=WorkLocation.REMOTE)
    expected_turnaround_minutes = models.PositiveIntegerField(
        help_text="Typical business time from report to fix, told to clients."
    )
    description = models.TextField(blank=True)
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["category", "name"]
        constraints = [
            *TenantOwned.Meta.constraints,
            models.UniqueConstraint(fields=["tenant", "name"], name="issue_type_name_unique_per_tenant"),
        ]

    def __str__(self):
        return self.name

    @property
    def needs_site_visit(self) -> bool:
        return self.work_location == WorkLocation.ON_SITE
