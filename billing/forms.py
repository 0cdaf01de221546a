"""Forms of the staff billing pages. They collect input; the rules (what may be paid, credited, voided)
are billing.services', whose ValidationErrors the views put back on these forms."""

from __future__ import annotations

from decimal import Decimal

from django import forms

from billing.models import PaymentMethod
from billing.selectors import DISPUTE_FILTERS, FILTER_STATUSES
from clients.models import Client, Contact
from tenants.forms import TIMEZONE_CHOICES, LongSelect, StyledFormMixin

DATE = {"widget": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")}
MONEY = {"max_digits": 12, "decimal_places": 2}


class InvoiceFilterForm(StyledFormMixin, forms.Form):
    q = forms.CharField(required=False, label="Search by number or client")
    status = forms.ChoiceField(required=False, choices=[("", "Any status"), *FILTER_STATUSES])
    client = forms.ModelChoiceField(queryset=Client.objects.none(), required=False, empty_label="Any client")
    period_from = forms.DateField(required=False, label="Period from", **DATE)
    period_to = forms.DateField(required=False, label="Period to", **DATE)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Built per request: the scoped manager needs the tenant.
        self.fields["client"].queryset = (
            Client.objects.filter(invoices__isnull=False).distinct().order_by("name")
        )

    def clean(self):
        data = super().clean()
        start, end = data.get("period_from"), data.get("period_to")
        if start and end and end < start:
            self.add_error("period_to", "The period ends before it starts.")
        return data


class PaymentForm(StyledFormMixin, forms.Form):
    amount = forms.DecimalField(**MONEY, min_value=Decimal("0.01"), label="Amount received")
    paid_on = forms.DateField(label="Paid on", **DATE)
    method = forms.ChoiceField(choices=PaymentMethod.choices, initial=PaymentMethod.BANK_TRANSFER)
    reference = forms.CharField(
        required=False, max_length=120, help_text="The bank reference, check number or card receipt."
    )


class ReasonForm(StyledFormMixin, forms.Form):
    reason = forms.CharField(max_length=300, widget=forms.Textarea(attrs={"rows": 2}))


class CreditNoteForm(StyledFormMixin, forms.Form):
    """Everything that is left, or chosen amounts per line: one field per line that has something left."""

    EVERYTHING, LINES = "everything", "lines"
    scope = forms.ChoiceField(
        choices=[
            (EVERYTHING, "Everything that is left (voids the invoice)"),
            (LINES, "Chosen lines and amounts"),
        ],
        widget=forms.RadioSelect,
        initial=LINES,
        label="What to credit",
    )
    reason = forms.CharField(
        max_length=300,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="The client reads it on the credit note, e.g. “Visit covered by the Gold plan”.",
    )

    def __init__(self, *args, lines=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["scope"].widget.attrs["class"] = "form-check-input"  # radios, not a text box
        self.line_fields = []
        for view in lines:
            if view.left == 0:
                continue
            name = f"line_{view.line.pk}"
            self.fields[name] = forms.DecimalField(
                **MONEY,
                required=False,
                label=view.line.description,
                help_text=f"Up to {view.left} is left of this line.",
            )
            self.fields[name].widget.attrs.update(
                {"class": "form-control", "inputmode": "decimal", "aria-describedby": f"id_{name}_helptext"}
            )
            self.line_fields.append((self[name], view))

    def chosen_lines(self) -> dict | None:
        """{invoice line: amount} for the chosen lines, or None for everything."""
        if self.cleaned_data.get("scope") == self.EVERYTHING:
            return None
        return {
            view.line: self.cleaned_data[field.name]
            for field, view in self.line_fields
            if self.cleaned_data.get(field.name)
        }


class ResendForm(StyledFormMixin, forms.Form):
    to = forms.EmailField(
        required=False, label="Send to", help_text="Empty: the client's invoice address, as usual."
    )


class DisputeOpenForm(StyledFormMixin, forms.Form):
    """Staff open a dispute for the client (they called or wrote): what, why, and who at the client."""

    line = forms.ChoiceField(required=False, label="What the client disputes")
    amount = forms.DecimalField(
        **MONEY, required=False, label="Amount disputed", help_text="Empty: all of it."
    )
    reason = forms.CharField(
        max_length=2000, widget=forms.Textarea(attrs={"rows": 3}), label="What the client says is wrong"
    )
    contact = forms.ModelChoiceField(
        queryset=Contact.objects.none(), required=False, label="On behalf of", empty_label="The client"
    )

    def __init__(self, *args, invoice=None, lines=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.lines = {str(view.line.pk): view.line for view in lines if view.left > 0}
        self.fields["line"].choices = [("", "The whole invoice")] + [
            (pk, line.description) for pk, line in self.lines.items()
        ]
        if invoice is not None:
            self.fields["contact"].queryset = Contact.objects.filter(
                client_id=invoice.client_id, archived_at__isnull=True
            ).order_by("-is_primary", "full_name")

    def clean_line(self):
        return self.lines.get(self.cleaned_data.get("line") or "")


class DisputeMessageForm(StyledFormMixin, forms.Form):
    body = forms.CharField(max_length=4000, widget=forms.Textarea(attrs={"rows": 3}), label="Message")


class DisputeExplainForm(StyledFormMixin, forms.Form):
    body = forms.CharField(
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 3}),
        label="Why the invoice is right",
        help_text="The client reads it and accepts it, or answers.",
    )


class DisputeWithdrawForm(StyledFormMixin, forms.Form):
    note = forms.CharField(
        max_length=4000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        label="Note for the client",
        help_text="Optional, e.g. “Withdrawn on the phone with Dana on 3 Dec”.",
    )


class DisputeResolveForm(CreditNoteForm):
    """A credit note that resolves a dispute: CreditNoteForm's fields, and a note for the client."""

    note = forms.CharField(
        max_length=4000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        label="Note for the client",
        help_text="Optional: it goes in the dispute's thread and the email.",
    )


class DisputeFilterForm(StyledFormMixin, forms.Form):
    status = forms.ChoiceField(required=False, choices=DISPUTE_FILTERS, label="Show")
    q = forms.CharField(required=False, label="Search by client or invoice number")


HOURS = [(hour, f"{hour:02d}:00") for hour in range(24)]


class BillingSettingsForm(StyledFormMixin, forms.Form):
    tax_rate_percent = forms.DecimalField(
        max_digits=6,
        decimal_places=3,
        min_value=0,
        max_value=100,
        label="Tax rate (%)",
        help_text="On taxable lines of every invoice, unless a client has its own rate.",
    )
    tax_label = forms.CharField(
        max_length=40, label="Tax name", help_text="As invoices show it: Sales tax, VAT, GST."
    )
    payment_terms_days = forms.TypedChoiceField(
        coerce=int,
        choices=[
            (days, f"{days} days" if days else "On receipt")
            for days in (0, 7, 10, 14, 15, 21, 30, 45, 60, 90)
        ],
        label="Payment terms",
        help_text="How long after the issue date an invoice is due.",
    )
    run_hour = forms.TypedChoiceField(
        coerce=int,
        choices=HOURS,
        label="Billing run starts at",
        help_text="Local time (the company's time zone) of the daily run that issues invoices.",
    )
    invoice_footer = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        label="Invoice footer",
        help_text="Printed on every invoice and shown to clients: how to pay, bank details, company number.",
    )
    # For the accounting export (Xero and QuickBooks Online CSV files).
    membership_account_code = forms.CharField(
        max_length=20, label="Membership income account", help_text="Xero account code, e.g. 200 (Sales)."
    )
    labour_account_code = forms.CharField(
        max_length=20, label="Labour income account", help_text="Xero account code, e.g. 200 (Sales)."
    )
    xero_tax_type = forms.CharField(
        max_length=60, label="Xero tax rate, taxable lines", help_text="As Xero names it, e.g. Tax on Sales."
    )
    xero_exempt_tax_type = forms.CharField(
        max_length=60, label="Xero tax rate, untaxed lines", help_text="e.g. Tax Exempt."
    )
    qbo_tax_code = forms.CharField(
        max_length=30, label="QuickBooks tax code, taxable lines", help_text="e.g. TAX."
    )
    qbo_exempt_tax_code = forms.CharField(
        max_length=30, label="QuickBooks tax code, untaxed lines", help_text="e.g. NON."
    )


class BillingAccountForm(StyledFormMixin, forms.Form):
    invoice_email = forms.EmailField(
        required=False, label="Invoice address", help_text="Empty: the client's main address."
    )
    tax_rate_percent = forms.DecimalField(
        max_digits=6,
        decimal_places=3,
        min_value=0,
        max_value=100,
        required=False,
        label="Tax rate (%)",
        help_text="Only when this client is taxed differently (0 when exempt). Empty: the company's rate.",
    )
    timezone = forms.ChoiceField(
        required=False,
        choices=[("", "The company's time zone"), *TIMEZONE_CHOICES],
        widget=LongSelect,
        label="Time zone",
        help_text="For the client's invoice dates.",
    )
