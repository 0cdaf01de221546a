"""The partner API of invoices, credit notes and payments. Thin: validate, call billing.services or a
selector, serialize. Issued invoices only (a draft is the billing run's work in progress); an invoice never
changes once issued, so it is read-only here: corrections are credit notes, money received is a payment.
Querysets are built per request (django-scopes refuses them at import time)."""

from __future__ import annotations

from django.http import HttpResponse
from django_filters import rest_framework as filters
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiExample,
    OpenApiResponse,
    extend_schema,
    extend_schema_field,
    extend_schema_view,
)
from rest_framework import mixins, renderers, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from api.viewsets import TenantScopedViewMixin, calling_staff_user, request_actor, through_service
from billing import pdf, services
from billing.models import (
    CreditNote,
    CreditNoteLine,
    Invoice,
    InvoiceLine,
    InvoiceStatus,
    Payment,
    PaymentMethod,
)

VIEW, MANAGE = "billing.view", "billing.manage"
_PAGES = "Newest first, in cursor pages (`page_size` up to 200)."
MONEY = {"max_digits": 12, "decimal_places": 2}
ISSUED_STATUSES = [(value, label) for value, label in InvoiceStatus.choices if value != InvoiceStatus.DRAFT]


class BillingViewSetMixin(TenantScopedViewMixin):
    view_permission, manage_permission = VIEW, MANAGE


def issued_invoices():
    return Invoice.objects.exclude(status=InvoiceStatus.DRAFT)


@extend_schema_field(OpenApiTypes.INT)
class IssuedInvoiceField(serializers.PrimaryKeyRelatedField):
    """An issued invoice of the caller's tenant, by id (another tenant's id reads as 'does not exist')."""

    def get_queryset(self):
        return issued_invoices()


# --- Invoices ---------------------------------------------------------------------------------------


class InvoiceLineSerializer(serializers.ModelSerializer):
    ticket = serializers.SerializerMethodField(help_text="The ticket of the time entry, for labour lines.")

    class Meta:
        model = InvoiceLine
        fields = [
            "id", "position", "kind", "description", "detail", "period_start", "period_end", "quantity",
            "unit_price", "amount", "taxable", "subscription", "plan", "time_entry", "ticket",
        ]  # fmt: skip
        read_only_fields = fields
        extra_kwargs = {
            "detail": {"help_text": "Why the line is there: the ticket, the rate, the rule."},
            "period_end": {"help_text": "The first day after the period (periods are [start, end))."},
            "amount": {"help_text": "Negative for a credit (proration back, account credit used)."},
        }

    @extend_schema_field(OpenApiTypes.INT)
    def get_ticket(self, line) -> int | None:
        return line.time_entry.ticket_id if line.time_entry_id else None


class InvoiceSerializer(serializers.ModelSerializer):
    status = serializers.ChoiceField(choices=ISSUED_STATUSES, read_only=True)
    client_name = serializers.CharField(source="client.name", read_only=True)
    balance = serializers.DecimalField(
        **MONEY,
        read_only=True,
        help_text="total - amount_paid - amount_credited; negative when a credit note covered money already "
        "paid (that part became the client's account credit).",
    )
    lines = InvoiceLineSerializer(many=True, read_only=True)

    class Meta:
        model = Invoice
        fields = [
            "id", "sequence", "number", "kind", "status", "client", "client_name", "subscription",
            "period_start", "period_end", "currency", "subtotal", "tax_label", "tax_rate_percent", "tax",
            "total", "amount_paid", "amount_credited", "balance", "issued_on", "due_on", "bill_to_name",
            "bill_to_email", "lines", "created_at", "updated_at",
        ]  # fmt: skip
        read_only_fields = fields
        extra_kwargs = {
            "sequence": {"help_text": "Gapless per company: 1, 2, 3…"},
            "number": {"help_text": "INV-<year issued>-<sequence>, e.g. INV-2026-000123."},
            "period_end": {"help_text": "The first day after the period (periods are [start, end))."},
        }


class InvoiceFilter(filters.FilterSet):
    status = filters.MultipleChoiceFilter(choices=ISSUED_STATUSES, distinct=False)
    client = filters.NumberFilter(field_name="client_id")
    issued_after = filters.DateFilter(field_name="issued_on", lookup_expr="gte", label="Issued on or after")
    issued_before = filters.DateFilter(field_name="issued_on", lookup_expr="lte", label="Issued on or before")

    class Meta:
        model = Invoice
        fields = []  # declared above: django-filter's own lookups would query without a tenant


class PDFRenderer(renderers.BaseRenderer):
    """Lets a client ask for ``Accept: application/pdf``; the PDF itself is returned as bytes."""

    media_type = "application/pdf"
    format = "pdf"
    charset = None
    render_style = "binary"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        if isinstance(data, bytes):
            return data
        return renderers.JSONRenderer().render(data, "application/json", renderer_context)  # an error


INVOICE_EXAMPLE = {
    "id": 812, "sequence": 123, "number": "INV-2026-000123", "kind": "subscription", "status": "partly_paid",
    "client": 12, "client_name": "Whitaker Residence", "subscription": 40, "period_start": "2026-12-01",
    "period_end": "2027-01-01", "currency": "USD", "subtotal": "188.00", "tax_label": "Sales tax",
    "tax_rate_percent": "8.875", "tax": "16.69", "total": "204.69", "amount_paid": "100.00",
    "amount_credited": "0.00", "balance": "104.69", "issued_on": "2026-12-01", "due_on": "2026-12-15",
    "bill_to_name": "Whitaker Residence", "bill_to_email": "accounts@whitaker.example",
    "lines": [
        {"id": 2001, "position": 0, "kind": "plan", "description": "Gold membership",
         "detail": "Monthly, agreed price", "period_start": "2026-12-01", "period_end": "2027-01-01",
         "quantity": "1.00", "unit_price": "149.00", "amount": "149.00", "taxable": True, "subscription": 40,
         "plan": 3, "time_entry": None, "ticket": None},
        {"id": 2002, "position": 1, "kind": "rider", "description": "Premium Response", "detail": "",
         "period_start": "2026-12-01", "period_end": "2027-01-01", "quantity": "1.00",
         "unit_price": "39.00", "amount": "39.00", "taxable": True, "subscription": 40, "plan": 7,
         "time_entry": None, "ticket": None},
    ],
    "created_at": "2026-12-01T11:00:02-05:00", "updated_at": "2026-12-04T09:12:40-05:00",
}  # fmt: skip


@extend_schema_view(
    list=extend_schema(
        summary="List invoices",
        description=f"Issued invoices with their lines. {_PAGES} Filters: `status` (repeatable), "
        "`client`, `issued_after`, `issued_before` (days, both included); `search` over the number and the "
        "client's name.",
        examples=[OpenApiExample("An invoice", response_only=True, value=INVOICE_EXAMPLE)],
    ),
    retrieve=extend_schema(
        summary="Get an invoice",
        examples=[OpenApiExample("An invoice", response_only=True, value=INVOICE_EXAMPLE)],
    ),
)
class InvoiceViewSet(
    BillingViewSetMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    model = Invoice
    serializer_class = InvoiceSerializer
    filterset_class = InvoiceFilter
    search_fields = ["number", "client__name"]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return super().get_queryset()
        return issued_invoices().select_related("client").prefetch_related("lines__time_entry")

    @extend_schema(
        summary="An invoice as PDF",
        description="The issued invoice, with its payments, credit notes and balance as of today.",
        responses={(200, "application/pdf"): OpenApiResponse(OpenApiTypes.BINARY, description="The PDF.")},
    )
    @action(detail=True, methods=["get"], renderer_classes=[renderers.JSONRenderer, PDFRenderer])
    def pdf(self, request, pk=None):
        invoice = self.get_object()
        response = HttpResponse(pdf.invoice_pdf(invoice), content_type="application/pdf")
        response["Content-Disposition"] = f'attachment; filename="{pdf.pdf_filename(invoice)}"'
        return response


# --- Credit notes -----------------------------------------------------------------------------------


class CreditNoteLineSerializer(serializers.ModelSerializer):
    class Meta:
        model = CreditNoteLine
        fields = ["id", "invoice_line", "description", "amount"]
        read_only_fields = fields
        extra_kwargs = {"amount": {"help_text": "What it takes back of the invoice line (the line's sign)."}}


class CreditNoteSerializer(serializers.ModelSerializer):
    invoice_number = serializers.CharField(source="invoice.number", read_only=True)
    client = serializers.IntegerField(source="invoice.client_id", read_only=True)
    currency = serializers.CharField(source="invoice.currency", read_only=True)
    lines = CreditNoteLineSerializer(many=True, read_only=True)

    class Meta:
        model = CreditNote
        fields = [
            "id", "sequence", "number", "invoice", "invoice_number", "client", "issued_on", "reason",
            "currency", "subtotal", "tax", "total", "lines", "actor", "created_at",
        ]  # fmt: skip
        read_only_fields = fields
        extra_kwargs = {"number": {"help_text": "CN-<year issued>-<sequence>, its own gapless series."}}


class CreditedLineSerializer(serializers.Serializer):
    line = serializers.IntegerField(help_text="The id of a line of the invoice.")
    amount = serializers.DecimalField(
        **MONEY, help_text="How much of it to take back (at most what is left)."
    )


@extend_schema_field(CreditedLineSerializer(many=True))
class CreditLinesField(serializers.ListField):
    """The lines to credit; an item's error is reported under ``lines`` with its number, as the API's error
    format documents it (a nested ``lines.0.amount`` would not match the published schema)."""

    child = serializers.DictField()
    default_error_messages = {
        "not_a_list": 'A list of {{"line": <id>, "amount": "<decimal>"}}, not {input_type}.',
        "invalid": "Item {number}: {problems}",
    }

    def to_internal_value(self, data):
        if not isinstance(data, list):
            self.fail("not_a_list", input_type=type(data).__name__)
        items = []
        for number, item in enumerate(data, 1):
            parsed = CreditedLineSerializer(data=item)
            if not parsed.is_valid():
                problems = "; ".join(
                    f"{name}: {' '.join(map(str, errors))}" for name, errors in parsed.errors.items()
                )
                self.fail("invalid", number=number, problems=problems)
            items.append(parsed.validated_data)
        return items


class CreditNoteCreateSerializer(serializers.Serializer):
    invoice = IssuedInvoiceField()
    reason = serializers.CharField(max_length=300, help_text="Why: the client reads it on the credit note.")
    full = serializers.BooleanField(
        default=False, help_text="true: everything left of the invoice (voids it). Otherwise give `lines`."
    )
    lines = CreditLinesField(required=False)

    def validate(self, data):
        if data["full"] == bool(data.get("lines")):
            raise serializers.ValidationError(
                "Give either `full: true` or `lines`, not both and not neither."
            )
        if data.get("lines"):
            by_id = {line.pk: line for line in data["invoice"].lines.all()}
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


class CreditNoteFilter(filters.FilterSet):
    invoice = filters.NumberFilter(field_name="invoice_id")
    client = filters.NumberFilter(field_name="invoice__client_id")
    issued_after = filters.DateFilter(field_name="issued_on", lookup_expr="gte")
    issued_before = filters.DateFilter(field_name="issued_on", lookup_expr="lte")

    class Meta:
        model = CreditNote
        fields = []


@extend_schema_view(
    list=extend_schema(
        summary="List credit notes",
        description=f"{_PAGES} Filters: `invoice`, `client`, `issued_after`, `issued_before`.",
    ),
    retrieve=extend_schema(summary="Get a credit note"),
    create=extend_schema(
        summary="Issue a credit note",
        description="Takes back part of an issued invoice's lines (`lines`), or everything left of it "
        "(`full`, which voids it). Never more of a line than is left; tax is credited in proportion. A part "
        "the client already paid becomes their account credit. A 400 says what cannot be credited. Honours "
        "`Idempotency-Key`.",
        request=CreditNoteCreateSerializer,
        responses={201: CreditNoteSerializer},
        examples=[
            OpenApiExample(
                "Part of a labour line",
                request_only=True,
                value={
                    "invoice": 812,
                    "reason": "Half the visit was covered by the plan",
                    "lines": [{"line": 2003, "amount": "70.00"}],
                },
            ),
            OpenApiExample(
                "Void the invoice",
                request_only=True,
                value={"invoice": 812, "reason": "Billed twice", "full": True},
            ),
        ],
    ),
)
class CreditNoteViewSet(
    BillingViewSetMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    model = CreditNote
    serializer_class = CreditNoteSerializer
    filterset_class = CreditNoteFilter

    def get_queryset(self):
        return super().get_queryset().select_related("invoice").prefetch_related("lines")

    def create(self, request, *args, **kwargs):
        return self._create(request)

    def _create(self, request):
        data = CreditNoteCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        note = through_service(
            services.issue_credit_note, values["invoice"], lines=values.get("chosen"),
            reason=values["reason"], actor=request_actor(request),
        )  # fmt: skip
        note = self.get_queryset().get(pk=note.pk)
        return Response(CreditNoteSerializer(note).data, status=status.HTTP_201_CREATED)


# --- Payments ---------------------------------------------------------------------------------------


class PaymentSerializer(serializers.ModelSerializer):
    invoice = IssuedInvoiceField()
    method = serializers.ChoiceField(choices=PaymentMethod.choices)
    invoice_number = serializers.CharField(source="invoice.number", read_only=True)
    currency = serializers.CharField(source="invoice.currency", read_only=True)

    class Meta:
        model = Payment
        fields = [
            "id", "invoice", "invoice_number", "amount", "currency", "paid_on", "method", "reference",
            "actor", "created_at",
        ]  # fmt: skip
        read_only_fields = ["id", "invoice_number", "currency", "actor", "created_at"]
        extra_kwargs = {
            "amount": {"help_text": "More than zero and at most the invoice's balance."},
            "paid_on": {"help_text": "Not in the future, not before the invoice was issued."},
        }


class PaymentFilter(filters.FilterSet):
    invoice = filters.NumberFilter(field_name="invoice_id")
    client = filters.NumberFilter(field_name="invoice__client_id")
    paid_after = filters.DateFilter(field_name="paid_on", lookup_expr="gte")
    paid_before = filters.DateFilter(field_name="paid_on", lookup_expr="lte")

    class Meta:
        model = Payment
        fields = []


@extend_schema_view(
    list=extend_schema(
        summary="List payments",
        description=f"{_PAGES} Filters: `invoice`, `client`, `paid_after`, `paid_before`.",
    ),
    retrieve=extend_schema(summary="Get a payment"),
    create=extend_schema(
        summary="Record a payment",
        description="Money received for an issued, partly paid or disputed invoice: more than zero and at "
        "most its balance. The invoice becomes paid when the balance is cleared (an `invoice.paid` webhook), "
        "partly paid otherwise. Honours `Idempotency-Key`, so a payment processor may retry safely.",
        examples=[
            OpenApiExample(
                "A bank transfer",
                request_only=True,
                value={
                    "invoice": 812,
                    "amount": "104.69",
                    "paid_on": "2026-12-10",
                    "method": "bank_transfer",
                    "reference": "TX-88120",
                },
            ),
        ],
    ),
)
class PaymentViewSet(
    BillingViewSetMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    model = Payment
    serializer_class = PaymentSerializer
    filterset_class = PaymentFilter

    def get_queryset(self):
        return super().get_queryset().select_related("invoice")

    def create(self, request, *args, **kwargs):
        return self._create(request)

    def _create(self, request):
        data = PaymentSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        payment = through_service(
            services.record_payment, values["invoice"], values["amount"], values["paid_on"], values["method"],
            values.get("reference", ""), request_actor(request), user=calling_staff_user(request),
        )  # fmt: skip
        return Response(PaymentSerializer(payment).data, status=status.HTTP_201_CREATED)
