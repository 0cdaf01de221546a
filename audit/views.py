import csv

from django.http import HttpResponse
from django.views.generic import ListView

from accounts.reauth import confirmation_redirect, is_recently_authenticated
from audit import selectors
from audit.forms import AuditFilterForm
from tenants.localtime import tenant_zone
from tenants.views import StaffRequiredMixin

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _cell(value) -> str:
    """Spreadsheets run a cell that starts like a formula: a client named "=HYPERLINK(…)" stays text."""
    text = "" if value is None else str(value)
    return f"'{text}" if text.startswith(_FORMULA_START) else text


class AuditLogView(StaffRequiredMixin, ListView):
    """Who did what, when and from where: newest first, filtered by the query string; ``?format=csv``
    downloads the filtered list (and, like every CSV download, is itself recorded)."""

    permission = "audit.view"
    page_size = 50  # keyset pages (AuditLog.page): the log grows with every change
    template_name = "audit/log.html"

    def get_form(self):
        if not hasattr(self, "_form"):
            self._form = AuditFilterForm(self.request.GET or None, tenant=self.request.tenant)
        return self._form

    def get_queryset(self):
        form = self.get_form()
        filters = form.filters() if form.is_bound else selectors.AuditFilters()
        return selectors.audit_log(self.request.tenant, filters)

    def get(self, request, *args, **kwargs):
        if request.GET.get("format") == "csv":
            if not is_recently_authenticated(request):
                return confirmation_redirect(request)  # an export of the whole log: confirm it's you
            return self.csv()
        return super().get(request, *args, **kwargs)

    def csv(self):
        zone = tenant_zone(self.request.tenant)
        response = HttpResponse(content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = 'attachment; filename="audit-log.csv"'
        response.write("\ufeff")  # so Excel reads UTF-8
        writer = csv.writer(response)
        header = ["Who", "IP", "User agent", "Action", "Object type", "Object id", "Object", "Changes"]
        writer.writerow([f"When ({zone.key})", *header, "Request id"])
        for row in self.get_queryset():
            changes = "; ".join(f"{c.field}: {c.before_text} -> {c.after_text}" for c in row.changes)
            values = [
                row.at.strftime("%Y-%m-%d %H:%M:%S"),
                row.actor,
                row.ip,
                row.user_agent,
                row.kind_label,
                row.object_type,
                row.object_id,
                row.object_label,
                changes,
                row.request_id,
            ]
            writer.writerow([_cell(value) for value in values])
        return response

    def get_context_data(self, **kwargs):
        log = self.object_list
        page = log.page(size=self.page_size, cursor=self.request.GET.get("cursor", ""))
        shown, more = log.capped_count()
        params = self.request.GET.copy()
        params.pop("page", None)
        params.pop("cursor", None)
        params.pop("format", None)
        return super().get_context_data(
            object_list=page.rows,
            keyset=page,
            shown=shown,
            more_than_shown=more,
            form=self.get_form(),
            filtered=any(params.get(key) for key in ("q", "actor", "kind", "object_type", "since", "until")),
            querystring=params.urlencode(),
            zone=tenant_zone(self.request.tenant).key,
            **kwargs,
        )

    def get_template_names(self):
        if self.request.htmx and not self.request.htmx.boosted:
            return ["audit/log.html#results"]
        return [self.template_name]
