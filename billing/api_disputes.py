"""The partner API of invoice disputes: list and read them (with their thread), open one for a client
(a phone call, a letter), and the steps staff take: reply, propose an explanation, resolve with a credit
note, withdraw. Thin: validate, call billing.disputes, serialize. The serializers also describe the
``invoice.disputed`` and ``dispute.resolved`` webhooks."""

from __future__ import annotations

from django_filters import rest_framework as filters
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, extend_schema, extend_schema_field, extend_schema_view
from drf_standardized_errors.openapi_validation_errors import extend_validation_errors
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from api.viewsets import calling_staff_user, request_actor, through_service
from billing import disputes
from billing.api import MONEY, BillingViewSetMixin, CreditLinesField, IssuedInvoiceField
from billing.models import (
    Dispute,
    DisputeMessage,
    DisputeParty,
    DisputeResolution,
    DisputeStatus,
)
from billing.selectors import disputes_with_threads
from clients.models import Contact

_PAGES = "Newest first, in cursor pages (`page_size` up to 200)."
ACTIONS = ["create", "reply", "explain", "resolve", "withdraw"]


class DisputeMessageSerializer(serializers.ModelSerializer):
    class Meta:
        model = DisputeMessage
        fields = ["id", "party", "kind", "body", "author", "at"]
        read_only_fields = fields
        extra_kwargs = {
            "party": {"help_text": "Who wrote it: the client (in the portal) or staff."},
            "kind": {
                "help_text": "`explanation`: staff explain why the invoice stands and await the client."
            },
        }


class DisputeSerializer(serializers.ModelSerializer):
    invoice_number = serializers.CharField(source="invoice.number", read_only=True)
    client = serializers.IntegerField(source="invoice.client_id", read_only=True)
    client_name = serializers.CharField(source="invoice.client.name", read_only=True)
    currency = serializers.CharField(source="invoice.currency", read_only=True)
    status = serializers.ChoiceField(choices=DisputeStatus.choices, read_only=True)
    resolution = serializers.ChoiceField(
        choices=[("", "Not ended"), *DisputeResolution.choices], read_only=True
    )

    class Meta:
        model = Dispute
        fields = [
            "id",
            "invoice",
            "invoice_number",
            "client",
            "client_name",
            "line",
            "amount",
            "amount_at_stake",
            "currency",
            "reason",
            "status",
            "opened_by",
            "contact",
            "opened_at",
            "last_activity_at",
            "resolved_at",
            "resolution",
            "credit_note",
        ]
        read_only_fields = fields
        extra_kwargs = {
            "line": {"help_text": "The disputed line of the invoice; null: the whole invoice."},
            "amount": {"help_text": "The amount the client disputes; null: all of the line or invoice."},
            "amount_at_stake": {
                "help_text": "`amount`, else what was left of the line or invoice when opened."
            },
            "contact": {"help_text": "Who at the client disputes it."},
            "credit_note": {"help_text": "The credit note that resolved it."},
        }


class DisputeDetailSerializer(DisputeSerializer):
    messages = DisputeMessageSerializer(many=True, read_only=True, help_text="The thread, oldest first.")

    class Meta(DisputeSerializer.Meta):
        fields = [*DisputeSerializer.Meta.fields, "messages"]
        read_only_fields = fields


@extend_schema_field(OpenApiTypes.INT)
class ClientContactField(serializers.PrimaryKeyRelatedField):
    def get_queryset(self):
        return Contact.objects.filter(archived_at__isnull=True)


class DisputeCreateSerializer(serializers.Serializer):
    invoice = IssuedInvoiceField()
    line = serializers.IntegerField(
        required=False,
        allow_null=True,
        help_text="The id of the disputed line; leave out for the whole invoice.",
    )
    amount = serializers.DecimalField(
        **MONEY, required=False, allow_null=True, help_text="At most what is left of the line or invoice."
    )
    reason = serializers.CharField(
        max_length=disputes.REASON_MAX_LENGTH, help_text="What the client says is wrong."
    )
    contact = ClientContactField(
        required=False, allow_null=True, help_text="Who at the client disputes it (a contact of its client)."
    )

    def validate(self, data):
        invoice = data["invoice"]
        if data.get("line") is not None:
            line = invoice.lines.filter(pk=data["line"]).first()
            if line is None:
                raise serializers.ValidationError({"line": f"Line {data['line']} is not on this invoice."})
            data["line"] = line
        contact = data.get("contact")
        if contact is not None and contact.client_id != invoice.client_id:
            raise serializers.ValidationError({"contact": "This contact is not of the invoice's client."})
        return data


class DisputeBodySerializer(serializers.Serializer):
    body = serializers.CharField(max_length=disputes.BODY_MAX_LENGTH)


class DisputeWithdrawSerializer(serializers.Serializer):
    note = serializers.CharField(
        max_length=disputes.BODY_MAX_LENGTH,
        required=False,
        allow_blank=True,
        default="",
        help_text="Optional, for the client's thread and email.",
    )


class DisputeResolveSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=300, help_text="The credit note's reason: the client reads it.")
    full = serializers.BooleanField(
        default=False, help_text="true: everything left of the invoice (voids it). Otherwise give `lines`."
    )
    lines = CreditLinesField(required=False)
    note = serializers.CharField(
        max_length=disputes.BODY_MAX_LENGTH,
        required=False,
        allow_blank=True,
        default="",
        help_text="Optional note to the client, in the thread and the email.",
    )

    def validate(self, data):
        if data["full"] == bool(data.get("lines")):
            raise serializers.ValidationError(
                "Give either `full: true` or `lines`, not both and not neither."
            )
        if data.get("lines"):
            by_id = {line.pk: line for line in self.context["dispute"].invoice.lines.all()}
            chosen = {}
            for item in data["lines"]:
                line = by_id.get(item["line"])
                if line is None:
                    raise serializers.ValidationError(
                        {"lines": f"Line {item['line']} is not on this invoice."}
                    )
                if line in chosen:
                    raise serializers.ValidationError({"lines": f"Line {item['line']} is given twice."})
                chosen[line] = item["amount"]
            data["chosen"] = chosen
        return data


class DisputeFilter(filters.FilterSet):
    status = filters.MultipleChoiceFilter(choices=DisputeStatus.choices, distinct=False)
    client = filters.NumberFilter(field_name="invoice__client_id")
    invoice = filters.NumberFilter(field_name="invoice_id")

    class Meta:
        model = Dispute
        fields = []  # declared above: django-filter's own lookups would query without a tenant


DISPUTE_EXAMPLE = {
    "id": 31,
    "invoice": 812,
    "invoice_number": "INV-2026-000123",
    "client": 12,
    "client_name": "Whitaker Residence",
    "line": 2003,
    "amount": "70.00",
    "amount_at_stake": "70.00",
    "currency": "USD",
    "reason": "The on-site visit was covered by our Gold plan.",
    "status": "open",
    "opened_by": "client",
    "contact": 40,
    "opened_at": "2026-12-03T18:20:11-05:00",
    "last_activity_at": "2026-12-04T09:02:45-05:00",
    "resolved_at": None,
    "resolution": "",
    "credit_note": None,
    "messages": [
        {
            "id": 90,
            "party": "client",
            "kind": "message",
            "body": "The on-site visit was covered by our Gold plan.",
            "author": "Dana Whitaker",
            "at": "2026-12-03T18:20:11-05:00",
        },
        {
            "id": 91,
            "party": "staff",
            "kind": "message",
            "body": "We are checking the plan's inclusions.",
            "author": "Sam Ortiz",
            "at": "2026-12-04T09:02:45-05:00",
        },
    ],
}


@extend_schema_view(
    list=extend_schema(
        summary="List disputes",
        description=f"Disputes of issued invoices, without their threads. {_PAGES} Filters: `status` "
        "(repeatable), `client`, `invoice`; `search` over the invoice number and the client's name.",
    ),
    retrieve=extend_schema(
        summary="Get a dispute with its thread",
        responses=DisputeDetailSerializer,
        examples=[OpenApiExample("An open dispute", response_only=True, value=DISPUTE_EXAMPLE)],
    ),
)
@extend_validation_errors(["invalid"], field_name="non_field_errors", actions=ACTIONS)
class DisputeViewSet(
    BillingViewSetMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    model = Dispute
    serializer_class = DisputeSerializer
    filterset_class = DisputeFilter
    search_fields = ["invoice__number", "invoice__client__name"]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return super().get_queryset()
        return disputes_with_threads().order_by("opened_at", "id")

    def get_serializer_class(self):
        return DisputeDetailSerializer if self.action == "retrieve" else DisputeSerializer

    def _detail(self, dispute, status_code=status.HTTP_200_OK) -> Response:
        dispute = self.get_queryset().get(pk=dispute.pk)
        return Response(DisputeDetailSerializer(dispute).data, status=status_code)

    @extend_schema(
        summary="Open a dispute for a client",
        description="Staff record a dispute the client made by phone or letter (clients open theirs in the "
        "portal). The invoice must be issued, partly paid or paid, with no other dispute open; `amount` at "
        "most what is left of the line (or invoice). The invoice becomes `disputed` (an `invoice.disputed` "
        "webhook) and the client is emailed. Honours `Idempotency-Key`.",
        request=DisputeCreateSerializer,
        responses={201: DisputeDetailSerializer},
        examples=[
            OpenApiExample(
                "One line, in part",
                request_only=True,
                value={
                    "invoice": 812,
                    "line": 2003,
                    "amount": "70.00",
                    "reason": "Visit covered by the plan",
                },
            ),
            OpenApiExample(
                "The whole invoice", request_only=True, value={"invoice": 812, "reason": "Billed twice"}
            ),
        ],
    )
    def create(self, request, *args, **kwargs):
        return self._create(request)

    def _create(self, request):
        data = DisputeCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        dispute = through_service(
            disputes.open_dispute,
            values["invoice"],
            reason=values["reason"],
            party=DisputeParty.STAFF,
            actor=request_actor(request),
            line=values.get("line"),
            amount=values.get("amount"),
            contact=values.get("contact"),
            user=calling_staff_user(request),
        )
        return self._detail(dispute, status.HTTP_201_CREATED)

    @extend_schema(
        summary="Reply in the thread",
        description="Staff's message to the client, emailed with a link to answer. Only while the dispute is "
        "open or awaiting the client. Honours `Idempotency-Key`.",
        request=DisputeBodySerializer,
        responses={200: DisputeDetailSerializer},
        examples=[OpenApiExample("A reply", request_only=True, value={"body": "We are checking the plan."})],
    )
    @action(detail=True, methods=["post"])
    def reply(self, request, pk=None):
        return self._reply(request)

    def _reply(self, request):
        dispute = self.get_object()
        data = DisputeBodySerializer(data=request.data)
        data.is_valid(raise_exception=True)
        through_service(
            disputes.reply,
            dispute,
            body=data.validated_data["body"],
            party=DisputeParty.STAFF,
            actor=request_actor(request),
            user=calling_staff_user(request),
        )
        return self._detail(dispute)

    @extend_schema(
        summary="Propose an explanation",
        description="Staff explain why the invoice stands; the dispute becomes `awaiting_client` until the "
        "client accepts it in the portal (resolved) or answers (open again). Honours `Idempotency-Key`.",
        request=DisputeBodySerializer,
        responses={200: DisputeDetailSerializer},
        examples=[
            OpenApiExample(
                "An explanation",
                request_only=True,
                value={"body": "The visit was after hours, which the Gold plan does not include."},
            )
        ],
    )
    @action(detail=True, methods=["post"])
    def explain(self, request, pk=None):
        return self._explain(request)

    def _explain(self, request):
        dispute = self.get_object()
        data = DisputeBodySerializer(data=request.data)
        data.is_valid(raise_exception=True)
        through_service(
            disputes.propose_explanation,
            dispute,
            body=data.validated_data["body"],
            actor=request_actor(request),
            user=calling_staff_user(request),
        )
        return self._detail(dispute)

    @extend_schema(
        summary="Resolve with a credit note",
        description="Issues a credit note on the invoice (amounts per line, or `full` for everything left, "
        "which voids it: the rules of POST /credit-notes/) and resolves the dispute by it (a "
        "`dispute.resolved` webhook); the invoice's status follows its balance again. Honours "
        "`Idempotency-Key`.",
        request=DisputeResolveSerializer,
        responses={200: DisputeDetailSerializer},
        examples=[
            OpenApiExample(
                "Part of the disputed line",
                request_only=True,
                value={"reason": "Visit covered by the plan", "lines": [{"line": 2003, "amount": "70.00"}]},
            ),
            OpenApiExample(
                "Everything left",
                request_only=True,
                value={"reason": "Billed the wrong client", "full": True},
            ),
        ],
    )
    @action(detail=True, methods=["post"])
    def resolve(self, request, pk=None):
        return self._resolve(request)

    def _resolve(self, request):
        dispute = self.get_object()
        data = DisputeResolveSerializer(data=request.data, context={"dispute": dispute})
        data.is_valid(raise_exception=True)
        values = data.validated_data
        through_service(
            disputes.resolve_with_credit_note,
            dispute,
            lines=values.get("chosen"),
            reason=values["reason"],
            note=values["note"],
            actor=request_actor(request),
            user=calling_staff_user(request),
        )
        return self._detail(dispute)

    @extend_schema(
        summary="Withdraw for the client",
        description="The client dropped the dispute (e.g. on the phone): it ends `withdrawn` (a "
        "`dispute.resolved` webhook) and the invoice stands. Honours `Idempotency-Key`.",
        request=DisputeWithdrawSerializer,
        responses={200: DisputeDetailSerializer},
        examples=[
            OpenApiExample("With a note", request_only=True, value={"note": "Withdrawn on the phone."})
        ],
    )
    @action(detail=True, methods=["post"])
    def withdraw(self, request, pk=None):
        return self._withdraw(request)

    def _withdraw(self, request):
        dispute = self.get_object()
        data = DisputeWithdrawSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        through_service(
            disputes.withdraw,
            dispute,
            party=DisputeParty.STAFF,
            note=data.validated_data["note"],
            actor=request_actor(request),
            user=calling_staff_user(request),
        )
        return self._detail(dispute)


# --- The invoice.disputed and dispute.resolved webhooks ------------------------------------------------


class DisputeEventDataSerializer(serializers.Serializer):
    dispute = DisputeDetailSerializer(
        help_text="The dispute exactly as GET /api/v1/disputes/{id}/ returns it."
    )


def dispute_event_data(*, dispute_id) -> dict | None:
    dispute = disputes_with_threads().filter(pk=dispute_id).first()
    return {"dispute": DisputeDetailSerializer(dispute).data} if dispute else None
