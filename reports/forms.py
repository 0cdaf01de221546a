from django import forms

from billing.accounting_export import DATE_ORDERS, FORMATS
from reports.periods import PRESETS, PeriodError, resolve_period
from reports.selectors import GROUPINGS
from service_levels.models import Metric, Priority


class PeriodForm(forms.Form):
    """The period filter every report shares: a preset, or a custom start and end (tenant's dates)."""

    period = forms.ChoiceField(choices=list(PRESETS.items()), required=False, label="Period")
    start = forms.DateField(required=False, label="From", widget=forms.DateInput(attrs={"type": "date"}))
    end = forms.DateField(required=False, label="To", widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args, today, timezone, **kwargs):
        super().__init__(*args, **kwargs)
        self.today, self.timezone = today, timezone

    def clean(self):
        data = super().clean()
        try:
            data["resolved"] = resolve_period(
                data.get("period") or None, today=self.today, timezone=self.timezone,
                start=data.get("start"), end=data.get("end"),
            )  # fmt: skip
        except PeriodError as error:
            raise forms.ValidationError(str(error)) from error
        return data


class ComplianceForm(PeriodForm):
    group_by = forms.ChoiceField(choices=list(GROUPINGS.items()), required=False, label="Group by")


class BreachForm(PeriodForm):
    metric = forms.ChoiceField(choices=[("", "All metrics"), *Metric.choices], required=False, label="Metric")
    priority = forms.ChoiceField(
        choices=[("", "All priorities"), *Priority.choices], required=False, label="Priority"
    )


class AccountingExportForm(PeriodForm):
    """The accounting export's filters: the period, the tool the files are for and how dates are written."""

    format = forms.ChoiceField(choices=list(FORMATS.items()), required=False, label="Format")
    dates = forms.ChoiceField(choices=list(DATE_ORDERS.items()), required=False, label="Dates")
