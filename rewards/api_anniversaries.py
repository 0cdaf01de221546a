"""The partner API of the anniversary program's table: ``/api/v1/reward-programs/anniversaries/``, one row
per step (the reward of year N is the step with the largest ``years`` <= N). Thin: validate, call
rewards.anniversaries, serialize."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiExample, extend_schema, extend_schema_view
from drf_standardized_errors.openapi_validation_errors import extend_validation_errors
from rest_framework import mixins, serializers, viewsets

from api.viewsets import TenantScopedViewMixin, through_service
from rewards import anniversaries
from rewards.models import AnniversaryStep


class AnniversaryStepSerializer(serializers.ModelSerializer):
    gives = serializers.SerializerMethodField(help_text="What the step gives, in words.")

    class Meta:
        model = AnniversaryStep
        fields = ["id", "years", "credit", "gift", "gift_cost", "gives", "created_at"]
        read_only_fields = ["id", "gives", "created_at"]
        validators = []  # the service checks, in one place
        extra_kwargs = {
            "years": {"help_text": "The step applies from this anniversary until the next step's year."},
            "credit": {"min_value": 0, "required": False},
            "gift": {"required": False},
            "gift_cost": {"min_value": 0, "required": False},
        }

    def get_gives(self, step) -> str:
        return anniversaries.describe_step(step)

    def _save(self, data, instance=None):
        current = {
            "years": instance.years if instance else None,
            "credit": instance.credit if instance else 0,
            "gift": instance.gift if instance else "",
            "gift_cost": instance.gift_cost if instance else 0,
        }
        values = {**current, **data}
        if instance is not None and values["years"] != instance.years:
            if AnniversaryStep.objects.filter(years=values["years"]).exclude(pk=instance.pk).exists():
                raise serializers.ValidationError({"years": "There is already a step for that year."})
            through_service(anniversaries.delete_step, instance)
        return through_service(anniversaries.save_step, **values)

    def create(self, validated_data):
        existing = AnniversaryStep.objects.filter(years=validated_data.get("years")).first()
        return self._save(validated_data, existing)

    def update(self, instance, validated_data):
        return self._save(validated_data, instance)


YEAR_3 = {"years": 3, "credit": "100.00", "gift": "", "gift_cost": "0.00"}


@extend_schema_view(
    list=extend_schema(
        summary="List the anniversary steps",
        description="The company's anniversary table, by year. The reward of year N is the step with the "
        "largest `years` up to N. Cursor pages, newest first.",
    ),
    retrieve=extend_schema(summary="Get an anniversary step"),
    create=extend_schema(
        summary="Set the step of a year",
        description="A credit, a gift to deliver, or both, from year `years` on; it replaces the step of "
        "that year if there is one (staff remove steps on the settings page). Honours `Idempotency-Key`.",
        examples=[OpenApiExample("A credit from year 3", request_only=True, value=YEAR_3)],
    ),
)
@extend_validation_errors(["invalid"], field_name="years", actions=["create"])
@extend_validation_errors(["invalid"], field_name="gift", actions=["create"])
class AnniversaryStepViewSet(
    TenantScopedViewMixin,
    mixins.CreateModelMixin,
    mixins.RetrieveModelMixin,
    mixins.ListModelMixin,
    viewsets.GenericViewSet,
):
    model = AnniversaryStep
    serializer_class = AnniversaryStepSerializer
    view_permission, manage_permission = "rewards.view", "rewards.manage"
    # Setting a year's step is one POST (it replaces that year's); removing one is on the settings page.

    def create(self, request, *args, **kwargs):
        return super().create(request, *args, **kwargs)
