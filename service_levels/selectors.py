"""Reads of the SLA configuration, and the one answer to "which targets apply to this ticket, and why"."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

import holidays as holiday_calendars
from django.core.exceptions import ImproperlyConfigured
from django.utils import timezone

from service_levels import engine
from service_levels.calendar_cache import VersionedLru
from service_levels.models import (
    BusinessCalendar,
    IssueType,
    Level,
    Metric,
    PolicyKind,
    Priority,
    PriorityRule,
    SlaPolicy,
    SlaTarget,
)

# Used for a cell the tenant has not set (and by seed_demo): the usual ITIL-style matrix.
DEFAULT_MATRIX = {
    (Level.HIGH, Level.HIGH): Priority.P1,
    (Level.HIGH, Level.MEDIUM): Priority.P2,
    (Level.HIGH, Level.LOW): Priority.P3,
    (Level.MEDIUM, Level.HIGH): Priority.P2,
    (Level.MEDIUM, Level.MEDIUM): Priority.P3,
    (Level.MEDIUM, Level.LOW): Priority.P4,
    (Level.LOW, Level.HIGH): Priority.P3,
    (Level.LOW, Level.MEDIUM): Priority.P4,
    (Level.LOW, Level.LOW): Priority.P4,
}

# Public holidays are known from a fixed year, not from "now": a clock that ran over Christmas 2026 is
# recomputed the same way in 2030 (a ticket re-targeted, a test run later). Ahead, ten years past now.
FIRST_HOLIDAY_YEAR, HOLIDAY_YEARS_AHEAD = 2020, 10
# Built engine calendars, least recently used evicted first. A thousand tenants use two or three
# calendars each; a split-shift calendar expanded over a few years holds roughly 100-200 KB.
ENGINE_CACHE_SIZE = 2048
_engine_cache: VersionedLru[engine.BusinessCalendar] = VersionedLru(ENGINE_CACHE_SIZE)


def _public_holidays(calendar: BusinessCalendar) -> dict[date, str]:
    if not calendar.holiday_country:
        return {}
    years = range(FIRST_HOLIDAY_YEAR, max(timezone.now().year, FIRST_HOLIDAY_YEAR) + HOLIDAY_YEARS_AHEAD + 1)
    return holiday_calendars.country_holidays(
        calendar.holiday_country, subdiv=calendar.holiday_subdivision or None, years=years
    )


def holiday_dates(calendar: BusinessCalendar) -> set[date]:
    """Public holidays of the calendar's country and region, plus the tenant's closure days."""
    return set(calendar.closures.values_list("date", flat=True)) | set(_public_holidays(calendar))


@dataclass(frozen=True)
class DayOff:
    date: date
    name: str
    is_closure: bool


def upcoming_days_off(calendar: BusinessCalendar, *, after: date, limit: int = 10) -> list[DayOff]:
    """The next days the calendar's clock stands still (the dates of ``holiday_dates``), with names."""
    closures = {c.date: c.reason for c in calendar.closures.filter(date__gte=after)}
    public = _public_holidays(calendar)
    days = sorted(day for day in holiday_dates(calendar) if day >= after)[:limit]
    return [
        DayOff(day, closures[day] or "Closed", True) if day in closures else DayOff(day, public[day], False)
        for day in days
    ]


def engine_calendar(calendar: BusinessCalendar) -> engine.BusinessCalendar:
    """The pure engine's calendar for a row, cached by calendar and version: ``updated_at``, which every
    edit of the row or of its closures bumps, so an edited calendar is rebuilt, never served stale."""
    return _engine_cache.get(
        (calendar.tenant_id, calendar.pk),
        calendar.updated_at,
        lambda: engine.BusinessCalendar(
            timezone=calendar.timezone,
            weekly_hours=calendar.weekly_intervals(),
            holidays=holiday_dates(calendar),
        ),
    )


def priority_for(impact: str, urgency: str) -> str:
    rule = PriorityRule.objects.filter(impact=impact, urgency=urgency).first()
    return rule.priority if rule else DEFAULT_MATRIX[(Level(impact), Level(urgency))]


def priority_matrix() -> dict[tuple[str, str], str]:
    matrix = {
        (impact.value, urgency.value): priority.value
        for (impact, urgency), priority in DEFAULT_MATRIX.items()
    }
    matrix.update({(rule.impact, rule.urgency): rule.priority for rule in PriorityRule.objects.all()})
    return matrix


def active_issue_types() -> Iterable[IssueType]:
    return IssueType.objects.filter(is_active=True)


@dataclass(frozen=True)
class AppliedTarget:
    metric: str
    duration: timedelta
    calendar: BusinessCalendar
    policy: SlaPolicy
    reason: str

    @property
    def metric_label(self) -> str:
        return Metric(self.metric).label

    def due_at(self, start: datetime) -> datetime:
        return engine_calendar(self.calendar).add(start, self.duration)


@dataclass(frozen=True)
class EffectiveSla:
    """The targets that apply to one ticket, with the reasons, in the order they were decided."""

    priority: str
    policy: SlaPolicy | None
    riders: list[SlaPolicy] = field(default_factory=list)
    targets: dict[str, AppliedTarget] = field(default_factory=dict)
    without_target: dict[str, str] = field(default_factory=dict)
    reasons: list[str] = field(default_factory=list)

    @property
    def warning_percent(self) -> int:
        return self.policy.warning_percent if self.policy else 75

    @property
    def pause_statuses(self) -> list[str]:
        return list(self.policy.pause_statuses) if self.policy else []

    def due_times(self, start: datetime) -> dict[str, datetime]:
        return {metric: target.due_at(start) for metric, target in self.targets.items()}


def _active_policy(kind: str, key: str = "") -> SlaPolicy | None:
    return SlaPolicy.objects.filter(kind=kind, key=key, is_active=True).first()


def _targets_of(policy: SlaPolicy, priority: str) -> dict[str, SlaTarget]:
    return {
        t.metric: t
        for t in SlaTarget.objects.filter(policy=policy, priority=priority).select_related("calendar")
    }


def _is_no_looser(rider: SlaTarget, base: SlaTarget) -> bool:
    """A rider may only tighten: no more minutes, on a calendar open at least as many hours a week."""
    return rider.minutes <= base.minutes and (
        rider.calendar.open_hours_per_week() >= base.calendar.open_hours_per_week()
    )


# Service levels sit below contracts, so they cannot read what a client signed. contracts registers its
# reader here (ContractsConfig.ready); the deadline preview's default mode asks through it.
ClientSlaReader = Callable[..., EffectiveSla]
_client_sla_reader: ClientSlaReader | None = None


def register_client_sla_reader(reader: ClientSlaReader) -> None:
    """Set the function that answers effective_sla() from the client's own agreement:
    ``reader(*, client, priority=None, issue_type=None) -> EffectiveSla``."""
    global _client_sla_reader
    _client_sla_reader = reader


def effective_sla_from_agreement(
    *, client, priority: str | None = None, issue_type: IssueType | None = None
) -> EffectiveSla:
    """effective_sla() with what the client signed (its contract, tier and riders), through the registered
    reader (``contracts.selectors.effective_sla_for_client``)."""
    if _client_sla_reader is None:
        raise ImproperlyConfigured("No client SLA reader is registered: is the contracts app installed?")
    return _client_sla_reader(client=client, priority=priority, issue_type=issue_type)


def effective_sla(
    *,
    client,
    priority: str | None = None,
    issue_type: IssueType | None = None,
    has_signed_contract: bool,
    grace_until: date | None = None,
    tier: str | None = None,
    riders: Iterable[str] = (),
) -> EffectiveSla:
    """Which targets apply to a ticket of ``client`` and why.

    Until contracts and memberships exist, whether the client has signed, its tier and its riders are
    plain parameters; those issues pass them from the agreement and the plan. Rules, in order:
    not signed but inside a signing campaign's grace period -> the standard policy until the deadline;
    no signed contract -> basic triage only (riders ignored); a tier -> that tier's policy (else the
    standard policy); signed without a tier -> the standard policy; each rider replaces a target it
    tightens; a remote-only issue type has no on-site target.
    """
    reasons: list[str] = []
    riders = [key for key in riders if key]
    if priority is None:
        if issue_type is None:
            raise ValueError("effective_sla() needs a priority or an issue type with a default priority.")
        priority = issue_type.default_priority
        reasons.append(f"Priority {priority} is the default of the issue type “{issue_type}”.")
    Priority(priority)  # ValueError for an unknown priority

    if not has_signed_contract and grace_until is not None:
        policy = _active_policy(PolicyKind.STANDARD)
        reasons.append(
            f"{client} has not signed yet but is in a signing campaign's grace period until "
            f"{grace_until:%d %b %Y}: the standard policy applies until then."
        )
        riders = []
    elif not has_signed_contract:
        policy = _active_policy(PolicyKind.BASIC_TRIAGE)
        reasons.append(f"{client} has no signed service contract: basic triage only.")
        if riders:
            reasons.append("Riders apply only under a signed contract, so they are ignored.")
            riders = []
    elif tier:
        policy = _active_policy(PolicyKind.TIER, tier)
        if policy:
            reasons.append(f"{client} has a signed contract on the “{policy}” tier.")
        else:
            policy = _active_policy(PolicyKind.STANDARD)
            reasons.append(f"No active policy for the tier “{tier}”: the standard contract policy applies.")
    else:
        policy = _active_policy(PolicyKind.STANDARD)
        reasons.append(f"{client} has a signed contract without a paid tier: the standard policy applies.")

    if policy is None:
        reasons.append("No matching SLA policy is set up, so no targets apply. Add one under SLA policies.")
        return EffectiveSla(priority=priority, policy=None, reasons=reasons)

    base_targets = _targets_of(policy, priority)
    targets = {
        metric: AppliedTarget(metric, t.duration, t.calendar, policy, f"{policy} target for {priority}")
        for metric, t in base_targets.items()
    }
    applied_riders = []
    for key in riders:
        rider = _active_policy(PolicyKind.RIDER, key)
        if rider is None:
            reasons.append(f"No active rider “{key}”: ignored.")
            continue
        applied_riders.append(rider)
        for metric, rider_target in _targets_of(rider, priority).items():
            base = base_targets.get(metric)
            if base is None or _is_no_looser(rider_target, base):
                targets[metric] = AppliedTarget(
                    metric,
                    rider_target.duration,
                    rider_target.calendar,
                    rider,
                    f"tightened by the “{rider}” rider",
                )
                reasons.append(f"The “{rider}” rider sets {Metric(metric).label.lower()} for {priority}.")
            else:
                reasons.append(
                    f"The “{rider}” rider's {Metric(metric).label.lower()} target is looser: not used."
                )

    without_target = {
        metric.value: f"The “{policy}” policy sets no {metric.label.lower()} target for {priority}."
        for metric in Metric
        if metric.value not in targets
    }
    if issue_type is not None and not issue_type.needs_site_visit and Metric.ONSITE in targets:
        del targets[Metric.ONSITE]
        without_target[Metric.ONSITE] = f"“{issue_type}” is fixed remotely: no site visit is promised."
    return EffectiveSla(
        priority=priority,
        policy=policy,
        riders=applied_riders,
        targets=targets,
        without_target=without_target,
        reasons=reasons,
    )
