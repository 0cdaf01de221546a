"""The partner API of the rewards ledger: list and read rewards, grant one by hand, mark a gift delivered
and withdraw a reward. Thin: validate, call rewards.services, serialize. The reward serializer also
describes the ``reward.granted`` webhook."""

from __future__ import annotations

from django_filters import rest_framework as filters
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, extend_schema, extend_schema_field, extend_schema_view
from drf_standardized_errors.openapi_validation_errors import extend_validation_errors
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from api.viewsets import TenantScopedViewMixin, calling_staff_user, request_actor, through_service
from clients.models import Client
from rewards import selectors, services
from rewards.models import Program, Reward, RewardKind, RewardStatus

_PAGES = "Newest first, in cursor pages (`page_size` up to 200)."
ACTIONS = ["create", "deliver", "withdraw"]
MONEY = {"max_digits": 12, "decimal_places": 2}


class RewardSerializer(serializers.ModelSerializer):
    client_name = serializers.CharField(source="client.name", read_only=True)
    currency = serializers.CharField(source="tenant.currency", read_only=True)
    credit_spent = serializers.SerializerMethodField(
        help_text="For account credit: how much of it the client's invoices have used (oldest credit first); "
        "null for other kinds."
    )

    class Meta:
        model = Reward
        fields = [
            "id", "client", "client_name", "program", "key", "kind", "status", "title", "reason", "value",
            "percent", "currency", "granted_on", "period_start", "period_end", "credit_entry", "credit_spent",
            "details", "actor", "delivered_at", "withdrawn_at", "created_at",
        ]  # fmt: skip
        read_only_fields = fields
        extra_kwargs = {
            "key": {"help_text": "The occasion inside the program (`2026-11`, `year-3`, `manual-…`)."},
            "value": {"help_text": "What it costs the company; for account credit, the amount given."},
            "percent": {"help_text": "For a discount: the percentage."},
            "period_end": {
                "help_text": "The first day after the period rewarded (periods are [start, end))."
            },
            "credit_entry": {
                "help_text": "The entry on the client's account-credit ledger (account credit)."
            },
            "status": {"help_text": "`to_deliver`: a gift staff have yet to hand over."},
        }

    @extend_schema_field(serializers.DecimalField(**MONEY, allow_null=True))
    def get_credit_spent(self, reward) -> str | None:
        spent = getattr(reward, "credit_spent", None)
        return None if spent is None else f"{spent:.2f}"


@extend_schema_field(OpenApiTypes.INT)
class ClientField(serializers.PrimaryKeyRelatedField):
    """A client of the caller's tenant, by id (another tenant's id reads as 'does not exist')."""

    def get_queryset(self):
        return Client.objects.all()


class RewardGrantSerializer(serializers.Serializer):
    client = ClientField()
    program = serializers.ChoiceField(choices=Program.choices, help_text="The program it counts under.")
    kind = serializers.ChoiceField(
        choices=[(kind.value, kind.label) for kind in services.MANUAL_KINDS],
        help_text="`credit` goes on the client's account and comes off their next invoices; a `gift` is a "
        "task to deliver.",
    )
    title = serializers.CharField(max_length=200, help_text="What the client gets: they read it.")
    reason = serializers.CharField(max_length=400, help_text="Why, in the client's terms.")
    value = serializers.DecimalField(
        **MONEY, required=False, default="0", min_value=0, help_text="Required above zero for `credit`."
    )


class RewardWithdrawSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=300, help_text="Why the reward is withdrawn.")


class RewardFilter(filters.FilterSet):
    client = filters.NumberFilter(field_name="client_id")
    program = filters.MultipleChoiceFilter(choices=Program.choices, distinct=False)
    kind = filters.MultipleChoiceFilter(choices=RewardKind.choices, distinct=False)
    status = filters.MultipleChoiceFilter(choices=RewardStatus.choices, distinct=False)
    granted_on_from = filters.DateFilter(
        field_name="granted_on", lookup_expr="gte", label="Granted on or after"
    )
    granted_on_to = filters.DateFilter(
        field_name="granted_on", lookup_expr="lte", label="Granted on or before"
    )

    class Meta:
        model = Reward
        fields = []  # declared above: django-filter's own lookups would query without a tenant


REWARD_EXAMPLE = {
    "id": 57,
    "client": 12,
    "client_name": "Whitaker Residence",
    "program": "utilization",
    "key": "2026-11",
    "kind": "credit",
    "status": "granted",
    "title": "5% off your next plan invoice",
    "reason": "8 tickets on 100 endpoints in November, under your 10% target",
    "value": "12.50",
    "percent": "5.00",
    "currency": "USD",
    "granted_on": "2026-12-01",
    "period_start": "2026-11-01",
    "period_end": "2026-12-01",
    "credit_entry": 311,
    "credit_spent": "0.00",
    "details": {},
    "actor": "rewards run",
    "delivered_at": None,
    "withdrawn_at": None,
    "created_at": "2026-12-01T06:00:04-05:00",
}


@extend_schema_view(
    list=extend_schema(
        summary="List rewards",
        description=f"Every reward the programs (or staff, by hand) granted. {_PAGES} Filters: `client`, "
        "`program`, `kind`, `status` (each repeatable but `client`), `granted_on_from`, `granted_on_to`.",
    ),
    retrieve=extend_schema(
        summary="Get a reward",
        examples=[
            OpenApiExample("Account credit for low utilisation", response_only=True, value=REWARD_EXAMPLE)
        ],
    ),
)
@extend_validation_errors(["invalid"], field_name="non_field_errors", actions=ACTIONS)
class RewardViewSet(
    TenantScopedViewMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    model = Reward
    view_permission, manage_permission = "rewards.view", "rewards.manage"
    serializer_class = RewardSerializer
    filterset_class = RewardFilter

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return super().get_queryset()
        return selectors.rewards().select_related("tenant").order_by("created_at", "id")

    def _detail(self, reward, status_code=status.HTTP_200_OK) -> Response:
        reward = self.get_queryset().get(pk=reward.pk)
        return Response(RewardSerializer(reward).data, status=status_code)

    @extend_schema(
        summary="Grant a reward by hand",
        description="A goodwill credit, a gift or a recognition outside a program's run, filed under "
        "`program`. Account credit goes on the client's account (their next invoices use it) and the client "
        "is emailed; a gift starts `to_deliver`. Sends a `reward.granted` webhook. Each call is a new "
        "reward: send an `Idempotency-Key` so a retry does not grant twice.",
        request=RewardGrantSerializer,
        responses={201: RewardSerializer},
        examples=[
            OpenApiExample(
                "Goodwill credit",
                request_only=True,
                value={
                    "client": 12,
                    "program": "referral",
                    "kind": "credit",
                    "title": "$50 off your next invoice",
                    "reason": "Thank you for introducing us to Harbor Dental",
                    "value": "50.00",
                },
            ),
            OpenApiExample(
                "A gift",
                request_only=True,
                value={
                    "client": 12,
                    "program": "anniversary",
                    "kind": "gift",
                    "title": "A framed photo of your new rack",
                    "reason": "Five years together",
                    "value": "40.00",
                },
            ),
        ],
    )
    def create(self, request, *args, **kwargs):
        return self._create(request)

    def _create(self, request):
        data = RewardGrantSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        reward = through_service(
            services.grant_by_hand,
            values["client"],
            program=values["program"],
            kind=values["kind"],
            title=values["title"],
            reason=values["reason"],
            value=values["value"],
            actor=request_actor(request),
        )
        return self._detail(reward, status.HTTP_201_CREATED)

    @extend_schema(
        summary="Mark a gift delivered",
        description="The gift was handed over: it leaves the staff's task list. Only a reward `to_deliver`; "
        "marking one already delivered changes nothing. Honours `Idempotency-Key`.",
        request=None,
        responses={200: RewardSerializer},
    )
    @action(detail=True, methods=["post"])
    def deliver(self, request, pk=None):
        return self._deliver(request)

    def _deliver(self, request):
        reward = self.get_object()
        through_service(services.mark_delivered, reward, by=calling_staff_user(request))
        return self._detail(reward)

    @extend_schema(
        summary="Withdraw a reward",
        description="End a reward that has not turned into money (a discount replaced by another tier, a "
        "gift that will not be delivered). Account credit cannot be withdrawn (a credit note is the way "
        "back), nor a gift already delivered. Honours `Idempotency-Key`.",
        request=RewardWithdrawSerializer,
        responses={200: RewardSerializer},
        examples=[OpenApiExample("A reason", request_only=True, value={"reason": "The client moved away."})],
    )
    @action(detail=True, methods=["post"])
    def withdraw(self, request, pk=None):
        return self._withdraw(request)

    def _withdraw(self, request):
        reward = self.get_object()
        data = RewardWithdrawSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        through_service(
            services.withdraw_reward,
            reward,
            actor=request_actor(request),
            reason=data.validated_data["reason"],
        )
        return self._detail(reward)


# --- The reward.granted webhook -------------------------------------------------------------------


class RewardEventDataSerializer(serializers.Serializer):
    reward = RewardSerializer(help_text="The reward exactly as GET /api/v1/rewards/{id}/ returns it.")


def reward_event_data(*, reward_id) -> dict | None:
    reward = selectors.rewards().select_related("tenant").filter(pk=reward_id).first()
    return {"reward": RewardSerializer(reward).data} if reward else None
