"""The partner API of the SLA engine: calendars and closure days, SLA policies with their targets, the
priority matrix, the issue catalog, and the effective-SLA question. Thin: validate, call a service or
selector, serialize. Querysets are built per request (django-scopes refuses them at import time)."""

from datetime import UTC
from zoneinfo import ZoneInfo

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import transaction
from django_filters import rest_framework as filters
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, extend_schema, extend_schema_field, extend_schema_view
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.response import Response

from api.fields import DateTimeField
from api.permissions import TenantAccess
from api.schema import ApiAutoSchema
from api.viewsets import TenantModelViewSet, raise_as_drf, through_service
from clients.api import ActiveClientField
from service_levels import engine, selectors, services
from service_levels.models import (
    BusinessCalendar,
    ClosureDay,
    IssueType,
    Level,
    Metric,
    PolicyKind,
    Priority,
    SlaPolicy,
)
from tenants.localtime import tenant_zone

VIEW, MANAGE = "sla.view", "sla.manage"


# --- Fields naming the caller's own rows (another tenant's id reads as "does not exist") ------------


@extend_schema_field(OpenApiTypes.INT)
class CalendarField(serializers.PrimaryKeyRelatedField):
    """A business calendar of the caller's tenant, by id."""

    def get_queryset(self):
        return BusinessCalendar.objects.all()


@extend_schema_field(OpenApiTypes.INT)
class ActiveIssueTypeField(serializers.PrimaryKeyRelatedField):
    def get_queryset(self):
        return selectors.active_issue_types()


WEEKLY_HOURS_EXAMPLE = {"0": [["08:00", "12:00"], ["13:00", "17:00"]], "5": [["22:00", "06:00"]]}


@extend_schema_field(
    {
        "type": "object",
        "description": (
            "Weekday (`0` = Monday … `6` = Sunday) to `[open, close]` pairs of local `HH:MM` times. A pair "
            "whose close is at or before its open runs past midnight (`['22:00', '06:00']`); "
            "`['00:00', '00:00']` is the whole day. A weekday left out is closed. Pairs must not overlap."
        ),
        "additionalProperties": {
            "type": "array",
            "items": {
                "type": "array",
                "items": {"type": "string", "pattern": r"^\d{2}:\d{2}$"},
                "minItems": 2,
                "maxItems": 2,
            },
        },
        "example": WEEKLY_HOURS_EXAMPLE,
    }
)
class WeeklyHoursField(serializers.JSONField):
    pass


# --- Calendars and closure days ----------------------------------------------------------------


class CalendarSerializer(serializers.ModelSerializer):
    weekly_hours = WeeklyHoursField()
    open_hours_per_week = serializers.SerializerMethodField(
        help_text="Open hours in a week without holidays."
    )

    class Meta:
        model = BusinessCalendar
        fields = [
            "id", "name", "timezone", "weekly_hours", "holiday_country", "holiday_subdivision",
            "open_hours_per_week", "created_at", "updated_at",
        ]  # fmt: skip
        read_only_fields = ["id", "created_at", "updated_at"]
        extra_kwargs = {"timezone": {"help_text": "An IANA time zone, e.g. America/New_York."}}

    @extend_schema_field(OpenApiTypes.DOUBLE)
    def get_open_hours_per_week(self, calendar) -> float:
        return round(calendar.open_hours_per_week().total_seconds() / 3600, 2)

    def validate_holiday_country(self, value):
        return value.upper()

    def validate_holiday_subdivision(self, value):
        return value.upper()

    def create(self, validated_data):
        return through_service(services.create_calendar, **validated_data)

    def update(self, instance, validated_data):
        return through_service(services.update_calendar, instance, **validated_data)


class CalendarFilter(filters.FilterSet):
    name = filters.CharFilter(lookup_expr="icontains")

    class Meta:
        model = BusinessCalendar
        fields = []  # declared above: django-filter's own lookups would query without a tenant


class ClosureSerializer(serializers.ModelSerializer):
    calendar = CalendarField()

    class Meta:
        model = ClosureDay
        fields = ["id", "calendar", "date", "reason"]
        read_only_fields = ["id"]
        validators = []  # one closure per calendar and day: adding it again updates the reason

    def create(self, validated_data):
        return through_service(
            services.add_closure,
            calendar=validated_data["calendar"],
            day=validated_data["date"],
            reason=validated_data.get("reason", ""),
        )


class ClosureFilter(filters.FilterSet):
    calendar = filters.NumberFilter(field_name="calendar_id")
    after = filters.DateFilter(field_name="date", lookup_expr="gte", label="On or after this date")
    before = filters.DateFilter(field_name="date", lookup_expr="lte", label="On or before this date")

    class Meta:
        model = ClosureDay
        fields = []


_PAGES = "Cursor pages, newest first (`page_size` up to 200)."


@extend_schema_view(
    list=extend_schema(summary="List business calendars", description=f"{_PAGES} Filter: `name` (contains)."),
    retrieve=extend_schema(summary="Get a business calendar"),
    create=extend_schema(
        summary="Create a business calendar",
        description="The SLA engine checks the weekly hours: overlapping pairs are a 400 on `weekly_hours`.",
        examples=[
            OpenApiExample(
                "Office hours in New York",
                request_only=True,
                value={
                    "name": "Business hours",
                    "timezone": "America/New_York",
                    "weekly_hours": {str(day): [["08:00", "17:00"]] for day in range(5)},
                    "holiday_country": "US",
                    "holiday_subdivision": "NY",
                },
            )
        ],
    ),
    update=extend_schema(summary="Replace a business calendar"),
    partial_update=extend_schema(summary="Update a business calendar"),
    destroy=extend_schema(
        summary="Delete a business calendar",
        description="Deletes the calendar and its closure days. Refused (400) while an SLA target uses it.",
    ),
)
class CalendarViewSet(TenantModelViewSet):
    model = BusinessCalendar
    serializer_class = CalendarSerializer
    filterset_class = CalendarFilter
    view_permission, manage_permission = VIEW, MANAGE

    def perform_destroy(self, instance):
        through_service(services.delete_calendar, instance)


@extend_schema_view(
    list=extend_schema(
        summary="List closure days",
        description=f"Days a calendar is closed besides public holidays. {_PAGES} "
        "Filters: `calendar`, `after`, `before` (dates, inclusive).",
    ),
    retrieve=extend_schema(summary="Get a closure day"),
    create=extend_schema(
        summary="Close a calendar on a day",
        description="Idempotent per calendar and day: posting the same day again updates its reason.",
        examples=[
            OpenApiExample(
                "Company retreat",
                request_only=True,
                value={"calendar": 1, "date": "2026-07-03", "reason": "Retreat"},
            )
        ],
    ),
    destroy=extend_schema(summary="Open a calendar again on a day", description="Removes the closure day."),
)
class ClosureViewSet(
    mixins.CreateModelMixin,
    mixins.RetrieveModelMixin,
    mixins.DestroyModelMixin,
    mixins.ListModelMixin,
    viewsets.GenericViewSet,
):
    """TenantModelViewSet without updates: a closure is added again (same day: new reason) or removed."""

    model = ClosureDay
    serializer_class = ClosureSerializer
    filterset_class = ClosureFilter
    view_permission, manage_permission = VIEW, MANAGE
    lookup_value_regex = TenantModelViewSet.lookup_value_regex
    schema = ApiAutoSchema()
    get_queryset = TenantModelViewSet.get_queryset

    def perform_destroy(self, instance):
        services.remove_closure(instance)


# --- SLA policies and their targets ------------------------------------------------------------


class TargetSerializer(serializers.Serializer):
    priority = serializers.ChoiceField(choices=Priority.choices)
    metric = serializers.ChoiceField(choices=Metric.choices)
    minutes = serializers.IntegerField(min_value=1, help_text="Business minutes on the calendar.")
    calendar = CalendarField(help_text="The business calendar the clock runs on.")


class PolicySerializer(serializers.ModelSerializer):
    targets = TargetSerializer(
        many=True,
        required=False,
        help_text=(
            "The whole targets grid. When sent, it replaces every target of the policy: a priority and "
            "metric left out has no target. Omit it to leave the targets as they are."
        ),
    )

    class Meta:
        model = SlaPolicy
        fields = [
            "id", "name", "kind", "key", "description", "warning_percent", "pause_statuses", "is_active",
            "targets", "created_at", "updated_at",
        ]  # fmt: skip
        read_only_fields = ["id", "created_at", "updated_at"]
        validators = []  # the service checks names and one active policy per kind and key, in one place

    def validate_targets(self, targets):
        cells = [(t["priority"], t["metric"]) for t in targets]
        duplicates = sorted({f"{p} {m}" for p, m in cells if cells.count((p, m)) > 1})
        if duplicates:
            raise serializers.ValidationError(f"One target per priority and metric: {', '.join(duplicates)}.")
        return targets

    @staticmethod
    def _grid(targets):
        grid = {(p.value, m.value): None for p in Priority for m in Metric}
        grid.update({(t["priority"], t["metric"]): (t["minutes"], t["calendar"]) for t in targets})
        return grid

    def create(self, validated_data):
        targets = validated_data.pop("targets", None)
        with transaction.atomic():
            policy = through_service(services.create_policy, **validated_data)
            if targets is not None:
                through_service(services.set_targets, policy, self._grid(targets))
        return policy

    def update(self, instance, validated_data):
        targets = validated_data.pop("targets", None)
        with transaction.atomic():
            policy = through_service(services.update_policy, instance, **validated_data)
            if targets is not None:
                through_service(services.set_targets, policy, self._grid(targets))
        return policy


class PolicyFilter(filters.FilterSet):
    kind = filters.ChoiceFilter(choices=PolicyKind.choices)
    key = filters.CharFilter()
    active = filters.BooleanFilter(field_name="is_active")

    class Meta:
        model = SlaPolicy
        fields = []


GOLD_EXAMPLE = {
    "name": "Gold",
    "kind": "tier",
    "key": "gold",
    "description": "On-site within 4 business hours for critical issues.",
    "warning_percent": 75,
    "pause_statuses": ["waiting_on_client"],
    "is_active": True,
    "targets": [
        {"priority": "P1", "metric": "first_response", "minutes": 15, "calendar": 1},
        {"priority": "P1", "metric": "onsite", "minutes": 240, "calendar": 2},
    ],
}


@extend_schema_view(
    list=extend_schema(
        summary="List SLA policies",
        description=f"Active and inactive policies, each with its targets. {_PAGES} Filters: `kind`, `key`, "
        "`active`.",
    ),
    retrieve=extend_schema(summary="Get an SLA policy and its targets"),
    create=extend_schema(
        summary="Create an SLA policy",
        description="Tiers and riders need a `key`; only one active policy per kind and key.",
        examples=[OpenApiExample("A Gold tier", request_only=True, value=GOLD_EXAMPLE)],
    ),
    update=extend_schema(summary="Replace an SLA policy"),
    partial_update=extend_schema(
        summary="Update an SLA policy",
        description="Send `targets` to replace the whole grid; leave it out to keep the targets.",
    ),
    destroy=extend_schema(
        summary="Deactivate an SLA policy",
        description="Sets `is_active: false`: the policy and its targets are kept and still returned.",
    ),
)
class PolicyViewSet(TenantModelViewSet):
    model = SlaPolicy
    serializer_class = PolicySerializer
    filterset_class = PolicyFilter
    search_fields = ["name", "key"]
    view_permission, manage_permission = VIEW, MANAGE

    def get_queryset(self):
        return super().get_queryset().prefetch_related("targets")

    def perform_destroy(self, instance):
        through_service(services.update_policy, instance, is_active=False)


# --- Priority matrix ---------------------------------------------------------------------------


class PriorityCellSerializer(serializers.Serializer):
    # Labels that say which axis they are on also keep the two enums apart in the schema.
    impact = serializers.ChoiceField(choices=[(level.value, f"{level.label} impact") for level in Level])
    urgency = serializers.ChoiceField(choices=[(level.value, f"{level.label} urgency") for level in Level])
    priority = serializers.ChoiceField(choices=Priority.choices)


@extend_schema_view(
    list=extend_schema(
        summary="Get the priority matrix",
        description="All nine cells, impact × urgency → priority (cells never set show the default).",
    ),
    create=extend_schema(
        summary="Set one cell of the priority matrix",
        responses={200: PriorityCellSerializer},
        examples=[
            OpenApiExample(
                "High impact, low urgency is P2",
                request_only=True,
                value={"impact": "high", "urgency": "low", "priority": "P2"},
            )
        ],
    ),
)
class PriorityMatrixViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    serializer_class = PriorityCellSerializer
    view_permission, manage_permission = VIEW, MANAGE
    pagination_class = None
    filter_backends = []
    schema = ApiAutoSchema()

    def list(self, request, *args, **kwargs):
        matrix = selectors.priority_matrix()
        cells = [
            {
                "impact": impact.value,
                "urgency": urgency.value,
                "priority": matrix[(impact.value, urgency.value)],
            }
            for impact in Level
            for urgency in Level
        ]
        return Response(self.get_serializer(cells, many=True).data)

    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        rule = through_service(services.set_priority, **serializer.validated_data)
        return Response(self.get_serializer(rule).data, status=status.HTTP_200_OK)


# --- Issue catalog -----------------------------------------------------------------------------


class IssueTypeSerializer(serializers.ModelSerializer):
    needs_site_visit = serializers.BooleanField(read_only=True)
    # Its own labels give it its own enum in the schema (one enum with two names is a schema warning).
    default_priority = serializers.ChoiceField(
        choices=[(p.value, f"{p.label} by default") for p in Priority], required=False
    )

    class Meta:
        model = IssueType
        fields = [
            "id", "name", "category", "default_priority", "work_location", "needs_site_visit",
            "expected_turnaround_minutes", "description", "is_active",
        ]  # fmt: skip
        read_only_fields = ["id", "needs_site_visit"]
        validators = []  # names are unique per tenant, case-insensitively: the service checks

    def create(self, validated_data):
        return through_service(services.create_issue_type, **validated_data)

    def update(self, instance, validated_data):
        return through_service(services.update_issue_type, instance, **validated_data)


class IssueTypeFilter(filters.FilterSet):
    category = filters.ChoiceFilter(choices=IssueType._meta.get_field("category").choices)
    work_location = filters.ChoiceFilter(choices=IssueType._meta.get_field("work_location").choices)
    default_priority = filters.ChoiceFilter(choices=Priority.choices)
    active = filters.BooleanFilter(field_name="is_active")

    class Meta:
        model = IssueType
        fields = []


@extend_schema_view(
    list=extend_schema(
        summary="List issue types",
        description=f"The issue catalog, active and inactive. {_PAGES} Filters: `category`, `work_location`, "
        "`default_priority`, `active`; `search` over the name.",
    ),
    retrieve=extend_schema(summary="Get an issue type"),
    create=extend_schema(summary="Add an issue type to the catalog"),
    update=extend_schema(summary="Replace an issue type"),
    partial_update=extend_schema(summary="Update an issue type"),
    destroy=extend_schema(
        summary="Deactivate an issue type",
        description="Sets `is_active: false`: the issue type is kept (tickets use it) and still returned.",
    ),
)
class IssueTypeViewSet(TenantModelViewSet):
    model = IssueType
    serializer_class = IssueTypeSerializer
    filterset_class = IssueTypeFilter
    search_fields = ["name"]
    view_permission, manage_permission = VIEW, MANAGE

    def perform_destroy(self, instance):
        through_service(services.update_issue_type, instance, is_active=False)


# --- Effective SLA -----------------------------------------------------------------------------


class ReadQueryAccess(TenantAccess):
    """A POST that only asks a question (it changes nothing): judged as a read, so `read` keys and
    every staff role with ``view_permission`` may ask."""

    class _AsRead:
        method = "GET"

        def __init__(self, request):
            self._request_proxy = request

        def __getattr__(self, name):
            return getattr(self._request_proxy, name)

    def has_permission(self, request, view):
        return super().has_permission(self._AsRead(request), view)


class EffectiveSlaQuerySerializer(serializers.Serializer):
    client = ActiveClientField(help_text="An active client, by id.")
    priority = serializers.ChoiceField(
        choices=Priority.choices, required=False, allow_null=True, help_text="Else the issue type's default."
    )
    issue_type = ActiveIssueTypeField(
        required=False, allow_null=True, help_text="An active issue type, by id."
    )
    has_signed_contract = serializers.BooleanField(
        help_text="Whether the client has a signed service contract."
    )
    tier = serializers.SlugField(
        required=False, allow_null=True, allow_blank=True, help_text="Membership tier key, e.g. `gold`."
    )
    riders = serializers.ListField(
        child=serializers.SlugField(), required=False, help_text="Rider keys, e.g. `premium-response`."
    )
    start = DateTimeField(
        required=False,
        allow_null=True,
        help_text="When the ticket was reported (ISO 8601). Without an offset it is read in the tenant's "
        f"time zone. Given, each target gets a `due_at`. From {engine.FIRST_YEAR} to {engine.LAST_YEAR}.",
    )

    def __init__(self, *args, zone: ZoneInfo | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        if zone is not None:
            self.fields["start"].timezone = zone

    def validate_start(self, value):
        if value is not None:
            try:
                engine.check_supported(value, "start")
            except ValueError as error:
                raise serializers.ValidationError(str(error), code="invalid") from None
        return value

    def validate(self, attrs):
        if not attrs.get("priority") and not attrs.get("issue_type"):
            raise serializers.ValidationError(
                "Give a priority, or an issue type whose default priority applies."
            )
        return attrs


class PolicyRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    kind = serializers.ChoiceField(choices=PolicyKind.choices)
    key = serializers.CharField()


class AppliedTargetSerializer(serializers.Serializer):
    metric = serializers.ChoiceField(choices=Metric.choices)
    minutes = serializers.IntegerField(help_text="Business minutes.")
    calendar = serializers.IntegerField(help_text="The business calendar's id.")
    calendar_name = serializers.CharField()
    reason = serializers.CharField(help_text="Which policy set it.")
    due_at = serializers.DateTimeField(
        required=False,
        help_text="Only when `start` was given: ISO 8601 in the tenant's zone, with its offset.",
    )


class EffectiveSlaSerializer(serializers.Serializer):
    priority = serializers.ChoiceField(choices=Priority.choices)
    policy = PolicyRefSerializer(allow_null=True, help_text="The policy applied; null when none is set up.")
    riders = PolicyRefSerializer(many=True, help_text="Riders that were applied.")
    reasons = serializers.ListField(child=serializers.CharField(), help_text="Why, in the order decided.")
    warning_percent = serializers.IntegerField()
    pause_statuses = serializers.ListField(child=serializers.CharField())
    start = serializers.DateTimeField(allow_null=True)
    timezone = serializers.CharField(help_text="The tenant's time zone, used for `start` and `due_at`.")
    targets = AppliedTargetSerializer(many=True)
    without_target = serializers.DictField(
        child=serializers.CharField(), help_text="Metric → why it has no target."
    )


def _policy_ref(policy: SlaPolicy | None):
    if policy is None:
        return None
    return {"id": policy.pk, "name": policy.name, "kind": policy.kind, "key": policy.key}


@extend_schema_view(
    create=extend_schema(
        summary="Which SLA targets apply, and when are they due?",
        description=(
            "Answers for a would-be ticket: the policy that applies and why, each metric's target in "
            "business minutes with its calendar, and—given `start`—when it falls due. Changes nothing: a "
            "`read` key may ask."
        ),
        request=EffectiveSlaQuerySerializer,
        responses={200: EffectiveSlaSerializer},
        examples=[
            OpenApiExample(
                "Gold P1 reported on a Friday evening",
                request_only=True,
                value={
                    "client": 42,
                    "priority": "P1",
                    "has_signed_contract": True,
                    "tier": "gold",
                    "riders": [],
                    "start": "2026-03-06T17:00:00-05:00",
                },
            ),
            OpenApiExample(
                "The answer",
                response_only=True,
                value={
                    "priority": "P1",
                    "policy": {"id": 4, "name": "Gold", "kind": "tier", "key": "gold"},
                    "riders": [],
                    "reasons": ["Whitaker Residence has a signed contract on the “Gold” tier."],
                    "warning_percent": 75,
                    "pause_statuses": ["waiting_on_client"],
                    "start": "2026-03-06T17:00:00-05:00",
                    "timezone": "America/New_York",
                    "targets": [
                        {
                            "metric": "onsite",
                            "minutes": 240,
                            "calendar": 3,
                            "calendar_name": "Extended hours",
                            "reason": "Gold target for P1",
                            "due_at": "2026-03-07T11:00:00-05:00",
                        }
                    ],
                    "without_target": {"resolution": "The “Gold” policy sets no resolution target for P1."},
                },
            ),
        ],
    )
)
class EffectiveSlaViewSet(viewsets.GenericViewSet):
    serializer_class = EffectiveSlaQuerySerializer
    permission_classes = [ReadQueryAccess]
    view_permission, manage_permission = VIEW, VIEW
    pagination_class = None
    filter_backends = []
    schema = ApiAutoSchema()

    def create(self, request, *args, **kwargs):
        zone = tenant_zone(request.tenant) if getattr(request, "tenant", None) else UTC
        query = EffectiveSlaQuerySerializer(
            data=request.data, zone=zone, context=self.get_serializer_context()
        )
        query.is_valid(raise_exception=True)
        data = query.validated_data
        effective = selectors.effective_sla(
            client=data["client"],
            priority=data.get("priority") or None,
            issue_type=data.get("issue_type"),
            has_signed_contract=data["has_signed_contract"],
            tier=data.get("tier") or None,
            riders=data.get("riders", []),
        )
        start = data.get("start")
        targets = []
        for metric, target in effective.targets.items():
            row = {
                "metric": metric,
                "minutes": int(target.duration.total_seconds() // 60),
                "calendar": target.calendar.pk,
                "calendar_name": target.calendar.name,
                "reason": target.reason,
            }
            if start is not None:
                try:
                    row["due_at"] = target.due_at(start).astimezone(zone).isoformat()
                except ValueError as error:  # a calendar that is never open
                    raise_as_drf(DjangoValidationError({"start": f"{target.calendar}: {error}"}))
            targets.append(row)
        answer = {
            "priority": effective.priority,
            "policy": _policy_ref(effective.policy),
            "riders": [_policy_ref(rider) for rider in effective.riders],
            "reasons": effective.reasons,
            "warning_percent": effective.warning_percent,
            "pause_statuses": effective.pause_statuses,
            "start": start.astimezone(zone).isoformat() if start else None,
            "timezone": zone.key,
            "targets": targets,
            "without_target": effective.without_target,
        }
        return Response(EffectiveSlaSerializer(answer).data)
