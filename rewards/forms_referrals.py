"""Forms of the staff referral pages. They collect input; the rules are rewards.referrals', whose
ValidationErrors the views put back on these forms."""

from __future__ import annotations

from django import forms

from clients.models import Client
from rewards.models import MONEY, IntroductionStatus, Prospect, ReferralStatus
from tenants.forms import StyledFormMixin

DATE = {"widget": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")}
TEXT = {"widget": forms.Textarea(attrs={"rows": 3})}


def active_clients():
    return Client.objects.filter(archived_at__isnull=True).order_by("name")


class ReferralProfileForm(StyledFormMixin, forms.Form):
    industry = forms.CharField(required=False, max_length=120, help_text="e.g. Dental practice, law firm.")
    sells = forms.CharField(
        required=False, max_length=300, label="What they sell or do", help_text="e.g. Kitchen remodels."
    )
    target_customers = forms.CharField(
        required=False,
        max_length=300,
        label="Who their customers are",
        help_text="Industries or kinds of people they want as customers.",
    )
    area = forms.CharField(
        required=False, max_length=120, label="Area served", help_text="e.g. Portland metro."
    )
    needs = forms.CharField(
        required=False, max_length=300, label="What they buy or need", help_text="e.g. Accounting, signage."
    )
    open_to_introductions = forms.BooleanField(required=False, initial=True, label="Open to introductions")


class ProspectForm(StyledFormMixin, forms.Form):
    name = forms.CharField(max_length=160)
    company = forms.CharField(required=False, max_length=160)
    email = forms.EmailField(required=False)
    phone = forms.CharField(required=False, max_length=40)
    industry = forms.CharField(required=False, max_length=120)
    area = forms.CharField(required=False, max_length=120, label="Area")
    needs = forms.CharField(required=False, max_length=300, label="What they need")
    notes = forms.CharField(required=False, **TEXT)
    met_on = forms.DateField(label="Met on", **DATE)


class ReferralForm(StyledFormMixin, forms.Form):
    referrer = forms.ModelChoiceField(
        queryset=Client.objects.none(), label="Referred by", help_text="The client who sent them our way."
    )
    name = forms.CharField(max_length=160, label="Their name")
    company = forms.CharField(required=False, max_length=160)
    email = forms.EmailField(required=False)
    phone = forms.CharField(required=False, max_length=40)
    note = forms.CharField(required=False, label="What they need", **TEXT)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["referrer"].queryset = active_clients()


class IntroductionForm(StyledFormMixin, forms.Form):
    client = forms.ModelChoiceField(
        queryset=Client.objects.none(), label="Introduce", help_text="The client who gains the business."
    )
    to_client = forms.ModelChoiceField(
        queryset=Client.objects.none(), required=False, label="To the client", empty_label="—"
    )
    to_prospect = forms.ModelChoiceField(
        queryset=Prospect.objects.none(), required=False, label="Or to the prospect", empty_label="—"
    )
    reason = forms.CharField(max_length=400, label="Why they should meet", **TEXT)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["client"].queryset = active_clients()
        self.fields["to_client"].queryset = active_clients()
        self.fields["to_prospect"].queryset = Prospect.objects.order_by("name")

    def clean(self):
        data = super().clean()
        if bool(data.get("to_client")) == bool(data.get("to_prospect")):
            raise forms.ValidationError("Choose one client or one prospect to introduce them to.")
        return data


OUTCOMES = [
    (IntroductionStatus.INTRODUCED, "Introduced"),
    (IntroductionStatus.WON, "Won"),
    (IntroductionStatus.LOST, "Lost"),
]


class IntroductionOutcomeForm(StyledFormMixin, forms.Form):
    status = forms.ChoiceField(choices=OUTCOMES, label="Outcome")
    value = forms.DecimalField(
        **MONEY, required=False, min_value=0, label="Business won", help_text="If known, for a win."
    )
    note = forms.CharField(required=False, max_length=300)


class LinkClientForm(StyledFormMixin, forms.Form):
    client = forms.ModelChoiceField(queryset=Client.objects.none(), label="They became the client")

    def __init__(self, *args, exclude=None, **kwargs):
        super().__init__(*args, **kwargs)
        rows = active_clients()
        if exclude is not None:
            rows = rows.exclude(pk=exclude)
        self.fields["client"].queryset = rows


class LostForm(StyledFormMixin, forms.Form):
    reason = forms.CharField(max_length=300, label="Why it was lost")


class ReferralProgramForm(StyledFormMixin, forms.Form):
    is_active = forms.BooleanField(required=False, label="Credit referrers when their referral signs")
    credit_amount = forms.DecimalField(
        **MONEY,
        min_value=0,
        label="Credit per signed referral",
        help_text="On the referrer's account, taken off their next invoices.",
    )


class ReferralFilterForm(StyledFormMixin, forms.Form):
    q = forms.CharField(required=False, label="Search")
    status = forms.ChoiceField(
        required=False,
        choices=[("", "Any status"), ("open", "Open (new or contacted)"), *ReferralStatus.choices],
    )
