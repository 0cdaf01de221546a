from django import forms

from clients.models import Client, Contact, ServiceArea, Site
from tenants.forms import TIMEZONE_CHOICES, LongSelect, StyledFormMixin


class ClientForm(StyledFormMixin, forms.ModelForm):
    class Meta:
        model = Client
        fields = ["name", "email", "phone", "managed_endpoints", "notes"]
        widgets = {"notes": forms.Textarea(attrs={"rows": 3})}


class ContactForm(StyledFormMixin, forms.ModelForm):
    class Meta:
        model = Contact
        fields = ["full_name", "email", "phone", "job_title", "is_primary", "can_sign"]


class SiteForm(StyledFormMixin, forms.ModelForm):
    timezone = forms.ChoiceField(choices=TIMEZONE_CHOICES, widget=LongSelect, label="Time zone")

    class Meta:
        model = Site
        fields = [
            "name",
            "address_line1",
            "address_line2",
            "city",
            "region",
            "postal_code",
            "country",
            "timezone",
            "travel_minutes",
            "service_area",
        ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # A form posted without it (an older page, a script) keeps deciding from the postcode.
        self.fields["service_area"].required = False

    def clean_service_area(self):
        return self.cleaned_data.get("service_area") or ServiceArea.BY_POSTCODE
