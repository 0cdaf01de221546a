"""Writes to the SLA configuration. Each runs inside the caller's tenant scope and validates fully."""

from __future__ import annotations

from datetime import date

import holidays
from django.core.exceptions import ValidationError
from django.db import transaction

from events.services import record_event
from service_levels import engine
from service_levels.models import (
    BusinessCalendar,
    ClosureDay,
    IssueType,
    PriorityRule,
    SlaPolicy,
    SlaTarget,
)
from tenants.scope import current_tenant

WEEKDAYS_ONLY = (0, 1, 2, 3, 4)

PRESETS = {
    "always_open": {str(day): [["00:00", "00:00"]] for day in range(7)},
    "office_hours": {str(day): [["08:00", "17:00"]] for day in WEEKDAYS_ONLY},
    "split_shift": {str(day): [["08:00", "12:00"], ["13:00", "17:00"]] for day in WEEKDAYS_ONLY},
    "extended_hours": {
        **{str(day): [["07:00", "19:00"]] for day in WEEKDAYS_ONLY},
        "5": [["09:00", "13:00"]],
    },
}


def _check_with_engine(calendar: BusinessCalendar) -> None:
    """The engine is the judge of weekly hours (overlaps, shapes) and the time zone."""
    try:
        engine.BusinessCalendar(
            timezone=calendar.timezone, weekly_hours=calendar.weekly_intervals(), holidays=()
        )
    except (ValueError, TypeError) as error:
        raise ValidationError({"weekly_hours": str(error)}) from error


def _check_holidays(calendar: BusinessCalendar) -> None:
    """Public holidays come from a country (and subdivision) the ``holidays`` package knows."""
    country, subdivision = calendar.holiday_country, calendar.holiday_subdivision
    if not country:
        if subdivision:
            raise ValidationError(
                {"holiday_subdivision": "Choose a country first: subdivisions belong to one."}
            )
        return
    supported = holidays.list_supported_countries(include_aliases=False)
    if country not in supported:
        raise ValidationError(
            {"holiday_country": f"“{country}” is not a country with known public holidays (e.g. US, GB, DE)."}
        )
    if subdivision and subdivision not in supported[country]:
        known = supported[country]
        raise ValidationError(
            {
                "holiday_subdivision": f"{country} has no subdivision “{subdivision}”. "
                + (f"Use one of: {', '.join(known)}." if known else "Leave it blank.")
            }
        )


def _save_calendar(calendar: BusinessCalendar) -> BusinessCalendar:
    calendar.full_clean(exclude=["tenant"])
    if BusinessCalendar.objects.filter(name=calendar.name).exclude(pk=calendar.pk).exists():
        raise ValidationError({"name": "Another calendar already has this name."})
    _check_holidays(calendar)
    _check_with_engine(calendar)
    calendar.save()
    return calendar


@transaction.atomic
def create_calendar(*, name: str, timezone: str, weekly_hours: dict, holiday_country: str = "",
                    holiday_subdivision: str = "") -> BusinessCalendar:  # fmt: skip
    return _save_calendar(
        BusinessCalendar(
            tenant=current_tenant(),
            name=name.strip(),
            timezone=timezone,
            weekly_hours=weekly_hours,
            holiday_country=holiday_country.upper(),
            holiday_subdivision=holiday_subdivision.upper(),
        )
    )


def _calendar_changed(calendar: BusinessCalendar, *, why: str) -> None:
    """``calendar.changed``: the tickets app moves the due times of the clocks that count on it."""
    record_event("calendar.changed", calendar_id=calendar.pk, why=why)


@transaction.atomic
def update_calendar(calendar: BusinessCalendar, **changes) -> BusinessCalendar:
    for name, value in changes.items():
        setattr(calendar, name, value)
    _save_calendar(calendar)
    _calendar_changed(calendar, why=f"business calendar {calendar.name} changed")
    return calendar


@transaction.atomic
def delete_calendar(calendar: BusinessCalendar) -> None:
    """Refused while an SLA target still counts on the calendar (its closures go with it)."""
    in_use = SlaTarget.objects.filter(calendar=calendar).count()
    if in_use:
        raise ValidationError(
            f"{in_use} SLA target{'s' if in_use != 1 else ''} still use{'s' if in_use == 1 else ''} "
            "this calendar: move them to another calendar first."
        )
    calendar.delete()


@transaction.atomic
def add_closure(*, calendar: BusinessCalendar, day: date, reason: str = "") -> ClosureDay:
    """Idempotent per day. Touches the calendar so cached engine calendars are rebuilt."""
    closure, _ = ClosureDay.objects.update_or_create(
        tenant_id=calendar.tenant_id, calendar=calendar, date=day, defaults={"reason": reason}
    )
    calendar.save(update_fields=["updated_at"])
    _calendar_changed(calendar, why=f"closed on {day:%-d %b %Y} ({calendar.name})")
    return closure


@transaction.atomic
def remove_closure(closure: ClosureDay) -> None:
    calendar = closure.calendar
    closure.delete()
    calendar.save(update_fields=["updated_at"])
    _calendar_changed(calendar, why=f"open again on {closure.date:%-d %b %Y} ({calendar.name})")


def _save_policy(policy: SlaPolicy) -> SlaPolicy:
    policy.full_clean(exclude=["tenant"])
    if SlaPolicy.objects.filter(name=policy.name).exclude(pk=policy.pk).exists():
        raise ValidationError({"name": "Another policy already has this name."})
    if (
        policy.is_active
        and SlaPolicy.objects.filter(kind=policy.kind, key=policy.key, is_active=True)
        .exclude(pk=policy.pk)
        .exists()
    ):
        what = f"key “{policy.key}”" if policy.key else "kind"
        raise ValidationError(
            {"key": f"Another active {policy.get_kind_display().lower()} policy has this {what}."}
        )
    policy.save()
    return policy


@transaction.atomic
def create_policy(*, name: str, kind: str, key: str = "", description: str = "", warning_percent: int = 75,
                  pause_statuses: list[str] | None = None, is_active: bool = True) -> SlaPolicy:  # fmt: skip
    return _save_policy(
        SlaPolicy(
            tenant=current_tenant(),
            name=name.strip(),
            kind=kind,
            key=key,
            description=description,
            warning_percent=warning_percent,
            pause_statuses=pause_statuses if pause_statuses is not None else ["waiting_on_client"],
            is_active=is_active,
        )
    )


@transaction.atomic
def update_policy(policy: SlaPolicy, **changes) -> SlaPolicy:
    for name, value in changes.items():
        setattr(policy, name, value)
    return _save_policy(policy)


@transaction.atomic
def set_targets(
    policy: SlaPolicy, targets: dict[tuple[str, str], tuple[int, BusinessCalendar] | None]
) -> None:
    """Replace the policy's targets: {(priority, metric): (minutes, calendar) or None for no target}."""
    for (priority, metric), value in targets.items():
        if value is None:
            SlaTarget.objects.filter(policy=policy, priority=priority, metric=metric).delete()
            continue
        minutes, calendar = value
        if calendar.tenant_id != policy.tenant_id:
            raise ValidationError({"calendar": "Choose one of your calendars."})
        target = SlaTarget.objects.filter(
            policy=policy, priority=priority, metric=metric
        ).first() or SlaTarget(tenant_id=policy.tenant_id, policy=policy, priority=priority, metric=metric)
        target.minutes, target.calendar = minutes, calendar
        target.full_clean(exclude=["tenant", "policy", "calendar"])
        target.save()
    policy.save(update_fields=["updated_at"])


@transaction.atomic
def set_priority(*, impact: str, urgency: str, priority: str) -> PriorityRule:
    rule, _ = PriorityRule.objects.update_or_create(
        tenant=current_tenant(), impact=impact, urgency=urgency, defaults={"priority": priority}
    )
    rule.full_clean(exclude=["tenant"], validate_constraints=False)
    return rule


def _save_issue_type(issue_type: IssueType) -> IssueType:
    issue_type.full_clean(exclude=["tenant"])
    if IssueType.objects.filter(name__iexact=issue_type.name).exclude(pk=issue_type.pk).exists():
        raise ValidationError({"name": "The catalog already has an issue type with this name."})
    issue_type.save()
    return issue_type


@transaction.atomic
def create_issue_type(**data) -> IssueType:
    return _save_issue_type(IssueType(tenant=current_tenant(), **data))


@transaction.atomic
def update_issue_type(issue_type: IssueType, **changes) -> IssueType:
    for name, value in changes.items():
        setattr(issue_type, name, value)
    return _save_issue_type(issue_type)
