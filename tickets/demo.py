"""Demo tickets for `seed_demo`: a few hundred over the last four months, across every status, priority,
issue type, client and technician, with replies, check-ins, pauses, resolutions and time entries.

Each ticket lives through ``tickets.services`` with ``now=`` in the past, and all tickets' steps run in
one time-ordered queue with the SLA sweeper passing in between (``sweep(now=…)``), so breaches are
recorded the way the beat task would have recorded them: on time, and only for clocks that really ran
late. SLA events older than three days are settled as already delivered (they would have been, back
then); the last three days' warnings and breaches are left for the notification deliverer. Seeded replies
and resolutions are all settled: nobody emails the demo's clients about them.

Deterministic: the same ``now``, ``seed`` and tenant set-up give the same tickets (times are relative to
``now``, never read from the clock; the seed is fixed, not derived from the tenant's slug). Idempotent: a
tenant that already has tickets is left alone.
"""

from __future__ import annotations

import heapq
import itertools
import os
import random
from collections.abc import Callable, Generator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.db.models import Count

from accounts.actors import actor_label
from clients.models import Client
from contracts.coverage import WorkType
from events.models import OutboxEvent
from events.services import settle_as_history
from service_levels.models import IssueType, Metric, Priority, WorkLocation
from tenants.demo import DEMO_PASSWORD, DEMO_TENANTS
from tenants.localtime import tenant_localtime, tenant_zone
from tenants.models import StaffMembership, Tenant
from tenants.roles import Role
from tenants.scope import tenant_scope
from tenants.services import add_staff_member, ensure_user
from tickets import services
from tickets.models import Channel, ClockState, SlaBreach, SlaClock, Ticket, TicketStatus
from tickets.sweeper import sweep

TICKETS_PER_TENANT = int(os.environ.get("ACCORD_DEMO_TICKETS", "160"))
DEMO_SEED = 2026
DAYS_BACK = 120
# Every tenth ticket is from the last three days and every other fifth from the last two weeks, so the
# board has recent tickets still open in several states, whatever the seed (older ones are mostly closed).
LATELY = {10: timedelta(days=3), 5: timedelta(days=14)}
RECENT = timedelta(days=3)  # events newer than this are left for the notification deliverer
SWEEP_EVERY = timedelta(minutes=5)

# A few more technicians than tenants.demo's one, so "by technician" has something to compare.
EXTRA_TECHNICIANS = {
    "northwind-av": [("Tessa Ng", "tessa.ng"), ("Victor Alvarez", "victor.alvarez")],
    "harbor-it": [("Priya Shah", "priya.shah"), ("Owen Price", "owen.price")],
}
# How often each technician (in order: the demo technician, then the extras) misses a target.
MISS_RATES = [0.015, 0.03, 0.08]

AREAS = [
    "living room",
    "kitchen",
    "main office",
    "conference room",
    "basement rack",
    "primary bedroom",
    "reception",
    "home theater",
    "guest house",
    "server closet",
    "patio",
    "front desk",
]
OPENINGS = [
    "Reported by phone: {what}.",
    "The client writes: {what}, since this morning.",
    "{what}. It worked yesterday; nothing was changed on site as far as they know.",
    "Monitoring alert, confirmed by the client: {what}.",
]
STAFF_REPLIES = [
    "Thanks for letting us know. We are looking into it now and will update you within the hour.",
    "We have connected remotely and are checking the logs.",
    "Sorry for the trouble. A technician is on it; we will call you shortly.",
    "We can see the problem from here and are working on a fix.",
]
WAITING_REPLIES = [
    "Could you tell us when someone can let us in on site?",
    "Could you restart the unit and tell us what the front panel shows?",
    "We need the admin password for the router: could you send it through the portal?",
]
CLIENT_REPLIES = [
    "Done, it shows a green light now.",
    "Someone is home from 9 tomorrow.",
    "Here it is, thanks for waiting.",
]
FIXES = [
    "Replaced the failed power supply and tested every zone.",
    "Re-paired the remote and updated the control processor firmware.",
    "Restarted the service, cleared the queue and confirmed with the client.",
    "Swapped the patch cable and re-terminated the run; link is stable.",
    "Restored the configuration from last week's backup.",
]


@dataclass
class Plan:
    opened_at: datetime
    client: Client
    issue_type: IssueType | None
    priority: str
    technician: object | None
    miss_rate: float
    final: str
    channel: str
    area: str
    paused: bool
    retarget: bool
    reopen: bool


@dataclass
class Cast:
    dispatcher: object
    technicians: list
    rng: random.Random


def _ensure_technicians(tenant: Tenant) -> list:
    domain = next((demo.email_domain for demo in DEMO_TENANTS if demo.slug == tenant.slug), "example.com")
    for full_name, local in EXTRA_TECHNICIANS.get(tenant.slug, []):
        user = ensure_user(email=f"{local}@{domain}", password=DEMO_PASSWORD, full_name=full_name)
        add_staff_member(tenant=tenant, user=user, role=Role.TECHNICIAN)
    memberships = StaffMembership.objects.filter(is_active=True, role=Role.TECHNICIAN).select_related("user")
    return [m.user for m in memberships.order_by("created_at", "pk")]


def _opened_at(rng: random.Random, *, start: datetime, now: datetime, zone: ZoneInfo) -> datetime:
    """Mostly weekday business hours (local), some evenings and weekends, never in the future."""
    while True:
        day = (start + timedelta(days=rng.uniform(0, (now - start).days + 1))).astimezone(zone)
        if rng.random() < 0.75:
            if day.weekday() >= 5 and rng.random() < 0.8:
                continue
            hour = rng.uniform(8, 18)
        else:
            hour = rng.uniform(0, 24)
        moment = day.replace(hour=int(hour), minute=int(hour % 1 * 60), second=0, microsecond=0)
        if moment < now - timedelta(minutes=20):
            return moment.astimezone(UTC)


def _final_status(rng: random.Random, age: timedelta) -> str:
    """Where an old ticket ends up; recent ones also stop wherever "now" catches them."""
    s = TicketStatus
    if age > timedelta(days=14):
        choices = [
            (s.CLOSED, 66),
            (s.RESOLVED, 30),
            (s.WAITING_ON_CLIENT, 2),
            (s.SCHEDULED, 1),
            (s.IN_PROGRESS, 1),
        ]
    elif age > timedelta(days=3):
        choices = [
            (s.RESOLVED, 40),
            (s.CLOSED, 22),
            (s.IN_PROGRESS, 10),
            (s.WAITING_ON_CLIENT, 10),
            (s.SCHEDULED, 6),
            (s.ACKNOWLEDGED, 6),
            (s.REOPENED, 6),
        ]
    else:
        choices = [
            (s.NEW, 14),
            (s.ACKNOWLEDGED, 16),
            (s.IN_PROGRESS, 22),
            (s.WAITING_ON_CLIENT, 12),
            (s.SCHEDULED, 8),
            (s.RESOLVED, 22),
            (s.REOPENED, 6),
        ]
    statuses, weights = zip(*choices, strict=True)
    return rng.choices(statuses, weights)[0]


def _shifted(priority: str, rng: random.Random) -> str:
    """Mostly the issue type's default; sometimes a level up or down (impact and urgency differ)."""
    order = [p.value for p in Priority]
    roll = rng.random()
    index = order.index(priority) + (-1 if roll < 0.12 else 1 if roll > 0.85 else 0)
    return order[min(max(index, 0), len(order) - 1)]


def _higher(priority: str) -> str:
    order = [p.value for p in Priority]
    return order[max(order.index(priority) - 1, 0)]


def _plans(tenant: Tenant, cast: Cast, *, now: datetime, count: int) -> list[Plan]:
    rng = cast.rng
    zone = tenant_zone(tenant)
    clients = list(Client.objects.filter(archived_at__isnull=True).order_by("name", "pk"))
    # Ticket volume grows with endpoints; a few clients call far more often than their size suggests.
    heavy = set(rng.sample(range(len(clients)), k=min(5, len(clients))))
    weights = [(c.managed_endpoints or 5) ** 0.5 * (5 if i in heavy else 1) for i, c in enumerate(clients)]
    issue_types = list(IssueType.objects.filter(is_active=True).order_by("name"))
    plans = []
    for index in range(count):
        window = next((days for every, days in LATELY.items() if index % every == 0), timedelta(DAYS_BACK))
        opened_at = _opened_at(rng, start=now - window, now=now, zone=zone)
        issue_type = rng.choice(issue_types) if issue_types and rng.random() < 0.95 else None
        base = issue_type.default_priority if issue_type else Priority.P3
        tech_index = rng.choices(range(len(cast.technicians)), [5, 4, 3, 3, 2][: len(cast.technicians)])[0]
        technician = cast.technicians[tech_index] if rng.random() < 0.9 else cast.dispatcher
        plans.append(
            Plan(
                opened_at=opened_at,
                client=rng.choices(clients, weights)[0],
                issue_type=issue_type,
                priority=_shifted(base, rng),
                technician=technician,
                miss_rate=MISS_RATES[min(tech_index, len(MISS_RATES) - 1)],
                final=_final_status(rng, now - opened_at),
                channel=rng.choices(
                    [Channel.STAFF, Channel.PORTAL, Channel.EMAIL, Channel.API], [5, 3, 3, 1]
                )[0],
                area=rng.choice(AREAS),
                paused=rng.random() < 0.25,
                retarget=rng.random() < 0.05,
                reopen=rng.random() < 0.04,
            )
        )
    return sorted(plans, key=lambda plan: plan.opened_at)


def _when(ticket: Ticket, metric: str, *, after: datetime, miss: bool, rng: random.Random) -> datetime:
    """When the step that stops ``metric`` happens: in time (somewhere before the deadline) or late."""
    clock = SlaClock.objects.filter(ticket=ticket, metric=metric).first()
    if clock is None or clock.state != ClockState.RUNNING or clock.due_at is None:
        return after + timedelta(minutes=rng.randint(20, 240))
    if miss or clock.due_at <= after + timedelta(minutes=2):
        return max(after, clock.due_at) + timedelta(minutes=rng.randint(10, 600))
    return after + (clock.due_at - after) * rng.uniform(0.1, 0.8)


def _left(ticket: Ticket, metric: str, at: datetime) -> timedelta:
    """Real time until the metric's deadline (a day when it has none)."""
    clock = SlaClock.objects.filter(ticket=ticket, metric=metric, state=ClockState.RUNNING).first()
    return max(clock.due_at - at, timedelta(0)) if clock and clock.due_at else timedelta(days=1)


def _has_clock(ticket: Ticket, metric: str) -> bool:
    return SlaClock.objects.filter(ticket=ticket, metric=metric).exclude(state=ClockState.STOPPED).exists()


Script = Generator[datetime, None, None]


def _script(plan: Plan, cast: Cast) -> Script:
    """One ticket's life. Yields the time of its next step; the driver resumes it at that time."""
    rng, s = cast.rng, TicketStatus
    t = plan.opened_at
    yield t
    client = plan.client
    contact = client.contacts.filter(archived_at__isnull=True).order_by("-is_primary", "pk").first()
    site = client.sites.filter(archived_at__isnull=True).order_by("pk").first()
    what = (plan.issue_type.name if plan.issue_type else "Something is not working").rstrip(".")
    ticket = services.open_ticket(
        client=client,
        title=f"{what} – {plan.area}"[:200],
        description=rng.choice(OPENINGS).format(what=what.lower() if plan.issue_type else what),
        site=site,
        contact=contact,
        issue_type=plan.issue_type,
        priority=plan.priority,
        channel=plan.channel,
        created_by=cast.dispatcher if plan.channel == Channel.STAFF else None,
        actor=actor_label(cast.dispatcher),
        now=t,
    )
    if plan.final == s.NEW:
        return
    tech = plan.technician
    t = t + min(timedelta(minutes=rng.randint(3, 40)), _left(ticket, Metric.FIRST_RESPONSE, t) * 0.3)
    yield t
    services.assign(ticket, assignee=tech, actor=actor_label(cast.dispatcher), now=t)

    t = _when(ticket, Metric.FIRST_RESPONSE, after=t, miss=rng.random() < plan.miss_rate, rng=rng)
    yield t
    services.add_reply(ticket, body=rng.choice(STAFF_REPLIES), author=tech, now=t)
    if plan.retarget:
        t = t + timedelta(minutes=rng.randint(10, 90))
        yield t
        services.retarget(
            ticket,
            actor=actor_label(cast.dispatcher),
            priority=_higher(ticket.priority),
            now=t,
            why="The client called again: more is affected",
        )
    if plan.final == s.ACKNOWLEDGED:
        return

    if _has_clock(ticket, Metric.ONSITE) or ticket.work_location == WorkLocation.ON_SITE:
        t = t + timedelta(minutes=rng.randint(15, 120))
        yield t
        services.change_status(ticket, s.SCHEDULED, actor=actor_label(tech), now=t)
        if plan.final == s.SCHEDULED:
            return
        t = _when(ticket, Metric.ONSITE, after=t, miss=rng.random() < plan.miss_rate, rng=rng)
        yield t
        services.check_in(ticket, technician=tech, now=t)
    else:
        t = t + timedelta(minutes=rng.randint(5, 90))
        yield t
        if plan.final == s.SCHEDULED:  # a remote session booked with the client
            services.change_status(ticket, s.SCHEDULED, actor=actor_label(tech), now=t)
            return
        services.change_status(ticket, s.IN_PROGRESS, actor=actor_label(tech), now=t)
    if plan.final == s.IN_PROGRESS:
        return

    if plan.paused or plan.final == s.WAITING_ON_CLIENT:
        t = t + timedelta(minutes=rng.randint(30, 300))
        yield t
        services.add_reply(ticket, body=rng.choice(WAITING_REPLIES), author=tech, now=t)
        services.change_status(ticket, s.WAITING_ON_CLIENT, actor=actor_label(tech), now=t)
        if plan.final == s.WAITING_ON_CLIENT:
            return
        t = t + timedelta(hours=rng.uniform(2, 60))
        yield t
        services.add_reply(ticket, body=rng.choice(CLIENT_REPLIES), author_contact=contact, now=t)
        services.change_status(ticket, s.IN_PROGRESS, actor=actor_label(tech), now=t)

    t = _when(ticket, Metric.RESOLUTION, after=t, miss=rng.random() < plan.miss_rate, rng=rng)
    yield t
    _resolve(ticket, plan, tech, t, rng)
    if plan.reopen or plan.final == s.REOPENED:
        t = t + timedelta(hours=rng.uniform(4, 72))
        yield t
        services.add_reply(ticket, body="It has stopped working again.", author_contact=contact, now=t)
        services.change_status(ticket, s.REOPENED, actor=actor_label(contact=contact), now=t)
        if plan.final == s.REOPENED:
            return
        t = _when(ticket, Metric.RESOLUTION, after=t, miss=False, rng=rng)
        yield t
        _resolve(ticket, plan, tech, t, rng)
    if plan.final == s.CLOSED:
        t = t + timedelta(days=rng.uniform(1, 5))
        yield t
        services.change_status(ticket, s.CLOSED, actor=actor_label(cast.dispatcher), now=t)


def _resolve(ticket: Ticket, plan: Plan, tech, at: datetime, rng: random.Random) -> None:
    services.add_reply(ticket, body=rng.choice(FIXES), author=tech, now=at)
    services.change_status(ticket, TicketStatus.RESOLVED, actor=actor_label(tech), now=at)
    on_site = ticket.work_location == WorkLocation.ON_SITE
    services.log_time(
        ticket,
        technician=tech,
        minutes=rng.choice([15, 30, 45, 60, 90, 120, 180]),
        work_type=rng.choice([WorkType.REPAIR, WorkType.TROUBLESHOOTING])
        if on_site
        else WorkType.REMOTE_SUPPORT,
        location=WorkLocation.ON_SITE if on_site else WorkLocation.REMOTE,
        worked_on=tenant_localtime(at).date(),
        notes="Demo time entry",
    )


def _settle_past_events(*, before: datetime, now: datetime) -> int:
    """SLA events about deadlines before ``before`` count as delivered: seeded history, not news. So do
    the seeded replies and resolutions: the demo's clients are not emailed about a past they never had."""
    told_then = OutboxEvent.objects.filter(name__in=["ticket.replied", "ticket.resolved"])
    past = list(told_then.values_list("pk", flat=True))
    for event in OutboxEvent.objects.filter(name__in=["sla.warning", "sla.breached"]):
        moment = event.payload.get("warn_at") or event.payload.get("due_at")
        if moment and datetime.fromisoformat(moment) < before:
            past.append(event.pk)
    return settle_as_history(past, now=now)


# What an hour of each demo person costs (by role; technicians in the order they joined), and the raise
# they got about five months before "today", so profitability shows a rate change within the last year.
COST_RATES = {
    Role.OWNER: Decimal("65.00"),
    Role.MANAGER: Decimal("55.00"),
    Role.DISPATCHER: Decimal("34.00"),
    Role.BILLING: Decimal("32.00"),
}
TECHNICIAN_RATES = [Decimal("42.00"), Decimal("38.50"), Decimal("46.00")]
RAISE = Decimal("3.50")


def seed_cost_rates(tenant: Tenant, *, today: date) -> int:
    """Give the demo staff a cost rate from a year ago and a raise from the first of the month about five
    months ago, unless they have rates already. Returns how many people got rates."""
    year_ago = today - timedelta(days=365)
    raised_on = (today - timedelta(days=150)).replace(day=1)
    staff = StaffMembership.objects.filter(is_active=True, cost_rates__isnull=True).order_by(
        "created_at", "pk"
    )
    technicians = 0
    count = 0
    for membership in staff:
        if membership.role == Role.TECHNICIAN:
            rate = TECHNICIAN_RATES[technicians % len(TECHNICIAN_RATES)]
            technicians += 1
        else:
            rate = COST_RATES.get(membership.role)
        if rate is None:
            continue
        services.set_cost_rate(membership, rate=rate, effective_from=year_ago, note="Demo: starting rate")
        services.set_cost_rate(
            membership, rate=rate + RAISE, effective_from=raised_on, note="Demo: annual raise"
        )
        count += 1
    return count


def seed_tickets(
    tenant: Tenant,
    progress: Callable[[str], None] = print,
    *,
    now: datetime,
    count: int | None = None,
    seed: int = DEMO_SEED,
) -> int:
    """Seed ``count`` demo tickets (``TICKETS_PER_TENANT`` when not given) over the ``DAYS_BACK`` days before
    ``now`` unless the tenant has tickets. Returns how many were created."""
    # Read at call time, not bound as a default, so the suite's small_demo fixture takes effect.
    count = TICKETS_PER_TENANT if count is None else count
    with tenant_scope(tenant):
        if Ticket.objects.exists():
            progress(f"  {tenant.name}: tickets already there.")
            return 0
        if not Client.objects.filter(archived_at__isnull=True).exists():
            progress(f"  {tenant.name}: no clients yet (run seed_clients first): tickets skipped.")
            return 0
        rng = random.Random(seed)
        technicians = _ensure_technicians(tenant)
        seed_cost_rates(tenant, today=now.astimezone(tenant_zone(tenant)).date())
        staff = StaffMembership.objects.filter(is_active=True).select_related("user")
        desk = next(
            (m for role in (Role.DISPATCHER, Role.MANAGER, Role.OWNER) for m in staff.filter(role=role)), None
        )
        if desk is None and not technicians:
            progress(f"  {tenant.name}: no staff to work tickets: tickets skipped.")
            return 0
        dispatcher = desk.user if desk else technicians[0]
        cast = Cast(dispatcher=dispatcher, technicians=technicians or [dispatcher], rng=rng)
        plans = _plans(tenant, cast, now=now, count=count)
    queue: list[tuple[datetime, int, Script]] = []
    order = itertools.count()
    for plan in plans:
        script = _script(plan, cast)
        heapq.heappush(queue, (next(script), next(order), script))
    last_sweep, started = (plans[0].opened_at if plans else now), set()
    while queue:
        at, _, script = heapq.heappop(queue)
        if at >= now:  # the future has not happened: the ticket stays where it is
            script.close()
            continue
        if at - last_sweep >= SWEEP_EVERY:  # the beat's sweeper, as it would have run by then
            sweep(now=at)
            last_sweep = at
        with tenant_scope(tenant):
            following = next(script, None)
        if following is not None:
            heapq.heappush(queue, (following, next(order), script))
        if script not in started:  # its first step opened the ticket
            started.add(script)
            if len(started) % 50 == 0:
                progress(f"  {tenant.name}: {len(started)} of {len(plans)} tickets opened…")
    sweep(now=now)
    with tenant_scope(tenant):
        settled = _settle_past_events(before=now - RECENT, now=now)
        counts = dict(Ticket.objects.values_list("status").annotate(n=Count("id")).order_by())
        breaches = SlaBreach.objects.count()
        created = sum(counts.values())
    summary = ", ".join(f"{n} {TicketStatus(status).label.lower()}" for status, n in sorted(counts.items()))
    progress(
        f"  {tenant.name}: {created} tickets ({summary}); {breaches} SLA breaches; "
        f"{settled} past events settled as delivered"
    )
    return created
