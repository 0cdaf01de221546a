"""Forms of the contract-template pages. They shape input; the rules live in contracts.versions."""

from django import forms
from django.db.models.functions import Lower

from clients import selectors as client_selectors
from contracts.coverage import AREAS, CATEGORIES, WorkType
from contracts.documents import MERGE_FIELDS, validate_merge_fields
from contracts.models import ContractTemplate, ContractVersion
from contracts.versions import DRAFT_FIELDS
from service_levels.models import PolicyKind, SlaPolicy
from tenants.forms import StyledFormMixin

MARKDOWN_HELP = "Markdown: # headings, **bold**, lists, | tables |. Merge fields such as {{ client_name }}."


class TemplateForm(StyledFormMixin, forms.ModelForm):
    class Meta:
        model = ContractTemplate
        fields = ["name", "kind", "description"]
        labels = {"kind": "Kind of document"}
        help_texts = {
            "name": "What staff see, e.g. “Service Agreement” or “Response-time schedule”.",
            "description": "For your team: when to use this template.",
        }
        widgets = {"description": forms.Textarea(attrs={"rows": 2})}


class VersionForm(StyledFormMixin, forms.ModelForm):
    """A draft's text and settings (coverage rules come from CoverageFormSet)."""

    class Meta:
        model = ContractVersion
        # The draft fields the services allow; coverage rules have their own formset.
        fields = [name for name in DRAFT_FIELDS if name != "coverage"]
        labels = {
            "title": "Document title",
            "hourly_rate_remote": "Remote, per hour",
            "hourly_rate_onsite": "On-site, per hour",
            "after_hours_multiplier": "After-hours multiplier",
            "term_months": "Term (months)",
            "auto_renew": "Renews automatically at the end of each term",
            "notice_days": "Notice to stop renewal (days)",
        }
        help_texts = {
            "terms_markdown": MARKDOWN_HELP,
            "sla_markdown": "Put {{ sla_table }} where the table of targets should go.",
            "after_hours_multiplier": "1.5 bills after-hours work at one and a half times the rates.",
            "billing_terms": "Plain text, e.g. “Invoiced monthly, due within 15 days.”",
        }
        widgets = {
            "terms_markdown": forms.Textarea(attrs={"rows": 18, "class": "font-monospace small"}),
            "sla_markdown": forms.Textarea(attrs={"rows": 6, "class": "font-monospace small"}),
            "billing_terms": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in ("hourly_rate_remote", "hourly_rate_onsite", "after_hours_multiplier"):
            self.fields[name].widget.attrs.update({"min": "0", "step": "0.01", "inputmode": "decimal"})
        self.fields["terms_markdown"].widget.attrs["spellcheck"] = "true"

    def _clean_markdown(self, name):
        text = self.cleaned_data.get(name, "")
        validate_merge_fields(text)  # also checked by the service; here it lands on the field
        return text

    def clean_terms_markdown(self):
        return self._clean_markdown("terms_markdown")

    def clean_sla_markdown(self):
        return self._clean_markdown("sla_markdown")


COVERED_CHOICES = [("covered", "Covered"), ("billable", "Billable")]


class CoverageRuleForm(StyledFormMixin, forms.Form):
    """One coverage rule. Blank category or work type matches any."""

    category = forms.ChoiceField(
        required=False, choices=[("", "Any category"), *[(c, c.title()) for c in CATEGORIES]]
    )
    work_type = forms.ChoiceField(
        required=False, label="Work type", choices=[("", "Any work type"), *WorkType.CHOICES]
    )
    area = forms.ChoiceField(
        required=False,
        label="Where",
        choices=[("", "Anywhere"), *[(key, label.capitalize()) for key, label in AREAS.items()]],
    )
    covered = forms.ChoiceField(choices=[("", "Choose…"), *COVERED_CHOICES], label="Covered?")
    note = forms.CharField(required=False, max_length=200)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            field.widget.attrs["class"] += (
                " form-control-sm" if "form-control" in field.widget.attrs["class"] else " form-select-sm"
            )

    def as_rule(self) -> dict | None:
        data = getattr(self, "cleaned_data", None) or {}
        if not data or data.get("DELETE"):
            return None
        return {
            "category": data.get("category", ""),
            "work_type": data.get("work_type", ""),
            **({"area": data["area"]} if data.get("area") else {}),
            "covered": data.get("covered") == "covered",
            "note": (data.get("note") or "").strip(),
        }


class BaseCoverageFormSet(forms.BaseFormSet):
    def add_fields(self, form, index):
        super().add_fields(form, index)
        if "ORDER" in form.fields:
            form.fields["ORDER"].widget.attrs.update(
                {"class": "form-control form-control-sm order-input", "min": "1"}
            )
        if "DELETE" in form.fields:
            form.fields["DELETE"].widget.attrs["class"] = "form-check-input"

    def rules(self) -> list[dict]:
        """The rules in the order shown (ORDER numbers first, as typed), blank and removed rows dropped."""
        rows = [form.as_rule() for form in self.ordered_forms]  # unchanged blank rows are left out
        return [rule for rule in rows if rule is not None]


CoverageFormSet = forms.formset_factory(
    CoverageRuleForm, formset=BaseCoverageFormSet, extra=2, can_delete=True, can_order=True
)


def coverage_initial(rules) -> list[dict]:
    return [
        {
            "category": rule.get("category", ""),
            "work_type": rule.get("work_type", ""),
            "area": rule.get("area", ""),
            "covered": "covered" if rule.get("covered") else "billable",
            "note": rule.get("note", ""),
            "ORDER": number,
        }
        for number, rule in enumerate(rules or [], start=1)
    ]


class PreviewForm(StyledFormMixin, forms.Form):
    """Whom to render the document for: a chosen client, or a sample; a tier and riders."""

    client = forms.ModelChoiceField(queryset=None, required=False, empty_label="Sample client")
    tier = forms.ChoiceField(required=False, label="Membership tier")
    riders = forms.MultipleChoiceField(required=False, widget=forms.CheckboxSelectMultiple)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["client"].queryset = client_selectors.client_list().order_by(Lower("name"), "pk")
        active = SlaPolicy.objects.filter(is_active=True).order_by("name")
        self.fields["tier"].choices = [("", "No paid tier (standard)")] + [
            (policy.key, policy.name) for policy in active.filter(kind=PolicyKind.TIER)
        ]
        self.fields["riders"].choices = [(p.key, p.name) for p in active.filter(kind=PolicyKind.RIDER)]
        self.fields["riders"].widget.attrs["class"] = "form-check-input"


class CompareForm(forms.Form):
    a = forms.ModelChoiceField(queryset=None, label="From version", empty_label=None)
    b = forms.ModelChoiceField(queryset=None, label="To version", empty_label=None)

    def __init__(self, *args, template: ContractTemplate, **kwargs):
        super().__init__(*args, **kwargs)
        versions = ContractVersion.objects.filter(template=template).order_by("-number")
        for name in ("a", "b"):
            self.fields[name].queryset = versions
            self.fields[name].label_from_instance = lambda v: f"v{v.number} · {v.get_status_display()}"
            self.fields[name].widget.attrs["class"] = "form-select"


def merge_field_help() -> list[tuple[str, str]]:
    return [(f"{{{{ {name} }}}}", description) for name, description in MERGE_FIELDS.items()]
