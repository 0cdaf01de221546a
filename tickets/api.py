"""The partner API of tickets: tickets (partners and monitoring tools open them: channel "api"), their
replies and internal notes, time entries (covered or billable per the client's agreement) and SLA clocks
(read-only). Thin: validate, call ``tickets.services``, serialize. Querysets are built per request
(django-scopes refuses them at import time)."""

from __future__ import annotations

from django.db import transaction
from django.db.models import Prefetch
from django.utils import timezone
from django_filters import rest_framework as filters
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiExample,
    extend_schema,
    extend_schema_field,
    extend_schema_serializer,
    extend_schema_view,
)
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.filters import SearchFilter
from rest_framework.response import Response

from api.flat_rows import LeanRepresentation
from api.pagination import NewestCreatedCursorPagination, NewestStartedCursorPagination
from api.viewsets import TenantScopedViewMixin, calling_staff_user, request_actor, through_service
from clients.api import ActiveClientField
from clients.models import Contact, Site
from contracts.coverage import WorkType
from service_levels.models import Level, Metric, Priority, WorkLocation
from service_levels.selectors import active_issue_types
from tickets import selectors, services
from tickets.models import (
    OPEN_STATUSES,
    Channel,
    ClockState,
    Reply,
    SlaClock,
    Ticket,
    TicketEvent,
    TicketStatus,
    TimeEntry,
)

VIEW, MANAGE, LOG_TIME = "tickets.view", "tickets.manage", "time.log"
# Choice sets named as the other APIs name them (the schema gives each set one enum, one name).
IMPACTS = [(level.value, f"{level.label} impact") for level in Level]
URGENCIES = [(level.value, f"{level.label} urgency") for level in Level]
WORK_PLACES = [(WorkLocation.REMOTE.value, "Remote work"), (WorkLocation.ON_SITE.value, "Work on site")]
_PAGES = "Newest first, in cursor pages (`page_size` up to 200)."
PREFETCHED_CLOCKS = "prefetched_clocks"  # where TicketViewSet puts each ticket's clocks
SLA_STATES = ["on_track", "warning", "breached", "paused", "met", "met_late", "not_applicable"]


class TicketsViewSetMixin(TenantScopedViewMixin):
    view_permission, manage_permission = VIEW, MANAGE


# --- Fields naming the caller's own rows (another tenant's id reads as "does not exist") ------------


@extend_schema_field(OpenApiTypes.INT)
class TicketField(serializers.PrimaryKeyRelatedField):
    def get_queryset(self):
        return Ticket.objects.all()


@extend_schema_field(OpenApiTypes.INT)
class SiteField(serializers.PrimaryKeyRelatedField):
    def get_queryset(self):
        return Site.objects.filter(archived_at__isnull=True)


@extend_schema_field(OpenApiTypes.INT)
class ContactField(serializers.PrimaryKeyRelatedField):
    def get_queryset(self):
        return Contact.objects.filter(archived_at__isnull=True)


@extend_schema_field(OpenApiTypes.INT)
class IssueTypeField(serializers.PrimaryKeyRelatedField):
    def get_queryset(self):
        return active_issue_types()


@extend_schema_field(OpenApiTypes.INT)
class StaffUserField(serializers.PrimaryKeyRelatedField):
    """A user on the tenant's staff, by id."""

    def get_queryset(self):
        return selectors.staff_users()


def _nested_serializer(parent: serializers.Serializer, name: str, serializer_class) -> serializers.Serializer:
    """One instance of a nested serializer per parent serializer (so per request), kept on the parent.

    A list page used to build one for every clock and pause: DRF deep-copies a serializer's declared
    fields for each instance, which cost more than the rest of the page. Its ``to_representation`` gives
    what its ``.data`` gives (a dict rather than a ReturnDict: the same JSON)."""
    nested = parent.__dict__.setdefault("_nested_serializers", {})
    if name not in nested:
        nested[name] = serializer_class(context=parent.context)
    return nested[name]


def _now(context: dict):
    """The request's one ``now``, so every clock on a page is read at the same instant."""
    if "now" not in context:
        context["now"] = timezone.now()
    return context["now"]


# --- SLA clocks -------------------------------------------------------------------------------------


class PauseSerializer(serializers.Serializer):
    start = serializers.DateTimeField()
    end = serializers.DateTimeField(allow_null=True, help_text="Empty while the clock is paused.")


class SlaClockSerializer(LeanRepresentation, serializers.ModelSerializer):
    sla_state = serializers.SerializerMethodField(
        help_text="As the SLA board shows it: `on_track`, `warning`, `breached` or `paused` while it runs; "
        "`met`, `met_late` or `not_applicable` (its target was removed) once stopped."
    )
    seconds_to_breach = serializers.SerializerMethodField(
        help_text="Running clocks: wall-clock seconds until due, negative once breached. Otherwise empty."
    )
    business_seconds_left = serializers.SerializerMethodField(
        help_text="Paused clocks: business time it still has, in seconds. Otherwise empty."
    )
    calendar_name = serializers.CharField(source="calendar.name", read_only=True)
    pauses = serializers.SerializerMethodField()

    class Meta:
        model = SlaClock
        fields = [
            "id", "ticket", "metric", "state", "sla_state", "target_minutes", "calendar", "calendar_name",
            "policy_name", "reason", "warn_percent", "started_at", "pauses", "due_at", "warn_at", "warned_at",
            "breached_at", "met_at", "seconds_to_breach", "business_seconds_left",
        ]  # fmt: skip
        read_only_fields = fields

    def _view(self, clock) -> selectors.ClockView:
        cache = self.context.setdefault("clock_views", {})
        if clock.pk not in cache:
            cache[clock.pk] = selectors.clock_view(clock, now=_now(self.context))
        return cache[clock.pk]

    @extend_schema_field(serializers.ChoiceField(choices=SLA_STATES))
    def get_sla_state(self, clock) -> str:
        return self._view(clock).state

    def get_seconds_to_breach(self, clock) -> int | None:
        view = self._view(clock)
        return view.seconds_left if view.is_live else None

    def get_business_seconds_left(self, clock) -> int | None:
        left = self._view(clock).business_left
        return int(left.total_seconds()) if left is not None else None

    @extend_schema_field(PauseSerializer(many=True))
    def get_pauses(self, clock) -> list:
        pause = _nested_serializer(self, "pause", PauseSerializer)
        pauses = clock.pause_intervals()
        return [pause.to_representation({"start": start, "end": end}) for start, end in pauses]


class SlaClockFilter(filters.FilterSet):
    ticket = filters.NumberFilter(field_name="ticket_id")
    metric = filters.ChoiceFilter(choices=Metric.choices)
    state = filters.ChoiceFilter(choices=ClockState.choices)
    breached = filters.BooleanFilter(field_name="breached_at", lookup_expr="isnull", exclude=True)
    open_tickets = filters.BooleanFilter(method="filter_open_tickets", label="Clocks of open tickets only")

    class Meta:
        model = SlaClock
        fields = []  # declared above: django-filter's own lookups would query without a tenant

    def filter_open_tickets(self, queryset, name, value):
        # The open tickets as a set of ids (a few thousand for a big tenant), which the clocks' own index
        # is checked against page by page; joined, PostgreSQL read every clock of a million tickets.
        condition = {"ticket__in": Ticket.objects.filter(status__in=OPEN_STATUSES).values("pk")}
        return queryset.filter(**condition) if value else queryset.exclude(**condition)


@extend_schema_view(
    list=extend_schema(
        summary="List SLA clocks",
        description="One clock per ticket and metric (first response, on-site arrival, resolution), with "
        f"its target, pauses and due time, and where it stands now. {_PAGES} Filters: `ticket`, `metric`, "
        "`state` (running, paused, stopped), `breached`, `open_tickets`.",
    ),
    retrieve=extend_schema(summary="Get an SLA clock"),
)
class SlaClockViewSet(
    TicketsViewSetMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    model = SlaClock
    serializer_class = SlaClockSerializer
    filterset_class = SlaClockFilter
    pagination_class = NewestStartedCursorPagination

    def get_queryset(self):
        # The calendars by a query of their own: joined, PostgreSQL spreads a tenant's clocks over every
        # tenant's calendars (3 of 1,005) and walks all of a calendar's clocks instead of one page.
        return super().get_queryset().prefetch_related("calendar")


# --- Tickets ----------------------------------------------------------------------------------------


class ClockSummarySerializer(LeanRepresentation, serializers.Serializer):
    id = serializers.IntegerField()
    metric = serializers.ChoiceField(choices=Metric.choices)
    sla_state = serializers.ChoiceField(choices=SLA_STATES)
    due_at = serializers.DateTimeField(allow_null=True)
    seconds_to_breach = serializers.IntegerField(allow_null=True)


class _ClockSummaryRow:
    """What ClockSummarySerializer reads of one clock's view (an object, so it is read the lean way)."""

    __slots__ = ("due_at", "id", "metric", "seconds_to_breach", "sla_state")

    def __init__(self, view: selectors.ClockView):
        self.id = view.clock.pk
        self.metric = view.clock.metric
        self.sla_state = view.state
        self.due_at = view.due_at
        self.seconds_to_breach = view.seconds_left if view.is_live else None


class TicketEventSerializer(serializers.ModelSerializer):
    class Meta:
        model = TicketEvent
        fields = ["kind", "actor", "details", "at"]
        read_only_fields = fields


class TicketSerializer(LeanRepresentation, serializers.ModelSerializer):
    client_name = serializers.CharField(source="client.name", read_only=True)
    impact = serializers.ChoiceField(choices=IMPACTS, read_only=True)
    urgency = serializers.ChoiceField(choices=URGENCIES, read_only=True)
    sla = serializers.SerializerMethodField(
        help_text="The most urgent running (or paused) clock, as on the SLA board; empty when none runs."
    )
    clocks = serializers.SerializerMethodField()

    class Meta:
        model = Ticket
        fields = [
            "id", "number", "title", "description", "client", "client_name", "site", "contact", "issue_type",
            "impact", "urgency", "priority", "work_location", "channel", "status", "assignee", "created_by",
            "sla_policy_name", "sla_reasons", "sla", "clocks", "created_at", "updated_at", "resolved_at",
            "closed_at",
        ]  # fmt: skip
        read_only_fields = fields

    def _clocks(self, ticket) -> tuple[list[selectors.ClockView], list[dict]]:
        # `sla` and `clocks` read the same views and summaries (`sla` is one of `clocks`): computed once
        # per ticket (the last ticket's are kept).
        last = self.__dict__.get("_last_clocks")
        if last is not None and last[0] is ticket:
            return last[1]
        clocks = getattr(ticket, PREFETCHED_CLOCKS, None)
        if clocks is None:  # a ticket not read through TicketViewSet.get_queryset
            clocks = ticket.clocks.all()
        now = _now(self.context)
        views = [selectors.clock_view(clock, now=now) for clock in clocks]
        summary = _nested_serializer(self, "summary", ClockSummarySerializer)
        summaries = [summary.to_representation(_ClockSummaryRow(view)) for view in views]
        self._last_clocks = (ticket, (views, summaries))
        return views, summaries

    @extend_schema_field(ClockSummarySerializer(allow_null=True))
    def get_sla(self, ticket):
        views, summaries = self._clocks(ticket)
        active = [index for index, view in enumerate(views) if view.clock.state != ClockState.STOPPED]
        return summaries[min(active, key=lambda index: views[index].sort_key)] if active else None

    @extend_schema_field(ClockSummarySerializer(many=True))
    def get_clocks(self, ticket) -> list:
        return list(self._clocks(ticket)[1])


class TicketCreateSerializer(serializers.Serializer):
    client = ActiveClientField()
    title = serializers.CharField(max_length=200, help_text="A few words: what is wrong.")
    description = serializers.CharField(required=False, allow_blank=True, default="")
    site = SiteField(required=False, allow_null=True, default=None, help_text="A site of the client.")
    contact = ContactField(
        required=False, allow_null=True, default=None, help_text="A contact of the client."
    )
    issue_type = IssueTypeField(required=False, allow_null=True, default=None, help_text="From the catalog.")
    impact = serializers.ChoiceField(choices=IMPACTS, default=Level.MEDIUM)
    urgency = serializers.ChoiceField(choices=URGENCIES, default=Level.MEDIUM)
    priority = serializers.ChoiceField(
        choices=Priority.choices, required=False, allow_null=True, default=None,
        help_text="Empty: from the tenant's priority matrix (impact × urgency).",
    )  # fmt: skip
    work_location = serializers.ChoiceField(
        choices=WorkLocation.choices, required=False, allow_null=True, default=None,
        help_text="Empty: the issue type's (remote when there is none).",
    )  # fmt: skip
    assignee = StaffUserField(required=False, allow_null=True, default=None)


@extend_schema_serializer(component_name="Ticket")  # its PATCH request: PatchedTicketRequest
class TicketUpdateSerializer(serializers.Serializer):
    priority = serializers.ChoiceField(choices=Priority.choices, required=False)
    issue_type = IssueTypeField(required=False)
    status = serializers.ChoiceField(choices=TicketStatus.choices, required=False)
    assignee = StaffUserField(required=False, allow_null=True, help_text="Empty to unassign.")
    why = serializers.CharField(
        required=False, allow_blank=True, default="", max_length=200,
        help_text="Why the priority or issue type changed: kept in the ticket's history.",
    )  # fmt: skip


class TicketFilter(filters.FilterSet):
    status = filters.MultipleChoiceFilter(choices=TicketStatus.choices, distinct=False)
    open = filters.BooleanFilter(method="filter_open", label="Open (not resolved or closed)")
    priority = filters.MultipleChoiceFilter(choices=Priority.choices, distinct=False)
    client = filters.NumberFilter(field_name="client_id")
    assignee = filters.NumberFilter(field_name="assignee_id")
    channel = filters.ChoiceFilter(choices=Channel.choices)
    number = filters.NumberFilter()

    class Meta:
        model = Ticket
        fields = []

    def filter_open(self, queryset, name, value):
        return (queryset.filter if value else queryset.exclude)(status__in=OPEN_STATUSES)


class TicketSearch(SearchFilter):
    """`search` over the title and the client's name, through the indexes (``selectors.search_tickets``);
    each word must match, as with DRF's own search."""

    def filter_queryset(self, request, queryset, view):
        for term in self.get_search_terms(request):
            queryset = selectors.search_tickets(queryset, term)
        return queryset


TICKET_EXAMPLE = {
    "client": 12, "title": "Camera at the gate offline", "description": "No signal since 02:14 (NVR alert).",
    "site": 31, "issue_type": 4, "impact": "medium", "urgency": "high",
}  # fmt: skip


@extend_schema_view(
    list=extend_schema(
        summary="List tickets",
        description=f"{_PAGES} Filters: `status` (repeatable), `open`, `priority` (repeatable), `client`, "
        "`assignee`, `channel`, `number`; `search` over the title and the client's name. Each ticket carries "
        "its clocks and its most urgent one (`sla`).",
    ),
    retrieve=extend_schema(summary="Get a ticket"),
    create=extend_schema(
        summary="Open a ticket",
        description="Opens a ticket with channel `api` and starts its SLA clocks with the targets of the "
        "client's agreement (`sla_reasons` says why). The priority comes from the priority matrix unless "
        "given. Honours `Idempotency-Key`, so a monitoring tool may retry safely.",
        request=TicketCreateSerializer,
        responses={201: TicketSerializer},
        examples=[OpenApiExample("From a monitoring tool", request_only=True, value=TICKET_EXAMPLE)],
    ),
    partial_update=extend_schema(
        summary="Change a ticket's priority, issue type, status or assignee",
        description="Each change goes through the ticket's workflow: a new priority or issue type recomputes "
        "the SLA targets from the ticket's start (say `why`), a status may pause or stop clocks (a closed "
        "ticket can only be reopened), and every change is kept in the history. All or nothing.",
        request=TicketUpdateSerializer,
        responses={200: TicketSerializer},
        examples=[
            OpenApiExample(
                "Escalate", request_only=True, value={"priority": "P1", "why": "Whole house is down"}
            ),
            OpenApiExample("Wait for the client", request_only=True, value={"status": "waiting_on_client"}),
        ],
    ),
)
class TicketViewSet(
    TicketsViewSetMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    model = Ticket
    serializer_class = TicketSerializer
    filterset_class = TicketFilter
    filter_backends = [filters.DjangoFilterBackend, TicketSearch]
    pagination_class = NewestCreatedCursorPagination
    search_fields = ["title", "client__name"]  # what TicketSearch reads (the schema shows `search` from it)
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_queryset(self):
        queryset = super().get_queryset()
        if getattr(self, "swagger_fake_view", False):
            return queryset
        # The clients by a query of their own, for the reason tickets.selectors.ticket_list gives; the
        # clocks' calendars too (a tenant has a few): joined, each clock brought its own copy, its weekly
        # hours decoded from JSON again (150 a page). The clocks as a plain list on each ticket, which
        # TicketSerializer reads: prefetched into `ticket.clocks`, Django built a manager and a queryset
        # for every ticket, and the serializer another manager (a twentieth of a 50-ticket page).
        return queryset.prefetch_related(
            "client",
            Prefetch("clocks", queryset=SlaClock.objects.all(), to_attr=PREFETCHED_CLOCKS),
            f"{PREFETCHED_CLOCKS}__calendar",
        )

    def _detail(self, ticket, status_code=status.HTTP_200_OK) -> Response:
        ticket = self.get_queryset().get(pk=ticket.pk)  # fresh, with its clocks
        return Response(TicketSerializer(ticket, context=self.get_serializer_context()).data, status_code)

    @extend_schema(
        summary="A ticket's history",
        description="Every change, oldest first: opened, status, priority and issue type (with why), "
        "assignment, first response, check-in, SLA targets set or recomputed.",
        responses=TicketEventSerializer(many=True),
    )
    @action(detail=True, methods=["get"], pagination_class=None, filter_backends=[])
    def history(self, request, pk=None):
        ticket = self.get_object()
        return Response(TicketEventSerializer(ticket.history.all(), many=True).data)

    def create(self, request, *args, **kwargs):
        return self._create(request)

    def _create(self, request):
        data = TicketCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        ticket = through_service(
            services.open_ticket, channel=Channel.API, created_by=calling_staff_user(request),
            actor=request_actor(request), **data.validated_data,
        )  # fmt: skip
        return self._detail(ticket, status.HTTP_201_CREATED)

    def partial_update(self, request, *args, **kwargs):
        ticket = self.get_object()
        data = TicketUpdateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        changes = data.validated_data
        actor = request_actor(request)
        with transaction.atomic():  # a refused status change undoes the others too
            if "priority" in changes or "issue_type" in changes:
                ticket = through_service(
                    services.retarget, ticket, actor=actor, priority=changes.get("priority"),
                    issue_type=changes.get("issue_type"), why=changes["why"],
                )  # fmt: skip
            if "assignee" in changes:
                ticket = through_service(services.assign, ticket, assignee=changes["assignee"], actor=actor)
            if "status" in changes:
                ticket = through_service(services.change_status, ticket, changes["status"], actor=actor)
        return self._detail(ticket)


# --- Replies ------------------------------------------------------------------------------------------


class ReplySerializer(serializers.ModelSerializer):
    ticket = TicketField()
    author_name = serializers.SerializerMethodField()

    class Meta:
        model = Reply
        fields = [
            "id",
            "ticket",
            "body",
            "is_public",
            "author",
            "author_contact",
            "author_name",
            "created_at",
        ]
        read_only_fields = ["id", "author", "author_contact", "author_name", "created_at"]
        extra_kwargs = {
            "is_public": {"help_text": "true: a reply the client sees; false: an internal note."},
            "body": {"max_length": 20000},
        }

    def get_author_name(self, reply) -> str:
        if reply.author is not None:
            return reply.author.get_full_name()
        if reply.author_contact is not None:
            return reply.author_contact.full_name
        return ""


class ReplyFilter(filters.FilterSet):
    ticket = filters.NumberFilter(field_name="ticket_id")
    is_public = filters.BooleanFilter()

    class Meta:
        model = Reply
        fields = []


@extend_schema_view(
    list=extend_schema(
        summary="List replies and internal notes", description=f"{_PAGES} Filters: `ticket`, `is_public`."
    ),
    retrieve=extend_schema(summary="Get a reply or note"),
    create=extend_schema(
        summary="Reply on a ticket, or add an internal note",
        description="A public reply by a signed-in staff member stops the first-response clock (and "
        "acknowledges a new ticket); replies sent with an API key, and internal notes, do not. Honours "
        "`Idempotency-Key`.",
        examples=[
            OpenApiExample(
                "An internal note",
                request_only=True,
                value={"ticket": 42, "body": "NVR shows the PoE port down.", "is_public": False},
            ),
        ],
    ),
)
class ReplyViewSet(
    TicketsViewSetMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    model = Reply
    serializer_class = ReplySerializer
    filterset_class = ReplyFilter

    def get_queryset(self):
        return super().get_queryset().select_related("author", "author_contact")

    def create(self, request, *args, **kwargs):
        return self._create(request)

    def _create(self, request):
        data = ReplySerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        reply = through_service(
            services.add_reply, values["ticket"], body=values["body"], author=calling_staff_user(request),
            is_public=values.get("is_public", True),
        )  # fmt: skip
        return Response(ReplySerializer(reply).data, status=status.HTTP_201_CREATED)


# --- Time entries -------------------------------------------------------------------------------------


class TimeEntrySerializer(serializers.ModelSerializer):
    ticket = TicketField()
    technician = StaffUserField(
        required=False, help_text="Who did the work. Required with an API key; a staff session logs its own."
    )
    work_type = serializers.ChoiceField(choices=WorkType.CHOICES)
    location = serializers.ChoiceField(choices=WORK_PLACES, default=WorkLocation.REMOTE)
    cost = serializers.DecimalField(
        max_digits=10, decimal_places=2, read_only=True, help_text="Minutes at the technician's cost rate."
    )
    billable_amount = serializers.DecimalField(
        max_digits=10, decimal_places=2, read_only=True,
        help_text="0 when covered; otherwise minutes at the contract's rate for remote or on-site work, "
        "times `rate_multiplier` (before any membership discount, which the invoice applies).",
    )  # fmt: skip
    currency = serializers.SerializerMethodField()

    class Meta:
        model = TimeEntry
        fields = [
            "id", "ticket", "technician", "work_type", "minutes", "location", "worked_on", "after_hours",
            "notes", "cost_rate", "cost", "covered", "coverage_reason", "coverage_source", "bill_rate",
            "rate_multiplier", "billable_amount", "currency", "created_at",
        ]  # fmt: skip
        read_only_fields = [
            "id", "cost_rate", "cost", "covered", "coverage_reason", "coverage_source", "bill_rate",
            "rate_multiplier", "billable_amount", "currency", "created_at",
        ]  # fmt: skip
        extra_kwargs = {
            "minutes": {"min_value": 1, "max_value": 24 * 60},
            "worked_on": {"required": False, "help_text": "Empty: today."},
            "covered": {"help_text": "Covered by the client's agreement (true) or billable (false)."},
            "coverage_reason": {"help_text": "Which coverage rule decided, and of which document, in words."},
            "coverage_source": {
                "help_text": "The id of the signed agreement whose coverage rules decided: the service "
                "agreement, or a supplement that amended its coverage before the day worked. Null without a "
                "signed contract."
            },
            "after_hours": {
                "default": False,
                "help_text": "Done outside business hours: billable work is charged at the contract's "
                "after-hours multiplier.",
            },
            "rate_multiplier": {
                "help_text": "The contract's after-hours multiplier kept when the work was logged (billable "
                "after-hours work), else 1.",
            },
        }

    def get_currency(self, entry) -> str:
        return entry.tenant.currency


class TimeEntryFilter(filters.FilterSet):
    ticket = filters.NumberFilter(field_name="ticket_id")
    technician = filters.NumberFilter(field_name="technician_id")
    covered = filters.BooleanFilter()
    worked_after = filters.DateFilter(field_name="worked_on", lookup_expr="gte")
    worked_before = filters.DateFilter(field_name="worked_on", lookup_expr="lte")

    class Meta:
        model = TimeEntry
        fields = []


@extend_schema_view(
    list=extend_schema(
        summary="List time entries",
        description=f"{_PAGES} Filters: `ticket`, `technician`, `covered`, `worked_after`, `worked_before`.",
    ),
    retrieve=extend_schema(summary="Get a time entry"),
    create=extend_schema(
        summary="Log time on a ticket",
        description="Valued at the technician's cost rate; covered by the client's agreement or billable at "
        "the contract's remote or on-site rate, decided by the agreement's coverage rules (`coverage_reason` "
        "says which). Without a signed contract all work is billable. Honours `Idempotency-Key`.",
        examples=[
            OpenApiExample(
                "An hour on site",
                request_only=True,
                value={
                    "ticket": 42,
                    "technician": 7,
                    "work_type": "repair",
                    "minutes": 60,
                    "location": "on_site",
                    "worked_on": "2026-11-16",
                    "after_hours": True,
                    "notes": "Replaced the PoE injector.",
                },
            ),
        ],
    ),
)
class TimeEntryViewSet(
    TicketsViewSetMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    model = TimeEntry
    serializer_class = TimeEntrySerializer
    filterset_class = TimeEntryFilter
    manage_permission = LOG_TIME

    def get_queryset(self):
        return super().get_queryset().select_related("tenant")

    def create(self, request, *args, **kwargs):
        return self._create(request)

    def _create(self, request):
        data = TimeEntrySerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        technician = values.get("technician") or calling_staff_user(request)
        if technician is None:
            raise serializers.ValidationError({"technician": "Say which technician did the work."})
        entry = through_service(
            services.log_time, values["ticket"], technician=technician, work_type=values["work_type"],
            minutes=values["minutes"], location=values["location"],
            worked_on=values.get("worked_on"), after_hours=values.get("after_hours", False),
            notes=values.get("notes", ""),
        )  # fmt: skip
        return Response(TimeEntrySerializer(entry).data, status=status.HTTP_201_CREATED)
