"""Forms of the best-practices pages. They shape input; the rules live in
``rewards.best_practice_services`` (weights, unique names, evidence types and size, no future checks)."""

from __future__ import annotations

from django import forms

from rewards.best_practice_services import EVIDENCE_HELP, EVIDENCE_TYPES
from rewards.models import CheckResult, Practice
from tenants.forms import StyledFormMixin


class PracticeForm(StyledFormMixin, forms.Form):
    name = forms.CharField(max_length=120, help_text="e.g. Backups verified, MFA enforced.")
    description = forms.CharField(
        max_length=500,
        required=False,
        label="What it means and how it is verified",
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    weight = forms.IntegerField(min_value=1, max_value=100, initial=1, help_text="How much it counts.")
    valid_for_months = forms.IntegerField(
        min_value=1,
        max_value=120,
        required=False,
        label="Re-verify after (months)",
        help_text="Empty: a check never expires.",
    )


class TierForm(StyledFormMixin, forms.Form):
    name = forms.CharField(max_length=60, help_text="e.g. Bronze, Silver, Gold.")
    threshold_percent = forms.DecimalField(
        max_digits=5, decimal_places=2, label="Score to reach (%)", min_value=0, max_value=100
    )
    discount_percent = forms.DecimalField(
        max_digits=5, decimal_places=2, label="Off project labour (%)", min_value=0, max_value=100
    )


class CheckForm(StyledFormMixin, forms.Form):
    practice = forms.ModelChoiceField(queryset=Practice.objects.none(), empty_label="Choose a practice")
    result = forms.ChoiceField(choices=CheckResult.choices, widget=forms.RadioSelect, initial=CheckResult.MET)
    checked_on = forms.DateField(
        label="Checked on", widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    note = forms.CharField(
        max_length=1000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="What was checked and how; for “not met”, what is missing.",
    )
    evidence = forms.FileField(
        required=False,
        help_text=EVIDENCE_HELP,
        widget=forms.FileInput(attrs={"accept": ",".join(EVIDENCE_TYPES)}),
    )

    def __init__(self, *args, practices, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["practice"].queryset = practices
        self.fields["result"].widget.attrs["class"] = "form-check-input"
