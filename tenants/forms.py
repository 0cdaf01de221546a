import zoneinfo

from django import forms
from django.core.exceptions import ValidationError
from django.utils.html import conditional_escape, escape, format_html, format_html_join
from django.utils.safestring import mark_safe

from tenants.branding import LOGO_HELP

TIMEZONE_CHOICES = [(name, name.replace("_", " ")) for name in sorted(zoneinfo.available_timezones())]


class LongSelect(forms.Select):
    """A select of hundreds of options (time zones, countries), written out in Python with the HTML Django's
    own templates give: those render each option through a template of its own, and the 600 time zones
    took 20 ms (2 here), a third of the company settings page."""

    def render(self, name, value, attrs=None, renderer=None):
        widget = self.get_context(name, value, attrs)["widget"]
        parts = [format_html('<select name="{}"{}>', widget["name"], _attributes(widget["attrs"]))]
        for group, options, _index in widget["optgroups"]:
            if group:
                parts.append(format_html('<optgroup label="{}">', group))
            parts.extend(
                f'<option value="{escape(option["value"])}"{_attributes(option["attrs"])}>'
                f"{conditional_escape(option['label'])}</option>"
                for option in options
            )
            if group:
                parts.append("</optgroup>")
        parts.append("</select>")
        return mark_safe("\n".join(parts))  # noqa: S308 (every value and label escaped above)


def _attributes(attrs: dict) -> str:
    """HTML attributes as django/forms/widgets/attrs.html writes them: in their order, True as a bare name,
    False left out."""
    if not attrs:  # most options
        return ""
    shown = ((name, "" if value is True else format_html('="{}"', value)) for name, value in attrs.items()
             if value is not False)  # fmt: skip
    return format_html_join("", " {}{}", shown)


class StyledFormMixin:
    """Gives every widget its Bootstrap class, and marks fields with errors for screen readers too."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name, field in self.fields.items():
            widget = field.widget
            if isinstance(widget, forms.CheckboxInput):
                css = "form-check-input"
            elif isinstance(widget, forms.Select):
                css = "form-select"
            else:
                css = "form-control"
            widget.attrs["class"] = f"{widget.attrs.get('class', '')} {css}".strip()
            if field.help_text:
                widget.attrs["aria-describedby"] = f"id_{self.add_prefix(name)}_helptext"

    def add_error(self, field, error):
        super().add_error(field, error)
        for name in self.errors:
            widget = self.fields[name].widget if name in self.fields else None
            if widget is not None and "is-invalid" not in widget.attrs.get("class", ""):
                widget.attrs["class"] = f"{widget.attrs.get('class', '')} is-invalid"
                widget.attrs["aria-invalid"] = "true"


class InviteStaffForm(StyledFormMixin, forms.Form):
    email = forms.EmailField()
    full_name = forms.CharField(max_length=150, required=False, label="Full name")
    role = forms.ChoiceField(choices=[], help_text="What they may do: see the table below.")

    def __init__(self, *args, **kwargs):
        from tenants.roles import Role

        super().__init__(*args, **kwargs)
        self.fields["role"].choices = Role.choices
        self.fields["role"].initial = Role.TECHNICIAN


class CompanySettingsForm(StyledFormMixin, forms.Form):
    name = forms.CharField(
        max_length=120, label="Company name", help_text="What clients see on emails and the portal."
    )
    timezone = forms.ChoiceField(
        choices=TIMEZONE_CHOICES,
        widget=LongSelect,
        label="Time zone",
        help_text="For dates and times on pages and emails. Business calendars keep their own zones.",
    )
    reply_to_email = forms.EmailField(
        required=False,
        label="Reply-to address",
        help_text="Where clients' answers to Accord's emails go, e.g. support@yourcompany.com. Without one, "
        "answers go to Accord's no-reply address.",
    )
    brand_colour = forms.CharField(
        max_length=7,
        required=False,  # left out: unchanged (tenants.services.update_company_settings)
        label="Brand colour",
        help_text="The portal's header and buttons, emails and PDFs. Text on it is made white or black, "
        "whichever reads better.",
        widget=forms.TextInput(attrs={"type": "color"}),
    )

    require_email_code = forms.BooleanField(
        required=False,
        label="Ask signers to confirm their email with a one-time code",
        help_text="Before signing, the signer types a 6-digit code emailed to them; the certificate "
        "records it. Staff can still choose per signer when they send.",
    )
    email_code_above_fee = forms.DecimalField(
        required=False,  # empty keeps the threshold as it is
        min_value=0,
        max_digits=10,
        decimal_places=2,
        label="For agreements with a monthly fee above",
        help_text="0 asks for a code on every agreement with a fee.",
    )

    service_area = forms.CharField(
        required=False,
        max_length=2000,
        label="Service area",
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Postcode prefixes and town names inside your standard service area, one per line or "
        "separated by commas (e.g. 105, 10601, Rye). A site whose postcode starts with one, or whose town is "
        "one, is inside; a site can also be marked inside or outside on its own form. Where the contract "
        "says travel inside the area is free, travel there is not billed.",
    )

    def clean_brand_colour(self):
        return self.cleaned_data.get("brand_colour") or None


class BrandLogoForm(StyledFormMixin, forms.Form):
    """The company's logo; checked by tenants.branding.check_logo (type by content, size, dimensions)."""

    logo = forms.FileField(
        label="Logo",
        help_text=LOGO_HELP,
        widget=forms.FileInput(attrs={"accept": "image/png,image/jpeg,image/webp"}),
    )


class SigningIdentityForm(StyledFormMixin, forms.Form):
    """A PKCS#12 file with the key and certificate that will seal signed PDFs; checked by
    tenants.signing_identities.replace_with_pkcs12."""

    file = forms.FileField(
        label="Key and certificate (.p12 or .pfx)",
        help_text="From your certificate authority, or exported with its private key. At most 256 KB.",
        widget=forms.ClearableFileInput(attrs={"accept": ".p12,.pfx,application/x-pkcs12"}),
    )
    password = forms.CharField(
        label="Password of the file",
        required=False,
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "off"}),
    )


class CostRateForm(StyledFormMixin, forms.Form):
    """A change of what an hour of someone costs; tenants.services.record_cost_rate has the last word."""

    rate = forms.DecimalField(
        min_value=0,
        max_value=10000,
        decimal_places=2,
        label="Cost per hour",
        help_text="Wages, taxes and overheads of one hour of their time.",
    )
    effective_from = forms.DateField(
        label="Effective from",
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text="A past day re-values their time entries from that day on.",
    )
    note = forms.CharField(max_length=200, required=False, label="Note", help_text="e.g. Annual raise.")


def add_service_errors(form, error: ValidationError, field_map: dict | None = None) -> None:
    """Put a service's ValidationError on the form's fields (renamed by ``field_map``), else on the form:
    the one way every page shows what a service refused, next to what the person typed."""
    if not hasattr(error, "error_dict"):
        form.add_error(None, error)
        return
    for name, errors in error.error_dict.items():
        name = (field_map or {}).get(name, name)
        form.add_error(name if name in form.fields else None, errors)
