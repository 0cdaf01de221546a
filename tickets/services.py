"""Writes to tickets: opening, replies, status changes, re-targeting, check-ins and time entries.

Every change leaves a TicketEvent; clocks follow the ticket: the first public staff reply stops first
response, a check-in stops on-site arrival, resolving stops resolution (reopening restarts it), and the
policy's pause statuses pause every running clock in business time.

Lock order, for every write to a ticket here and for the SLA sweeper (``tickets.sweeper``):

1. the ticket row, then at once its running clocks (``_lock_ticket``: ``SELECT … FOR UPDATE``);
   several tickets in one transaction are locked in ascending id (``retarget_open_tickets``);
2. then its other clocks, as the write comes to them;
3. then breach rows (only the sweeper inserts them; their foreign key share-locks the clock, which
   the sweeper already holds).

A function that touches a ticket's clocks locks the ticket first, even when it only stops a clock, so
no transaction ever holds a clock while it waits for the clock's ticket. The sweeper claims a due clock
alone and skips what is locked: the running clocks of a ticket an action holds (step 1), so it never
records a breach under an action that may stop or pause the clock, and never waits for one. Taking
locks in the opposite order (clock, then ticket) is what deadlocked a re-target against the sweeper.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone

from accounts.actors import SYSTEM, actor_label
from clients.selectors import site_area
from contracts.coverage import WorkType, decide
from contracts.selectors import contract_terms, effective_sla_for_client
from events.services import record_event
from service_levels.models import Metric, WorkLocation
from service_levels.selectors import priority_for
from tenants.localtime import tenant_localtime, tenant_today
from tenants.models import CostRate, StaffMembership
from tenants.scope import current_tenant
from tenants.selectors import NEWEST_FIRST, OLDEST_FIRST, cost_rate_on
from tenants.services import record_cost_rate
from tickets.models import (
    OPEN_STATUSES,
    Channel,
    ClockState,
    Reply,
    SlaClock,
    Ticket,
    TicketCounter,
    TicketEvent,
    TicketStatus,
    TimeEntry,
)

PAUSING_DEFAULT = ["waiting_on_client"]
# What SlaClock.refresh_times sets: every save that moves a clock writes all of them, so a paused clock's
# stored business time left (the SLA board's order) is never left behind by a pause, resume or stop.
CLOCK_TIMES = ["due_at", "warn_at", "paused_business_left"]
CLOCK_BATCH = 500  # clocks per UPDATE when a calendar changes (a big tenant has thousands on one calendar)


def _lock_ticket(ticket: Ticket) -> Ticket:
    """The ticket row and its running clocks, locked until the transaction ends: the first locks of every
    ticket write. The sweeper claims a due clock alone and skips a locked one, so it passes over the
    clocks of a ticket an action holds, even before the action comes to them."""
    locked = Ticket.objects.select_for_update().get(pk=ticket.pk)
    list(locked.clocks.select_for_update().filter(state=ClockState.RUNNING).order_by("pk").values_list("pk"))
    return locked


def _history(ticket: Ticket, kind: str, *, actor: str, at: datetime, **details) -> TicketEvent:
    return TicketEvent.objects.create(
        tenant_id=ticket.tenant_id, ticket=ticket, kind=kind, actor=actor or SYSTEM, details=details, at=at
    )


def _next_number(tenant) -> int:
    counter, _ = TicketCounter.objects.get_or_create(tenant=tenant)
    counter = TicketCounter.objects.select_for_update().get(pk=counter.pk)
    counter.last_number += 1
    counter.save(update_fields=["last_number"])
    return counter.last_number


def _apply_targets(ticket: Ticket, *, now: datetime, actor: str, why: str) -> None:
    """(Re)create the ticket's clocks from the effective SLA, keeping each clock's start and pauses."""
    sla = effective_sla_for_client(  # the contract in force on the day the ticket is (re)targeted
        client=ticket.client,
        priority=ticket.priority,
        issue_type=ticket.issue_type,
        on=tenant_localtime(now).date(),
    )
    ticket.sla_policy_name = sla.policy.name if sla.policy else ""
    ticket.sla_reasons = sla.reasons
    ticket.sla_pause_statuses = sla.pause_statuses if sla.policy else PAUSING_DEFAULT
    ticket.save(update_fields=["sla_policy_name", "sla_reasons", "sla_pause_statuses", "updated_at"])
    existing = {clock.metric: clock for clock in ticket.clocks.all()}
    changes = {}
    for metric, target in sla.targets.items():
        clock = existing.pop(metric, None) or SlaClock(
            tenant_id=ticket.tenant_id, ticket=ticket, metric=metric, started_at=ticket.created_at
        )
        before = (clock.target_minutes, clock.calendar_id) if clock.pk else None
        clock.target_minutes = int(target.duration.total_seconds() // 60)
        clock.calendar = target.calendar
        clock.warn_percent = sla.warning_percent
        clock.policy_name = target.policy.name
        clock.reason = target.reason
        clock.refresh_times()
        clock.save()
        if before != (clock.target_minutes, clock.calendar_id):
            changes[metric] = {"minutes": clock.target_minutes, "calendar": clock.calendar.name}
    for metric, clock in existing.items():  # no longer promised: stop it, keep its record
        if clock.state != ClockState.STOPPED:
            clock.stop()
            clock.save(update_fields=["state", *CLOCK_TIMES])
            changes[metric] = {"removed": sla.without_target.get(metric, "no longer promised")}
    if changes:
        _history(
            ticket,
            "sla_targets",
            actor=actor,
            at=now,
            why=why,
            policy=ticket.sla_policy_name,
            changes=changes,
            reasons=sla.reasons,
        )


@transaction.atomic
def open_ticket(
    *,
    client,
    title: str,
    description: str = "",
    site=None,
    contact=None,
    issue_type=None,
    impact: str = "medium",
    urgency: str = "medium",
    priority: str | None = None,
    channel: str = Channel.STAFF,
    assignee=None,
    created_by=None,
    actor: str = "",
    work_location: str | None = None,
    now: datetime | None = None,
) -> Ticket:
    """Open a ticket and start its SLA clocks from the effective SLA. Records ``ticket.created``.
    Remote or on-site is the issue type's unless ``work_location`` says otherwise."""
    now = now or timezone.now()
    if not title.strip():
        raise ValidationError({"title": "Say in a few words what is wrong."})
    for related in (site, contact):
        if related is not None and related.client_id != client.pk:
            raise ValidationError("The site and contact must belong to the ticket's client.")
    priority = priority or priority_for(impact, urgency)
    location = work_location or (issue_type.work_location if issue_type else WorkLocation.REMOTE)
    ticket = Ticket.objects.create(
        tenant=current_tenant(),
        number=_next_number(current_tenant()),
        client=client,
        site=site,
        contact=contact,
        issue_type=issue_type,
        title=title.strip(),
        description=description,
        impact=impact,
        urgency=urgency,
        priority=priority,
        work_location=location,
        channel=channel,
        assignee=assignee,
        created_by=created_by,
        created_at=now,
    )
    _history(ticket, "created", actor=actor, at=now, priority=priority, channel=channel)
    _apply_targets(ticket, now=now, actor=actor, why="ticket opened")
    record_event(
        "ticket.created", ticket_id=ticket.pk, number=ticket.number, client_id=client.pk, priority=priority
    )
    return ticket


def _pause_clocks(ticket: Ticket, now: datetime) -> None:
    for clock in ticket.clocks.select_for_update().filter(state=ClockState.RUNNING):
        clock.open_pause(now)
        clock.state = ClockState.PAUSED
        clock.refresh_times()
        clock.save(update_fields=["pauses", "state", *CLOCK_TIMES])


def _resume_clocks(ticket: Ticket, now: datetime) -> None:
    for clock in ticket.clocks.select_for_update().filter(state=ClockState.PAUSED):
        clock.close_pause(now)
        clock.state = ClockState.RUNNING
        clock.refresh_times()
        clock.save(update_fields=["pauses", "state", *CLOCK_TIMES])


def _stop_clock(ticket: Ticket, metric: str, now: datetime) -> SlaClock | None:
    clock = ticket.clocks.select_for_update().filter(metric=metric).exclude(state=ClockState.STOPPED).first()
    if clock is None:
        return None
    if clock.state == ClockState.PAUSED:  # close the open pause first
        clock.close_pause(now)
    clock.met_at = now
    clock.stop()
    clock.save(update_fields=["pauses", "state", "met_at", *CLOCK_TIMES])
    return clock


@transaction.atomic
def change_status(ticket: Ticket, status: str, *, actor: str, now: datetime | None = None) -> Ticket:
    """Move the ticket; pause or resume clocks; resolving stops resolution, reopening restarts it."""
    now = now or timezone.now()
    ticket = _lock_ticket(ticket)
    old = ticket.status
    status = TicketStatus(status)
    if status == old:
        return ticket
    if old == TicketStatus.CLOSED and status != TicketStatus.REOPENED:
        raise ValidationError("A closed ticket can only be reopened.")
    pausing = ticket.sla_pause_statuses
    if status in pausing and old not in pausing:
        _pause_clocks(ticket, now)
    elif old in pausing and status not in pausing:
        _resume_clocks(ticket, now)
    if status == TicketStatus.RESOLVED:
        _stop_clock(ticket, Metric.RESOLUTION, now)
        ticket.resolved_at = now
        record_event(
            "ticket.resolved",
            ticket_id=ticket.pk,
            number=ticket.number,
            client_id=ticket.client_id,
            resolved_at=now,
        )
    elif status == TicketStatus.CLOSED:
        for clock in ticket.clocks.exclude(state=ClockState.STOPPED):
            _stop_clock(ticket, clock.metric, now)
        ticket.closed_at = now
    elif status == TicketStatus.REOPENED:
        _restart_resolution(ticket, now)
        ticket.resolved_at = ticket.closed_at = None
    ticket.status = status
    ticket.save(update_fields=["status", "resolved_at", "closed_at", "updated_at"])
    _history(ticket, "status", actor=actor, at=now, old=old, new=status)
    _record_update(ticket, status=[old, status.value])
    return ticket


def _record_update(ticket: Ticket, **changes: list) -> None:
    """``ticket.updated`` with the fields a partner sees that changed, each as [old, new]."""
    record_event(
        "ticket.updated",
        ticket_id=ticket.pk,
        number=ticket.number,
        client_id=ticket.client_id,
        changes=changes,
    )


def _restart_resolution(ticket: Ticket, now: datetime) -> None:
    """Reopening: resolution runs again, the time between resolving and reopening paused."""
    clock = ticket.clocks.select_for_update().filter(metric=Metric.RESOLUTION).first()
    if clock is None or clock.state != ClockState.STOPPED or clock.met_at is None:
        return
    clock.add_pause(clock.met_at, now)
    clock.state, clock.met_at = ClockState.RUNNING, None
    clock.refresh_times()
    clock.save(update_fields=["pauses", "state", "met_at", *CLOCK_TIMES])


@transaction.atomic
def add_reply(
    ticket: Ticket,
    *,
    body: str,
    author=None,
    author_contact=None,
    is_public: bool = True,
    now: datetime | None = None,
) -> Reply:
    """A reply or an internal note. The first public reply by staff stops the first-response clock; a
    reply by the client's contact to a ticket waiting on the client moves it back to in progress (which
    resumes its paused clocks). A public reply by staff records ``ticket.replied`` (the portal emails it
    to the client); internal notes and the client's own replies record nothing."""
    now = now or timezone.now()
    if not body.strip():
        raise ValidationError({"body": "Write something first."})
    _lock_ticket(ticket)  # before the reply's foreign key and the first-response clock (lock order)
    reply = Reply.objects.create(
        tenant_id=ticket.tenant_id,
        ticket=ticket,
        author=author,
        author_contact=author_contact,
        body=body.strip(),
        is_public=is_public,
        created_at=now,
    )
    if is_public and author is not None:
        record_event(
            "ticket.replied",
            ticket_id=ticket.pk,
            number=ticket.number,
            client_id=ticket.client_id,
            reply_id=reply.pk,
        )
        if _stop_clock(ticket, Metric.FIRST_RESPONSE, now):
            _history(ticket, "first_response", actor=actor_label(author), at=now)
        if ticket.status == TicketStatus.NEW:
            change_status(ticket, TicketStatus.ACKNOWLEDGED, actor=actor_label(author), now=now)
    if is_public and author_contact is not None and author is None:
        status = Ticket.objects.filter(pk=ticket.pk).values_list("status", flat=True).first()
        if status == TicketStatus.WAITING_ON_CLIENT:
            ticket.status = change_status(
                ticket, TicketStatus.IN_PROGRESS, actor=actor_label(contact=author_contact), now=now
            ).status
    return reply


@transaction.atomic
def check_in(ticket: Ticket, *, technician, now: datetime | None = None) -> Ticket:
    """A technician arrived on site: the on-site clock is met."""
    now = now or timezone.now()
    _lock_ticket(ticket)  # before its on-site clock (lock order)
    _stop_clock(ticket, Metric.ONSITE, now)
    _history(ticket, "check_in", actor=actor_label(technician), at=now)
    if ticket.status in (TicketStatus.NEW, TicketStatus.ACKNOWLEDGED, TicketStatus.SCHEDULED):
        change_status(ticket, TicketStatus.IN_PROGRESS, actor=actor_label(technician), now=now)
    return ticket


@transaction.atomic
def retarget(
    ticket: Ticket,
    *,
    actor: str,
    priority: str | None = None,
    issue_type=None,
    why: str = "",
    now: datetime | None = None,
) -> Ticket:
    """Change priority and/or issue type (or re-read the client's tier): targets are recomputed from
    the ticket's start, keeping pauses, and the history says why."""
    now = now or timezone.now()
    ticket = _lock_ticket(ticket)
    changed, changed_ids = {}, {}
    if priority and priority != ticket.priority:
        changed["priority"] = changed_ids["priority"] = [ticket.priority, priority]
        ticket.priority = priority
    if issue_type is not None and issue_type != ticket.issue_type:
        changed["issue_type"] = [str(ticket.issue_type or ""), str(issue_type)]
        changed_ids["issue_type"] = [ticket.issue_type_id, issue_type.pk]
        ticket.issue_type = issue_type
        ticket.work_location = issue_type.work_location
    ticket.save(update_fields=["priority", "issue_type", "work_location", "updated_at"])
    if changed:
        _history(ticket, "retargeted", actor=actor, at=now, why=why, **changed)
        _record_update(ticket, **changed_ids)
    _apply_targets(
        ticket, now=now, actor=actor, why=why or ", ".join(f"{k} changed" for k in changed) or "re-read"
    )
    return ticket


@transaction.atomic
def retarget_open_tickets(client, *, why: str, actor: str = SYSTEM, now: datetime | None = None) -> int:
    """The client's contract changed (signed, renewed, tier, expired, basic triage): every open ticket
    re-reads its targets from its start, and its history says why. Returns how many were re-read."""
    tickets = Ticket.objects.filter(client=client, status__in=OPEN_STATUSES).order_by("pk")
    for ticket in tickets:
        retarget(ticket, actor=actor, why=why, now=now)
    return len(tickets)


@transaction.atomic
def refresh_clocks_of_calendar(calendar_id: int) -> int:
    """The running and paused clocks on this calendar read its hours and closures again: due and warning
    times, and a paused clock's business time left. A clock now past due is the sweeper's next breach; a
    breach already recorded stays. Returns how many clocks were read again."""
    clocks = (
        SlaClock.objects.filter(calendar_id=calendar_id)
        .exclude(state=ClockState.STOPPED)
        .select_related("calendar")
        .order_by("pk")
    )
    refreshed = 0
    batch = []
    for clock in clocks.iterator(chunk_size=CLOCK_BATCH):
        clock.refresh_times()
        batch.append(clock)
        if len(batch) == CLOCK_BATCH:
            refreshed += _update_clock_times(batch)
            batch = []
    return refreshed + (_update_clock_times(batch) if batch else 0)


def _update_clock_times(clocks: list[SlaClock]) -> int:
    """Write the clocks' times, their tickets locked first (in id order) as every ticket action locks its
    ticket before its clocks: the trigger that keeps the SLA board's rows locks the ticket of each clock
    it follows (tickets/migrations/0025), and a clock locked before its ticket could deadlock with an
    action on that ticket."""
    tickets = Ticket.objects.select_for_update().filter(pk__in={clock.ticket_id for clock in clocks})
    list(tickets.order_by("pk").values_list("pk"))
    return SlaClock.objects.bulk_update(clocks, CLOCK_TIMES)


@transaction.atomic
def assign(ticket: Ticket, *, assignee, actor: str, now: datetime | None = None) -> Ticket:
    now = now or timezone.now()
    previous_id = ticket.assignee_id
    ticket.assignee = assignee
    ticket.save(update_fields=["assignee", "updated_at"])
    _history(ticket, "assigned", actor=actor, at=now, assignee=str(assignee) if assignee else "")
    if previous_id != ticket.assignee_id:
        _record_update(ticket, assignee=[previous_id, ticket.assignee_id])
    return ticket


@transaction.atomic
def log_time(
    ticket: Ticket,
    *,
    technician,
    work_type: str,
    minutes: int,
    location: str,
    worked_on=None,
    notes: str = "",
    after_hours: bool = False,
) -> TimeEntry:
    """Record work (on the tenant's today unless ``worked_on`` is given), valued at the technician's cost
    rate in force that day, and decide, from the client's terms that day (the agreement in force amended
    by its signed supplements), whether it is covered or billable; the reason names the document whose
    rule decided. Travel is matched against the company's service area for the ticket's site, so "travel
    inside the service area is free" holds. Billable after-hours work keeps the after-hours multiplier of
    that day, so a later contract change does not reprice it."""
    if minutes <= 0:
        raise ValidationError({"minutes": "Log at least one minute."})
    worked_on = worked_on or tenant_today()
    terms = contract_terms(ticket.client, on=worked_on)
    source = None
    if terms.agreement is None:
        covered, reason = False, "No signed service contract: all work is billable."
    else:
        category = ticket.issue_type.category if ticket.issue_type else ""
        where = site_area(ticket.site, service_area=current_tenant().service_area)
        source = terms.source_of("coverage")
        decision = decide(
            rules=terms.coverage, category=category, work_type=work_type, area=where.area, source=str(source)
        )
        covered, reason = decision.covered, decision.reason
        if work_type == WorkType.TRAVEL and any(rule.get("area") for rule in terms.coverage):
            reason = f"{reason} {where.reason}"  # the service area decided: say where the site lies
    bill_rate = 0
    rate_multiplier = Decimal("1")
    if not covered and terms.agreement is not None:
        bill_rate = terms.hourly_rate_onsite if location == WorkLocation.ON_SITE else terms.hourly_rate_remote
        if after_hours:
            rate_multiplier = terms.after_hours_multiplier
        rate_term = "hourly_rate_onsite" if location == WorkLocation.ON_SITE else "hourly_rate_remote"
        if bill_rate and terms.source_of(rate_term) != source:
            reason = f"{reason} Rate from {terms.source_of(rate_term)}."
    # Locked (as set_cost_rate locks it) so a rate change committing meanwhile cannot miss this entry.
    membership = StaffMembership.objects.select_for_update(no_key=True).filter(user=technician).first()
    return TimeEntry.objects.create(
        tenant_id=ticket.tenant_id,
        ticket=ticket,
        client_id=ticket.client_id,
        technician=technician,
        work_type=work_type,
        minutes=minutes,
        location=location,
        notes=notes,
        worked_on=worked_on,
        cost_rate=cost_rate_on(membership, worked_on),
        covered=covered,
        coverage_reason=_fits(reason, TimeEntry._meta.get_field("coverage_reason").max_length),
        coverage_source_id=source.agreement_id if source else None,
        bill_rate=bill_rate,
        after_hours=after_hours,
        rate_multiplier=rate_multiplier,
    )


def _fits(text: str, length: int) -> str:
    return text if len(text) <= length else text[: length - 1].rstrip() + "…"


@dataclass(frozen=True)
class CostRateSet:
    rate: CostRate
    revalued: int  # time entries whose cost changed with it


@transaction.atomic
def set_cost_rate(
    membership: StaffMembership,
    *,
    rate,
    effective_from: date,
    set_by=None,
    note: str = "",
    now: datetime | None = None,
) -> CostRateSet:
    """Set what an hour of ``membership``'s person costs from ``effective_from`` on (validated by
    ``tenants.services.record_cost_rate``; the history keeps every change, who set it and when) and, in
    the same transaction, re-value each of their time entries the change reaches at the rate in force on
    the day it was worked: those from that day on (every earlier one too when it becomes the first rate).
    Reports therefore never lag a change. Records no event: costs are internal to the company."""
    membership = StaffMembership.objects.select_for_update().get(pk=membership.pk)
    earliest = CostRate.objects.filter(membership=membership).order_by(*OLDEST_FIRST).first()
    row = record_cost_rate(
        membership, rate=rate, effective_from=effective_from, set_by=set_by, note=note, now=now
    )
    entries = TimeEntry.objects.filter(technician_id=membership.user_id)
    if earliest is not None and effective_from >= earliest.effective_from:
        entries = entries.filter(worked_on__gte=effective_from)
    rates = CostRate.objects.filter(membership=membership)
    in_force = rates.filter(effective_from__lte=OuterRef("worked_on")).order_by(*NEWEST_FIRST).values("rate")
    first = rates.order_by(*OLDEST_FIRST).values("rate")
    rate_of_day = Coalesce(Subquery(in_force[:1]), Subquery(first[:1]))
    revalued = entries.exclude(cost_rate=rate_of_day).update(cost_rate=rate_of_day)
    return CostRateSet(rate=row, revalued=revalued)
