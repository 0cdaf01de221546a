"""The partner API of clients' memberships: list and read them (phases, riders, history), start one for a
client with a signed contract, preview and make a change (with its proration), cancel at the period end,
withdraw a cancellation, drop a scheduled change. Thin: validate, call billing.subscriptions or
memberships.services, serialize. The serializers also describe ``subscription.changed`` webhooks."""

from __future__ import annotations

from datetime import date

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import Manager, Prefetch
from django_filters import rest_framework as filters
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, extend_schema, extend_schema_field, extend_schema_view
from drf_standardized_errors.openapi_validation_errors import extend_validation_errors
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from api.viewsets import TenantScopedViewMixin, raise_as_drf, request_actor, through_service
from billing import subscriptions
from billing.membership_summary import (
    ACTIVE,
    CANCELLING,
    ENDED,
    UPCOMING,
    current_periods_invoiced,
    membership_state,
    next_invoice_on,
)
from clients.api import ActiveClientField
from memberships import selectors
from memberships import services as memberships
from memberships.models import (
    BillingCycle,
    ChangeKind,
    Plan,
    PlanKind,
    Subscription,
    SubscriptionChange,
    SubscriptionPhase,
    SubscriptionStatus,
)
from memberships.services import Holding
from tenants.localtime import tenant_today

VIEW, MANAGE = "plans.view", "memberships.manage"
MONEY = {"max_digits": 12, "decimal_places": 2}
STATES = [
    (ACTIVE, "Active: renews every period"),
    (CANCELLING, "Cancelled: runs until ends_on, then ends"),
    (UPCOMING, "Starts on started_on"),
    (ENDED, "Ended"),
]


# --- What a membership holds --------------------------------------------------------------------


class HeldPlanSerializer(serializers.Serializer):
    key = serializers.CharField()
    name = serializers.CharField()
    price = serializers.DecimalField(**MONEY, help_text="The agreed price per billing period.")


class HoldingSerializer(serializers.Serializer):
    billing_cycle = serializers.ChoiceField(choices=BillingCycle.choices)
    tier = HeldPlanSerializer(allow_null=True)
    riders = HeldPlanSerializer(many=True)
    price = serializers.DecimalField(**MONEY, help_text="The price of one billing period: tier and riders.")


class PhaseSerializer(HoldingSerializer):
    starts_on = serializers.DateField()
    ends_on = serializers.DateField(allow_null=True, help_text="The first day without it; null: open.")


class BillingPeriodSerializer(serializers.Serializer):
    start = serializers.DateField()
    end = serializers.DateField(help_text="The first day of the next period.")


def holding_facts(holding: Holding) -> dict:
    return {
        "billing_cycle": holding.cycle,
        "tier": (
            {"key": holding.tier.key, "name": holding.tier.name, "price": holding.tier_price}
            if holding.tier
            else None
        ),
        "riders": [{"key": rider.key, "name": rider.name, "price": price} for rider, price in holding.riders],
        "price": holding.total,
    }


def phase_facts(phase: SubscriptionPhase) -> dict:
    return {
        **holding_facts(memberships.holding_of(phase)),
        "starts_on": phase.starts_on,
        "ends_on": phase.ends_on,
    }


def subscription_facts(subscription: Subscription, *, today: date, invoiced: set[int] | None = None) -> dict:
    """Everything the API and webhooks say about a membership, read on ``today`` (``invoiced``: see
    ``next_invoice_on``)."""
    state = membership_state(subscription, today=today)
    phase = selectors.phase_to_show(subscription, today)
    running = state in (ACTIVE, CANCELLING)
    scheduled = selectors.scheduled_phase(subscription, today) if running else None
    period = selectors.current_period(subscription, today) if running else None
    return {
        "id": subscription.pk,
        "client": subscription.client_id,
        "client_name": subscription.client.name,
        "agreement": subscription.agreement_id,
        "status": subscription.status,
        "state": state,
        "started_on": subscription.started_on,
        "ends_on": subscription.ends_on,
        "anchor_day": subscription.anchor_day,
        "anchor_month": subscription.anchor_month,
        "current": holding_facts(memberships.holding_of(phase)) if phase else None,
        "monthly_value": selectors.monthly_value(phase) if phase else None,
        "currency": subscription.tenant.currency,
        "current_period": {"start": period.start, "end": period.end} if period else None,
        "next_invoice_on": next_invoice_on(subscription, today=today, invoiced=invoiced),
        "scheduled_change": phase_facts(scheduled) if scheduled else None,
        "created_at": subscription.created_at,
        "updated_at": subscription.updated_at,
    }


class ChangeSerializer(serializers.ModelSerializer):
    class Meta:
        model = SubscriptionChange
        fields = ["id", "kind", "effective_on", "summary", "before", "after", "actor", "agreement", "at"]
        read_only_fields = fields
        extra_kwargs = {
            "before": {"help_text": "What it held before: cycle, tier key, riders {key: price}, total."},
            "after": {"help_text": "What it holds after, in the same shape."},
            "agreement": {"help_text": "The signed supplement that made the change, if one did."},
        }


class SubscriptionListSerializer(serializers.ListSerializer):
    """A page of memberships: which current periods are invoiced is read once for the page, not once a
    row."""

    def to_representation(self, data):
        rows = list(data.all() if isinstance(data, Manager) else data)
        today = self.context.get("today") or tenant_today()
        self.child.invoiced = current_periods_invoiced(
            [row for row in rows if isinstance(row, Subscription)], today=today
        )
        return super().to_representation(rows)


class SubscriptionSerializer(serializers.Serializer):
    invoiced = None  # set by SubscriptionListSerializer for a page

    id = serializers.IntegerField()
    client = serializers.IntegerField()
    client_name = serializers.CharField()
    agreement = serializers.IntegerField(help_text="The signed service contract it rides on.")
    status = serializers.ChoiceField(choices=SubscriptionStatus.choices)
    state = serializers.ChoiceField(choices=STATES)
    started_on = serializers.DateField()
    ends_on = serializers.DateField(
        allow_null=True, help_text="Set when cancelled: the first day without it."
    )
    anchor_day = serializers.IntegerField(help_text="Day of the month periods start on.")
    anchor_month = serializers.IntegerField(help_text="For annual billing: the month periods start in.")
    current = HoldingSerializer(allow_null=True, help_text="What it holds today, at the agreed prices.")
    monthly_value = serializers.DecimalField(
        **MONEY, allow_null=True, help_text="What it brings in a month (an annual price / 12)."
    )
    currency = serializers.CharField()
    current_period = BillingPeriodSerializer(allow_null=True)
    next_invoice_on = serializers.DateField(
        allow_null=True,
        help_text="The first day of the next period to invoice (today or earlier: the next billing run's).",
    )
    scheduled_change = PhaseSerializer(
        allow_null=True, help_text="A change waiting for the end of the current period."
    )
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()

    class Meta:
        list_serializer_class = SubscriptionListSerializer

    def facts(self, subscription: Subscription) -> dict:
        today = self.context.get("today") or tenant_today()
        return subscription_facts(subscription, today=today, invoiced=self.invoiced)

    def to_representation(self, instance):
        if isinstance(instance, Subscription):
            instance = self.facts(instance)
        return super().to_representation(instance)


class SubscriptionDetailSerializer(SubscriptionSerializer):
    phases = PhaseSerializer(many=True, help_text="Its whole history of phases, oldest first.")
    history = ChangeSerializer(many=True, help_text="Every change, newest first.")

    def facts(self, subscription: Subscription) -> dict:
        return {
            **super().facts(subscription),
            "phases": [phase_facts(phase) for phase in subscription.phases.all()],
            "history": list(selectors.history(subscription)),
        }


# --- What a caller asks for ---------------------------------------------------------------------


@extend_schema_field(OpenApiTypes.STR)
class PlanKeyField(serializers.SlugRelatedField):
    """A plan of one kind of the caller's tenant, by key (archived ones too: a client may keep one)."""

    def __init__(self, *, kind: str, **kwargs):
        self.kind = kind
        super().__init__(slug_field="key", **kwargs)

    @classmethod
    def many_init(cls, *args, **kwargs):
        child = cls(kind=kwargs.pop("kind"))
        return serializers.ManyRelatedField(child_relation=child, **kwargs)

    def get_queryset(self):
        return Plan.objects.filter(kind=self.kind)


class MembershipRequestSerializer(serializers.Serializer):
    tier = PlanKeyField(
        kind=PlanKind.TIER,
        required=False,
        allow_null=True,
        help_text="The tier's key, e.g. `gold`; null for none. Omitted in a change: the tier it has.",
    )
    riders = PlanKeyField(
        kind=PlanKind.RIDER,
        many=True,
        required=False,
        help_text='Keys of every rider it should have, e.g. `["premium-response"]`; `[]` for none. '
        "Omitted in a change: the riders it has.",
    )
    billing_cycle = serializers.ChoiceField(
        choices=BillingCycle.choices, required=False, help_text="Omitted in a change: the cycle it has."
    )
    plan_price = serializers.DecimalField(
        **MONEY,
        min_value=0,
        required=False,
        allow_null=True,
        help_text="A negotiated tier price per period. Omitted: the list price, or the price agreed before "
        "for a tier kept on the same cycle.",
    )


class SubscriptionCreateSerializer(MembershipRequestSerializer):
    client = ActiveClientField(
        help_text="A client with a signed service contract in force and no membership."
    )
    billing_cycle = serializers.ChoiceField(choices=BillingCycle.choices, default=BillingCycle.MONTHLY)


class MembershipCancelSerializer(serializers.Serializer):
    reason = serializers.CharField(required=False, allow_blank=True, default="", max_length=200)


class ChargeSerializer(serializers.Serializer):
    plan = serializers.CharField(help_text="The key of the plan charged or credited.")
    description = serializers.CharField()
    amount = serializers.DecimalField(**MONEY, help_text="Negative for a credit.")


def preview_facts(preview: subscriptions.ChangePreview, *, currency: str) -> dict:
    change = preview.change
    return {
        "kind": change.kind,
        "immediate": change.immediate,
        "effective_on": change.effective_on,
        "summary": change.summary,
        "before": holding_facts(change.before),
        "after": holding_facts(change.after),
        "charges": [
            {"plan": line.plan.key, "description": line.description, "amount": line.amount}
            for line in preview.charges
        ],
        "due_now": preview.due_now,
        "new_price": preview.new_price,
        "new_price_from": preview.new_price_from,
        "sentence": preview.sentence(currency),
    }


class PreviewSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=ChangeKind.choices)
    immediate = serializers.BooleanField(
        help_text="True: in force today, prorated. False: from the period end."
    )
    effective_on = serializers.DateField()
    summary = serializers.CharField()
    before = HoldingSerializer()
    after = HoldingSerializer()
    charges = ChargeSerializer(many=True, help_text="Prorated charges and credits for the next invoice.")
    due_now = serializers.DecimalField(**MONEY, help_text="The sum of the charges.")
    new_price = serializers.DecimalField(**MONEY, help_text="The price per period after the change.")
    new_price_from = serializers.DateField(help_text="The first period billed at the new price.")
    sentence = serializers.CharField(help_text='E.g. "today: +$41.32; from 1 Jan: $249.00/month".')

    def to_representation(self, instance):
        if isinstance(instance, subscriptions.ChangePreview):
            instance = preview_facts(instance, currency=self.context["currency"])
        return super().to_representation(instance)


class ChangeResultSerializer(serializers.Serializer):
    change = ChangeSerializer()
    effect = PreviewSerializer(help_text="What the change does and costs (the preview it matched).")
    subscription = SubscriptionDetailSerializer()


class SubscriptionFilter(filters.FilterSet):
    client = filters.NumberFilter(field_name="client_id")
    status = filters.ChoiceFilter(choices=SubscriptionStatus.choices)

    class Meta:
        model = Subscription
        fields = []  # declared above: django-filter's own lookups would query without a tenant


START_EXAMPLE = {"client": 12, "tier": "gold", "riders": ["premium-response"], "billing_cycle": "monthly"}
CHANGE_EXAMPLE = {"tier": "platinum"}
_PAGES = "Cursor pages, newest first (`page_size` up to 200)."
_CHANGE_RULES = (
    "The body says what the client should have: `tier`, `riders` (every rider it should have) and "
    "`billing_cycle`; a field left out keeps what it has. A change that costs at least as much, on the same "
    "cycle and not to a lower tier, takes effect today: the rest of the period is prorated (charges and "
    "credits for the next invoice). A downgrade, a removed rider or a new cycle waits for the end of the "
    "current period, and nothing is charged. A newer change replaces one still waiting."
)


@extend_schema_view(
    list=extend_schema(
        summary="List memberships",
        description=f"Clients' memberships, ended ones included. {_PAGES} Filters: `client`, `status`.",
    ),
    retrieve=extend_schema(
        summary="Get a membership with its phases and history", responses=SubscriptionDetailSerializer
    ),
)
@extend_validation_errors(
    ["invalid"],
    field_name="non_field_errors",
    actions=["create", "preview", "change", "cancel", "resume", "drop_scheduled_change"],
)
class SubscriptionViewSet(
    TenantScopedViewMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    model = Subscription
    serializer_class = SubscriptionSerializer
    filterset_class = SubscriptionFilter
    search_fields = ["client__name"]
    view_permission, manage_permission = VIEW, MANAGE
    read_only_actions = ("preview",)

    def get_queryset(self):
        return (
            super()
            .get_queryset()
            .select_related("client", "tenant")
            .prefetch_related(Prefetch("phases", queryset=selectors.phases_with_riders()))
        )

    def get_serializer_class(self):
        return SubscriptionDetailSerializer if self.action == "retrieve" else SubscriptionSerializer

    def _detail(self, subscription, status_code=status.HTTP_200_OK) -> Response:
        subscription = self.get_queryset().get(pk=subscription.pk)
        return Response(SubscriptionDetailSerializer(subscription).data, status=status_code)

    @extend_schema(
        summary="Start a membership",
        description="Starts today, on the client's signed service contract in force; billed from today on "
        "the chosen cycle (the next billing run sends the first invoice). Refused (400) without a signed "
        "contract or when the client already has a membership. Honours `Idempotency-Key`.",
        request=SubscriptionCreateSerializer,
        responses={201: SubscriptionDetailSerializer},
        examples=[OpenApiExample("Gold with Premium Response", request_only=True, value=START_EXAMPLE)],
    )
    def create(self, request, *args, **kwargs):
        return self._create(request)

    def _create(self, request):
        data = SubscriptionCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        subscription = through_service(
            subscriptions.start_membership,
            client=values["client"],
            tier=values.get("tier"),
            riders=values.get("riders", []),
            cycle=values["billing_cycle"],
            tier_price=values.get("plan_price"),
            actor=request_actor(request),
        )
        return self._detail(subscription, status.HTTP_201_CREATED)

    def _requested(self, request, subscription) -> dict:
        """The change asked for, with what the client has for every field left out."""
        data = MembershipRequestSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        phase = selectors.phase_on(subscription, tenant_today())
        if phase is None:
            raise_as_drf(
                DjangoValidationError("This membership is not in force today: there is nothing to change.")
            )
        current = memberships.holding_of(phase)
        return {
            "tier": values.get("tier", current.tier),
            "riders": values["riders"] if "riders" in values else [rider for rider, _ in current.riders],
            "cycle": values.get("billing_cycle") or current.cycle,
            "tier_price": values.get("plan_price"),
        }

    @extend_schema(
        summary="Preview a change",
        description=f"What a change would do and cost, without making it (nothing is written; the `read` "
        f"scope is enough). {_CHANGE_RULES}",
        request=MembershipRequestSerializer,
        responses={200: PreviewSerializer},
        examples=[OpenApiExample("Upgrade to Platinum", request_only=True, value=CHANGE_EXAMPLE)],
    )
    @action(detail=True, methods=["post"])
    def preview(self, request, pk=None):
        subscription = self.get_object()
        preview = through_service(
            subscriptions.preview_change, subscription, **self._requested(request, subscription)
        )
        return Response(PreviewSerializer(preview, context={"currency": request.tenant.currency}).data)

    @extend_schema(
        summary="Change a membership",
        description=f"{_CHANGE_RULES} The answer has the history row, what the change does and costs, and "
        "the membership after it. Honours `Idempotency-Key`.",
        request=MembershipRequestSerializer,
        responses={200: ChangeResultSerializer},
        examples=[OpenApiExample("Upgrade to Platinum", request_only=True, value=CHANGE_EXAMPLE)],
    )
    @action(detail=True, methods=["post"])
    def change(self, request, pk=None):
        return self._change(request)

    def _change(self, request):
        subscription = self.get_object()
        record, preview = through_service(
            subscriptions.change_subscription,
            subscription,
            actor=request_actor(request),
            **self._requested(request, subscription),
        )
        subscription = self.get_queryset().get(pk=subscription.pk)
        return Response(
            {
                "change": ChangeSerializer(record).data,
                "effect": PreviewSerializer(preview, context={"currency": request.tenant.currency}).data,
                "subscription": SubscriptionDetailSerializer(subscription).data,
            }
        )

    @extend_schema(
        summary="Cancel at the end of the period",
        description="The client keeps what it paid for until the current period ends (`ends_on`), and is not "
        "invoiced again. A change waiting for the period end is dropped. `resume` withdraws it.",
        request=MembershipCancelSerializer,
        responses={200: SubscriptionDetailSerializer},
        examples=[OpenApiExample("With a reason", request_only=True, value={"reason": "Moving abroad"})],
    )
    @action(detail=True, methods=["post"])
    def cancel(self, request, pk=None):
        subscription = self.get_object()
        data = MembershipCancelSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        through_service(
            memberships.cancel_at_period_end,
            subscription,
            on=tenant_today(),
            actor=request_actor(request),
            reason=data.validated_data["reason"],
        )
        return self._detail(subscription)

    @extend_schema(
        summary="Withdraw a cancellation",
        description="Only before the membership has ended; it then renews as before.",
        request=None,
        responses={200: SubscriptionDetailSerializer},
    )
    @action(detail=True, methods=["post"])
    def resume(self, request, pk=None):
        subscription = self.get_object()
        through_service(memberships.resume, subscription, on=tenant_today(), actor=request_actor(request))
        return self._detail(subscription)

    @extend_schema(
        summary="Drop the scheduled change",
        description="The change waiting for the end of the period will not happen: the client keeps what it "
        "has.",
        request=None,
        responses={200: SubscriptionDetailSerializer},
    )
    @action(detail=True, methods=["post"], url_path="drop-scheduled-change")
    def drop_scheduled_change(self, request, pk=None):
        subscription = self.get_object()
        through_service(
            memberships.drop_scheduled_change, subscription, on=tenant_today(), actor=request_actor(request)
        )
        return self._detail(subscription)


# --- The subscription.changed webhook -------------------------------------------------------------


class MembershipClientSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()


class SubscriptionMessageSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    client = MembershipClientSerializer()
    agreement = serializers.IntegerField(help_text="The signed service contract it rides on.")
    status = serializers.ChoiceField(choices=SubscriptionStatus.choices)
    state = serializers.ChoiceField(choices=STATES)
    tier = HeldPlanSerializer(allow_null=True, help_text="The tier it holds today, at its agreed price.")
    riders = HeldPlanSerializer(many=True, help_text="The riders it holds today, at their agreed prices.")
    billing_cycle = serializers.ChoiceField(choices=BillingCycle.choices, allow_null=True)
    price = serializers.DecimalField(**MONEY, allow_null=True, help_text="The price of one billing period.")
    currency = serializers.CharField()
    started_on = serializers.DateField()
    ends_on = serializers.DateField(
        allow_null=True, help_text="Set when cancelled: the first day without it."
    )
    next_invoice_on = serializers.DateField(allow_null=True)
    scheduled_change = PhaseSerializer(
        allow_null=True, help_text="A change waiting for the end of the current period."
    )


class ChangeMessageSerializer(serializers.ModelSerializer):
    class Meta:
        model = SubscriptionChange
        fields = ["id", "kind", "effective_on", "summary", "at"]
        read_only_fields = fields


class MembershipChangeDataSerializer(serializers.Serializer):
    subscription = SubscriptionMessageSerializer()
    change = ChangeMessageSerializer(help_text="What changed, and from which day.")


def membership_change_data(*, subscription_id, change_id) -> dict | None:
    """The ``data`` of a ``subscription.changed`` message: the membership as it is now, and the change."""
    subscription = (
        Subscription.objects.select_related("client", "tenant")
        .prefetch_related(Prefetch("phases", queryset=selectors.phases_with_riders()))
        .filter(pk=subscription_id)
        .first()
    )
    change = SubscriptionChange.objects.filter(pk=change_id, subscription_id=subscription_id).first()
    if subscription is None or change is None:
        return None
    facts = subscription_facts(subscription, today=tenant_today())
    current = facts["current"] or {"tier": None, "riders": [], "billing_cycle": None, "price": None}
    message = {
        **facts,
        "client": {"id": subscription.client_id, "name": subscription.client.name},
        "tier": current["tier"],
        "riders": current["riders"],
        "billing_cycle": current["billing_cycle"],
        "price": current["price"],
    }
    return MembershipChangeDataSerializer({"subscription": message, "change": change}).data
