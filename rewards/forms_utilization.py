"""The utilisation program's settings form: the target and a formset of tier rows. It shapes input; the
rules (ranges, distinct thresholds, lower threshold gives more) live in ``rewards.utilization``."""

from __future__ import annotations

from decimal import Decimal

from django import forms

from tenants.forms import StyledFormMixin


class UtilizationProgramForm(StyledFormMixin, forms.Form):
    enabled = forms.BooleanField(
        required=False,
        label="Reward low utilisation",
        help_text="Each client is evaluated at the end of each billing period; a tier reached earns credit "
        "on the next plan invoice.",
    )
    target_percent = forms.DecimalField(
        label="Utilisation target (%)",
        min_value=Decimal("0.01"),
        max_value=Decimal("100"),
        decimal_places=2,
        help_text="Tickets per 100 managed endpoints in a period: 20 means 20 tickets on 100 endpoints.",
    )


class UtilizationTierForm(StyledFormMixin, forms.Form):
    below_percent = forms.DecimalField(label="Utilisation under (%)", decimal_places=2)
    reward_percent = forms.DecimalField(label="Off the next plan invoice (%)", decimal_places=2)
    name = forms.CharField(label="Name", max_length=60, required=False)


TierFormSet = forms.formset_factory(UtilizationTierForm, extra=0, max_num=6, absolute_max=6)
