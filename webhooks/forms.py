from django import forms

from tenants.forms import StyledFormMixin
from webhooks.payloads import EVENT_TYPES


class WebhookEndpointForm(StyledFormMixin, forms.Form):
    url = forms.URLField(
        label="URL",
        max_length=2000,
        assume_scheme="https",
        help_text="Where Accord POSTs each event. It must resolve to a public address; redirects are not "
        "followed.",
    )
    description = forms.CharField(
        max_length=200, required=False, help_text="Whose endpoint it is, e.g. 'Northwind RMM'."
    )
    events = forms.MultipleChoiceField(
        label="Event types",
        choices=[(name, name) for name in EVENT_TYPES],
        widget=forms.CheckboxSelectMultiple,
        help_text="Only these are sent to it.",
        error_messages={"required": "Choose at least one event type."},
    )


class DisableEndpointForm(StyledFormMixin, forms.Form):
    reason = forms.CharField(
        max_length=300, required=False, help_text="Shown on the endpoint, e.g. 'Partner moving servers'."
    )
