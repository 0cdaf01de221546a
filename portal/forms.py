"""The portal's forms only collect what the person typed; the rules live in portal/signing.py, whose
ValidationErrors are shown on these forms' fields."""

from django import forms

from portal.signing import NAME_MAX_LENGTH, REASON_MAX_LENGTH
from tenants.forms import StyledFormMixin as _StyledFormMixin


class StyledFormMixin(_StyledFormMixin):
    """The staff forms' look, plus each field's first error named in its aria-describedby and the focus
    on the first field with an error: the portal has no script to do either on the page."""

    def add_error(self, field, error):
        super().add_error(field, error)
        for name in self.errors:
            if name not in self.fields:
                continue
            widget = self.fields[name].widget
            error_id = f"{self[name].auto_id}_error1"
            described = widget.attrs.get("aria-describedby", "").split()
            if error_id not in described:
                widget.attrs["aria-describedby"] = " ".join([*described, error_id])
        # The first field with an error takes the focus, so a long page opens where the problem is.
        first = next((name for name in self.fields if name in self.errors), None)
        for name, field in self.fields.items():
            field.widget.attrs.pop("autofocus", None)
            if name == first:
                field.widget.attrs["autofocus"] = True


class SignForm(StyledFormMixin, forms.Form):
    consent = forms.BooleanField(required=False)
    intent = forms.BooleanField(required=False)
    typed_name = forms.CharField(
        label="Your full name",
        max_length=NAME_MAX_LENGTH,
        required=False,
        help_text="Typing your name here is your signature.",
        widget=forms.TextInput(
            attrs={"autocomplete": "name", "autocapitalize": "words", "spellcheck": "false"}
        ),
    )
    document_sha256 = forms.CharField(widget=forms.HiddenInput, required=False)
    # The signature pad's drawing as a PNG data URL (static/js/signature-pad.js); checked by the service.
    drawn_signature = forms.CharField(
        widget=forms.HiddenInput(attrs={"data-signature-pad-input": ""}), required=False
    )

    def __init__(self, *args, disclosure=None, **kwargs):
        super().__init__(*args, **kwargs)
        if disclosure is not None:
            self.fields["consent"].label = disclosure.consent
            self.fields["intent"].label = disclosure.intent


class EmailCodeForm(StyledFormMixin, forms.Form):
    code = forms.CharField(
        label="Code from the email",
        max_length=12,
        required=False,
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "pattern": "[0-9 ]*"}
        ),
    )


class DeclineForm(StyledFormMixin, forms.Form):
    reason = forms.CharField(
        label="Why are you declining?",
        max_length=REASON_MAX_LENGTH,
        required=False,
        help_text="The team reads this and will follow up, for example with changed terms.",
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    typed_name = forms.CharField(
        label="Your name",
        max_length=NAME_MAX_LENGTH,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "name", "autocapitalize": "words"}),
    )


class FreshLinkForm(StyledFormMixin, forms.Form):
    email = forms.EmailField(
        label="Your email address",
        help_text="The address the link was sent to.",
        widget=forms.EmailInput(attrs={"autocomplete": "email", "inputmode": "email"}),
    )


class VerifyForm(StyledFormMixin, forms.Form):
    """A signed PDF to check, or a SHA-256 to look up: one of the two."""

    MAX_PDF_BYTES = 25 * 1024 * 1024

    pdf = forms.FileField(
        label="Signed PDF",
        required=False,
        help_text="The file exactly as received. Any change to it, even re-saving, makes it fail.",
        widget=forms.ClearableFileInput(attrs={"accept": "application/pdf,.pdf"}),
    )
    sha256 = forms.CharField(
        label="Or a SHA-256 fingerprint",
        required=False,
        max_length=200,
        help_text="From a certificate page (the document's) or of a PDF file: 64 characters 0-9, a-f.",
        widget=forms.TextInput(
            attrs={"autocomplete": "off", "spellcheck": "false", "class": "font-monospace"}
        ),
    )

    def clean(self):
        data = super().clean()
        if bool(data.get("pdf")) == bool((data.get("sha256") or "").strip()):
            raise forms.ValidationError("Choose a PDF file or paste a SHA-256, one of the two.")
        upload = data.get("pdf")
        if upload and upload.size > self.MAX_PDF_BYTES:
            self.add_error("pdf", "That file is larger than any signed PDF Accord makes (25 MB).")
        return data


# --- Tickets ---------------------------------------------------------------------------------------

# Impact and urgency in the client's words; the priority matrix turns them into a priority.
IMPACT_CHOICES = [
    ("high", "Everything, or most of it (the whole house or office)"),
    ("medium", "Part of it (a room, or a few devices or people)"),
    ("low", "One device, or it is a small annoyance"),
]
URGENCY_CHOICES = [
    ("high", "It stops us right now"),
    ("medium", "It's a problem, but we can manage for today"),
    ("low", "Whenever it suits you"),
]
TITLE_MAX_LENGTH = 200
BODY_MAX_LENGTH = 10_000


class TicketForm(StyledFormMixin, forms.Form):
    """A client's new ticket. Sites are the client's active ones; issue types the active catalog."""

    title = forms.CharField(
        label="In a few words, what's wrong?",
        max_length=TITLE_MAX_LENGTH,
        widget=forms.TextInput(attrs={"placeholder": "e.g. no picture on the TV"}),
    )
    description = forms.CharField(
        label="Tell us more",
        max_length=BODY_MAX_LENGTH,
        required=False,
        help_text="What happens, since when, and anything you already tried.",
        widget=forms.Textarea(attrs={"rows": 5}),
    )
    site = forms.ModelChoiceField(label="Where?", queryset=None, empty_label="Choose a place")
    issue_type = forms.ModelChoiceField(
        label="What kind of problem is it?", queryset=None, required=False, empty_label="Not sure"
    )
    impact = forms.ChoiceField(
        label="How much is affected?", choices=IMPACT_CHOICES, initial="medium", widget=forms.RadioSelect
    )
    urgency = forms.ChoiceField(
        label="How soon does it need fixing?",
        choices=URGENCY_CHOICES,
        initial="medium",
        widget=forms.RadioSelect,
    )

    def __init__(self, *args, sites, issue_types, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["site"].queryset = sites
        self.fields["issue_type"].queryset = issue_types
        if not sites.exists():  # a client without sites on file still gets help
            del self.fields["site"]
        elif sites.count() == 1:
            self.fields["site"].initial = sites.first().pk
        if not issue_types.exists():
            del self.fields["issue_type"]
        for name in ("impact", "urgency"):
            self.fields[name].widget.attrs["class"] = "form-check-input"


class ReplyForm(StyledFormMixin, forms.Form):
    body = forms.CharField(
        label="Your reply",
        max_length=BODY_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 4}),
    )


class NotFixedForm(StyledFormMixin, forms.Form):
    body = forms.CharField(
        label="What's still wrong?",
        max_length=BODY_MAX_LENGTH,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


# --- Invoice disputes ------------------------------------------------------------------------------


class DisputeForm(StyledFormMixin, forms.Form):
    """What the client disputes: the rules (how much may be disputed) are billing.disputes'."""

    reason = forms.CharField(
        label="What is wrong?",
        max_length=2000,
        help_text="For example: the visit was covered by our plan, or we were billed twice.",
        widget=forms.Textarea(attrs={"rows": 5}),
    )
    amount = forms.CharField(
        label="How much do you dispute?",
        required=False,
        max_length=20,
        help_text="Leave it empty to dispute all of it.",
        widget=forms.TextInput(
            attrs={"inputmode": "decimal", "autocomplete": "off", "placeholder": "e.g. 50.00"}
        ),
    )


class DisputeReplyForm(StyledFormMixin, forms.Form):
    body = forms.CharField(label="Your answer", max_length=4000, widget=forms.Textarea(attrs={"rows": 4}))


class DisputeWithdrawForm(StyledFormMixin, forms.Form):
    note = forms.CharField(
        label="Anything to tell us?",
        max_length=4000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class ReferForm(StyledFormMixin, forms.Form):
    name = forms.CharField(
        label="Their name", max_length=160, widget=forms.TextInput(attrs={"autocomplete": "off"})
    )
    company = forms.CharField(label="Their company", max_length=160, required=False)
    email = forms.EmailField(
        label="Their email", required=False, help_text="An email or a phone number, so we can reach them."
    )
    phone = forms.CharField(
        label="Their phone", max_length=40, required=False, widget=forms.TextInput(attrs={"type": "tel"})
    )
    note = forms.CharField(
        label="What they need",
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="A line or two helps us call them about the right thing.",
    )


class PortalProfileForm(StyledFormMixin, forms.Form):
    industry = forms.CharField(label="Your industry", max_length=120, required=False)
    sells = forms.CharField(label="What you sell or do", max_length=300, required=False)
    target_customers = forms.CharField(label="Who your ideal customers are", max_length=300, required=False)
    area = forms.CharField(label="The area you serve", max_length=120, required=False)
    needs = forms.CharField(label="What you are looking to buy", max_length=300, required=False)
    open_to_introductions = forms.BooleanField(
        label="Introduce us to other clients who could use what we do", required=False
    )
