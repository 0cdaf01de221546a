"""What partners receive: the event types, and the ``data`` of each message.

Every message is ``{"type": <event type>, "timestamp": <when it happened, ISO 8601>, "data": {...}}``.
``data`` holds the object concerned as a partner wants it (ids, number, title, status, the client's id
and name, times in ISO 8601 with their offset), read when the event is fanned out to the endpoints, so
normally within a second of the change; ``ticket.updated`` adds exactly which fields changed; an invoice
is the API's invoice, lines included, so a partner can book it without asking again; a dispute is the
API's dispute, thread included; a reward is the API's reward. The same
serializers build the messages and document them in the OpenAPI description, so the two cannot drift.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import QuerySet
from rest_framework import serializers

from billing.api import InvoiceSerializer
from billing.api_disputes import DisputeEventDataSerializer, dispute_event_data
from billing.api_subscriptions import MembershipChangeDataSerializer, membership_change_data
from billing.models import Invoice
from clients.models import Client
from contracts.api_agreements import AgreementPlanFields
from contracts.models import Agreement
from events.models import OutboxEvent
from rewards.api import RewardEventDataSerializer, reward_event_data
from tickets.api import IMPACTS, URGENCIES
from tickets.models import SlaClock, Ticket

# --- The objects ------------------------------------------------------------------------------------


class ClientRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()


class PersonRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField(source="get_full_name")
    email = serializers.EmailField()


class NamedRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()


class WebhookTicketSerializer(serializers.ModelSerializer):
    impact = serializers.ChoiceField(choices=IMPACTS)  # the tickets API's choice sets, so one enum each
    urgency = serializers.ChoiceField(choices=URGENCIES)
    client = ClientRefSerializer()
    assignee = PersonRefSerializer(allow_null=True)
    issue_type = NamedRefSerializer(allow_null=True)

    class Meta:
        model = Ticket
        fields = [
            "id", "number", "title", "status", "priority", "impact", "urgency", "channel", "work_location",
            "client", "site", "contact", "assignee", "issue_type", "sla_policy_name", "created_at",
            "updated_at", "resolved_at", "closed_at",
        ]  # fmt: skip
        read_only_fields = fields


class WebhookClockSerializer(serializers.ModelSerializer):
    class Meta:
        model = SlaClock
        fields = ["id", "metric", "state", "target_minutes", "started_at", "warn_at", "due_at", "warned_at",
                  "breached_at", "met_at"]  # fmt: skip
        read_only_fields = fields


class ContractRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    template = serializers.CharField(source="template.name")
    number = serializers.IntegerField(help_text="The version number of the contract template.")
    title = serializers.CharField()


class WebhookAgreementSerializer(AgreementPlanFields, serializers.ModelSerializer):
    client = ClientRefSerializer()
    contract = ContractRefSerializer(source="version")
    currency = serializers.CharField(source="tenant.currency")

    class Meta:
        model = Agreement
        fields = [
            "id", "status", "client", "contract", "tier", "riders", "starts_on", "ends_on", "auto_renew",
            "monthly_fee", "currency", "renewed_from", "declined_reason", "created_at", "updated_at",
        ]  # fmt: skip
        read_only_fields = fields


class WebhookClientSerializer(serializers.ModelSerializer):
    archived = serializers.BooleanField(source="is_archived")

    class Meta:
        model = Client
        fields = ["id", "name", "email", "phone", "managed_endpoints", "archived", "created_at", "updated_at"]
        read_only_fields = fields


# --- The data of each kind of message ---------------------------------------------------------------


# "from" and "to" are not valid attribute names in a class body (``from`` is a keyword).
FieldChangeSerializer = type(
    "FieldChangeSerializer",
    (serializers.Serializer,),
    {
        "from": serializers.JSONField(help_text="The value before (a string, an id or null)."),
        "to": serializers.JSONField(help_text="The value after (a string, an id or null)."),
    },
)


class TicketDataSerializer(serializers.Serializer):
    ticket = WebhookTicketSerializer()


class TicketUpdatedDataSerializer(serializers.Serializer):
    ticket = WebhookTicketSerializer()
    changes = serializers.DictField(
        child=FieldChangeSerializer(),
        help_text="Each changed field (`status`, `priority`, `issue_type`, `assignee`) with its old and "
        "new value; `assignee` and `issue_type` as ids.",
    )


class SlaDataSerializer(serializers.Serializer):
    ticket = WebhookTicketSerializer()
    clock = WebhookClockSerializer(help_text="The SLA clock that is due soon or was breached.")


class AgreementDataSerializer(serializers.Serializer):
    agreement = WebhookAgreementSerializer()


class ClientDataSerializer(serializers.Serializer):
    client = WebhookClientSerializer()


class InvoiceDataSerializer(serializers.Serializer):
    invoice = InvoiceSerializer(help_text="The invoice exactly as GET /api/v1/invoices/{id}/ returns it.")


# --- The catalogue ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class EventType:
    name: str
    description: str
    data: type[serializers.Serializer]


EVENT_TYPES = {
    event_type.name: event_type
    for event_type in [
        EventType("ticket.created", "A ticket was opened (by staff, the client portal, email or the API).",
                  TicketDataSerializer),
        EventType("ticket.updated", "A ticket's status, priority, issue type or assignee changed (the "
                  "changes field says which, from what to what).", TicketUpdatedDataSerializer),
        EventType("ticket.resolved", "A ticket was resolved (also sent as ticket.updated).",
                  TicketDataSerializer),
        EventType("sla.warning", "An SLA clock passed its warning threshold: the target is close.",
                  SlaDataSerializer),
        EventType("sla.breached", "An SLA clock passed its due time without being met.", SlaDataSerializer),
        EventType("agreement.sent", "A service agreement was sent to the client to sign (or sent again).",
                  AgreementDataSerializer),
        EventType("agreement.signed", "The client signed a service agreement.", AgreementDataSerializer),
        EventType("agreement.declined", "The client declined a service agreement.", AgreementDataSerializer),
        EventType("agreement.activated", "A signed agreement's term started.", AgreementDataSerializer),
        EventType("agreement.renewed", "An agreement renewed for another term (renewed_from is the previous "
                  "term's agreement).", AgreementDataSerializer),
        EventType("agreement.expiring", "An agreement enters its notice period before expiry.",
                  AgreementDataSerializer),
        EventType("agreement.expired", "An agreement's term ended without renewal.", AgreementDataSerializer),
        EventType("agreement.cancelled", "An agreement was cancelled.", AgreementDataSerializer),
        EventType("client.created", "A client was added.", ClientDataSerializer),
        EventType("subscription.changed", "A client's membership started, changed (now or from the period "
                  "end), was cancelled, resumed or ended, or a scheduled change was dropped.",
                  MembershipChangeDataSerializer),
        EventType("invoice.issued", "An invoice was issued (numbered, and emailed to the client).",
                  InvoiceDataSerializer),
        EventType("invoice.paid", "An invoice was paid in full: nothing is left to pay on it.",
                  InvoiceDataSerializer),
        EventType("invoice.disputed", "A client disputed an invoice or one of its lines (in the portal, or "
                  "staff for them): the invoice is disputed until the dispute ends.",
                  DisputeEventDataSerializer),
        EventType("dispute.resolved", "A dispute ended: resolved by a credit note or by an explanation the "
                  "client accepted, or withdrawn (the dispute's resolution says which).",
                  DisputeEventDataSerializer),
        EventType("reward.granted", "A rewards program (or staff, by hand) granted a client a reward: "
                  "account credit, a discount, a gift to deliver or a recognition.",
                  RewardEventDataSerializer),
    ]
}  # fmt: skip
EVENT_TYPE_CHOICES = [(name, f"{name}: {event_type.description}") for name, event_type in EVENT_TYPES.items()]


# --- Building a message -----------------------------------------------------------------------------


def _tickets() -> QuerySet[Ticket]:
    return Ticket.objects.select_related("client", "assignee", "issue_type")


def _ticket_data(event: OutboxEvent) -> dict | None:
    ticket = _tickets().filter(pk=event.payload.get("ticket_id")).first()
    return {"ticket": WebhookTicketSerializer(ticket).data} if ticket else None


def _ticket_updated_data(event: OutboxEvent) -> dict | None:
    data = _ticket_data(event)
    if data is not None:
        changes = event.payload.get("changes", {})
        data["changes"] = {field: {"from": old, "to": new} for field, (old, new) in changes.items()}
    return data


def _sla_data(event: OutboxEvent) -> dict | None:
    clock = SlaClock.objects.filter(pk=event.payload.get("clock_id")).first()
    ticket = _tickets().filter(pk=event.payload.get("ticket_id")).first()
    if clock is None or ticket is None:
        return None
    return {"ticket": WebhookTicketSerializer(ticket).data, "clock": WebhookClockSerializer(clock).data}


def _agreement_data(event: OutboxEvent) -> dict | None:
    agreement = (
        Agreement.objects.select_related("client", "version__template", "tenant")
        .filter(pk=event.payload.get("agreement_id"))
        .first()
    )
    return {"agreement": WebhookAgreementSerializer(agreement).data} if agreement else None


def _client_data(event: OutboxEvent) -> dict | None:
    client = Client.objects.filter(pk=event.payload.get("client_id")).first()
    return {"client": WebhookClientSerializer(client).data} if client else None


def _invoice_data(event: OutboxEvent) -> dict | None:
    invoice = (
        Invoice.objects.select_related("client")
        .prefetch_related("lines__time_entry")
        .filter(pk=event.payload.get("invoice_id"))
        .first()
    )
    return {"invoice": InvoiceSerializer(invoice).data} if invoice else None


BUILDERS = {
    "ticket.updated": _ticket_updated_data,
    "client.created": _client_data,
    "invoice.issued": _invoice_data,
    "invoice.paid": _invoice_data,
    "invoice.disputed": lambda event: dispute_event_data(dispute_id=event.payload.get("dispute_id")),
    "dispute.resolved": lambda event: dispute_event_data(dispute_id=event.payload.get("dispute_id")),
    "reward.granted": lambda event: reward_event_data(reward_id=event.payload.get("reward_id")),
    "subscription.changed": lambda event: membership_change_data(
        subscription_id=event.payload.get("subscription_id"), change_id=event.payload.get("change_id")
    ),
}


def _builder(event_type: str):
    if event_type in BUILDERS:
        return BUILDERS[event_type]
    prefix = event_type.split(".", 1)[0]
    return {"ticket": _ticket_data, "sla": _sla_data, "agreement": _agreement_data}[prefix]


def build_message(event: OutboxEvent) -> dict:
    """The message partners receive for ``event`` (a type in ``EVENT_TYPES``), in the event's tenant.
    Should the object be gone, ``data`` is the event's own record of what happened."""
    data = _builder(event.name)(event)
    return {
        "type": event.name,
        "timestamp": serializers.DateTimeField().to_representation(event.occurred_at),
        "data": data if data is not None else dict(event.payload),
    }
