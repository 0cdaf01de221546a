from urllib.parse import urlencode

from django.http import HttpResponseBadRequest
from django.urls import reverse
from django.utils import timezone
from django.views import View
from django.views.generic import RedirectView, TemplateView

from accounts.reauth import RecentAuthenticationRequiredMixin
from billing import selectors as billing_selectors
from clients import selectors as client_selectors
from contracts import campaigns, renewals
from reports import exports, revenue, selectors
from reports.forms import BreachForm, ComplianceForm, PeriodForm
from reports.periods import PRESETS, resolve_period
from service_levels.models import Metric, Priority
from tenants.keyset_pages import keyset_page
from tenants.localtime import tenant_today
from tenants.views import StaffRequiredMixin
from tickets import selectors as ticket_selectors


class DashboardView(StaffRequiredMixin, TemplateView):
    """The landing page after sign-in (``tenants:home``): the tenant's real figures, each a link to the
    page behind it with that page's filter set. It sits here, above the apps it sums up, and
    config/urls.py wires it into the tenants namespace. A fixed number of queries, however many rows."""

    template_name = "reports/dashboard.html"

    def get_context_data(self, **kwargs):
        tenant = self.request.tenant
        today = tenant_today(tenant)
        day = resolve_period("custom", today=today, timezone=tenant.timezone, start=today, end=today)
        day_start, day_end = day.bounds()
        tickets = ticket_selectors.ticket_glance(now=timezone.now(), day_start=day_start, day_end=day_end)
        return super().get_context_data(
            mrr=revenue.mrr_summary(today=today) if self.request.membership.can("revenue.view") else None,
            disputes=billing_selectors.disputes_glance()
            if self.request.membership.can("billing.view")
            else None,
            currency=tenant.currency,
            counts=client_selectors.tenant_counts(),
            largest_clients=client_selectors.largest_clients(),
            tickets=tickets,
            priorities=[(value, label, tickets.open_by_priority[value]) for value, label in Priority.choices],
            coverage=campaigns.coverage(on=today),
            renewals_due=renewals.renewals_due(today, days=30),
            today=today,
            today_query=urlencode(day.query()),
            **kwargs,
        )


class ReportMixin(StaffRequiredMixin):
    """Reads the shared filters (period preset or custom range, in the tenant's dates)."""

    permission = "reports.view"
    form_class = PeriodForm
    extra_filters: tuple[str, ...] = ()

    def filters(self) -> dict:
        tenant = self.request.tenant
        today = tenant_today(tenant)
        form = self.form_class(self.request.GET, today=today, timezone=tenant.timezone)
        if form.is_valid():
            data = form.cleaned_data
        else:  # say what was wrong, and show the default period meanwhile
            data = {"resolved": resolve_period(None, today=today, timezone=tenant.timezone)}
        period = data["resolved"]
        params = period.query() | {name: data.get(name) or "" for name in self.extra_filters}
        params = {key: value for key, value in params.items() if value}
        return {"form": form, "period": period, "data": data, "params": params,
                "querystring": urlencode(params), "period_querystring": urlencode(period.query()),
                "presets": PRESETS}  # fmt: skip


class ReportPageView(ReportMixin, TemplateView):
    report = ""

    def get_template_names(self):
        return [f"{self.template_name}#report"] if self.request.htmx else [self.template_name]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        filters = self.filters()
        context |= filters | {"report": self.report}
        context |= self.report_context(filters)
        return context

    def report_context(self, filters: dict) -> dict:
        raise NotImplementedError


def _api(name: str, params: dict) -> str:
    return f"{reverse(name)}?{urlencode(params)}"


class ReportsHomeView(StaffRequiredMixin, RedirectView):
    permission = "reports.view"
    pattern_name = "reports:compliance"


class ComplianceView(ReportPageView):
    template_name = "reports/compliance.html"
    form_class = ComplianceForm
    extra_filters = ("group_by",)
    report = "compliance"

    def report_context(self, filters):
        group_by = filters["data"].get("group_by") or "month"
        rows = selectors.sla_compliance(filters["period"], group_by=group_by)
        return {
            "rows": rows, "overall": selectors.overall(rows), "group_by": group_by,
            "groupings": selectors.GROUPINGS, "group_label": selectors.GROUPINGS[group_by],
            "goal": selectors.COMPLIANCE_GOAL_PERCENT,
            "chart_source": _api(
                "api:report-sla-compliance-list", filters["params"] | {"group_by": group_by}
            ),
        }  # fmt: skip


class CsvExportView(ReportMixin, RecentAuthenticationRequiredMixin, View):
    """A report as CSV. An export never falls back to another period: a bad range is a 400 saying why."""

    def get(self, request):
        filters = self.filters()
        if not filters["form"].is_valid():
            problems = [str(e) for errors in filters["form"].errors.values() for e in errors]
            return HttpResponseBadRequest(" ".join(problems), content_type="text/plain; charset=utf-8")
        return self.export(filters)

    def export(self, filters: dict):
        raise NotImplementedError


class ComplianceCsvView(CsvExportView):
    form_class = ComplianceForm

    def export(self, filters):
        group_by = filters["data"].get("group_by") or "month"
        rows = selectors.sla_compliance(filters["period"], group_by=group_by)
        return exports.compliance_csv(rows, period=filters["period"], group_by=group_by)


class BreachListView(ReportPageView):
    template_name = "reports/breaches.html"
    form_class = BreachForm
    extra_filters = ("metric", "priority")
    report = "breaches"
    paginate_by = 50

    def report_context(self, filters):
        data = filters["data"]
        breaches = selectors.breaches_in_period(
            filters["period"], metric=data.get("metric") or "", priority=data.get("priority") or ""
        )
        # Keyset pages (tenants.keyset_pages) on the (tenant, due_at, id) index: a deep page costs what the
        # first does, where OFFSET read every newer breach. Rows are built for the page shown only.
        page = keyset_page(
            breaches, ("-due_at", "-id"), size=self.paginate_by, cursor=self.request.GET.get("cursor", "")
        )
        return {
            "total": breaches.count(), "keyset": page, "rows": selectors.breach_rows(page.rows),
            "metrics": Metric.choices, "priorities": Priority.choices,
            "metric": data.get("metric") or "", "priority": data.get("priority") or "",
            "open_count": selectors.still_late_count(breaches),
            # The chart counts every breach of the period, in SQL: the list's API answers a page at a time.
            "chart_source": _api("api:report-breaches-by-priority", filters["params"]),
        }  # fmt: skip


class BreachCsvView(CsvExportView):
    form_class = BreachForm

    def export(self, filters):
        data = filters["data"]
        rows = selectors.breach_list(
            filters["period"], metric=data.get("metric") or "", priority=data.get("priority") or ""
        )
        return exports.breaches_csv(rows, period=filters["period"])


class UtilizationView(ReportPageView):
    template_name = "reports/utilization.html"
    report = "utilization"

    def report_context(self, filters):
        rows = selectors.utilization(filters["period"])
        return {
            "rows": rows, "totals": selectors.utilization_totals(rows),
            "target": selectors.utilization_target(), "over_count": sum(r.over_target for r in rows),
            "chart_source": _api("api:report-utilization-list", filters["params"]),
        }  # fmt: skip


class UtilizationCsvView(CsvExportView):
    def export(self, filters):
        return exports.utilization_csv(selectors.utilization(filters["period"]), period=filters["period"])
