"""The recurring revenue page (``reports:revenue``) and its CSV exports: thin, over ``reports.revenue``."""

from __future__ import annotations

from django.http import HttpResponseBadRequest
from django.views import View
from django.views.generic import TemplateView

from accounts.reauth import RecentAuthenticationRequiredMixin
from reports import revenue, revenue_exports
from reports.views import _api
from tenants.localtime import tenant_today
from tenants.views import StaffRequiredMixin

MONTH_CHOICES = (12, 24, 36)


class RevenueMixin(StaffRequiredMixin):
    permission = "revenue.view"

    def months(self) -> int:
        """12, 24 (default) or 36 months; anything else reads as the default."""
        value = self.request.GET.get("months", "")
        return int(value) if value.isdigit() and int(value) in MONTH_CHOICES else revenue.DEFAULT_MONTHS

    def report(self) -> revenue.RevenueReport:
        return revenue.revenue_report(today=tenant_today(self.request.tenant), months=self.months())


class RevenueView(RevenueMixin, TemplateView):
    template_name = "reports/revenue.html"

    def get_context_data(self, **kwargs):
        months = self.months()
        report = self.report()
        return super().get_context_data(
            report=report,
            rows=report.months[::-1],  # tables newest first; charts read left to right
            months=months,
            month_choices=MONTH_CHOICES,
            currency=self.request.tenant.currency,
            chart_source=_api("api:report-mrr-list", {"months": months}),
            tables=revenue_exports.TABLES,
            **kwargs,
        )


class RevenueCsvView(RevenueMixin, RecentAuthenticationRequiredMixin, View):
    """One table of the page as CSV: ``?table=movements|mrr|retention|plans|coverage`` (and ``months``)."""

    def get(self, request):
        table = request.GET.get("table", "")
        if table not in revenue_exports.TABLES:
            choices = ", ".join(revenue_exports.TABLES)
            return HttpResponseBadRequest(
                f"Choose a table: {choices}.", content_type="text/plain; charset=utf-8"
            )
        return revenue_exports.revenue_csv(self.report(), table=table, currency=request.tenant.currency)
