"""Reads of tickets: the filtered list, the SLA board, and what a ticket's page shows (clocks drawn as
timelines, the conversation, the history in words, time entries with covered/billable totals).

Clock states as people see them: a running clock is *on track*, *warning* (past its warning threshold)
or *breached* (past its due time, whether or not the sweeper has recorded it yet); a paused clock is
*paused* with the business time it has left; a stopped clock was *met* (on time or late) or no longer
applies (its target was removed by a re-targeting).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.core.exceptions import EmptyResultSet
from django.db import connection
from django.db.models import (
    Case,
    Count,
    Exists,
    F,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Value,
    When,
)

from clients.models import Client
from contracts.coverage import WorkType
from contracts.selectors import ContractTerms, contract_terms
from service_levels.durations import duration_words, minutes_words
from service_levels.models import Metric, Priority, WorkLocation
from tenants.models import StaffMembership
from tenants.trigram import best_matches, contains_common_term, matching_ids
from tickets.models import (
    OPEN_STATUSES,
    BoardLead,
    Channel,
    ClockState,
    Reply,
    SlaBreach,
    SlaClock,
    Ticket,
    TicketEvent,
    TicketStatus,
    TimeEntry,
)

ON_TRACK, WARNING, BREACHED, PAUSED = "on_track", "warning", "breached", "paused"
MET, MET_LATE, NOT_APPLICABLE = "met", "met_late", "not_applicable"
BOARD_STATES = [BREACHED, WARNING, ON_TRACK, PAUSED]

# The word for each state; pages add its colour (tickets.templatetags.ticket_badges), never colour alone.
STATE_LABELS = {
    ON_TRACK: "On track",
    WARNING: "Warning",
    BREACHED: "Breached",
    PAUSED: "Paused",
    MET: "Met",
    MET_LATE: "Met late",
    NOT_APPLICABLE: "No longer applies",
}
# The board's first page: the tickets a dispatcher acts on next, a screen of them as the ticket list
# shows (the counts by state say how many more there are; the state filter shows them). "Show more" adds
# as many again, up to BOARD_MAX_ROWS. A row costs its drawing (dates, links, badges: about 1 ms on a busy
# machine), so 200 at once cost more than finding them among ten thousand open tickets (20-40 ms).
BOARD_PAGE = 25
BOARD_MAX_ROWS = 1000


# --- Countdowns in words (countdown.js writes the same words every second) ----------------------------


def business_words(left: timedelta) -> str:
    """Business time in hours however long: 24 business hours are not the calendar day a "1 d" reads as
    (a business day is the calendar's opening hours, often 8 or 9)."""
    return duration_words(left, days=False)


def countdown_words(seconds_left: float) -> str:
    left = duration_words(timedelta(seconds=seconds_left))
    return f"breaches in {left}" if seconds_left > 0 else f"breached {left} ago"


# --- One clock as people see it ------------------------------------------------------------------------


@dataclass(frozen=True)
class Segment:
    kind: str  # running | paused | overdue | remaining
    x: float  # 0…1000 on the timeline's SVG viewBox
    width: float
    start: datetime
    end: datetime


@dataclass(frozen=True)
class Marker:
    kind: str  # due | met | breached | now
    x: float
    at: datetime


@dataclass(frozen=True)
class Timeline:
    start: datetime
    end: datetime
    segments: list[Segment]
    markers: list[Marker]
    pauses: list[tuple[datetime, datetime | None]]
    summary: str  # for screen readers: the picture in words
    end_label: str = ""  # what the right end of the axis is: Due, Met or Now


@dataclass(frozen=True)
class ClockView:
    clock: SlaClock
    state: str
    due_at: datetime | None  # when it falls (or fell) due; None while paused
    seconds_left: int | None  # running: wall seconds until due (negative once breached)
    business_left: timedelta | None  # paused: business time it still has
    timeline: Timeline | None = None

    @property
    def metric_label(self) -> str:
        return Metric(self.clock.metric).label

    @property
    def label(self) -> str:
        return STATE_LABELS[self.state]

    @property
    def is_live(self) -> bool:
        """Counts down in the browser (running, not stopped or paused)."""
        return self.clock.state == ClockState.RUNNING and self.due_at is not None

    @property
    def countdown(self) -> str:
        if self.is_live:
            return countdown_words(self.seconds_left)
        if self.clock.state == ClockState.PAUSED:
            left = self.business_left or timedelta(0)
            if left > timedelta(0):
                return f"paused · {business_words(left)} of business time left"
            return "paused · no business time left"
        if self.state == MET:
            return "met in time"
        if self.state == MET_LATE:
            return "met after its due time"
        return "no target any more"

    @property
    def paused_left(self) -> str:
        """A paused clock's business time left: "40 h of business time left"."""
        left = self.business_left or timedelta(0)
        return f"{business_words(left)} of business time left" if left > timedelta(0) else "no time left"

    @property
    def target_words(self) -> str:
        return minutes_words(self.clock.target_minutes)

    @property
    def sort_key(self) -> tuple:
        """Most urgent first: running clocks by time to breach, then paused ones by business time left."""
        if self.is_live:
            return (0, self.seconds_left)
        if self.business_left is not None:
            return (1, self.business_left.total_seconds())
        return (2, 0)


def clock_view(clock: SlaClock, *, now: datetime, with_timeline: bool = False) -> ClockView:
    due_at, seconds_left, business_left = None, None, None
    if clock.state == ClockState.RUNNING:
        due_at = clock.due_at
        seconds_left = int((due_at - now).total_seconds()) if due_at else None
        if clock.breached_at or (due_at and due_at <= now):
            state = BREACHED
        elif clock.warned_at or (clock.warn_at and clock.warn_at <= now):
            state = WARNING
        else:
            state = ON_TRACK
    elif clock.state == ClockState.PAUSED:
        # Kept on the clock when it paused (the board orders by it); computed for one built in memory.
        business_left = clock.paused_business_left
        if business_left is None:
            business_left = clock.business_time_left(now)
        state = BREACHED if clock.breached_at or business_left <= timedelta(0) else PAUSED
    elif clock.met_at is None:
        state = NOT_APPLICABLE
    else:
        due_at = clock.scheduled_times().due_at  # its due_at was cleared when it stopped
        late = clock.breached_at is not None or (due_at is not None and clock.met_at > due_at)
        state = MET_LATE if late else MET
    view = ClockView(clock, state, due_at, seconds_left, business_left)
    if with_timeline and state != NOT_APPLICABLE:
        timeline = _timeline(view, clock.pause_intervals(), now)
        view = ClockView(clock, state, due_at, seconds_left, business_left, timeline)
    return view


def _timeline(view: ClockView, pauses, now: datetime) -> Timeline:
    """The clock on a wall-clock axis: running and paused spans, the part past due, what is left."""
    clock = view.clock
    start = clock.started_at
    active_until = clock.met_at if clock.state == ClockState.STOPPED else now
    active_until = max(active_until, start)
    end = max(active_until, view.due_at or active_until)
    if end - start < timedelta(minutes=1):
        end = start + timedelta(minutes=1)
    span = (end - start).total_seconds()

    def x(at: datetime) -> float:
        return round(min(max((at - start).total_seconds() / span, 0), 1) * 1000, 2)

    spans: list[tuple[str, datetime, datetime]] = []
    cursor = start
    for pause_start, pause_end in pauses:
        pause_start, pause_end = max(pause_start, start), min(pause_end or active_until, active_until)
        if pause_start >= active_until:
            break
        if pause_start > cursor:
            spans.append(("running", cursor, pause_start))
        if pause_end > pause_start:
            spans.append(("paused", pause_start, pause_end))
        cursor = max(cursor, pause_end)
    if active_until > cursor:
        spans.append(("running", cursor, active_until))
    due = view.due_at
    segments = []
    for kind, begin, finish in spans:
        if kind == "running" and due is not None and finish > due:
            if begin < due:
                segments.append(Segment("running", x(begin), x(due) - x(begin), begin, due))
            late = max(begin, due)
            segments.append(Segment("overdue", x(late), x(finish) - x(late), late, finish))
        else:
            segments.append(Segment(kind, x(begin), x(finish) - x(begin), begin, finish))
    if clock.state == ClockState.RUNNING and due is not None and due > now:
        segments.append(Segment("remaining", x(now), x(due) - x(now), now, due))
    markers = []
    if due is not None:
        markers.append(Marker("due", x(due), due))
    if clock.met_at:
        markers.append(Marker("met", x(clock.met_at), clock.met_at))
    if clock.breached_at:
        markers.append(Marker("breached", x(clock.breached_at), clock.breached_at))
    if clock.state != ClockState.STOPPED:
        markers.append(Marker("now", x(now), now))
    paused_count = sum(1 for kind, _, _ in spans if kind == "paused")
    summary = (
        f"{view.metric_label}: {view.label.lower()}. Started {start:%d %b %H:%M} UTC"
        + (f", paused {paused_count} time{'s' if paused_count != 1 else ''}" if paused_count else "")
        + (f", due {due:%d %b %H:%M} UTC" if due else "")
        + (f", met {clock.met_at:%d %b %H:%M} UTC" if clock.met_at else "")
        + "."
    )
    if clock.state == ClockState.STOPPED:
        end_label = "Met" if due is None or clock.met_at >= due else "Due"
    else:
        end_label = "Due" if due is not None and due > now else "Now"
    return Timeline(start, end, segments, markers, pauses, summary, end_label)


def most_urgent(clocks: Iterable[SlaClock], *, now: datetime) -> ClockView | None:
    views = [clock_view(c, now=now) for c in clocks if c.state != ClockState.STOPPED]
    return min(views, key=lambda v: v.sort_key) if views else None


def sla_summaries(tickets: Iterable[Ticket], *, now: datetime) -> dict[int, ClockView]:
    """The most urgent active clock of each ticket (for a page of the ticket list)."""
    ids = [t.pk for t in tickets]
    by_ticket: dict[int, list[SlaClock]] = {}
    for clock in (
        SlaClock.objects.filter(ticket_id__in=ids)
        .exclude(state=ClockState.STOPPED)
        .select_related("calendar")
    ):
        by_ticket.setdefault(clock.ticket_id, []).append(clock)
    return {tid: view for tid, clocks in by_ticket.items() if (view := most_urgent(clocks, now=now))}


# --- The ticket list ----------------------------------------------------------------------------------

STATUS_FILTERS = [
    ("open", "Open tickets"),
    ("all", "All tickets"),
    *[(s.value, s.label) for s in TicketStatus],
]
# Each ends with the id: the list pages by keyset (tenants.keyset_pages), which needs a unique last key.
SORTS = {
    "newest": ("-created_at", "-id"),
    "oldest": ("created_at", "id"),
    "updated": ("-updated_at", "-id"),
    "priority": ("priority", "-created_at", "-id"),
}


def ticket_list(
    *,
    q: str = "",
    status: str = "open",
    priority: str = "",
    assignee: str = "",
    client: str = "",
    user=None,
    sort: str = "newest",
) -> QuerySet[Ticket]:
    """Tickets matching the list's filters. ``assignee`` is a user id, "me" (``user``) or "none"."""
    # The client and issue type by a query of their own for the page: joined, PostgreSQL expects the
    # tenant's tickets to spread over every tenant's clients (37 of 1,073 clients: 259 open tickets where
    # there are 10,000) and sorts all of them instead of walking the list's index to one page.
    tickets = Ticket.objects.select_related("assignee").prefetch_related("client", "issue_type")
    if status == "open" or not status:
        tickets = tickets.filter(status__in=OPEN_STATUSES)
    elif status in TicketStatus.values:
        tickets = tickets.filter(status=status)
    if priority in Priority.values:
        tickets = tickets.filter(priority=priority)
    tickets = _by_assignee(tickets, assignee, user, "assignee")
    if client.isdigit():
        tickets = tickets.filter(client_id=int(client))
    tickets = search_tickets(tickets, q, in_description=True)
    return tickets.order_by(*SORTS.get(sort, SORTS["newest"]))


# More tickets than this containing the term in a field and search_tickets matches in the list's own query
# (the search function stops reading at one more, so asking costs a bounded ~2,000 rows).
SEARCH_IDS_CAP = 2000


def search_tickets(tickets: QuerySet[Ticket], q: str, *, in_description: bool = False) -> QuerySet[Ticket]:
    """Tickets whose title (and, for the staff list, description) contains ``q``, whose client's name does,
    or whose number it is ("#1042"). Every arm of the OR is an index condition, also under row-level
    security (the web role), which lets PostgreSQL use an index only for leakproof operators (UPPER and
    LIKE are not):

    - the matching clients are looked up first (a tenant has hundreds, not millions): a join to the
      client's name inside the OR would make PostgreSQL read every ticket of the tenant;
    - the tickets containing ``q`` come from the search functions (tenants.trigram.matching_ids), which
      use the trigram indexes on the title and description, so a rare term costs its matches rather
      than the tenant's million tickets; the list filters on their ids.

    A term in more than SEARCH_IDS_CAP titles (or descriptions) is matched in the list's own query, as
    before: fetching every id of a common term ("kitchen": 100,000 of a million tickets) costs more than
    walking the list's ordered index until a page is full. The same tickets match either way."""
    q = q.strip()
    if not q:
        return tickets
    client_ids = list(Client.objects.filter(name__icontains=q).values_list("pk", flat=True))
    fields = ["title", "description"] if in_description else ["title"]
    ticket_ids = matching_ids(Ticket, fields, q, cap=SEARCH_IDS_CAP)
    match = contains_common_term(fields, q) if ticket_ids is None else Q(pk__in=ticket_ids)
    match |= Q(client_id__in=client_ids)
    if q.lstrip("#").isdigit():
        match |= Q(number=int(q.lstrip("#")))
    return tickets.filter(match)


def _by_assignee(queryset, assignee: str, user, path: str):
    if assignee == "none":
        return queryset.filter(**{f"{path}__isnull": True})
    if assignee == "me" and user is not None:
        return queryset.filter(**{f"{path}_id": user.pk})
    if assignee.isdigit():
        return queryset.filter(**{f"{path}_id": int(assignee)})
    return queryset


def staff_users():
    """People on the tenant's staff (assignees, technicians), by name."""
    user_ids = StaffMembership.objects.filter(is_active=True).values("user_id")
    return get_user_model().objects.filter(pk__in=user_ids).order_by("full_name", "email")


def filter_clients():
    return Client.objects.filter(archived_at__isnull=True).order_by("name")


# --- The SLA board ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class BoardRow:
    ticket: Ticket
    clock: ClockView

    @property
    def state(self) -> str:
        return self.clock.state


@dataclass(frozen=True)
class Board:
    rows: list[BoardRow]
    counts: dict[str, int]
    total: int
    without_clock: int
    limit: int = BOARD_PAGE

    @property
    def truncated(self) -> bool:
        return self.total > len(self.rows)

    @property
    def state_counts(self) -> list[tuple[str, str, int]]:
        """(state, its word, how many rows) for each state the board shows, most urgent first."""
        return [(s, STATE_LABELS[s], self.counts.get(s, 0)) for s in BOARD_STATES]


def sla_board(
    *,
    now: datetime,
    technician: str = "",
    client: str = "",
    priority: str = "",
    metric: str = "",
    state: str = "",
    user=None,
    limit: int = BOARD_PAGE,
) -> Board:
    """Each open ticket with its most urgent running (or paused) clock, most urgent first: the first
    ``limit`` rows, the counts by state and how many there are, in one query however many tickets are open.

    ``metric`` narrows the clocks considered; ``technician`` is an assignee id, "me" or "none"; ``state``
    (one of BOARD_STATES) keeps the tickets whose most urgent clock is in it, while the counts still say
    how many tickets are in each state.

    A ticket shows its running clock due soonest; one with no running clock shows its paused clock with
    the least business time left (SlaClock.paused_business_left, kept by the services when a clock pauses
    or is re-targeted while paused), after every running one. Ties go to the lower ticket number.
    """
    open_tickets = Ticket.objects.filter(status__in=OPEN_STATUSES)
    tickets = _board_filters(open_tickets, technician, client, priority, user)
    if metric in Metric.values:
        # The clocks of one metric: at most one per ticket, so each leads its ticket among them. "Running or
        # paused" rather than "not stopped": an IN on the state leads with sla_clock_board_idx (tenant, state,
        # due_at), where the ten thousand live clocks of a million-ticket tenant sit together.
        leading = SlaClock.objects.filter(
            ticket__in=tickets.values("pk"), state__in=[ClockState.RUNNING, ClockState.PAUSED], metric=metric
        ).values(shown=F("pk"))
    else:
        # Every metric: each open ticket's leading clock as the triggers keep it (tickets.models.BoardLead),
        # its row naming no clock when none runs or is paused.
        leads = BoardLead.objects.filter(status__in=OPEN_STATUSES)
        leading = _board_filters(leads, technician, client, priority, user).values(shown=F("clock_id"))
    # No ORDER BY inside (a clock's default one joins its ticket for each row): the summary orders the page.
    leading = leading.annotate(**_board_keys(now)).values("shown", "board_state", *BOARD_ORDER).order_by()
    counts, without_clock, page = _board_summary(leading, state=state, limit=limit)
    if metric in Metric.values:  # the open tickets without a running or paused clock of the metric
        without_clock = tickets.count() - sum(counts.values())
    loaded = SlaClock.objects.filter(pk__in=page).select_related(
        "calendar", "ticket", "ticket__client", "ticket__assignee", "ticket__issue_type"
    )
    by_pk = {clock.pk: clock for clock in loaded}
    rows = [BoardRow(by_pk[pk].ticket, clock_view(by_pk[pk], now=now)) for pk in page if pk in by_pk]
    return Board(
        rows=rows,
        counts={name: n for name, n in counts.items() if n},
        total=counts[state] if state in BOARD_STATES else sum(counts.values()),
        without_clock=without_clock,
        limit=limit,
    )


def _board_filters(rows: QuerySet, technician: str, client: str, priority: str, user) -> QuerySet:
    """The board's filters on tickets, or on BoardLead rows (which carry the same fields)."""
    rows = _by_assignee(rows, technician, user, "assignee")
    if client.isdigit():
        rows = rows.filter(client_id=int(client))
    if priority in Priority.values:
        rows = rows.filter(priority=priority)
    return rows


# The board's order of leading clocks (running by due time, then paused by business time left, the older
# ticket first on a tie), which is also the order in which a ticket's own clocks compete to lead it (then
# by metric). The ticket's id rather than its number breaks ties: both grow as tickets are opened, and the
# id needs no join to the ticket for each of ten thousand clocks.
BOARD_ORDER = ("rank", "running_due", "paused_left", "ticket_id")


def _board_keys(now: datetime) -> dict:
    """The board's sort keys and state of each clock, as clock_view and ClockView.sort_key have them."""
    running, paused = Q(state=ClockState.RUNNING), Q(state=ClockState.PAUSED)
    breached = (
        Q(breached_at__isnull=False)
        | (running & Q(due_at__lte=now))
        | (paused & Q(paused_business_left__lte=timedelta(0)))
    )
    warning = running & (Q(warned_at__isnull=False) | Q(warn_at__lte=now))
    return {
        "rank": Case(
            When(running & Q(due_at__isnull=False), then=0),
            When(paused & Q(paused_business_left__isnull=False), then=1),
            default=2,
            output_field=IntegerField(),
        ),
        "running_due": Case(When(running, then=F("due_at"))),
        "paused_left": Case(When(paused, then=F("paused_business_left"))),
        "board_state": Case(
            When(breached, then=Value(BREACHED)),
            When(warning, then=Value(WARNING)),
            When(paused, then=Value(PAUSED)),
            default=Value(ON_TRACK),
        ),
    }


def _board_summary(leading: QuerySet, *, state: str, limit: int) -> tuple[dict[str, int], int, list[int]]:
    """({state: how many tickets led by a clock in it}, how many rows name no clock, the first ``limit``
    clock ids shown, in the board's order).

    One statement in SQL around the ORM's query (which carries the tenant filter; RLS applies too): the rows
    (one per ticket, each with the id of the clock to show as ``shown``, or none) are read once, counted,
    and the shown ones' first ``limit`` taken in order. Asked as a semi-join (``pk IN (…)``) instead,
    PostgreSQL looked every leading clock up again by its id."""
    try:
        leading_sql, params = leading.query.sql_with_params()
    except EmptyResultSet:  # a filter that can match nothing
        return dict.fromkeys(BOARD_STATES, 0), 0, []
    counts = ", ".join(
        f"count(*) FILTER (WHERE shown IS NOT NULL AND board_state = %s) AS {name}" for name in BOARD_STATES
    )
    shown = "shown IS NOT NULL" + (" AND board_state = %s" if state in BOARD_STATES else "")
    # The page by ORDER BY … LIMIT (PostgreSQL keeps the top rows only) over the same rows.
    sql = f"""
        WITH lead AS MATERIALIZED ({leading_sql})
        SELECT {counts}, count(*) FILTER (WHERE shown IS NULL), ARRAY(
            SELECT shown FROM lead WHERE {shown} ORDER BY {", ".join(BOARD_ORDER)} LIMIT %s
        )
        FROM lead
    """  # noqa: S608 (our own names; every value is a parameter)
    with connection.cursor() as cursor:
        cursor.execute(
            sql, [*params, *BOARD_STATES, *([state] if state in BOARD_STATES else []), max(limit, 0)]
        )
        *numbers, without_clock, page = cursor.fetchone()
    return dict(zip(BOARD_STATES, numbers, strict=True)), without_clock, page


@dataclass(frozen=True)
class TicketGlance:
    """The home page's ticket figures."""

    open_by_priority: dict[str, int]  # every priority, zero included
    at_risk: int  # open tickets the SLA board shows as "Warning"
    breaches_today: int  # breaches whose deadline falls today (the breach report's rule)

    @property
    def open_total(self) -> int:
        return sum(self.open_by_priority.values())


def ticket_glance(*, now: datetime, day_start: datetime, day_end: datetime) -> TicketGlance:
    """Three aggregate queries, however many tickets. "At risk" is the board's Warning state counted in
    SQL: an open ticket with a running clock past its warning point and not yet due, and no running clock
    already breached (the board ranks running clocks first, so such a ticket shows as Breached)."""
    by_priority = dict(
        Ticket.objects.filter(status__in=OPEN_STATUSES)
        .values_list("priority")
        .annotate(n=Count("pk"))
        .order_by()
    )
    running = SlaClock.objects.filter(ticket=OuterRef("pk"), state=ClockState.RUNNING)
    warning = running.filter(breached_at__isnull=True, due_at__gt=now).filter(
        Q(warned_at__isnull=False) | Q(warn_at__lte=now)
    )
    breached = running.filter(Q(breached_at__isnull=False) | Q(due_at__lte=now))
    at_risk = (
        Ticket.objects.filter(status__in=OPEN_STATUSES)
        .filter(Exists(warning))
        .exclude(Exists(breached))
        .count()
    )
    breaches = SlaBreach.objects.filter(due_at__gte=day_start, due_at__lt=day_end).count()
    return TicketGlance(
        open_by_priority={value: by_priority.get(value, 0) for value in Priority.values},
        at_risk=at_risk,
        breaches_today=breaches,
    )


# --- A ticket's page ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class HistoryEntry:
    at: datetime
    actor: str
    title: str
    details: list[str] = field(default_factory=list)
    why: str = ""


def _label(choices, value) -> str:
    try:
        return choices(value).label
    except ValueError:
        return str(value)


def describe_event(event: TicketEvent) -> HistoryEntry:
    """One history row in words."""
    d = event.details or {}
    kind = event.kind
    details: list[str] = []
    why = ""
    if kind == "created":
        title = "Ticket opened"
        details.append(
            f"Priority {_label(Priority, d.get('priority', ''))}, via {_label(Channel, d.get('channel', ''))}"
        )
    elif kind == "status":
        title = f"Status: {_label(TicketStatus, d.get('old', ''))} → {_label(TicketStatus, d.get('new', ''))}"
    elif kind == "first_response":
        title = "First response sent"
    elif kind == "check_in":
        title = "Checked in on site"
    elif kind == "assigned":
        title = f"Assigned to {d['assignee']}" if d.get("assignee") else "Unassigned"
    elif kind == "retargeted":
        parts = []
        if "priority" in d:
            old, new = d["priority"]
            parts.append(f"priority {old} → {new}")
        if "issue_type" in d:
            old, new = d["issue_type"]
            parts.append(f"issue type “{old or 'none'}” → “{new}”")
        title = "Changed " + " and ".join(parts) if parts else "Re-targeted"
        why = d.get("why", "")
    elif kind == "sla_targets":
        title = "SLA targets set" if d.get("why") == "ticket opened" else "SLA targets recomputed"
        why = "" if d.get("why") == "ticket opened" else d.get("why", "")
        if d.get("policy"):
            details.append(f"Policy: {d['policy']}")
        for metric, change in (d.get("changes") or {}).items():
            name = _label(Metric, metric)
            if "removed" in change:
                details.append(f"{name}: no target ({change['removed']})")
            else:
                details.append(f"{name}: {minutes_words(change['minutes'])} on “{change['calendar']}”")
    else:
        title = kind.replace("_", " ").capitalize()
    return HistoryEntry(event.at, event.actor, title, details, why)


@dataclass(frozen=True)
class TimeTotals:
    minutes: int
    covered_minutes: int
    billable_minutes: int
    cost: Decimal
    billable_amount: Decimal


@dataclass(frozen=True)
class TicketPage:
    ticket: Ticket
    clocks: list[ClockView]
    replies: list[Reply]
    history: list[HistoryEntry]
    time_entries: list[TimeEntry]
    totals: TimeTotals
    terms: ContractTerms

    @property
    def banner(self) -> str:
        """Which banner the page shows: basic_triage, grace, or none ("") under a signed contract."""
        if self.terms.has_signed_contract:
            return ""
        return "grace" if self.terms.grace_until else "basic_triage"

    @property
    def can_check_in(self) -> bool:
        onsite = any(
            v.clock.metric == Metric.ONSITE and v.clock.state != ClockState.STOPPED for v in self.clocks
        )
        return self.ticket.is_open and (onsite or self.ticket.work_location == WorkLocation.ON_SITE)


def time_totals(entries: Iterable[TimeEntry]) -> TimeTotals:
    entries = list(entries)
    return TimeTotals(
        minutes=sum(e.minutes for e in entries),
        covered_minutes=sum(e.minutes for e in entries if e.covered),
        billable_minutes=sum(e.minutes for e in entries if not e.covered),
        cost=sum((e.cost for e in entries), Decimal("0.00")),
        billable_amount=sum((e.billable_amount for e in entries), Decimal("0.00")),
    )


METRIC_ORDER = {metric.value: index for index, metric in enumerate(Metric)}


def ticket_page(ticket: Ticket, *, now: datetime) -> TicketPage:
    clocks = sorted(
        ticket.clocks.select_related("calendar"), key=lambda c: METRIC_ORDER.get(c.metric, len(METRIC_ORDER))
    )
    entries = list(ticket.time_entries.select_related("technician"))
    return TicketPage(
        ticket=ticket,
        clocks=[clock_view(c, now=now, with_timeline=True) for c in clocks],
        replies=list(ticket.replies.select_related("author", "author_contact")),
        history=[describe_event(e) for e in ticket.history.all()],
        time_entries=entries,
        totals=time_totals(entries),
        terms=contract_terms(ticket.client),
    )


def work_type_label(work_type: str) -> str:
    return WorkType.LABELS.get(work_type, work_type.replace("_", " ").capitalize())


# --- The client page ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class ClientTickets:
    """A client's tickets for its page: the first ``limit``, open ones first, and how many in all."""

    tickets: list[Ticket]
    open_count: int
    total: int

    @property
    def more(self) -> int:
        return self.total - len(self.tickets)


def _open_first():
    return Case(When(status__in=OPEN_STATUSES, then=Value(0)), default=Value(1))


def client_tickets(client, *, limit: int = 10) -> ClientTickets:
    """The client's tickets, open ones first (newest first within each), and the counts."""
    tickets = Ticket.objects.filter(tenant_id=client.tenant_id, client=client)
    counts = tickets.aggregate(total=Count("pk"), open=Count("pk", filter=Q(status__in=OPEN_STATUSES)))
    first = tickets.select_related("assignee").order_by(_open_first(), "-created_at", "-pk")[:limit]
    return ClientTickets(tickets=list(first), open_count=counts["open"], total=counts["total"])


# --- Search (the top bar's search_everything reads this) ----------------------------------------------

TICKET_SEARCH_FIELDS = ["title"]


def best_ticket_matches(tenant, term: str, *, limit: int, near: bool = False) -> list[Ticket]:
    """Tickets of ``tenant`` whose title matches ``term`` (tenants.trigram.best_matches) or whose number is
    ``term`` ("1042" or "#1042"); open ones first, then the closest match, then the newest."""
    number = None
    if (digits := term.strip().lstrip("#")).isdigit() and len(digits) <= 9:
        number = Q(number=int(digits))
    return best_matches(
        Ticket.objects.filter(tenant_id=tenant.pk).select_related("client").alias(open_first=_open_first()),
        TICKET_SEARCH_FIELDS, term, limit=limit, near=near, also=number, order_first=("open_first",),
        order_last=("-created_at", "-pk"),
    )  # fmt: skip
