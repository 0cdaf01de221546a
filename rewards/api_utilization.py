"""The partner API of the utilisation rewards program's settings: one resource per tenant, read with GET,
replaced with PUT, changed in part with PATCH (``tiers``, when given, replaces the whole list). Thin:
validate the shape, call ``rewards.utilization.save_utilization_program``, serialize."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiExample, extend_schema
from drf_standardized_errors.openapi_validation_errors import extend_validation_errors
from rest_framework import generics, serializers
from rest_framework.response import Response

from api.schema import ApiAutoSchema
from api.viewsets import request_actor, through_service
from rewards.utilization import program_settings, save_utilization_program

PERCENT = {"max_digits": 5, "decimal_places": 2, "coerce_to_string": True}

EXAMPLE = {
    "enabled": True,
    "target_percent": "20.00",
    "tiers": [
        {"below_percent": "20.00", "reward_percent": "5.00", "name": "Steady"},
        {"below_percent": "10.00", "reward_percent": "10.00", "name": "Quiet"},
    ],
}


class UtilizationTierSerializer(serializers.Serializer):
    below_percent = serializers.DecimalField(
        **PERCENT,
        help_text="Reached when the period's utilisation (tickets per 100 managed endpoints) is strictly "
        "under this percent. At most the target; distinct across tiers.",
    )
    reward_percent = serializers.DecimalField(
        **PERCENT,
        help_text="Percent of the next plan invoice (tier and riders) given as account credit. A lower "
        "threshold must give more.",
    )
    name = serializers.CharField(max_length=60, required=False, allow_blank=True, default="")


class UtilizationProgramSerializer(serializers.Serializer):
    enabled = serializers.BooleanField(
        help_text="When on, each client is evaluated at the end of each billing period (calendar month "
        "without a membership) and a tier reached earns credit on the next plan invoice."
    )
    target_percent = serializers.DecimalField(
        **PERCENT, help_text="The tenant's utilisation target, tickets per 100 managed endpoints in a period."
    )
    tiers = UtilizationTierSerializer(
        many=True, help_text="Every tier, most demanding first in answers. On write: the whole list."
    )
    updated_at = serializers.DateTimeField(read_only=True, allow_null=True)
    updated_by = serializers.CharField(read_only=True)


def _as_data(settings) -> dict:
    return {
        "enabled": settings.enabled,
        "target_percent": settings.target_percent,
        "tiers": [
            {"below_percent": t.below_percent, "reward_percent": t.reward_percent, "name": t.name}
            for t in settings.tiers
        ],
        "updated_at": settings.updated_at,
        "updated_by": settings.updated_by,
    }


# A missing or malformed list of tiers is reported on ``tiers`` itself (drf-standardized-errors documents
# only its nested attrs).
@extend_validation_errors(["required", "not_a_list", "null"], field_name="tiers", methods=["put", "patch"])
class UtilizationProgramView(generics.GenericAPIView):
    serializer_class = UtilizationProgramSerializer
    view_permission, manage_permission = "rewards.view", "rewards.manage"
    pagination_class = None
    filter_backends = []
    schema = ApiAutoSchema()

    def get_object(self):
        # One program per tenant, no id in the URL (OPTIONS describes PUT through this too).
        return program_settings()

    @extend_schema(
        summary="Get the utilisation rewards program",
        description="The target and tiers; switched off with a 20% target and no tiers until saved.",
        examples=[OpenApiExample("Two tiers", response_only=True, value=EXAMPLE)],
    )
    def get(self, request, *args, **kwargs):
        return Response(self.get_serializer(_as_data(program_settings())).data)

    @extend_schema(
        summary="Set the utilisation rewards program",
        description="Replaces the target and every tier. Evaluations already made keep their tier.",
        examples=[OpenApiExample("Two tiers", request_only=True, value=EXAMPLE)],
    )
    def put(self, request, *args, **kwargs):
        return self._save(request, partial=False)

    @extend_schema(
        summary="Change part of the utilisation rewards program",
        description="Only the fields given change; `tiers`, when given, replaces the whole list.",
        examples=[OpenApiExample("Switch it off", request_only=True, value={"enabled": False})],
    )
    def patch(self, request, *args, **kwargs):
        return self._save(request, partial=True)

    def _save(self, request, *, partial: bool):
        serializer = self.get_serializer(data=request.data, partial=partial)
        serializer.is_valid(raise_exception=True)
        current = _as_data(program_settings())
        values = {**current, **serializer.validated_data}
        saved = through_service(
            save_utilization_program,
            enabled=values["enabled"],
            target_percent=values["target_percent"],
            tiers=values["tiers"],
            actor=request_actor(request),
        )
        return Response(self.get_serializer(_as_data(saved)).data)
