"""Recurring revenue in the partner API (`GET /api/v1/reports/mrr/`): the figures of the revenue page, from
``reports.revenue``. Read-only; staff need ``revenue.view``."""

from drf_spectacular.utils import (
    OpenApiExample,
    extend_schema,
    extend_schema_field,
    extend_schema_serializer,
    extend_schema_view,
)
from rest_framework import serializers

from reports import revenue
from reports.api import ReportViewSet
from tenants.localtime import tenant_today

MONEY = {"max_digits": 14, "decimal_places": 2}
PERCENT = {"allow_null": True}


class MrrQuerySerializer(serializers.Serializer):
    months = serializers.IntegerField(
        min_value=1,
        max_value=revenue.MAX_MONTHS,
        default=revenue.DEFAULT_MONTHS,
        help_text="How many months, the current one (to date) last. 1 to 36, default 24.",
    )


class MrrRetentionSerializer(serializers.Serializer):
    cohort_clients = serializers.IntegerField(
        help_text="Clients paying at the end of the same month a year earlier."
    )
    cohort_mrr = serializers.DecimalField(**MONEY, help_text="What the cohort paid then, a month.")
    current_mrr = serializers.DecimalField(**MONEY, help_text="What the cohort pays now, a month.")
    kept_mrr = serializers.DecimalField(
        **MONEY, help_text="What it pays now, each client at most what it paid."
    )
    lost_clients = serializers.IntegerField(help_text="Of the cohort, clients paying nothing now.")
    nrr_percent = serializers.FloatField(source="nrr", **PERCENT, help_text="current_mrr / cohort_mrr.")
    grr_percent = serializers.FloatField(source="grr", **PERCENT, help_text="kept_mrr / cohort_mrr.")
    logo_churn_percent = serializers.FloatField(
        source="logo_churn", **PERCENT, help_text="lost_clients / cohort_clients."
    )


@extend_schema_field({"type": "string", "pattern": r"^\d{4}-\d{2}$", "example": "2026-03"})
class MonthField(serializers.Field):
    """A month as ``YYYY-MM`` (OpenAPI has no month format: a ``date`` would promise a day)."""

    def to_representation(self, value):
        return f"{value:%Y-%m}"


class MrrMonthSerializer(serializers.Serializer):
    month = MonthField(help_text="The month, `YYYY-MM`.")
    as_of = serializers.DateField(help_text="The day MRR was read: the month's last day, or today.")
    to_date = serializers.BooleanField(help_text="The current month, read today (even on its last day).")
    opening = serializers.DecimalField(**MONEY, help_text="MRR at the end of the month before.")
    new = serializers.DecimalField(**MONEY, help_text="From clients that never paid at a month end before.")
    expansion = serializers.DecimalField(**MONEY, help_text="From clients paying more.")
    reactivated = serializers.DecimalField(**MONEY, help_text="From clients that paid before, then nothing.")
    contraction = serializers.DecimalField(**MONEY, help_text="Negative: clients paying less (not nothing).")
    churned = serializers.DecimalField(**MONEY, help_text="Negative: clients now paying nothing.")
    net = serializers.DecimalField(**MONEY, help_text="closing - opening = the sum of the five movements.")
    closing = serializers.DecimalField(**MONEY, help_text="MRR on `as_of`.")
    paying_at_start = serializers.IntegerField()
    paying_at_end = serializers.IntegerField()
    new_clients = serializers.IntegerField()
    expansion_clients = serializers.IntegerField()
    reactivated_clients = serializers.IntegerField()
    contraction_clients = serializers.IntegerField()
    churned_clients = serializers.IntegerField()
    logo_churn_percent = serializers.FloatField(
        source="logo_churn", **PERCENT, help_text="churned_clients / paying_at_start; null without any."
    )
    grr_percent = serializers.FloatField(
        source="grr", **PERCENT, help_text="(opening + contraction + churned) / opening."
    )
    nrr_percent = serializers.FloatField(
        source="nrr", **PERCENT, help_text="(opening + expansion + contraction + churned) / opening."
    )
    trailing_12_months = MrrRetentionSerializer(
        source="trailing",
        allow_null=True,
        help_text="Null when nobody paid at the end of the month a year earlier.",
    )


class MrrPlanSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(
        choices=[("tier", "Tier"), ("none", "No tier (riders only)"), ("rider", "Rider")]
    )
    plan_id = serializers.IntegerField(allow_null=True)
    key = serializers.CharField()
    name = serializers.CharField()
    clients = serializers.IntegerField(help_text="Clients holding it today.")
    mrr = serializers.DecimalField(**MONEY, help_text="What it brings a month (an annual price / 12).")
    share_percent = serializers.FloatField(source="share", **PERCENT, help_text="Of all MRR.")


class MrrCoverageSerializer(serializers.Serializer):
    key = serializers.ChoiceField(choices=[("signed", "Signed"), ("unsigned", "Not signed")])
    label = serializers.CharField()
    clients = serializers.IntegerField(help_text="Active clients.")
    clients_percent = serializers.FloatField(source="clients_share", **PERCENT)
    paying_clients = serializers.IntegerField(help_text="Clients with MRR today.")
    mrr = serializers.DecimalField(**MONEY)
    mrr_percent = serializers.FloatField(source="mrr_share", **PERCENT)


@extend_schema_serializer(many=False)  # a `list` action, but the answer is one object
class MrrReportSerializer(serializers.Serializer):
    today = serializers.DateField(help_text="The tenant's today.")
    timezone = serializers.CharField()
    currency = serializers.CharField(help_text="ISO 4217: every amount is in it.")
    mrr = serializers.DecimalField(**MONEY, help_text="Monthly recurring revenue today.")
    arr = serializers.DecimalField(**MONEY, help_text="12 × mrr.")
    previous_month_end = serializers.DateField()
    previous_mrr = serializers.DecimalField(**MONEY, help_text="MRR at the end of last month.")
    change = serializers.DecimalField(**MONEY, help_text="mrr - previous_mrr: this month so far.")
    paying_clients = serializers.IntegerField()
    trailing_12_months = MrrRetentionSerializer(source="trailing", allow_null=True)
    months = MrrMonthSerializer(many=True, help_text="Oldest first; the last is the current month, to date.")
    plans = MrrPlanSerializer(many=True, help_text="Tiers (highest first), then riders: held today.")
    coverage = MrrCoverageSerializer(many=True, help_text="Signed service contract in force today, or not.")


_MONTH = {
    "month": "2026-03",
    "as_of": "2026-03-10",
    "to_date": True,
    "opening": "18230.00",
    "new": "358.00",
    "expansion": "120.00",
    "reactivated": "108.00",
    "contraction": "-220.00",
    "churned": "-179.00",
    "net": "187.00",
    "closing": "18417.00",
    "paying_at_start": 104,
    "paying_at_end": 106,
    "new_clients": 2,
    "expansion_clients": 1,
    "reactivated_clients": 1,
    "contraction_clients": 1,
    "churned_clients": 1,
    "logo_churn_percent": 1.0,
    "grr_percent": 97.8,
    "nrr_percent": 98.4,
    "trailing_12_months": {
        "cohort_clients": 88,
        "cohort_mrr": "15120.00",
        "current_mrr": "15904.00",
        "kept_mrr": "14310.00",
        "lost_clients": 6,
        "nrr_percent": 105.2,
        "grr_percent": 94.6,
        "logo_churn_percent": 6.8,
    },
}


@extend_schema_view(
    list=extend_schema(
        summary="Recurring revenue (MRR)",
        description=(
            "MRR and ARR today and, for each of the last `months` months, the MRR movements: **new** "
            "(from nothing, never paid at an earlier month end), **expansion**, **reactivated** (from "
            "nothing, paid before), **contraction** and **churned** (negative amounts), which add up to "
            "`net` = `closing` - `opening` to the cent. MRR is read at each month's last day (the current "
            "month: today) from the memberships in force that day, tier and riders at their agreed prices, "
            "an annual price as a twelfth every month; a change in the middle of a month counts from the "
            "month end at which it holds. Retention per month and over twelve months (the cohort paying a "
            "year earlier), logo churn, MRR by tier and rider today and contract coverage beside it. Days "
            "are the tenant's (`timezone`); amounts in `currency`."
        ),
        parameters=[MrrQuerySerializer],
        responses={200: MrrReportSerializer},
        examples=[
            OpenApiExample(
                "This month so far",
                response_only=True,
                value={
                    "today": "2026-03-10",
                    "timezone": "America/New_York",
                    "currency": "USD",
                    "mrr": "18417.00",
                    "arr": "221004.00",
                    "previous_month_end": "2026-02-28",
                    "previous_mrr": "18230.00",
                    "change": "187.00",
                    "paying_clients": 106,
                    "trailing_12_months": _MONTH["trailing_12_months"],
                    "months": [_MONTH],
                    "plans": [
                        {
                            "kind": "tier",
                            "plan_id": 3,
                            "key": "platinum",
                            "name": "Platinum",
                            "clients": 14,
                            "mrr": "5586.00",
                            "share_percent": 30.3,
                        }
                    ],
                    "coverage": [
                        {
                            "key": "signed",
                            "label": "Signed service contract in force",
                            "clients": 98,
                            "clients_percent": 61.3,
                            "paying_clients": 101,
                            "mrr": "17980.00",
                            "mrr_percent": 97.6,
                        }
                    ],
                },
            )
        ],
    )
)
class MrrReportViewSet(ReportViewSet):
    view_permission = manage_permission = "revenue.view"
    serializer_class = MrrReportSerializer
    query_serializer_class = MrrQuerySerializer

    def list(self, request):
        tenant = request.tenant
        report = revenue.revenue_report(today=tenant_today(tenant), months=self.query()["months"])
        return self.answer(mrr_report_data(report, tenant=tenant))


def mrr_report_data(report: revenue.RevenueReport, *, tenant) -> dict:
    return {
        "today": report.today,
        "timezone": tenant.timezone,
        "currency": tenant.currency,
        "mrr": report.mrr,
        "arr": report.arr,
        "previous_month_end": report.previous_month_end,
        "previous_mrr": report.previous_mrr,
        "change": report.change,
        "paying_clients": report.paying_clients,
        "trailing": report.trailing,
        "months": report.months,
        "plans": report.plans,
        "coverage": report.coverage,
    }
