"""Partner API of the best-practices program: the tenant's checklist and compliance tiers."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiExample, extend_schema, extend_schema_view
from rest_framework import generics, serializers
from rest_framework.response import Response

from api.schema import ApiAutoSchema
from rewards import best_practices as selectors
from rewards.models import ComplianceTier, Practice


class PracticeSerializer(serializers.ModelSerializer):
    is_archived = serializers.BooleanField(read_only=True)

    class Meta:
        model = Practice
        fields = ["id", "name", "description", "weight", "valid_for_months", "position", "is_archived"]


class ComplianceTierSerializer(serializers.ModelSerializer):
    class Meta:
        model = ComplianceTier
        fields = ["id", "name", "threshold_percent", "discount_percent"]


class BestPracticesProgramSerializer(serializers.Serializer):
    practices = PracticeSerializer(many=True, help_text="The active checklist, in order.")
    tiers = ComplianceTierSerializer(
        many=True, help_text="Lowest threshold first; the discount applies to project labour."
    )


@extend_schema_view(
    get=extend_schema(
        summary="Get the best-practices checklist and tiers",
        description="The active practices in checklist order with their weights, and the compliance tiers "
        "(a client holds the highest tier whose threshold its score reaches).",
        examples=[
            OpenApiExample(
                "A checklist with two tiers",
                response_only=True,
                value={
                    "practices": [
                        {
                            "id": 1,
                            "name": "Backups verified",
                            "description": "A restore was tested this quarter.",
                            "weight": 3,
                            "valid_for_months": 12,
                            "position": 1,
                            "is_archived": False,
                        }
                    ],
                    "tiers": [
                        {
                            "id": 1,
                            "name": "Silver",
                            "threshold_percent": "75.00",
                            "discount_percent": "10.00",
                        },
                        {"id": 2, "name": "Gold", "threshold_percent": "90.00", "discount_percent": "15.00"},
                    ],
                },
            )
        ],
    )
)
class BestPracticesProgramView(generics.GenericAPIView):
    serializer_class = BestPracticesProgramSerializer
    view_permission, manage_permission = "rewards.view", "rewards.manage"
    pagination_class = None
    filter_backends = []
    schema = ApiAutoSchema()

    def get(self, request, *args, **kwargs):
        program = {"practices": selectors.checklist(), "tiers": selectors.tiers()}
        return Response(self.get_serializer(program).data)
