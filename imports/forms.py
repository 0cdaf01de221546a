from django import forms

from imports.layouts import LAYOUT_CHOICES, LAYOUTS
from imports.models import OnExisting
from imports.reading import MAX_BYTES
from tenants.forms import StyledFormMixin


class UploadForm(StyledFormMixin, forms.Form):
    file = forms.FileField(
        label="CSV file",
        help_text="Accord's template, or a company or contact export from ConnectWise, Autotask or HaloPSA. "
        f"Comma, semicolon or tab separated; UTF-8 or Windows-1252; up to {MAX_BYTES // 1_048_576} MB.",
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,.txt,text/csv"}),
    )
    layout = forms.ChoiceField(label="Column layout", choices=LAYOUT_CHOICES, initial="auto")
    on_existing = forms.ChoiceField(
        label="Clients you already have (same name)", choices=OnExisting.choices, initial=OnExisting.UPDATE
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MAX_BYTES:  # refused before it is read into memory
            raise forms.ValidationError(
                f"The file is {upload.size / 1_048_576:.1f} MB; at most {MAX_BYTES // 1_048_576} MB can be "
                "imported at once. Split it into smaller files."
            )
        return upload


class RecheckForm(StyledFormMixin, forms.Form):
    layout = forms.ChoiceField(
        label="Read the columns as", choices=[(k, v.label) for k, v in LAYOUTS.items()]
    )
    on_existing = forms.ChoiceField(label="Clients you already have", choices=OnExisting.choices)


class RunForm(forms.Form):
    skip_invalid = forms.BooleanField(required=False, label="Import the valid rows and skip the rest")
