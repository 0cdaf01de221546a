"""Forms of the staff rewards pages. They collect input; the rules (what may be granted, delivered or
withdrawn) are rewards.services', whose ValidationErrors the views put back on these forms."""

from __future__ import annotations

from decimal import Decimal

from django import forms

from rewards.models import Program, RewardKind
from rewards.services import MANUAL_KINDS
from tenants.forms import StyledFormMixin


class GrantRewardForm(StyledFormMixin, forms.Form):
    program = forms.ChoiceField(
        choices=Program.choices, help_text="The program it counts under in the rewards' costs."
    )
    kind = forms.ChoiceField(
        choices=[(kind.value, kind.label) for kind in MANUAL_KINDS],
        initial=RewardKind.CREDIT,
        label="What kind",
        help_text="Account credit comes off the client's next invoices; a gift becomes a task to deliver.",
    )
    title = forms.CharField(
        max_length=200, label="What the client gets", help_text="E.g. '$50 off your next invoice'."
    )
    reason = forms.CharField(
        max_length=400,
        label="Why",
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="In the client's terms: they see it.",
    )
    value = forms.DecimalField(
        max_digits=12,
        decimal_places=2,
        min_value=Decimal("0"),
        required=False,
        label="Value",
        help_text="The credit's amount, or what the gift costs the company.",
    )

    def clean(self):
        data = super().clean()
        if data.get("kind") == RewardKind.CREDIT and not data.get("value"):
            self.add_error("value", "Account credit needs an amount above zero.")
        return data


class WithdrawRewardForm(StyledFormMixin, forms.Form):
    reason = forms.CharField(
        max_length=300, label="Why withdraw it", widget=forms.Textarea(attrs={"rows": 2})
    )
