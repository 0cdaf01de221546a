"""The "Billing run" staff page: the dry run for today (or a chosen day) with every invoice it would issue
and its lines, and a "Run now" button that queues the run and follows its progress (htmx polling).

The preview is ``billing.runs.plan_run``; the run is ``billing.tasks.bill_tenant``; its progress is the
record ``billing.run_progress`` keeps. Owners, managers and billing staff (``billing.run``).
"""

from __future__ import annotations

from datetime import datetime

from django import forms
from django.contrib import messages
from django.http import HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.views import View
from django.views.generic import TemplateView

from accounts.actors import actor_label
from billing import run_progress
from billing.models import InvoiceKind, LineKind
from billing.run_plan import span_text
from billing.runs import PlannedInvoice, plan_run
from billing.tasks import bill_tenant
from contracts.documents import money
from tenants.localtime import tenant_today
from tenants.views import StaffRequiredMixin

SHOWN = 200  # invoices listed on the page; the counts and totals cover them all
NUMBERS_SHOWN = 30  # numbers listed in a finished run's summary


class BillingRunMixin(StaffRequiredMixin):
    permission = "billing.run"


class RunDayForm(forms.Form):
    on = forms.DateField(
        required=False,
        label="Preview for",
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text="Empty: today, each client in its own time zone.",
    )


def _invoice_row(planned: PlannedInvoice, currency: str) -> dict:
    draft = planned.draft
    return {
        "client": planned.recipient.name,
        "email": planned.recipient.email,
        "kind": InvoiceKind(draft.kind).label,
        "is_labour": draft.kind == InvoiceKind.LABOUR,
        "period": span_text(draft.period_start, draft.period_end),
        "lines": [
            {
                "kind": LineKind(line.kind).label,
                "description": line.description,
                "detail": line.detail,
                "amount": money(line.amount, currency),
            }
            for line in draft.lines
        ],
        "subtotal": money(draft.subtotal, currency),
        "tax": money(draft.tax, currency),
        "tax_rate": draft.tax_rate_percent.normalize(),
        "total": money(draft.total, currency),
    }


def progress_context(tenant) -> dict:
    record = run_progress.current(tenant.pk)
    if record is None:
        return {"run": None}
    record["updated"] = datetime.fromisoformat(record["updated_at"])
    summary = record.get("summary") or {}
    totals = summary.get("totals") or {}
    numbers = summary.get("numbers") or []
    percent = 0
    if record.get("total"):
        percent = round(100 * (record.get("processed") or 0) / record["total"])
    return {
        "run": record,
        "percent": percent,
        "issued_total": ", ".join(money(amount, currency) for currency, amount in sorted(totals.items())),
        "numbers": numbers[:NUMBERS_SHOWN],
        "more_numbers": max(len(numbers) - NUMBERS_SHOWN, 0),
    }


class BillingRunView(BillingRunMixin, TemplateView):
    template_name = "billing/run.html"

    def get_context_data(self, **kwargs):
        tenant = self.request.tenant
        form = RunDayForm(self.request.GET or None)
        on = form.cleaned_data["on"] if form.is_valid() else None
        today = tenant_today(tenant)
        plan = plan_run(on=on, tenant=tenant)
        (tenant_plan,) = plan.tenants
        invoices = sorted(
            tenant_plan.invoices, key=lambda p: (p.recipient.name.lower(), p.draft.period_start, p.draft.kind)
        )
        by_kind = tenant_plan.by_kind()
        totals = tenant_plan.totals()
        return super().get_context_data(
            form=form,
            on=on,
            day=on or today,
            is_today=on is None or on == today,
            zone=tenant.timezone,
            invoice_count=len(invoices),
            client_count=len({planned.recipient.id for planned in invoices}),
            membership_count=by_kind.get(InvoiceKind.SUBSCRIPTION, 0),
            labour_count=by_kind.get(InvoiceKind.LABOUR, 0),
            total=money(totals.get(tenant.currency, 0), tenant.currency),
            rows=[_invoice_row(planned, tenant.currency) for planned in invoices[:SHOWN]],
            hidden=max(len(invoices) - SHOWN, 0),
            failures=tenant_plan.failures,
            clients_looked_at=tenant_plan.clients,
            **progress_context(tenant),
            **kwargs,
        )


class StartRunView(BillingRunMixin, View):
    """Queue the tenant's run for today (once: a run already underway is not queued again)."""

    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        tenant = request.tenant
        record = run_progress.current(tenant.pk)
        if record and record["active"]:
            messages.info(request, "A billing run is already underway: its progress is below.")
        else:
            started_by = actor_label(request.user)
            run_progress.queued(tenant.pk, started_by=started_by)
            bill_tenant.delay_on_commit(tenant_id=tenant.pk, started_by=started_by)
            messages.success(request, "Billing run started. You can leave this page: it keeps running.")
        return HttpResponseRedirect(reverse("billing:run"))


class RunProgressView(BillingRunMixin, TemplateView):
    """The run's status card, polled every 2 s while a run is queued or running. When the run it was
    following ends, the whole page reloads so the preview shows what is left to issue."""

    template_name = "billing/run.html#progress"

    def get(self, request, *args, **kwargs):
        context = progress_context(request.tenant)
        run = context["run"]
        if request.htmx and not (run and run["active"]):
            response = HttpResponse(status=204)
            response["HX-Refresh"] = "true"
            return response
        return self.render_to_response(self.get_context_data(**context))
