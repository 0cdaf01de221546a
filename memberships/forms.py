"""The plan form. It shapes input; the rules (a plan's kind and its SLA policy's kind agree, keys are
unique, a kind never changes) live in memberships.services.save_plan."""

from __future__ import annotations

from django import forms

from memberships.models import Plan, PlanKind
from service_levels.models import PolicyKind, SlaPolicy
from tenants.forms import StyledFormMixin


class SlaPolicyChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.name} ({obj.get_kind_display().lower()}{'' if obj.is_active else ', inactive'})"


class PlanForm(StyledFormMixin, forms.ModelForm):
    sla_policy = SlaPolicyChoiceField(
        queryset=SlaPolicy.objects.none(),
        required=False,
        label="SLA policy granted",
        empty_label="None (the standard contract's targets)",
        help_text="A tier grants a tier policy, a rider a rider policy (their targets apply to the client's "
        "tickets).",
    )

    class Meta:
        model = Plan
        fields = [
            "kind",
            "name",
            "key",
            "description",
            "monthly_price",
            "annual_price",
            "sla_policy",
            "rank",
            "proactive_monitoring",
            "priority_onsite",
            "onsite_visits_included",
            "hours_included",
            "labour_discount_percent",
        ]
        labels = {
            "kind": "Kind",
            "monthly_price": "Monthly price",
            "annual_price": "Annual price",
            "rank": "Rank",
            "onsite_visits_included": "On-site visits included",
            "hours_included": "Labour hours included",
            "labour_discount_percent": "Labour discount (%)",
            "priority_onsite": "Priority on-site",
        }
        widgets = {"description": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, currency: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        editing = self.instance.pk is not None
        policies = SlaPolicy.objects.filter(kind__in=[PolicyKind.TIER, PolicyKind.RIDER])
        if editing and self.instance.sla_policy_id:
            policies = policies.filter(is_active=True) | policies.filter(pk=self.instance.sla_policy_id)
        else:
            policies = policies.filter(is_active=True)
        self.fields["sla_policy"].queryset = policies.order_by("kind", "name")
        self.fields["kind"].widget = forms.RadioSelect(choices=PlanKind.choices)
        self.fields["kind"].widget.attrs["class"] = "form-check-input"
        if editing:
            self.fields["kind"].disabled = True
            self.fields["kind"].help_text = "A plan's kind cannot change; add a new plan instead."
        if currency:
            for name in ("monthly_price", "annual_price"):
                self.fields[name].label = f"{self.fields[name].label} ({currency})"
        for name in ("monthly_price", "annual_price", "hours_included", "labour_discount_percent"):
            self.fields[name].widget.attrs.update({"inputmode": "decimal", "step": "0.01"})
