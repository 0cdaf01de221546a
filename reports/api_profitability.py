"""Profitability per client in the partner API (``/api/v1/reports/profitability/``): the same figures as
the report page, a page of clients at a time (losses first unless sorted otherwise)."""

from django.core.paginator import Paginator
from drf_spectacular.utils import OpenApiExample, extend_schema, extend_schema_serializer, extend_schema_view
from rest_framework import serializers

from reports import profitability
from reports.api import PeriodQuerySerializer, PeriodSerializer, ReportViewSet, _period

MAX_PAGE_SIZE = 200


class ProfitabilityQuerySerializer(PeriodQuerySerializer):
    client = serializers.IntegerField(
        required=False, min_value=1, max_value=2**63 - 1, help_text="Only this client (its id)."
    )
    sort = serializers.ChoiceField(
        choices=list(profitability.SORTS.items()),
        default=profitability.DEFAULT_SORT,
        help_text="`margin` (default) puts the clients that cost more than they pay first.",
    )
    page = serializers.IntegerField(required=False, default=1, min_value=1, max_value=10**6)
    page_size = serializers.IntegerField(required=False, default=50, min_value=1, max_value=MAX_PAGE_SIZE)


def _money(**kwargs):
    return serializers.DecimalField(max_digits=14, decimal_places=2, **kwargs)


class ProfitRowSerializer(serializers.Serializer):
    client_id = serializers.IntegerField()
    client = serializers.CharField()
    membership = _money(
        help_text="Plan, rider and proration lines of invoices issued in the period, net of tax."
    )
    labour = _money(help_text="Labour and adjustment lines of invoices issued in the period, net of tax.")
    credit_notes = _money(help_text="Credit notes issued in the period, net of tax (subtracted).")
    credits = _money(help_text="Account credit granted in the period by rewards or staff (subtracted).")
    revenue = _money(help_text="membership + labour − credit_notes − credits.")
    cost = _money(help_text="Time entries worked in the period at each technician's cost rate that day.")
    margin = _money(help_text="revenue − cost.")
    margin_percent = serializers.DecimalField(
        max_digits=8, decimal_places=1, allow_null=True, help_text="margin / revenue; null without revenue."
    )
    hours = serializers.DecimalField(max_digits=10, decimal_places=2, help_text="Hours worked in the period.")
    effective_hourly_rate = _money(allow_null=True, help_text="revenue / hours; null without hours.")
    covered_hours = serializers.DecimalField(max_digits=10, decimal_places=2)
    included_hours = serializers.DecimalField(
        max_digits=10, decimal_places=1, help_text="The plan's included hours, prorated to the period."
    )
    is_loss = serializers.BooleanField(help_text="The client cost more than it paid.")


@extend_schema_serializer(many=False)  # a `list` action, but the answer is one object
class ProfitabilityReportSerializer(serializers.Serializer):
    period = PeriodSerializer()
    currency = serializers.CharField(help_text="ISO 4217: every amount is in it.")
    totals = ProfitRowSerializer(help_text="Every client together (`client_id` 0), whatever the page.")
    count = serializers.IntegerField(help_text="Clients in the answer (all pages).")
    page = serializers.IntegerField()
    pages = serializers.IntegerField()
    results = ProfitRowSerializer(many=True)


def row_data(row: profitability.ProfitRow) -> dict:
    return {
        "client_id": row.client_id,
        "client": row.client,
        "membership": row.membership,
        "labour": row.labour,
        "credit_notes": row.credit_notes,
        "credits": row.credits,
        "revenue": row.revenue,
        "cost": row.cost,
        "margin": row.margin,
        "margin_percent": row.margin_percent,
        "hours": row.hours,
        "effective_hourly_rate": row.effective_rate,
        "covered_hours": row.covered_hours,
        "included_hours": row.included_hours,
        "is_loss": row.is_loss,
    }


_ROW = {
    "client_id": 42,
    "client": "Whitaker Residence",
    "membership": "169.00",
    "labour": "155.00",
    "credit_notes": "30.00",
    "credits": "10.00",
    "revenue": "284.00",
    "cost": "412.50",
    "margin": "-128.50",
    "margin_percent": "-45.2",
    "hours": "8.25",
    "effective_hourly_rate": "34.42",
    "covered_hours": "6.00",
    "included_hours": "5.0",
    "is_loss": True,
}


@extend_schema_view(
    list=extend_schema(
        summary="Profitability per client",
        description=(
            "Per client, for the period: revenue (membership and labour lines of invoices issued in the "
            "period, net of tax, minus credit notes issued in it and account credit granted by rewards or "
            "staff; drafts and void invoices never count) minus labour cost (time entries worked in the "
            "period at each technician's cost rate in force that day), margin, effective hourly rate and "
            "covered vs included hours. Losses first by default; `totals` covers every client. Needs "
            "`revenue.view` for staff, the `read` scope for keys. Days are the tenant's (`period.timezone`)."
        ),
        parameters=[ProfitabilityQuerySerializer],
        responses={200: ProfitabilityReportSerializer},
        examples=[
            OpenApiExample(
                "March, losses first",
                response_only=True,
                value={
                    "period": {
                        "key": "custom",
                        "label": "1 Mar 2026 – 31 Mar 2026",
                        "start": "2026-03-01",
                        "end": "2026-03-31",
                        "timezone": "America/New_York",
                    },
                    "currency": "USD",
                    "totals": _ROW | {"client_id": 0, "client": "All clients"},
                    "count": 1,
                    "page": 1,
                    "pages": 1,
                    "results": [_ROW],
                },
            )
        ],
    )
)
class ProfitabilityReportViewSet(ReportViewSet):
    view_permission = manage_permission = "revenue.view"
    serializer_class = ProfitabilityReportSerializer
    query_serializer_class = ProfitabilityQuerySerializer

    def list(self, request):
        query = self.query()
        client_ids = [query["client"]] if query.get("client") else None
        report = profitability.profitability_by_client(
            query["resolved"], sort=query["sort"], client_ids=client_ids
        )
        paginator = Paginator(report.rows, query["page_size"])
        page = paginator.page(query["page"]) if query["page"] <= paginator.num_pages else None
        return self.answer(
            {
                "period": _period(query["resolved"]),
                "currency": request.tenant.currency,
                "totals": row_data(report.totals),
                "count": paginator.count,
                "page": query["page"],
                "pages": paginator.num_pages,
                "results": [row_data(row) for row in (page or [])],
            }
        )
