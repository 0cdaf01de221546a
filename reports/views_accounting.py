"""The accounting export page (``billing:export``) and its CSV files (``billing:export_file``).

The page lives here rather than in billing because it uses the reports' shared period picker, and
reports sits above billing; config/urls.py puts both views in the billing namespace under /billing/.
The rows themselves are billing's (billing/accounting_export.py).
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from urllib.parse import urlencode

from django.http import HttpResponseBadRequest, StreamingHttpResponse
from django.urls import reverse
from django.views import View

from accounts.reauth import RecentAuthenticationRequiredMixin
from billing import accounting_export as export
from billing import selectors as billing_selectors
from billing.services import current_billing_settings
from reports.forms import AccountingExportForm
from reports.views import ReportMixin, ReportPageView
from tenants.scope import tenant_scope

KINDS = {"invoices": export.INVOICES, "credit-notes": export.CREDIT_NOTES, "payments": export.PAYMENTS}
_ROWS_PER_CHUNK = 200


class _Line:
    """csv.writer writes into this and gets the line back, so rows can be streamed."""

    def write(self, value: str) -> str:
        return value


def _choices(request, data: dict) -> tuple[str, str]:
    export_format = data.get("format") or export.ACCORD
    date_order = data.get("dates") or export.default_date_order(request.tenant.country)
    return export_format, date_order


class ExportMixin(ReportMixin):
    permission = "revenue.view"
    form_class = AccountingExportForm
    extra_filters = ("format", "dates")


class AccountingExportView(ExportMixin, ReportPageView):
    template_name = "billing/export.html"
    report = "export"

    def report_context(self, filters):
        period = filters["period"]
        export_format, date_order = _choices(self.request, filters["data"])
        params = filters["params"] | {"format": export_format, "dates": date_order}
        query = urlencode(params)
        files = [
            {
                "kind": kind,
                "label": export.DOCUMENTS[kind],
                "url": f"{reverse('billing:export_file', args=[slug])}?{query}",
                "document": export.document(export_format, kind),
                "filename": export.filename(
                    export.document(export_format, kind).layout, kind, period.start, period.end
                ),
            }
            for slug, kind in KINDS.items()
        ]
        return {
            "counts": billing_selectors.export_counts(period.start, period.end),
            "files": files,
            "export_format": export_format,
            "format_label": export.FORMATS[export_format],
            "formats": export.FORMATS,
            "date_order": date_order,
            "date_orders": export.DATE_ORDERS,
            "codes": current_billing_settings(),
        }


def _rows(tenant, document, start, end, options, *, bom: bool) -> Iterator[str]:
    """The file, a chunk of rows at a time. It is read after the view has returned, outside the request's
    tenant scope, so it enters the tenant itself (and reads in one transaction, a consistent snapshot)."""
    writer = csv.writer(_Line())
    yield ("\ufeff" if bom else "") + writer.writerow(document.header)
    with tenant_scope(tenant):
        chunk = []
        for row in document.rows(start, end, options):
            chunk.append(writer.writerow(row))
            if len(chunk) >= _ROWS_PER_CHUNK:
                yield "".join(chunk)
                chunk = []
        if chunk:
            yield "".join(chunk)


class AccountingExportFileView(ExportMixin, RecentAuthenticationRequiredMixin, View):
    """One CSV file of the export. A bad period is a 400 saying why, never another period's file."""

    def get(self, request, kind):
        filters = self.filters()
        form = filters["form"]
        if not form.is_valid():
            problems = [str(e) for errors in form.errors.values() for e in errors]
            return HttpResponseBadRequest(" ".join(problems), content_type="text/plain; charset=utf-8")
        period = filters["period"]
        export_format, date_order = _choices(request, filters["data"])
        document = export.document(export_format, KINDS[kind])
        options = export.Options(settings=current_billing_settings(), date_order=date_order)
        # Excel needs the byte-order mark to read UTF-8; the importers of Xero and QuickBooks read UTF-8
        # without it, and one of them could take it for part of the first column's name.
        rows = _rows(
            request.tenant, document, period.start, period.end, options, bom=document.layout == export.ACCORD
        )
        response = StreamingHttpResponse(rows, content_type="text/csv; charset=utf-8")
        name = export.filename(document.layout, KINDS[kind], period.start, period.end)
        response["Content-Disposition"] = f'attachment; filename="{name}"'
        return response
