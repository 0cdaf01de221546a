"""Staff pages of invoices: the list with filters and totals (htmx, like the other lists), the invoice
page (lines with why, payments, credit notes, history, and the forms that act on it), credit notes, the
company's billing settings and a client's billing account.

Reads come from billing.selectors, writes go through billing.services; a refused write shows its
message on the form it came from, with what was typed kept.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import reverse
from django.views import View
from django.views.generic import DetailView, FormView, ListView
from django.views.generic.detail import SingleObjectMixin

from accounts.actors import actor_label
from billing import disputes, pdf, selectors, services
from billing.forms import (
    BillingAccountForm,
    BillingSettingsForm,
    CreditNoteForm,
    DisputeOpenForm,
    InvoiceFilterForm,
    PaymentForm,
    ReasonForm,
    ResendForm,
)
from billing.models import BillingAccount, CreditNote, DisputeParty, Invoice, InvoiceStatus
from clients.models import Client
from tenants.forms import add_service_errors
from tenants.localtime import tenant_today
from tenants.views import StaffRequiredMixin

HISTORY_LABELS = {
    "issued": "Issued",
    "emailed": "Emailed",
    "email_requested": "Email requested",
    "not_emailed": "Not emailed",
    "payment": "Payment recorded",
    "paid": "Paid in full",
    "credited": "Credit note issued",
    "voided": "Voided",
    "disputed": "Disputed",
    "dispute_message": "Dispute: message",
    "dispute_explained": "Dispute: explanation proposed",
    "dispute_resolved": "Dispute resolved",
    "dispute_withdrawn": "Dispute withdrawn",
    "dispute_emailed": "Dispute: client emailed",
    "dispute_settled": "Dispute settled",  # before disputes had their own record
}


class BillingViewMixin(StaffRequiredMixin):
    permission = "billing.view"

    def get_context_data(self, **kwargs):
        tenant = self.request.tenant
        return super().get_context_data(zone=tenant.timezone, currency=tenant.currency, **kwargs)


class BillingManageMixin(BillingViewMixin):
    permission = "billing.manage"


# --- Invoices -------------------------------------------------------------------------------------


class InvoiceListView(BillingViewMixin, ListView):
    model = Invoice
    paginate_by = 25
    template_name = "billing/invoice_list.html"

    def get_queryset(self):
        self.filters = InvoiceFilterForm(self.request.GET or None)
        self.today = tenant_today()
        data = self.filters.cleaned_data if self.filters.is_valid() else {}
        return selectors.invoices(
            status=data.get("status") or "",
            client=data.get("client"),
            period_from=data.get("period_from"),
            period_to=data.get("period_to"),
            search=data.get("q") or "",
            today=self.today,
        )

    def get_template_names(self):
        return [f"{self.template_name}#results"] if self.request.htmx else [self.template_name]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        for invoice in context["object_list"]:
            invoice.standing = selectors.standing(invoice, self.today)
        params = self.request.GET.copy()
        params.pop("page", None)
        filtered = self.filters.is_valid() and any(self.filters.cleaned_data.values())
        context.update(
            filters=self.filters,
            filtered=filtered,
            totals=selectors.invoice_totals(self.object_list, today=self.today),
            querystring=params.urlencode(),
        )
        return context


def invoice_page_context(invoice: Invoice, **forms) -> dict:
    detail = selectors.invoice_detail(invoice)
    history = [
        {"event": event, "label": HISTORY_LABELS.get(event.kind, event.kind.replace("_", " ").capitalize())}
        for event in detail.history
    ]
    return {
        "invoice": invoice,
        "detail": detail,
        "history": history,
        "payment_form": forms.get("payment_form")
        or PaymentForm(initial={"amount": max(invoice.balance, 0), "paid_on": tenant_today()}),
        "void_form": forms.get("void_form") or ReasonForm(prefix="void"),
        "resend_form": forms.get("resend_form") or ResendForm(prefix="resend"),
        "dispute_form": forms.get("dispute_form")
        or DisputeOpenForm(prefix="dispute", invoice=invoice, lines=detail.lines),
        "invoice_address": services.invoice_address(invoice),
        "open_form": forms.get("open_form", ""),
    }


class InvoiceDetailView(BillingViewMixin, DetailView):
    model = Invoice
    template_name = "billing/invoice_detail.html"

    def get_queryset(self):
        return Invoice.objects.select_related("client", "tenant")

    def get_context_data(self, **kwargs):
        return super().get_context_data(**invoice_page_context(self.object), **kwargs)


class InvoiceActionView(BillingManageMixin, SingleObjectMixin, View):
    """A POST that acts on one invoice: its form is valid and the service agrees, or the invoice page
    comes back with the form's errors (400)."""

    model = Invoice
    http_method_names = ["post"]
    form_class = None
    prefix = None
    form_name = ""

    def get_queryset(self):
        return Invoice.objects.select_related("client", "tenant")

    def act(self, invoice, data, actor):
        raise NotImplementedError

    def form_kwargs(self, invoice) -> dict:
        return {}

    def success_url(self, invoice) -> str:
        return reverse("billing:invoice_detail", args=[invoice.pk])

    def post(self, request, *args, **kwargs):
        invoice = self.object = self.get_object()
        form = self.form_class(request.POST, prefix=self.prefix, **self.form_kwargs(invoice))
        if form.is_valid():
            try:
                message = self.act(invoice, form.cleaned_data, actor_label(request.user))
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(request, message)
                return HttpResponseRedirect(self.success_url(invoice))
        invoice.refresh_from_db()
        context = invoice_page_context(invoice, **{self.form_name: form, "open_form": self.form_name})
        tenant = request.tenant
        context.update(object=invoice, zone=tenant.timezone, currency=tenant.currency)
        return TemplateResponse(request, "billing/invoice_detail.html", context, status=400)


class RecordPaymentView(InvoiceActionView):
    form_class, form_name = PaymentForm, "payment_form"

    def act(self, invoice, data, actor):
        payment = services.record_payment(
            invoice,
            data["amount"],
            data["paid_on"],
            data["method"],
            data["reference"],
            actor,
            user=self.request.user,
        )
        invoice.refresh_from_db()
        paid = "paid in full" if invoice.status == InvoiceStatus.PAID else "recorded"
        return f"Payment of {payment.amount} {invoice.currency} {paid} on {invoice.number}."


class VoidInvoiceView(InvoiceActionView):
    form_class, prefix, form_name = ReasonForm, "void", "void_form"

    def act(self, invoice, data, actor):
        note = services.void_invoice(invoice, reason=data["reason"], actor=actor)
        return (
            f"{invoice.number} is void: credit note {note.number} issued for {note.total} {invoice.currency}."
        )


class ResendInvoiceView(InvoiceActionView):
    form_class, prefix, form_name = ResendForm, "resend", "resend_form"

    def act(self, invoice, data, actor):
        services.request_invoice_email(invoice, actor=actor, to=data["to"])
        to = data["to"] or services.invoice_address(invoice) or "the client's contact"
        return f"{invoice.number} will be emailed to {to} in a moment."


class DisputeInvoiceView(InvoiceActionView):
    """Staff open a dispute for the client (a phone call, a letter): it then lives on its own page."""

    form_class, prefix, form_name = DisputeOpenForm, "dispute", "dispute_form"

    def form_kwargs(self, invoice):
        return {"invoice": invoice, "lines": selectors.invoice_detail(invoice).lines}

    def act(self, invoice, data, actor):
        self.dispute = disputes.open_dispute(
            invoice,
            reason=data["reason"],
            party=DisputeParty.STAFF,
            actor=actor,
            line=data["line"],
            amount=data["amount"],
            contact=data["contact"],
            user=self.request.user,
        )
        return f"{invoice.number} is disputed; the client is emailed that it was recorded."

    def success_url(self, invoice):
        return reverse("billing:dispute_detail", args=[self.dispute.pk])


class InvoicePdfView(BillingViewMixin, SingleObjectMixin, View):
    model = Invoice
    http_method_names = ["get", "head"]

    def get_queryset(self):
        return Invoice.objects.exclude(status=InvoiceStatus.DRAFT).select_related("client", "tenant")

    def get(self, request, *args, **kwargs):
        invoice = self.get_object()
        response = HttpResponse(pdf.invoice_pdf(invoice), content_type="application/pdf")
        disposition = "attachment" if request.GET.get("download") else "inline"
        response["Content-Disposition"] = f'{disposition}; filename="{pdf.pdf_filename(invoice)}"'
        return response


# --- Credit notes -----------------------------------------------------------------------------------


class CreditNoteCreateView(BillingManageMixin, SingleObjectMixin, FormView):
    """Credit an invoice: everything left (void) or chosen amounts of chosen lines."""

    model = Invoice
    template_name = "billing/credit_note_form.html"
    form_class = CreditNoteForm

    def get_queryset(self):
        return Invoice.objects.select_related("client", "tenant")

    def get(self, request, *args, **kwargs):
        self.object = self.get_object()
        self.detail = selectors.invoice_detail(self.object)
        return super().get(request, *args, **kwargs)

    def post(self, request, *args, **kwargs):
        self.object = self.get_object()
        self.detail = selectors.invoice_detail(self.object)
        return super().post(request, *args, **kwargs)

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "lines": self.detail.lines}

    def form_valid(self, form):
        invoice = self.object
        try:
            note = services.issue_credit_note(
                invoice,
                lines=form.chosen_lines(),
                reason=form.cleaned_data["reason"],
                actor=actor_label(self.request.user),
            )
        except ValidationError as error:
            add_service_errors(form, error)
            return self.form_invalid(form)
        messages.success(
            self.request, f"Credit note {note.number} issued for {note.total} {invoice.currency}."
        )
        return HttpResponseRedirect(reverse("billing:credit_note_detail", args=[note.pk]))

    def form_invalid(self, form):
        return self.render_to_response(self.get_context_data(form=form), status=400)

    def get_context_data(self, **kwargs):
        return super().get_context_data(invoice=self.object, detail=self.detail, **kwargs)


class CreditNoteListView(BillingViewMixin, ListView):
    model = CreditNote
    paginate_by = 25
    template_name = "billing/credit_note_list.html"

    def get_queryset(self):
        self.q = self.request.GET.get("q", "").strip()
        return selectors.credit_notes(search=self.q)

    def get_template_names(self):
        return [f"{self.template_name}#results"] if self.request.htmx else [self.template_name]

    def get_context_data(self, **kwargs):
        params = self.request.GET.copy()
        params.pop("page", None)
        return super().get_context_data(q=self.q, querystring=params.urlencode(), **kwargs)


class CreditNoteDetailView(BillingViewMixin, DetailView):
    model = CreditNote
    template_name = "billing/credit_note_detail.html"

    def get_queryset(self):
        return selectors.credit_notes_with_lines()


class CreditNotePdfView(BillingViewMixin, SingleObjectMixin, View):
    model = CreditNote
    http_method_names = ["get", "head"]

    def get_queryset(self):
        return CreditNote.objects.select_related("invoice__client", "invoice__tenant")

    def get(self, request, *args, **kwargs):
        note = self.get_object()
        response = HttpResponse(pdf.credit_note_pdf(note), content_type="application/pdf")
        disposition = "attachment" if request.GET.get("download") else "inline"
        response["Content-Disposition"] = f'{disposition}; filename="{pdf.pdf_filename(note)}"'
        return response


# --- Settings ---------------------------------------------------------------------------------------


class BillingSettingsView(BillingViewMixin, FormView):
    """Tax, payment terms, the billing run's hour and the invoice footer: owners and managers."""

    permission = "billing.settings"
    template_name = "billing/settings.html"
    form_class = BillingSettingsForm

    def get_initial(self):
        current = services.current_billing_settings()
        return {
            "tax_rate_percent": current.tax_rate_percent.normalize() if current.tax_rate_percent else 0,
            "tax_label": current.tax_label,
            "payment_terms_days": current.payment_terms_days,
            "run_hour": current.run_hour,
            "invoice_footer": current.invoice_footer,
            **{name: getattr(current, name) for name in services.EXPORT_CODES},
        }

    def form_valid(self, form):
        try:
            services.update_billing_settings(**form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
            return self.form_invalid(form)
        messages.success(self.request, "Billing settings saved. Invoices issued from now on use them.")
        return HttpResponseRedirect(reverse("billing:settings"))

    def form_invalid(self, form):
        return self.render_to_response(self.get_context_data(form=form), status=400)


class BillingAccountView(BillingManageMixin, FormView):
    """A client's billing account: its invoice address, its own tax rate and time zone."""

    template_name = "billing/billing_account.html"
    form_class = BillingAccountForm

    def get(self, request, *args, **kwargs):
        self.client = get_object_or_404(Client, pk=kwargs["client_pk"])
        return super().get(request, *args, **kwargs)

    def post(self, request, *args, **kwargs):
        self.client = get_object_or_404(Client, pk=kwargs["client_pk"])
        return super().post(request, *args, **kwargs)

    def get_initial(self):
        account = BillingAccount.objects.filter(client=self.client).first()
        if account is None:
            return {}
        rate = account.tax_rate_percent
        return {
            "invoice_email": account.invoice_email,
            "tax_rate_percent": rate.normalize() if rate is not None else None,
            "timezone": account.timezone,
        }

    def form_valid(self, form):
        try:
            services.update_billing_account(self.client, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
            return self.form_invalid(form)
        messages.success(self.request, f"Billing account of {self.client} saved.")
        return HttpResponseRedirect(reverse("clients:detail", args=[self.client.pk]))

    def form_invalid(self, form):
        return self.render_to_response(self.get_context_data(form=form), status=400)

    def get_context_data(self, **kwargs):
        return super().get_context_data(client=self.client, **kwargs)
