from django import forms

from clients.models import Client
from rewards.customer_of_the_month import BLURB_LENGTH
from rewards.models import NominationReason
from tenants.forms import StyledFormMixin


class NominationForm(StyledFormMixin, forms.Form):
    client = forms.ModelChoiceField(queryset=Client.objects.none(), empty_label="Choose a client")
    category = forms.ChoiceField(label="Why", choices=NominationReason.choices)
    reason = forms.CharField(
        label="In a few words",
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="Shown on the spotlight page if the client wins and publishes it.",
    )

    def __init__(self, *args, clients=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["client"].queryset = clients if clients is not None else Client.objects.none()


class SpotlightForm(StyledFormMixin, forms.Form):
    blurb = forms.CharField(
        label="About the business",
        max_length=BLURB_LENGTH,
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="A few sentences about what they do, for the public spotlight page.",
    )
    website = forms.CharField(label="Website", max_length=200, required=False)


class StepForm(StyledFormMixin, forms.Form):
    years = forms.IntegerField(label="From year", min_value=1, max_value=100)
    credit = forms.DecimalField(label="Credit", min_value=0, max_digits=12, decimal_places=2, initial=0)
    gift = forms.CharField(label="Gift to deliver", max_length=200, required=False)
    gift_cost = forms.DecimalField(
        label="Gift's cost", min_value=0, max_digits=12, decimal_places=2, initial=0, required=False
    )


class RelationshipStartForm(StyledFormMixin, forms.Form):
    started_on = forms.DateField(
        label="Relationship started on", widget=forms.DateInput(attrs={"type": "date"})
    )
    reason = forms.CharField(
        label="Why this day", max_length=300, help_text="e.g. 'Client since 2019, before Accord'."
    )
