"""The membership form (start or change): a tier, riders and a billing cycle. It shapes input; what a
change does and costs is billing.subscriptions' answer."""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.db.models import Q

from memberships.models import BillingCycle, Plan, PlanKind
from tenants.currency import money
from tenants.forms import StyledFormMixin


class PlanChoiceMixin:
    currency = "USD"

    def label_from_instance(self, plan: Plan) -> str:
        prices = [f"{money(plan.monthly_price, self.currency)}/month"]
        if plan.annual_price is not None:
            prices.append(f"{money(plan.annual_price, self.currency)}/year")
        archived = " (archived: kept only while unchanged)" if plan.is_archived else ""
        return f"{plan.name}, {' or '.join(prices)}{archived}"


class PlanChoiceField(PlanChoiceMixin, forms.ModelChoiceField):
    pass


class PlanMultipleChoiceField(PlanChoiceMixin, forms.ModelMultipleChoiceField):
    pass


def _offered(kind: str, held: list[Plan]):
    """Plans of ``kind`` on offer, plus the archived ones the client holds (it may keep them)."""
    held_ids = [plan.pk for plan in held if plan.kind == kind]
    return (
        Plan.objects.filter(kind=kind)
        .filter(Q(archived_at__isnull=True) | Q(pk__in=held_ids))
        .order_by("rank", "monthly_price", "name")
    )


class MembershipForm(StyledFormMixin, forms.Form):
    tier = PlanChoiceField(
        queryset=Plan.objects.none(),
        required=False,
        widget=forms.RadioSelect,
        empty_label="No tier (riders only)",
        blank=True,  # a radio for "no tier" too
        label="Tier",
    )
    riders = PlanMultipleChoiceField(
        queryset=Plan.objects.none(), required=False, widget=forms.CheckboxSelectMultiple, label="Riders"
    )
    billing_cycle = forms.ChoiceField(
        choices=BillingCycle.choices, initial=BillingCycle.MONTHLY, widget=forms.RadioSelect, label="Billed"
    )
    plan_price = forms.DecimalField(
        max_digits=10,
        decimal_places=2,
        min_value=Decimal("0"),
        required=False,
        label="Agreed tier price",
        help_text="A negotiated price per period. Leave empty for the list price (or, for the tier the "
        "client keeps on the same cycle, the price agreed before).",
    )

    def __init__(self, *args, currency: str = "USD", held: list[Plan] | tuple = (), **kwargs):
        super().__init__(*args, **kwargs)
        for name in ("tier", "riders"):
            self.fields[name].currency = currency
        self.fields["tier"].queryset = _offered(PlanKind.TIER, list(held))
        self.fields["riders"].queryset = _offered(PlanKind.RIDER, list(held))
        for name in ("tier", "riders", "billing_cycle"):
            self.fields[name].widget.attrs["class"] = "form-check-input"
        self.fields["plan_price"].label = f"Agreed tier price ({currency})"
        self.fields["plan_price"].widget.attrs.update({"inputmode": "decimal", "step": "0.01"})

    def clean(self):
        data = super().clean()
        if not self.errors and data.get("tier") is None and not data.get("riders"):
            raise forms.ValidationError("Choose a tier or at least one rider.")
        if data.get("plan_price") is not None and data.get("tier") is None:
            self.add_error("plan_price", "An agreed tier price needs a tier.")
        return data


class CancelMembershipForm(forms.Form):
    reason = forms.CharField(required=False, max_length=200)
