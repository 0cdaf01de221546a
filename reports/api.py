"""The reports in the partner API: read-only, JSON, the same numbers as the report pages (and the data
their charts are drawn from). Thin: validate the query, call a selector, serialize."""

from drf_spectacular.utils import OpenApiExample, extend_schema, extend_schema_serializer, extend_schema_view
from rest_framework import serializers, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from api.flat_rows import FlatRowSerializer
from api.pagination import keyset_links
from api.schema import ApiAutoSchema
from reports import selectors
from reports.periods import PRESETS, PeriodError, resolve_period
from service_levels.models import Metric, Priority
from tenants.keyset_pages import InvalidCursor, keyset_page
from tenants.localtime import tenant_today, tenant_zone

VIEW = "reports.view"
BREACH_PAGE_SIZE, MAX_BREACH_PAGE_SIZE = 100, 1000


# --- Queries -----------------------------------------------------------------------------------------


class PeriodQuerySerializer(serializers.Serializer):
    period = serializers.ChoiceField(
        choices=list(PRESETS.items()), required=False,
        help_text="A preset, in the tenant's days up to today (default `this_month`). `custom` (or no "
                  "`period` but `start` and `end`) is the range those give.",
    )  # fmt: skip
    start = serializers.DateField(required=False, help_text="First day of a custom range (YYYY-MM-DD).")
    end = serializers.DateField(required=False, help_text="Last day of a custom range, included.")

    def validate(self, attrs):
        tenant = self.context["tenant"]
        key = attrs.get("period") or ("custom" if attrs.get("start") or attrs.get("end") else "this_month")
        try:
            attrs["resolved"] = resolve_period(
                key, today=tenant_today(tenant), timezone=tenant.timezone,
                start=attrs.get("start"), end=attrs.get("end"),
            )  # fmt: skip
        except PeriodError as error:
            raise serializers.ValidationError(str(error)) from error
        return attrs


class ComplianceQuerySerializer(PeriodQuerySerializer):
    group_by = serializers.ChoiceField(choices=list(selectors.GROUPINGS.items()), default="month")


class BreachCountQuerySerializer(PeriodQuerySerializer):
    metric = serializers.ChoiceField(choices=Metric.choices, required=False, help_text="Only this metric.")
    priority = serializers.ChoiceField(
        choices=Priority.choices, required=False, help_text="Only this priority."
    )


class BreachQuerySerializer(BreachCountQuerySerializer):
    page_size = serializers.IntegerField(
        default=BREACH_PAGE_SIZE, min_value=1, max_value=MAX_BREACH_PAGE_SIZE,
        help_text=f"Rows per page (default {BREACH_PAGE_SIZE}, at most {MAX_BREACH_PAGE_SIZE:,}).",
    )  # fmt: skip
    cursor = serializers.CharField(
        required=False, help_text="The page to answer: take it from `next` or `previous`, as given."
    )


# --- Answers -----------------------------------------------------------------------------------------


class TenantDateTimeField(serializers.DateTimeField):
    """ISO 8601 in the tenant's time zone, with its offset."""

    def default_timezone(self):
        # Kept on the field (one per request): asked for every value, three times a row of a long report.
        if "_zone" not in self.__dict__:
            self._zone = tenant_zone(self.context["tenant"])
        return self._zone


class PeriodSerializer(serializers.Serializer):
    key = serializers.ChoiceField(choices=list(PRESETS.items()))
    label = serializers.CharField()
    start = serializers.DateField()
    end = serializers.DateField(help_text="Included.")
    timezone = serializers.CharField(help_text="The tenant's time zone: days are counted in it.")


class ComplianceRowSerializer(serializers.Serializer):
    key = serializers.CharField(help_text="`2026-03` by month; metric or priority code; client or user id "
                                          "(empty: unassigned).")  # fmt: skip
    label = serializers.CharField()
    met = serializers.IntegerField(help_text="Clocks stopped before their deadline.")
    breached = serializers.IntegerField(help_text="Clocks the sweeper recorded as breached.")
    total = serializers.IntegerField(help_text="met + breached.")
    percent = serializers.FloatField(allow_null=True, help_text="% met, one decimal; null when total is 0.")
    pending = serializers.IntegerField(help_text="Clocks still running or paused: not counted yet.")


@extend_schema_serializer(many=False)  # answered by a `list` action, but one object
class ComplianceReportSerializer(serializers.Serializer):
    period = PeriodSerializer()
    group_by = serializers.ChoiceField(choices=list(selectors.GROUPINGS.items()))
    goal_percent = serializers.IntegerField(help_text="The compliance goal drawn on the chart.")
    overall = ComplianceRowSerializer()
    rows = ComplianceRowSerializer(many=True)


class BreachRowSerializer(FlatRowSerializer):  # up to 1,000 rows a page: serialized the lean way
    id = serializers.IntegerField()
    ticket_id = serializers.IntegerField()
    ticket_number = serializers.IntegerField()
    ticket_title = serializers.CharField()
    ticket_status = serializers.CharField()
    client_id = serializers.IntegerField()
    client = serializers.CharField()
    priority = serializers.ChoiceField(choices=Priority.choices)
    metric = serializers.ChoiceField(choices=Metric.choices)
    metric_label = serializers.CharField()
    target_minutes = serializers.IntegerField(help_text="The promise, in business minutes.")
    target_reason = serializers.CharField(help_text="Which policy set the target.")
    due_at = TenantDateTimeField()
    recorded_at = TenantDateTimeField(help_text="When the sweeper recorded the breach.")
    met_at = TenantDateTimeField(
        allow_null=True, help_text="When the clock stopped, late; null while it runs."
    )
    late_minutes = serializers.IntegerField(
        help_text="Real minutes from the deadline to the stop (or to now)."
    )
    assignee_id = serializers.IntegerField(allow_null=True)
    assignee = serializers.CharField()
    reason = serializers.CharField()


@extend_schema_serializer(many=False)  # answered by a `list` action, but one object
class BreachReportSerializer(serializers.Serializer):
    period = PeriodSerializer()
    count = serializers.IntegerField(help_text="Breaches of the period (with the filters): all pages.")
    next = serializers.URLField(allow_null=True, help_text="The next (older) page; null on the last.")
    previous = serializers.URLField(allow_null=True, help_text="The page before; null on the first.")
    rows = BreachRowSerializer(many=True, help_text="One page, newest deadline first.")


class BreachCountSerializer(serializers.Serializer):
    priority = serializers.ChoiceField(choices=Priority.choices)
    metric = serializers.ChoiceField(choices=Metric.choices)
    metric_label = serializers.CharField()
    count = serializers.IntegerField()


@extend_schema_serializer(many=False)  # answered by a `list`-like action, but one object
class BreachCountReportSerializer(serializers.Serializer):
    period = PeriodSerializer()
    count = serializers.IntegerField(help_text="Breaches of the period (with the filters).")
    rows = BreachCountSerializer(many=True, help_text="P1 first; only the pairs with breaches.")


class UtilizationRowSerializer(serializers.Serializer):
    client_id = serializers.IntegerField()
    client = serializers.CharField()
    endpoints = serializers.IntegerField(help_text="Managed endpoints (devices) of the client today.")
    tickets = serializers.IntegerField(help_text="Tickets opened in the period.")
    percent = serializers.FloatField(
        allow_null=True, help_text="Tickets per 100 endpoints; null without endpoints."
    )
    over_target = serializers.BooleanField()
    target_tickets = serializers.FloatField(help_text="Tickets the target allows for this client.")


@extend_schema_serializer(many=False)  # answered by a `list` action, but one object
class UtilizationReportSerializer(serializers.Serializer):
    period = PeriodSerializer()
    target_percent = serializers.FloatField(
        help_text="Target: at most this many tickets per 100 endpoints (the company's utilisation rewards "
        "target once set, else 20)."
    )
    totals = UtilizationRowSerializer()
    rows = UtilizationRowSerializer(many=True)


def _period(period) -> dict:
    return {"key": period.key, "label": period.label, "start": period.start, "end": period.end,
            "timezone": period.timezone}  # fmt: skip


# --- Endpoints ---------------------------------------------------------------------------------------


class ReportViewSet(viewsets.GenericViewSet):
    """Base: GET only, no DRF pagination (a period bounds the answer; a report that pages, pages within its
    own envelope), `reports.view` for staff, `read` keys."""

    view_permission = manage_permission = VIEW
    pagination_class = None
    filter_backends = []
    schema = ApiAutoSchema()
    query_serializer_class = PeriodQuerySerializer

    def get_serializer_context(self):
        return {**super().get_serializer_context(), "tenant": getattr(self.request, "tenant", None)}

    def query(self) -> dict:
        query = self.query_serializer_class(
            data=self.request.query_params, context=self.get_serializer_context()
        )
        query.is_valid(raise_exception=True)
        return query.validated_data

    def answer(self, data) -> Response:
        return Response(self.get_serializer(data).data)


_PERIOD = " Days are the tenant's (`period.timezone`)."


@extend_schema_view(
    list=extend_schema(
        summary="SLA compliance",
        description=(
            "% of SLA clocks met, for tickets opened in the period, grouped by `month` (every month of the "
            "period), `metric`, `priority`, `client` or `technician` (the assignee). A clock counts once it "
            "is decided: breached if a breach was recorded (even if met later), met if it stopped in time; "
            "running or paused clocks are `pending`." + _PERIOD
        ),
        parameters=[ComplianceQuerySerializer],
        responses={200: ComplianceReportSerializer},
        examples=[OpenApiExample("By priority, last month", response_only=True, value={
            "period": {"key": "last_month", "label": "Last month (1 Feb 2026 – 28 Feb 2026)",
                       "start": "2026-02-01", "end": "2026-02-28", "timezone": "America/New_York"},
            "group_by": "priority", "goal_percent": 95,
            "overall": {"key": "all", "label": "All", "met": 171, "breached": 13, "total": 184,
                        "percent": 92.9, "pending": 0},
            "rows": [{"key": "P1", "label": "P1 · Critical", "met": 18, "breached": 3, "total": 21,
                      "percent": 85.7, "pending": 0}],
        })],
    )
)  # fmt: skip
class SlaComplianceReportViewSet(ReportViewSet):
    serializer_class = ComplianceReportSerializer
    query_serializer_class = ComplianceQuerySerializer

    def list(self, request):
        query = self.query()
        rows = selectors.sla_compliance(query["resolved"], group_by=query["group_by"])
        return self.answer({
            "period": _period(query["resolved"]), "group_by": query["group_by"],
            "goal_percent": selectors.COMPLIANCE_GOAL_PERCENT, "overall": selectors.overall(rows),
            "rows": rows,
        })  # fmt: skip


@extend_schema_view(
    list=extend_schema(
        summary="SLA breaches",
        description=(
            "The breaches whose deadline fell in the period, newest deadline first: the ticket, what was "
            "promised and by which policy, when it was due, when the sweeper recorded it, and how late the "
            "clock stopped (or is, while it runs). Times in the tenant's time zone. A page at a time "
            f"(`page_size`, default {BREACH_PAGE_SIZE}): `count` is every breach of the period, `next` and "
            "`previous` the pages around this one (a cursor, stable while breaches are recorded: follow "
            "`next` until it is null for the whole period)." + _PERIOD
        ),
        parameters=[BreachQuerySerializer],
        responses={200: BreachReportSerializer},
        examples=[OpenApiExample("One breach", response_only=True, value={
            "period": {"key": "this_month", "label": "This month (1 Mar 2026 – 9 Mar 2026)",
                       "start": "2026-03-01", "end": "2026-03-09", "timezone": "America/New_York"},
            "count": 1, "next": None, "previous": None,
            "rows": [{"id": 7, "ticket_id": 120, "ticket_number": 120, "ticket_title": "Core switch down",
                      "ticket_status": "Resolved", "client_id": 42, "client": "Whitaker Residence",
                      "priority": "P1", "metric": "first_response", "metric_label": "First response",
                      "target_minutes": 15, "target_reason": "Gold target for P1",
                      "due_at": "2026-03-06T17:15:00-05:00", "recorded_at": "2026-03-06T17:15:02-05:00",
                      "met_at": "2026-03-06T17:40:00-05:00", "late_minutes": 25, "assignee_id": 9,
                      "assignee": "Theo Tran", "reason": "Not met by 2026-03-06 22:15 UTC"}],
        })],
    ),
    by_priority=extend_schema(
        summary="SLA breaches by priority and metric",
        description=(
            "How many breaches of the period (as the breach list counts them, with its filters) per ticket "
            "priority and metric: what the report's chart draws, in one answer." + _PERIOD
        ),
        parameters=[BreachCountQuerySerializer],
        responses={200: BreachCountReportSerializer},
        examples=[OpenApiExample("This month", response_only=True, value={
            "period": {"key": "this_month", "label": "This month (1 Mar 2026 – 9 Mar 2026)",
                       "start": "2026-03-01", "end": "2026-03-09", "timezone": "America/New_York"},
            "count": 3,
            "rows": [{"priority": "P1", "metric": "first_response", "metric_label": "First response",
                      "count": 2},
                     {"priority": "P3", "metric": "resolution", "metric_label": "Resolution", "count": 1}],
        })],
    ),
)  # fmt: skip
class BreachReportViewSet(ReportViewSet):
    serializer_class = BreachReportSerializer
    query_serializer_class = BreachQuerySerializer

    def list(self, request):
        query = self.query()
        breaches = selectors.breaches_in_period(
            query["resolved"], metric=query.get("metric", ""), priority=query.get("priority", "")
        )
        # Keyset pages on the (tenant, due_at, id) index: a page costs what its rows do, where the whole
        # period was 3,800 rows a month for a million-ticket tenant. The cursor is only a position: read in
        # this tenant's scope, another tenant's names none of its rows.
        try:
            page = keyset_page(
                breaches, selectors.BREACH_ORDER, size=query["page_size"], cursor=query.get("cursor", ""),
                strict=True,
            )  # fmt: skip
        except InvalidCursor as error:
            raise serializers.ValidationError(
                {"cursor": ["Not a cursor of this list: use `next` or `previous` as given."]}
            ) from error
        return self.answer({
            "period": _period(query["resolved"]), "count": breaches.count(), **keyset_links(request, page),
            "rows": selectors.breach_rows(page.rows),
        })  # fmt: skip

    @action(
        detail=False, url_path="by-priority", serializer_class=BreachCountReportSerializer,
        query_serializer_class=BreachCountQuerySerializer,
    )  # fmt: skip
    def by_priority(self, request):
        query = self.query()
        rows = selectors.breach_counts(
            query["resolved"], metric=query.get("metric", ""), priority=query.get("priority", "")
        )
        return self.answer(
            {"period": _period(query["resolved"]), "count": sum(row.count for row in rows), "rows": rows}
        )


@extend_schema_view(
    list=extend_schema(
        summary="Utilisation: tickets per managed endpoint",
        description=(
            "Per client: tickets opened in the period per 100 managed endpoints, against the target "
            "(`target_percent`). Highest first; clients without endpoints last." + _PERIOD
        ),
        parameters=[PeriodQuerySerializer],
        responses={200: UtilizationReportSerializer},
        examples=[OpenApiExample("Last 90 days", response_only=True, value={
            "period": {"key": "last_90_days", "label": "Last 90 days (10 Dec 2025 – 9 Mar 2026)",
                       "start": "2025-12-10", "end": "2026-03-09", "timezone": "America/New_York"},
            "target_percent": 20,
            "totals": {"client_id": 0, "client": "All clients", "endpoints": 2140, "tickets": 212,
                       "percent": 9.9, "over_target": False, "target_tickets": 428.0},
            "rows": [{"client_id": 42, "client": "Whitaker Residence", "endpoints": 12, "tickets": 4,
                      "percent": 33.3, "over_target": True, "target_tickets": 2.4}],
        })],
    )
)  # fmt: skip
class UtilizationReportViewSet(ReportViewSet):
    serializer_class = UtilizationReportSerializer

    def list(self, request):
        query = self.query()
        rows = selectors.utilization(query["resolved"])
        return self.answer({
            "period": _period(query["resolved"]), "target_percent": selectors.utilization_target(),
            "totals": selectors.utilization_totals(rows), "rows": rows,
        })  # fmt: skip
