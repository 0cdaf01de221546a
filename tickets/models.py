"""Tickets and the SLA clocks that track them against the agreement."""

import uuid
from datetime import datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings
from django.db import models
from django.db.models import ExpressionWrapper, F, Value
from django.db.models.functions import Round

from accounts.actors import ACTOR_MAX_LENGTH
from clients.models import Client, Contact, Site
from service_levels.models import BusinessCalendar, IssueType, Level, Metric, Priority, WorkLocation
from service_levels.selectors import engine_calendar
from tenants.grants import AppendOnly
from tenants.models import TenantOwned, tenant_key
from tenants.trigram import tenant_trigram_index
from tickets import clock as clock_math


class TicketStatus(models.TextChoices):
    NEW = "new", "New"
    ACKNOWLEDGED = "acknowledged", "Acknowledged"
    IN_PROGRESS = "in_progress", "In progress"
    WAITING_ON_CLIENT = "waiting_on_client", "Waiting on client"
    SCHEDULED = "scheduled", "Scheduled"
    RESOLVED = "resolved", "Resolved"
    CLOSED = "closed", "Closed"
    REOPENED = "reopened", "Reopened"


OPEN_STATUSES = [s for s in TicketStatus if s not in (TicketStatus.RESOLVED, TicketStatus.CLOSED)]


class Channel(models.TextChoices):
    STAFF = "staff", "Staff"
    PORTAL = "portal", "Client portal"
    API = "api", "API"
    EMAIL = "email", "Email"


class TicketCounter(TenantOwned):
    """Gapless ticket numbers per tenant: one row, locked while a number is taken."""

    last_number = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            *TenantOwned.Meta.constraints,
            models.UniqueConstraint(fields=["tenant"], name="one_ticket_counter_per_tenant"),
        ]


class Ticket(TenantOwned):
    number = models.PositiveIntegerField()
    client = models.ForeignKey(Client, on_delete=models.PROTECT, related_name="tickets")
    site = models.ForeignKey(Site, on_delete=models.PROTECT, null=True, blank=True, related_name="tickets")
    contact = models.ForeignKey(
        Contact, on_delete=models.PROTECT, null=True, blank=True, related_name="tickets"
    )
    issue_type = models.ForeignKey(
        IssueType, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    title = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    impact = models.CharField(max_length=10, choices=Level.choices, default=Level.MEDIUM)
    urgency = models.CharField(max_length=10, choices=Level.choices, default=Level.MEDIUM)
    priority = models.CharField(max_length=2, choices=Priority.choices)
    work_location = models.CharField(max_length=10, choices=WorkLocation.choices, default=WorkLocation.REMOTE)
    channel = models.CharField(max_length=10, choices=Channel.choices, default=Channel.STAFF)
    status = models.CharField(max_length=20, choices=TicketStatus.choices, default=TicketStatus.NEW)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="assigned_tickets",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    sla_policy_name = models.CharField(
        max_length=100, blank=True, help_text="The policy its clocks came from."
    )
    sla_reasons = models.JSONField(default=list, blank=True, help_text="Why those targets apply.")
    sla_pause_statuses = models.JSONField(
        default=list, blank=True, help_text="Statuses that stop its clocks."
    )
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField(auto_now=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            # A status filter in the lists' order (newest first): one status walks it and stops at a page. The
            # open tickets of a board or a count narrowed by priority, client or assignee are read from it
            # alone (an index-only scan), not from ten thousand heap rows (tickets/migrations/0022).
            models.Index(
                fields=["tenant", "status", "-created_at", "-id"],
                include=["priority", "client", "assignee"],
                name="ticket_status_covering_idx",
            ),
            models.Index(fields=["tenant", "client", "created_at"], name="ticket_client_created_idx"),
            models.Index(fields=["tenant", "assignee", "status"], name="ticket_assignee_status_idx"),
            # Searches: `icontains` is UPPER(col) LIKE UPPER('%…%'), which a trigram index on UPPER(col)
            # serves; under RLS only through the search functions (tickets.selectors.search_tickets). The
            # tenant leads so a tenant's search skips the other tenants' matches (tenant_trigram_index).
            tenant_trigram_index("title", name="ticket_tenant_title_trgm_idx"),
            tenant_trigram_index("description", name="ticket_tenant_descr_trgm_idx"),
            # The staff list's keyset pages (newest, oldest, recently updated) and the API's cursor (-id).
            # Also what the SLA report groups a period's tickets by, read from the index alone.
            models.Index(
                fields=["tenant", "-created_at", "-id"],
                include=["priority", "client", "assignee"],
                name="ticket_tenant_created_idx",
            ),
            models.Index(fields=["tenant", "-updated_at", "-id"], name="ticket_tenant_updated_idx"),
        ]
        constraints = [
            *TenantOwned.Meta.constraints,
            models.UniqueConstraint(fields=["tenant", "number"], name="ticket_number_unique_per_tenant"),
            # The API's cursor (-id, read backwards), and what a child's tenant-inclusive foreign key
            # references (the breach's: tickets/migrations/0017).
            models.UniqueConstraint(fields=["tenant", "id"], name="ticket_tenant_id_key"),
        ]

    def __str__(self):
        return f"#{self.number} {self.title}"

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES


class OpenedInMonth(TenantOwned):
    """How many of a client's tickets were opened in a calendar month (UTC): what a count of tickets over a
    year reads instead of the tickets (tickets.opened, issue 18: 306,000 tickets a year at a million).

    Kept by PostgreSQL triggers on tickets_ticket (tickets/migrations/0024): an insert adds, a delete takes
    away, a change of client or opening time moves one ticket between rows. Triggers, not services, so no
    write path (a bulk load, a data fix in SQL) can leave a count wrong without failing: a count never goes
    below zero. A row whose tickets are all gone stays, at zero."""

    tenant = tenant_key(db_index=False)  # the unique key leads with the tenant
    # No foreign-key check per ticket inserted: the rows copy the client of tickets whose references hold,
    # and a client with tickets cannot be deleted (Ticket.client is PROTECT).
    client = models.ForeignKey(
        Client, on_delete=models.DO_NOTHING, db_constraint=False, db_index=False, related_name="+"
    )
    month = models.DateField(help_text="The month's first day, in UTC.")
    opened = models.PositiveIntegerField()

    class Meta:
        constraints = [
            *TenantOwned.Meta.constraints,
            # The triggers' ON CONFLICT target, and the reads' index: a client's months, counts included.
            models.UniqueConstraint(
                fields=["tenant", "client", "month"], include=["opened"], name="opened_in_month_key"
            ),
        ]

    def __str__(self):
        return f"{self.opened} opened in {self.month:%Y-%m}"


class TicketEvent(TenantOwned):
    """The ticket's history: status, priority, assignment and SLA changes, with who and why."""

    append_only = AppendOnly()  # tenants/grants.py: SELECT and INSERT only

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="history")
    kind = models.CharField(max_length=40)
    actor = models.CharField(max_length=ACTOR_MAX_LENGTH, blank=True)  # accounts.actors.actor_label
    details = models.JSONField(default=dict, blank=True)
    at = models.DateTimeField()

    class Meta:
        ordering = ["at", "id"]
        constraints = [*TenantOwned.Meta.constraints]


class Reply(TenantOwned):
    """A public reply (the client sees it) or an internal note."""

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="replies")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    author_contact = models.ForeignKey(
        Contact, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    body = models.TextField()
    is_public = models.BooleanField(default=True)
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["tenant", "-id"], name="reply_tenant_id_idx")]  # the API's cursor
        constraints = [*TenantOwned.Meta.constraints]


class ClockState(models.TextChoices):
    RUNNING = "running", "Running"
    PAUSED = "paused", "Paused"
    STOPPED = "stopped", "Stopped"


class SlaClock(TenantOwned):
    """One promise on one ticket: a metric, its target on its calendar, and where the clock stands.

    The sweeper finds due clocks through the partial indexes on ``due_at`` and ``warn_at`` of running
    clocks, and claims each warning and breach with a conditional UPDATE, so each is recorded once.
    """

    # Each claim writes a new version of the clock into every one of its indexes (the flags it sets are in
    # the partial indexes' conditions): the tenant-leading ones serve lookups by tenant, not one of its own.
    tenant = tenant_key(db_index=False)
    # Its foreign key is (tenant_id, ticket_id), a ticket of the clock's own tenant (tickets/migrations/0021),
    # and one_clock_per_ticket_metric, (tenant_id, ticket_id, metric), is its index: every lookup by ticket
    # says its tenant (the scoped manager, the deletion collector through it, that key's check).
    ticket = models.ForeignKey(
        Ticket, on_delete=models.CASCADE, related_name="clocks", db_constraint=False, db_index=False
    )
    metric = models.CharField(max_length=20, choices=Metric.choices)
    target_minutes = models.PositiveIntegerField()
    calendar = models.ForeignKey(BusinessCalendar, on_delete=models.PROTECT, related_name="+")
    warn_percent = models.PositiveSmallIntegerField(default=75)
    policy_name = models.CharField(max_length=100)
    reason = models.CharField(max_length=300, blank=True)
    state = models.CharField(max_length=10, choices=ClockState.choices, default=ClockState.RUNNING)
    started_at = models.DateTimeField()
    pauses = models.JSONField(default=list, blank=True, help_text="[[start, end|null], …] in ISO 8601.")
    due_at = models.DateTimeField(null=True, blank=True)
    warn_at = models.DateTimeField(null=True, blank=True)
    # A paused clock has no due time, and the business time it has left stands still until it resumes:
    # kept here (by refresh_times, as due_at is for a running clock) so the SLA board orders paused clocks
    # in SQL. Null unless paused.
    paused_business_left = models.DurationField(null=True, blank=True)
    warned_at = models.DateTimeField(null=True, blank=True)
    breached_at = models.DateTimeField(null=True, blank=True)
    met_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["ticket", "metric"]
        indexes = [
            models.Index(
                fields=["due_at"], condition=models.Q(state="running", breached_at__isnull=True),
                name="sla_clock_breach_due_idx",
            ),
            models.Index(
                fields=["warn_at"], condition=models.Q(state="running", warned_at__isnull=True),
                name="sla_clock_warn_due_idx",
            ),
            models.Index(fields=["tenant", "state", "due_at"], name="sla_clock_board_idx"),
            # The API's cursor (api.pagination.NewestStartedCursorPagination says why not the id), and the
            # SLA report's period, counted from the index alone (what the report reads is included).
            models.Index(
                fields=["tenant", "-started_at", "-id"], include=["ticket", "state", "breached_at", "met_at"],
                name="sla_clock_tenant_started_idx",
            ),
            # The API's breached clocks in its order (a few in a hundred clocks are).
            models.Index(
                fields=["tenant", "-started_at", "-id"], condition=models.Q(breached_at__isnull=False),
                name="sla_clock_breached_started_idx",
            ),
            # Breached clocks not met yet (a few thousand at a million tickets, where the tenant has 125,000
            # breaches): the breach report counts those "still running late" from here, not by looking up
            # the clock of each breach of its period (reports.selectors.still_late_count).
            models.Index(
                fields=["tenant", "id"], condition=models.Q(breached_at__isnull=False, met_at__isnull=True),
                name="sla_clock_running_late_idx",
            ),
        ]  # fmt: skip
        constraints = [
            *TenantOwned.Meta.constraints,
            models.UniqueConstraint(
                fields=["tenant", "ticket", "metric"], name="one_clock_per_ticket_metric"
            ),
            # Lists by id (read backwards), and what the breach's foreign key references: its clock, and
            # through it its ticket, of its own tenant, in one check.
            models.UniqueConstraint(fields=["tenant", "id", "ticket"], name="sla_clock_tenant_id_ticket_key"),
        ]

    def __str__(self):
        return f"{self.ticket} {self.get_metric_display()}"

    # Where the clock stands, for the services that move it and the pages that show it alike; the
    # arithmetic is tickets.clock's, on the clock's own calendar.

    def pause_intervals(self) -> list[clock_math.Pause]:
        """The pauses as instants, oldest first; the last one ends in None while the clock is paused."""
        return [
            (datetime.fromisoformat(start), datetime.fromisoformat(end) if end else None)
            for start, end in self.pauses
        ]

    def open_pause(self, at: datetime) -> None:
        self.pauses = [*self.pauses, [at.isoformat(), None]]

    def close_pause(self, at: datetime) -> None:
        self.pauses = [*self.pauses[:-1], [self.pauses[-1][0], at.isoformat()]]

    def add_pause(self, start: datetime, end: datetime) -> None:
        self.pauses = [*self.pauses, [start.isoformat(), end.isoformat()]]

    def scheduled_times(self) -> clock_math.ClockTimes:
        """When it falls due and should warn, from its start, pauses, target and calendar (both None
        while paused). For a stopped clock: when it was due."""
        return clock_math.times(**self._arithmetic(), warn_percent=self.warn_percent)

    def refresh_times(self) -> None:
        """Set due_at / warn_at for the clock's state (a stopped clock has neither), and a paused clock's
        business time left (paused_business_left; None otherwise). Not saved."""
        self.paused_business_left = None
        if self.state == ClockState.STOPPED:
            self.due_at = self.warn_at = None
            return
        times = self.scheduled_times()
        self.due_at, self.warn_at = times.due_at, times.warn_at
        pauses = self.pause_intervals()
        if self.state == ClockState.PAUSED and clock_math.is_paused(pauses):
            # Business time used stops counting at the pause's start: what is left then is left until the
            # clock resumes, whenever it is read.
            self.paused_business_left = self.business_time_left(pauses[-1][0])

    def stop(self) -> None:
        """No longer counting (met, or its target removed): no due, warning or paused time left. Not saved."""
        self.state = ClockState.STOPPED
        self.refresh_times()

    def business_time_left(self, at: datetime) -> timedelta:
        """Business time left before the target at ``at`` (negative once breached)."""
        return clock_math.remaining(**self._arithmetic(), at=at)

    def _arithmetic(self) -> dict:
        return {
            "calendar": engine_calendar(self.calendar),
            "started_at": self.started_at,
            "pauses": self.pause_intervals(),
            "target": timedelta(minutes=self.target_minutes),
        }


class BoardLead(TenantOwned):
    """A ticket's row on the SLA board: the running or paused clock that leads it, with what the board's state
    and order read from that clock, beside the ticket's fields the board filters by. An open ticket without
    such a clock has a row that names no clock (the board's "no running clock" line counts them). The board
    counts and orders these rows, one per ticket, instead of joining every live clock to its ticket and
    keeping the first of each (issue 18: 27 of the board's 41 ms of SQL at 10,000 open tickets).

    Kept by PostgreSQL triggers (tickets/migrations/0025), so no write path can leave it behind: an insert,
    delete or change of a clock that can change which clock leads, or what it shows, computes its ticket's
    row again, and so do an open ticket's insert, a ticket's change of status, priority, client or assignee,
    and its delete. One exception, by design: the sweeper's stamps (``warned_at``, ``breached_at`` set at or
    after the time they mark) are not copied, as the board reads the same state from the times once they are
    past, and the sweep stays one statement. ``tickets.board_leads.rebuild_board_leads`` builds a tenant's
    rows again (after a load with triggers off)."""

    tenant = tenant_key(db_index=False)  # board_lead_open_idx leads with the tenant
    ticket = models.OneToOneField(
        Ticket, primary_key=True, on_delete=models.DO_NOTHING, db_constraint=False, related_name="+"
    )
    # The ticket's, for the board's filters.
    status = models.CharField(max_length=20, choices=TicketStatus.choices)
    priority = models.CharField(max_length=2, choices=Priority.choices)
    client = models.ForeignKey(
        Client, on_delete=models.DO_NOTHING, db_constraint=False, db_index=False, related_name="+"
    )
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        db_index=False,
        null=True,
        related_name="+",
    )
    # The leading clock's (SlaClock's fields of the same names); all null when no clock leads.
    clock = models.ForeignKey(
        "SlaClock",
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        db_index=False,
        null=True,
        related_name="+",
    )
    metric = models.CharField(max_length=20, choices=Metric.choices, null=True)
    state = models.CharField(max_length=10, choices=ClockState.choices, null=True)
    due_at = models.DateTimeField(null=True)
    warn_at = models.DateTimeField(null=True)
    paused_business_left = models.DurationField(null=True)
    warned_at = models.DateTimeField(null=True)
    breached_at = models.DateTimeField(null=True)

    class Meta:
        indexes = [models.Index(fields=["tenant", "status"], name="board_lead_open_idx")]
        constraints = [*TenantOwned.Meta.constraints]

    def __str__(self):
        return f"{self.ticket_id} led by {self.metric}"


class SlaBreach(TenantOwned):
    """A breach, recorded once per clock (the constraint backs the sweeper's claim)."""

    append_only = AppendOnly()  # tenants/grants.py: SELECT and INSERT only

    # The sweeper writes breaches by the hundred: the tenant-leading indexes below serve lookups by tenant,
    # and one foreign key, (tenant_id, clock_id, ticket_id) to the clock's (tenant_id, id, ticket_id),
    # stands for the three single ones (tickets/migrations/0017, 0021): one check per breach at commit
    # instead of three. A breach names its clock's own ticket, and the clock's tenant-inclusive key to its
    # ticket makes that ticket one of the breach's tenant: no other tenant's clock or ticket.
    tenant = tenant_key(db_index=False, db_constraint=False)
    clock = models.OneToOneField(
        SlaClock, on_delete=models.CASCADE, related_name="breach", db_constraint=False
    )
    # Deleted with its clock (``clock``'s CASCADE), which is of the same ticket (the foreign key above): a
    # ticket's deletion finds its breaches by clock, so no index of ticket_id alone is written per breach.
    ticket = models.ForeignKey(
        Ticket, on_delete=models.DO_NOTHING, related_name="breaches", db_constraint=False, db_index=False
    )
    metric = models.CharField(max_length=20, choices=Metric.choices)
    due_at = models.DateTimeField()
    recorded_at = models.DateTimeField()
    reason = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["-recorded_at"]
        # The breach report (deadlines in a period, newest first) and its API's keyset pages. Every read of
        # breaches goes by deadline: no other index, one entry less per breach the sweeper records.
        indexes = [
            models.Index(fields=["tenant", "-due_at", "-id"], name="sla_breach_tenant_due_idx"),
        ]
        constraints = [*TenantOwned.Meta.constraints]


class TimeEntry(TenantOwned):
    """Work on a ticket, valued at the technician's cost; covered by the agreement or billable."""

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="time_entries")
    # The ticket's client, kept by PostgreSQL triggers (tickets/migrations/0026): set from the ticket on
    # every insert (whatever the writer passed), moved with the ticket when its client changes. Reports sum
    # a period's entries per client from here, not by looking up each entry's ticket (issue 18: 2,578
    # lookups, 9 of the profitability report's 13 ms of SQL at a million tickets).
    client = models.ForeignKey(
        Client, on_delete=models.DO_NOTHING, db_constraint=False, db_index=False, related_name="+"
    )
    technician = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    work_type = models.CharField(max_length=20)
    minutes = models.PositiveIntegerField()
    location = models.CharField(max_length=10, choices=WorkLocation.choices, default=WorkLocation.REMOTE)
    notes = models.TextField(blank=True)
    worked_on = models.DateField()
    cost_rate = models.DecimalField(max_digits=8, decimal_places=2, default=Decimal("0"))
    covered = models.BooleanField()
    coverage_reason = models.CharField(max_length=300)
    coverage_source = models.ForeignKey(
        "contracts.Agreement",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text="The signed document (service agreement or supplement) whose coverage rules decided.",
    )
    bill_rate = models.DecimalField(max_digits=8, decimal_places=2, default=Decimal("0"))
    after_hours = models.BooleanField(default=False, help_text="Done outside business hours.")
    rate_multiplier = models.DecimalField(
        max_digits=4,
        decimal_places=2,
        default=Decimal("1"),
        help_text="The contract's after-hours multiplier when logged, for billable after-hours work; else 1.",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-worked_on", "-id"]
        indexes = [
            models.Index(fields=["tenant", "covered", "worked_on"], name="time_entry_billing_idx"),
            models.Index(fields=["tenant", "-id"], name="time_entry_tenant_id_idx"),  # the API's cursor
            # A period's entries summed per client (reports.profitability) from the index alone.
            models.Index(
                fields=["tenant", "worked_on"],
                include=["client", "minutes", "cost_rate", "covered"],
                name="time_entry_worked_idx",
            ),
        ]
        constraints = [*TenantOwned.Meta.constraints]

    @property
    def cost(self) -> Decimal:
        """Cost rate x hours, rounded half-up to the cent per entry: ``COST`` says the same in SQL, so a
        report's sums equal the sum of the entries' costs to the cent."""
        return (self.cost_rate * self.minutes / 60).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)

    @property
    def billable_amount(self) -> Decimal:
        """What the work bills before any membership discount: rate x after-hours multiplier x hours,
        rounded half-up to the cent once (as the invoice line does)."""
        if self.covered:
            return Decimal("0.00")
        return (self.bill_rate * self.rate_multiplier * self.minutes / 60).quantize(
            Decimal("0.01"), rounding=ROUND_HALF_UP
        )


# TimeEntry.cost in SQL (PostgreSQL's ROUND on numeric rounds half away from zero: half-up for costs).
COST = Round(
    ExpressionWrapper(F("cost_rate") * F("minutes") / Value(60), output_field=models.DecimalField()),
    2,
    output_field=models.DecimalField(max_digits=12, decimal_places=2),
)


def attachment_path(attachment, filename: str) -> str:
    """Under the tenant's and the ticket's folders, named by a random id (never by what was uploaded)."""
    return f"tenants/{attachment.tenant_id}/tickets/{attachment.ticket_id}/{uuid.uuid4().hex}"


class TicketAttachment(TenantOwned):
    """A file on a ticket: a photo from the client's phone, a log from staff. Checked by content on the
    way in (tickets.attachments); served only through views that check who may see the ticket. Uploaded
    by a staff member, a client's contact, or an API key (neither person: ``uploaded_by_label`` says who)."""

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="attachments")
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    uploaded_by_contact = models.ForeignKey(
        Contact, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    uploaded_by_label = models.CharField(max_length=ACTOR_MAX_LENGTH)  # accounts.actors.actor_label
    is_public = models.BooleanField(default=True, help_text="The client sees it on the portal.")
    file = models.FileField(upload_to=attachment_path, max_length=300)
    original_name = models.CharField(max_length=200, help_text="The file's name as uploaded.")
    content_type = models.CharField(max_length=100, help_text="What its content is, as checked.")
    size = models.PositiveBigIntegerField()
    sha256 = models.CharField(max_length=64)
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["tenant", "ticket", "created_at"], name="ticket_attachment_idx")]
        constraints = [
            *TenantOwned.Meta.constraints,
            models.CheckConstraint(
                condition=~(
                    models.Q(uploaded_by__isnull=False) & models.Q(uploaded_by_contact__isnull=False)
                ),
                name="attachment_one_uploader",
            ),
            models.CheckConstraint(condition=models.Q(size__gt=0), name="attachment_not_empty"),
        ]

    def __str__(self):
        return self.original_name

    @property
    def is_image(self) -> bool:
        return self.content_type in ("image/jpeg", "image/png", "image/webp")
