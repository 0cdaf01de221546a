"""Staff pages of disputes: the queue (with the dispute rate of the last twelve months as a chart, a table
and a CSV), and one dispute with its thread and what staff can do: reply, propose an explanation, resolve
with a credit note, withdraw for the client.

Reads come from billing.selectors, writes go through billing.disputes; a refused write shows its message on
the form it came from, with what was typed kept.
"""

from __future__ import annotations

import csv

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import reverse
from django.views import View
from django.views.generic import ListView

from accounts.actors import actor_label
from accounts.reauth import RecentAuthenticationRequiredMixin
from billing import disputes, selectors
from billing.forms import (
    DisputeExplainForm,
    DisputeFilterForm,
    DisputeMessageForm,
    DisputeResolveForm,
    DisputeWithdrawForm,
)
from billing.models import Dispute, DisputeParty
from billing.views_invoices import BillingManageMixin, BillingViewMixin
from tenants.forms import add_service_errors
from tenants.localtime import tenant_today

RATE_MONTHS = 12


def _rate_rows(today):
    return selectors.dispute_rate(months=RATE_MONTHS, today=today)


def _percent(value) -> str:
    return "" if value is None else str(value)


def _number(value) -> float | None:
    return None if value is None else float(value)


class DisputeListView(BillingViewMixin, ListView):
    """The queue: open disputes first, the longest waiting on top; filters kept in the URL (htmx)."""

    model = Dispute
    paginate_by = 25
    template_name = "billing/dispute_list.html"

    def get_queryset(self):
        self.filters = DisputeFilterForm(self.request.GET or None)
        data = self.filters.cleaned_data if self.filters.is_valid() else {}
        return selectors.disputes(status=data.get("status") or "", search=data.get("q") or "")

    def get_template_names(self):
        return [f"{self.template_name}#results"] if self.request.htmx else [self.template_name]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        today = tenant_today()
        for dispute in context["object_list"]:
            dispute.age_days = selectors.dispute_age_days(dispute, today=today)
        params = self.request.GET.copy()
        params.pop("page", None)
        data = self.filters.cleaned_data if self.filters.is_valid() else {}
        context.update(
            filters=self.filters,
            filtered=bool(data.get("q")) or bool(data.get("status")),
            querystring=params.urlencode(),
            open_count=selectors.open_disputes().count(),
            rate=list(reversed(_rate_rows(today))),  # the newest month on top of the table
            rate_months=RATE_MONTHS,
        )
        return context


class DisputeRateJsonView(BillingViewMixin, View):
    """The chart's figures (the table's, oldest month first)."""

    http_method_names = ["get", "head"]

    def get(self, request):
        rows = _rate_rows(tenant_today())
        return JsonResponse(
            {
                "currency": request.tenant.currency,
                "rows": [
                    {
                        "label": f"{row.month:%b %Y}",
                        "month": row.month.isoformat(),
                        "invoices": row.invoices,
                        "disputed": row.disputed,
                        "invoice_percent": _number(row.invoice_percent),
                        "billed": str(row.billed),
                        "amount_disputed": str(row.amount_disputed),
                        "amount_percent": _number(row.amount_percent),
                    }
                    for row in rows
                ],
            }
        )


class DisputeRateCsvView(BillingViewMixin, RecentAuthenticationRequiredMixin, View):
    http_method_names = ["get", "head"]

    def get(self, request):
        today = tenant_today()
        response = HttpResponse(content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="dispute-rate-{today:%Y-%m-%d}.csv"'
        writer = csv.writer(response)
        currency = request.tenant.currency
        writer.writerow(
            [
                "month",
                "invoices_issued",
                "invoices_disputed",
                "invoices_disputed_percent",
                f"amount_billed_{currency}",
                f"amount_disputed_{currency}",
                "amount_disputed_percent",
            ]
        )
        for row in _rate_rows(today):
            writer.writerow(
                [
                    f"{row.month:%Y-%m}",
                    row.invoices,
                    row.disputed,
                    _percent(row.invoice_percent),
                    row.billed,
                    row.amount_disputed,
                    _percent(row.amount_percent),
                ]
            )
        return response


# --- One dispute ------------------------------------------------------------------------------------


def _resolve_initial(dispute: Dispute, lines) -> dict:
    """The credit note form prefilled from what was disputed: the line (its amount, else all that is left
    of it), or an amount on an invoice of one line with something left."""
    open_lines = [view for view in lines if view.left > 0]
    initial = {"scope": DisputeResolveForm.LINES, "reason": f"Dispute: {dispute.reason}"[:300]}
    if dispute.line_id:
        left = next((view.left for view in open_lines if view.line.pk == dispute.line_id), None)
        if left is not None:
            initial[f"line_{dispute.line_id}"] = min(dispute.amount or left, left)
    elif dispute.amount is not None and len(open_lines) == 1:
        view = open_lines[0]
        initial[f"line_{view.line.pk}"] = min(dispute.amount, view.left)
    return initial


def dispute_page_context(dispute: Dispute, **forms) -> dict:
    detail = selectors.invoice_detail(dispute.invoice)
    dispute = next(d for d in detail.disputes if d.pk == dispute.pk)  # with its thread
    return {
        "dispute": dispute,
        "invoice": dispute.invoice,
        "detail": detail,
        "thread": list(dispute.messages.all()),
        "age_days": selectors.dispute_age_days(dispute),
        "reply_form": forms.get("reply_form") or DisputeMessageForm(prefix="reply"),
        "explain_form": forms.get("explain_form") or DisputeExplainForm(prefix="explain"),
        "withdraw_form": forms.get("withdraw_form") or DisputeWithdrawForm(prefix="withdraw"),
        "resolve_form": forms.get("resolve_form")
        or DisputeResolveForm(
            prefix="resolve", lines=detail.lines, initial=_resolve_initial(dispute, detail.lines)
        ),
        "open_form": forms.get("open_form", ""),
        "earlier": [d for d in detail.disputes if d.pk != dispute.pk],
    }


class DisputeDetailView(BillingViewMixin, View):
    model = Dispute
    http_method_names = ["get", "head"]

    def get(self, request, pk):
        dispute = get_object_or_404(Dispute, pk=pk)
        context = dispute_page_context(dispute)
        context.update(zone=request.tenant.timezone, currency=request.tenant.currency)
        return TemplateResponse(request, "billing/dispute_detail.html", context)


class DisputeActionView(BillingManageMixin, View):
    """A POST that acts on one dispute: its form is valid and the service agrees, or the dispute page
    comes back with the form's errors (400)."""

    model = Dispute
    http_method_names = ["post"]
    form_class = None
    prefix = ""
    form_name = ""

    def form_kwargs(self, dispute) -> dict:
        return {}

    def act(self, dispute, data, actor) -> str:
        raise NotImplementedError

    def post(self, request, pk):
        rows = Dispute.objects.select_related("invoice__client", "invoice__tenant")
        dispute = get_object_or_404(rows, pk=pk)
        form = self.form = self.form_class(request.POST, prefix=self.prefix, **self.form_kwargs(dispute))
        if form.is_valid():
            try:
                message = self.act(dispute, form.cleaned_data, actor_label(request.user))
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(request, message)
                return HttpResponseRedirect(reverse("billing:dispute_detail", args=[dispute.pk]))
        dispute.refresh_from_db()
        context = dispute_page_context(dispute, **{self.form_name: form, "open_form": self.form_name})
        context.update(zone=request.tenant.timezone, currency=request.tenant.currency)
        return TemplateResponse(request, "billing/dispute_detail.html", context, status=400)


class DisputeReplyView(DisputeActionView):
    form_class, prefix, form_name = DisputeMessageForm, "reply", "reply_form"

    def act(self, dispute, data, actor):
        user = self.request.user
        disputes.reply(dispute, body=data["body"], party=DisputeParty.STAFF, actor=actor, user=user)
        return "Reply sent: the client is emailed with a link to answer."


class DisputeExplainView(DisputeActionView):
    form_class, prefix, form_name = DisputeExplainForm, "explain", "explain_form"

    def act(self, dispute, data, actor):
        disputes.propose_explanation(dispute, body=data["body"], actor=actor, user=self.request.user)
        return "Explanation sent: the dispute awaits the client's answer."


class DisputeWithdrawView(DisputeActionView):
    form_class, prefix, form_name = DisputeWithdrawForm, "withdraw", "withdraw_form"

    def act(self, dispute, data, actor):
        disputes.withdraw(
            dispute, party=DisputeParty.STAFF, actor=actor, note=data["note"], user=self.request.user
        )
        return f"The dispute is withdrawn; {dispute.invoice.number} stands as it is."


class DisputeResolveView(DisputeActionView):
    form_class, prefix, form_name = DisputeResolveForm, "resolve", "resolve_form"

    def form_kwargs(self, dispute):
        return {"lines": selectors.invoice_detail(dispute.invoice).lines}

    def act(self, dispute, data, actor):
        resolved = disputes.resolve_with_credit_note(
            dispute,
            lines=self.form.chosen_lines(),
            reason=data["reason"],
            actor=actor,
            note=data["note"],
            user=self.request.user,
        )
        note = resolved.credit_note
        return f"Resolved by credit note {note.number} for {note.total} {dispute.invoice.currency}."
