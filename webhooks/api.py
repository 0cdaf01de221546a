"""The partner API of webhooks: endpoints (register, change, disable, rotate the secret, delete) and the
delivery log with each attempt, and "send again". Thin: validate, call ``webhooks.services``, serialize.

The secret is returned when an endpoint is created and when it is rotated, never by GET: a key with
only the ``read`` scope (a reporting tool) must not learn what lets anyone sign messages the partner
trusts. Staff with the permission can reveal it on the endpoint's page; a lost secret is rotated.
"""

from __future__ import annotations

from django.db.models import Prefetch
from django_filters import rest_framework as filters
from drf_spectacular.utils import (
    OpenApiExample,
    extend_schema,
    extend_schema_view,
)
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from api.schema import ApiAutoSchema
from api.viewsets import TenantScopedViewMixin, calling_staff_user, request_actor, through_service
from webhooks import services
from webhooks.models import DeliveryStatus, WebhookAttempt, WebhookDelivery, WebhookEndpoint
from webhooks.payloads import EVENT_TYPES

PERMISSION = "webhooks.manage"
_PAGES = "Newest first, in cursor pages (`page_size` up to 200)."
EVENT_TYPE_FIELD_CHOICES = list(EVENT_TYPES)


class WebhooksViewSetMixin(TenantScopedViewMixin):
    view_permission = manage_permission = PERMISSION


# --- Endpoints --------------------------------------------------------------------------------------


def _event_types_field(**kwargs):
    return serializers.ListField(
        child=serializers.ChoiceField(choices=EVENT_TYPE_FIELD_CHOICES),
        allow_empty=False,
        help_text="Event types to receive (see the `webhooks` callbacks of this operation for each one's "
        "message).",
        **kwargs,
    )


class WebhookEndpointSerializer(serializers.ModelSerializer):
    events = _event_types_field(read_only=True)
    enabled = serializers.BooleanField(source="is_enabled", read_only=True)
    previous_secret_valid_until = serializers.DateTimeField(
        source="previous_secret_expires_at",
        read_only=True,
        allow_null=True,
        help_text="After a rotation, the old secret also signs until then.",
    )

    class Meta:
        model = WebhookEndpoint
        fields = [
            "id", "url", "description", "events", "enabled", "disabled_reason", "disabled_at",
            "previous_secret_valid_until", "created_at", "updated_at",
        ]  # fmt: skip
        read_only_fields = fields


class WebhookEndpointWithSecretSerializer(WebhookEndpointSerializer):
    secret = serializers.CharField(
        read_only=True,
        help_text="`whsec_` and the base64 of 32 random bytes: verify each message's `webhook-signature` "
        "with it (any Standard Webhooks library). Shown on create and rotate only.",
    )

    class Meta(WebhookEndpointSerializer.Meta):
        fields = [*WebhookEndpointSerializer.Meta.fields, "secret"]
        read_only_fields = fields


class WebhookEndpointCreateSerializer(serializers.Serializer):
    url = serializers.URLField(
        max_length=2000, help_text="https (or http). Must resolve to public addresses only."
    )
    events = _event_types_field()
    description = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")


class WebhookEndpointUpdateSerializer(serializers.Serializer):
    url = serializers.URLField(max_length=2000, required=False)
    events = _event_types_field(required=False)
    description = serializers.CharField(max_length=200, required=False, allow_blank=True)
    enabled = serializers.BooleanField(
        required=False, help_text="false: nothing is sent (pending deliveries stop); true: enabled again."
    )
    disabled_reason = serializers.CharField(
        max_length=300, required=False, allow_blank=True, help_text="Why, when disabling."
    )


class WebhookEndpointFilter(filters.FilterSet):
    enabled = filters.BooleanFilter(field_name="is_enabled")
    event_type = filters.ChoiceFilter(
        choices=[(name, name) for name in EVENT_TYPES],
        method="filter_event_type",
        label="Receives this event type",
    )

    class Meta:
        model = WebhookEndpoint
        fields = []  # declared above: django-filter's own lookups would query without a tenant

    def filter_event_type(self, queryset, name, value):
        return queryset.filter(events__contains=[value])


def _message_serializer(name: str) -> type[serializers.Serializer]:
    event_type = EVENT_TYPES[name]
    return type(
        "".join(part.title() for part in name.replace("_", ".").split(".")) + "MessageSerializer",
        (serializers.Serializer,),
        {
            "type": serializers.ChoiceField(choices=[name], help_text="The event type."),
            "timestamp": serializers.DateTimeField(help_text="When it happened (ISO 8601, UTC)."),
            "data": event_type.data(help_text=event_type.description),
        },
    )


MESSAGE_SERIALIZERS = {name: _message_serializer(name) for name in EVENT_TYPES}

SIGNATURE_HEADERS = [
    ("webhook-id", "string", "`msg_…`: the same for every attempt of one delivery. De-duplicate on it."),
    ("webhook-timestamp", "integer", "When this attempt was sent, in Unix seconds. Refuse messages more "
     "than 5 minutes off."),
    ("webhook-signature", "string", "`v1,` + base64(HMAC-SHA256(secret, `{webhook-id}.{webhook-timestamp}."
     "{body}`)); during a secret rotation two signatures, space-separated: accept either."),
]  # fmt: skip
RETRIES = "retried after 5 s, 5 min, 30 min, 2 h, 5 h, 10 h and 10 h"


class WebhookEndpointSchema(ApiAutoSchema):
    """Documents the messages an endpoint receives as callbacks of the create operation (OpenAPI 3.0
    has no top-level webhooks): one per event type, with the signature headers. Built here rather than
    with ``OpenApiCallback``, which would describe the partner's receiver with our API's error bodies."""

    def _get_callbacks(self):
        if getattr(self.view, "action", None) != "create":
            return {}
        parameters = [
            {"name": header, "in": "header", "required": True, "schema": {"type": kind}, "description": text}
            for header, kind, text in SIGNATURE_HEADERS
        ]
        callbacks = {}
        for name, event_type in EVENT_TYPES.items():
            message = self.resolve_serializer(MESSAGE_SERIALIZERS[name], "response")
            operation = {
                "summary": name,
                "description": f"{event_type.description} Answer 2xx within 10 s; anything else (or no "
                f"answer) is {RETRIES}, with the same `webhook-id`.",
                "parameters": parameters,
                "requestBody": {"required": True, "content": {"application/json": {"schema": message.ref}}},
                "responses": {"2XX": {"description": "Received."}},
            }
            callbacks[name] = {"{$request.body#/url}": {"post": operation}}
        return callbacks


EVENT_TABLE = "\n".join(
    f"| `{name}` | {event_type.description} |" for name, event_type in EVENT_TYPES.items()
)
WEBHOOKS_DESCRIPTION = (
    "Registers a URL to receive the tenant's events as they happen, following the "
    "[Standard Webhooks](https://www.standardwebhooks.com) specification, so any of its libraries "
    "verifies them (`Webhook(secret).verify(body, headers)`). Each message is a POST of "
    "`{type, timestamp, data}` with the headers `webhook-id`, `webhook-timestamp` and `webhook-signature`; "
    "the message of each event type is documented under this operation's callbacks.\n\n"
    "| Event type | When |\n|---|---|\n"
    f"{EVENT_TABLE}\n\n"
    "The URL must resolve to public addresses only (no private, loopback or link-local ones); redirects "
    "are not followed. The answer includes the endpoint's `secret`, returned again only by "
    "`rotate-secret`. Honours `Idempotency-Key`."
)


@extend_schema_view(
    list=extend_schema(
        summary="List webhook endpoints", description=f"{_PAGES} Filters: `enabled`, `event_type`."
    ),
    retrieve=extend_schema(summary="Get a webhook endpoint", description="Without its secret."),
    create=extend_schema(
        summary="Register a webhook endpoint",
        description=WEBHOOKS_DESCRIPTION,
        request=WebhookEndpointCreateSerializer,
        responses={201: WebhookEndpointWithSecretSerializer},
        examples=[
            OpenApiExample(
                "Tickets to an RMM",
                request_only=True,
                value={
                    "url": "https://rmm.partner.example/hooks/accord",
                    "events": ["ticket.created", "ticket.updated", "sla.breached"],
                    "description": "Northwind RMM",
                },
            )
        ],
    ),
    partial_update=extend_schema(
        summary="Change or disable a webhook endpoint",
        description="Change its URL, event types or description, or disable it (`enabled: false`, with a "
        "`disabled_reason`): nothing is sent to a disabled endpoint, its pending deliveries stop, and "
        "events that happen meanwhile are not sent later. `enabled: true` enables it again.",
        request=WebhookEndpointUpdateSerializer,
        responses={200: WebhookEndpointSerializer},
        examples=[
            OpenApiExample(
                "Disable", request_only=True, value={"enabled": False, "disabled_reason": "Moving servers"}
            )
        ],
    ),
    destroy=extend_schema(
        summary="Delete a webhook endpoint", description="With its delivery log. Nothing more is sent to it."
    ),
)
class WebhookEndpointViewSet(
    WebhooksViewSetMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    model = WebhookEndpoint
    serializer_class = WebhookEndpointSerializer
    filterset_class = WebhookEndpointFilter
    schema = WebhookEndpointSchema()
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]

    def create(self, request, *args, **kwargs):
        return self._create(request)

    def _create(self, request):
        data = WebhookEndpointCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        endpoint = through_service(
            services.create_endpoint, created_by=calling_staff_user(request), **data.validated_data
        )
        return Response(WebhookEndpointWithSecretSerializer(endpoint).data, status=status.HTTP_201_CREATED)

    def partial_update(self, request, *args, **kwargs):
        endpoint = self.get_object()
        data = WebhookEndpointUpdateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        changes = dict(data.validated_data)
        enabled = changes.pop("enabled", None)
        reason = changes.pop("disabled_reason", "")
        if reason and enabled is not False:  # a reason alone would be accepted and silently dropped
            raise serializers.ValidationError(
                {"disabled_reason": ['A reason goes with disabling: send "enabled": false with it.']}
            )
        if changes:
            endpoint = through_service(services.update_endpoint, endpoint, **changes)
        if enabled is not None:
            endpoint = services.set_enabled(
                endpoint, enabled, reason=reason or f"Disabled by {request_actor(request)}."
            )
        return Response(WebhookEndpointSerializer(endpoint).data)

    def perform_destroy(self, instance):
        services.delete_endpoint(instance)

    @extend_schema(
        summary="Rotate a webhook endpoint's secret",
        description="A new secret signs from now on and is returned here. The previous one also signs for "
        "24 hours (two signatures in `webhook-signature`), so the receiver can switch without dropping a "
        "message. Honours `Idempotency-Key`.",
        request=None,
        responses={200: WebhookEndpointWithSecretSerializer},
    )
    @action(detail=True, methods=["post"], url_path="rotate-secret")
    def rotate_secret(self, request, pk=None):
        endpoint = self.get_object()
        return Response(WebhookEndpointWithSecretSerializer(services.rotate_secret(endpoint)).data)


# --- Deliveries -------------------------------------------------------------------------------------


class WebhookAttemptSerializer(serializers.ModelSerializer):
    class Meta:
        model = WebhookAttempt
        fields = ["number", "at", "status_code", "duration_ms", "error", "response_body"]
        read_only_fields = fields
        extra_kwargs = {
            "status_code": {"help_text": "The receiver's HTTP status; empty when it did not answer."},
            "response_body": {"help_text": "The first 2 KB of the answer."},
        }


class WebhookDeliverySerializer(serializers.ModelSerializer):
    webhook_id = serializers.CharField(source="message_id", read_only=True)
    message = serializers.JSONField(read_only=True, help_text="The body sent: {type, timestamp, data}.")
    attempt_log = WebhookAttemptSerializer(many=True, read_only=True, help_text="Newest first.")

    class Meta:
        model = WebhookDelivery
        fields = [
            "id", "endpoint", "event_type", "webhook_id", "status", "attempts", "next_attempt_at",
            "last_attempt_at", "last_status_code", "last_error", "succeeded_at", "created_at", "message",
            "attempt_log",
        ]  # fmt: skip
        read_only_fields = fields
        extra_kwargs = {
            "status": {"help_text": "`pending` (being sent or waiting for a retry), `succeeded`, or `failed` "
                       "(gave up after the last retry, or the endpoint was disabled)."},
            "next_attempt_at": {"help_text": "When it is tried next; empty once succeeded or failed."},
        }  # fmt: skip


class WebhookDeliveryFilter(filters.FilterSet):
    endpoint = filters.NumberFilter(field_name="endpoint_id")
    status = filters.ChoiceFilter(choices=DeliveryStatus.choices)
    event_type = filters.ChoiceFilter(choices=[(name, name) for name in EVENT_TYPES])

    class Meta:
        model = WebhookDelivery
        fields = []


@extend_schema_view(
    list=extend_schema(
        summary="List webhook deliveries",
        description=f"Every event sent (or being sent) to an endpoint, with each attempt. {_PAGES} Filters: "
        "`endpoint`, `status`, `event_type`.",
    ),
    retrieve=extend_schema(summary="Get a webhook delivery"),
)
class WebhookDeliveryViewSet(
    WebhooksViewSetMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    model = WebhookDelivery
    serializer_class = WebhookDeliverySerializer
    filterset_class = WebhookDeliveryFilter

    def get_queryset(self):
        queryset = super().get_queryset()
        if getattr(self, "swagger_fake_view", False):
            return queryset
        return queryset.prefetch_related(
            Prefetch("attempt_log", queryset=WebhookAttempt.objects.order_by("-number", "-id"))
        )

    @extend_schema(
        summary="Send a webhook delivery again",
        description="Queues it to be sent now with the same `webhook-id` and body, whatever its status; "
        "should that fail, it is retried on the full schedule again. The endpoint must be enabled.",
        request=None,
        responses={202: WebhookDeliverySerializer},
    )
    @action(detail=True, methods=["post"])
    def retry(self, request, pk=None):
        delivery = through_service(services.send_again, self.get_object())
        return Response(
            WebhookDeliverySerializer(self.get_queryset().get(pk=delivery.pk)).data, status.HTTP_202_ACCEPTED
        )
