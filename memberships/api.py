"""The partner API of membership plans: the tiers and riders on offer. Thin: validate, call
memberships.services, serialize. Deleting a plan archives it (memberships keep pointing at it)."""

from __future__ import annotations

from django_filters import rest_framework as filters
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, extend_schema, extend_schema_field, extend_schema_view
from drf_standardized_errors.openapi_validation_errors import extend_validation_errors
from rest_framework import serializers
from rest_framework.decorators import action
from rest_framework.response import Response

from api.viewsets import TenantModelViewSet, through_service
from memberships import selectors, services
from memberships.models import Plan, PlanKind
from service_levels.models import PolicyKind, SlaPolicy
from tenants.localtime import tenant_today

VIEW, MANAGE = "plans.view", "plans.manage"


@extend_schema_field(OpenApiTypes.INT)
class PlanPolicyField(serializers.PrimaryKeyRelatedField):
    """A tier or rider SLA policy of the caller's tenant, by id."""

    def get_queryset(self):
        return SlaPolicy.objects.filter(kind__in=[PolicyKind.TIER, PolicyKind.RIDER])


class PlanSerializer(serializers.ModelSerializer):
    sla_policy = PlanPolicyField(
        required=False,
        allow_null=True,
        help_text="Id of the SLA policy it grants: a tier policy for a tier, a rider policy for a rider.",
    )
    sla_policy_key = serializers.CharField(source="sla_policy.key", read_only=True, allow_null=True)
    archived = serializers.BooleanField(source="is_archived", read_only=True)
    clients = serializers.SerializerMethodField(
        help_text="Clients whose membership holds the plan today (as their tier or as a rider)."
    )

    class Meta:
        model = Plan
        fields = [
            "id",
            "kind",
            "key",
            "name",
            "description",
            "monthly_price",
            "annual_price",
            "sla_policy",
            "sla_policy_key",
            "rank",
            "proactive_monitoring",
            "priority_onsite",
            "onsite_visits_included",
            "hours_included",
            "labour_discount_percent",
            "archived",
            "archived_at",
            "clients",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["id", "archived", "archived_at", "clients", "created_at", "updated_at"]
        validators = []  # the service checks keys and kinds, in one place
        extra_kwargs = {
            "kind": {"help_text": "`tier` or `rider`; it cannot change once the plan exists."},
            "monthly_price": {"min_value": 0},
            "annual_price": {"min_value": 0},
        }

    def get_clients(self, plan) -> int:
        if "_holders" not in self.context:  # once per response, not once per plan
            self.context["_holders"] = selectors.holders_by_plan(on=tenant_today())
        return self.context["_holders"].get(plan.pk, 0)

    def create(self, validated_data):
        plan = Plan(tenant=self.context["request"].tenant, **validated_data)
        return through_service(services.save_plan, plan)

    def update(self, instance, validated_data):
        for name, value in validated_data.items():
            setattr(instance, name, value)
        return through_service(services.save_plan, instance)


class PlanFilter(filters.FilterSet):
    kind = filters.ChoiceFilter(choices=PlanKind.choices)
    key = filters.CharFilter()
    archived = filters.BooleanFilter(field_name="archived_at", lookup_expr="isnull", exclude=True)

    class Meta:
        model = Plan
        fields = []  # declared above: django-filter's own lookups would query without a tenant


GOLD_PLAN = {
    "kind": "tier",
    "key": "gold",
    "name": "Gold",
    "description": "Proactive monitoring, one on-site visit a month, 10% off billable labour.",
    "monthly_price": "179.00",
    "annual_price": "1790.00",
    "sla_policy": 3,
    "rank": 2,
    "proactive_monitoring": True,
    "onsite_visits_included": 1,
    "hours_included": "2.00",
    "labour_discount_percent": "10.00",
}
_PAGES = "Cursor pages, newest first (`page_size` up to 200)."


@extend_schema_view(
    list=extend_schema(
        summary="List membership plans",
        description=f"Tiers and riders, archived ones included (`archived: true`). {_PAGES} Filters: `kind`, "
        "`key`, `archived`.",
    ),
    retrieve=extend_schema(summary="Get a membership plan"),
    create=extend_schema(
        summary="Create a membership plan",
        description="A tier or a rider with its list prices. Keys are unique per company; the SLA policy "
        "must be of the plan's kind. Honours `Idempotency-Key`.",
        examples=[OpenApiExample("The Gold tier", request_only=True, value=GOLD_PLAN)],
    ),
    update=extend_schema(
        summary="Replace a membership plan",
        description="New prices apply to new memberships and changes only: clients keep their agreed price.",
    ),
    partial_update=extend_schema(
        summary="Update a membership plan",
        description="New prices apply to new memberships and changes only: clients keep their agreed price.",
        examples=[OpenApiExample("A new list price", request_only=True, value={"monthly_price": "189.00"})],
    ),
    destroy=extend_schema(
        summary="Archive a membership plan",
        description="The plan is no longer offered; clients who hold it keep it until they change. It is "
        "still returned, with `archived: true`. `POST /plans/{id}/restore/` offers it again.",
    ),
)
@extend_validation_errors(
    ["invalid"], field_name="non_field_errors", actions=["create", "update", "partial_update"]
)
@extend_validation_errors(["invalid"], field_name="kind", actions=["update", "partial_update"])
@extend_validation_errors(
    ["invalid"], field_name="sla_policy", actions=["create", "update", "partial_update"]
)
class PlanViewSet(TenantModelViewSet):
    model = Plan
    serializer_class = PlanSerializer
    filterset_class = PlanFilter
    search_fields = ["name", "key"]
    view_permission, manage_permission = VIEW, MANAGE

    def get_queryset(self):
        return super().get_queryset().select_related("sla_policy")

    def perform_destroy(self, instance):
        services.archive_plan(instance)

    @extend_schema(summary="Offer an archived plan again", request=None, responses={200: PlanSerializer})
    @action(detail=True, methods=["post"])
    def restore(self, request, pk=None):
        plan = services.restore_plan(self.get_object())
        return Response(self.get_serializer(plan).data)
