"""Profitability pages: per client (losses first), per agreement, CSV, and the drill-down of one client.
Thin: read the shared period filter, call reports.profitability, render."""

from urllib.parse import urlencode

from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404

from clients.models import Client
from reports import exports_profitability, profitability
from reports.views import CsvExportView, ReportPageView, _api

PAGE_SIZE = 50


def _select(by_agreement: bool):
    return profitability.profitability_by_agreement if by_agreement else profitability.profitability_by_client


def _choices(request) -> tuple[str, str]:
    sort = request.GET.get("sort") or profitability.DEFAULT_SORT
    sort = sort if sort in profitability.SORTS else profitability.DEFAULT_SORT
    return sort, request.GET.get("q", "").strip()[:100]


class ProfitabilityView(ReportPageView):
    permission = "revenue.view"
    template_name = "reports/profitability.html"
    report = "profitability"
    by_agreement = False

    def report_context(self, filters):
        sort, q = _choices(self.request)
        report = _select(self.by_agreement)(filters["period"], sort=sort, q=q)
        page = Paginator(report.rows, PAGE_SIZE).get_page(self.request.GET.get("page"))
        keep = filters["params"] | ({"q": q} if q else {})
        return {
            "result": report,
            "page_obj": page,
            "rows": page.object_list,
            "sort": sort,
            "q": q,
            "sorts": profitability.SORTS,
            "sort_label": profitability.SORTS[sort],
            "by_agreement": self.by_agreement,
            "definitions": profitability.DEFINITIONS,
            "sort_querystring": urlencode(keep),
            "page_querystring": urlencode(keep | {"sort": sort}),
            "chart_source": _api("api:report-profitability-list", filters["params"] | {"page_size": 10}),
        }


class ProfitabilityByAgreementView(ProfitabilityView):
    by_agreement = True


class ProfitabilityCsvView(CsvExportView):
    permission = "revenue.view"
    by_agreement = False

    def export(self, filters):
        sort, q = _choices(self.request)
        report = _select(self.by_agreement)(filters["period"], sort=sort, q=q)
        return exports_profitability.profitability_csv(report, by_agreement=self.by_agreement)


class ProfitabilityByAgreementCsvView(ProfitabilityCsvView):
    by_agreement = True


class ClientProfitabilityView(ProfitabilityView):
    """Behind one client's figures: invoices and credit notes (revenue), tickets and time entries (cost)."""

    template_name = "reports/profitability_client.html"
    model = Client  # what the URL's pk names (tests/test_tenant_isolation_urls.py)

    def report_context(self, filters):
        client = get_object_or_404(Client.objects.all(), pk=self.kwargs["pk"])
        return {
            "client": client,
            "detail": profitability.client_detail(client, filters["period"]),
            "definitions": profitability.DEFINITIONS,
        }
