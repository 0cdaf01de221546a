"""Forms of the agreement and campaign pages. They shape input; the rules live in contracts.campaigns
and contracts.agreements."""

from __future__ import annotations

import re
from datetime import timedelta
from decimal import Decimal
from functools import partial

from django import forms

from clients.models import Client
from contracts import signers as signer_rules
from contracts import versions
from contracts.models import AgreementStatus, ContractVersion, TemplateKind
from memberships import selectors as plan_choices
from memberships.models import BillingCycle, Plan
from tenants.currency import money
from tenants.forms import StyledFormMixin


class VersionChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        label = f"{obj.template.name} v{obj.number}"
        if obj.title != obj.template.name:
            label += f": {obj.title}"
        return f"{label} (amendment)" if obj.template.kind == TemplateKind.SUPPLEMENT else label


def version_choices():
    """The published versions, by template name and newest first; the newest service contract chosen."""
    newest = versions.newest_published_service_contract()
    return versions.published_versions().order_by("template__name", "-number"), newest.pk if newest else None


class AgreementFilterForm(forms.Form):
    q = forms.CharField(required=False, label="Search by client")
    status = forms.ChoiceField(
        required=False, choices=[("", "Any status"), *AgreementStatus.choices], label="Status"
    )


class CampaignForm(StyledFormMixin, forms.Form):
    DEFAULT, CHOSEN = "default", "chosen"

    name = forms.CharField(max_length=150, help_text="For your team, e.g. “2026 service agreement”.")
    version = VersionChoiceField(
        queryset=ContractVersion.objects.none(), label="Document to sign",
        help_text="Only published versions can be sent. An amendment goes to clients with a signed contract.",
    )  # fmt: skip
    audience = forms.ChoiceField(
        choices=[
            (DEFAULT, "Everyone who should sign it"),
            (CHOSEN, "Only the clients I tick below"),
        ],
        initial=DEFAULT,
        widget=forms.RadioSelect,
        label="Clients",
    )
    clients = forms.ModelMultipleChoiceField(
        queryset=Client.objects.none(), required=False, widget=forms.CheckboxSelectMultiple, label="Clients"
    )
    grace_deadline = forms.DateField(
        label="Sign by (grace period ends)",
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text="After this day, clients who have not signed get basic triage only.",
    )
    reminder_days = forms.CharField(
        required=False, initial="7, 3, 1", label="Remind on these days before the deadline",
        help_text="Days, separated by commas. Only those who have not signed are reminded.",
    )  # fmt: skip
    message = forms.CharField(
        required=False, widget=forms.Textarea(attrs={"rows": 4}), label="Personal note",
        help_text="Shown at the top of every email, e.g. why you are asking and whom to call with questions.",
    )  # fmt: skip

    def __init__(self, *args, today, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["version"].queryset, self.fields["version"].initial = version_choices()
        self.fields["clients"].queryset = Client.objects.filter(archived_at__isnull=True).order_by("name")
        self.fields["grace_deadline"].initial = today + timedelta(days=30)
        self.fields["clients"].widget.attrs["class"] = "form-check-input"
        self.fields["audience"].widget.attrs["class"] = "form-check-input"

    def clean_reminder_days(self):
        text = self.cleaned_data["reminder_days"].strip()
        if not text:
            return []
        parts = [part for part in re.split(r"[\s,;]+", text) if part]
        if not all(part.isdigit() for part in parts):
            raise forms.ValidationError("Use whole numbers of days separated by commas, e.g. 7, 3, 1.")
        return sorted({int(part) for part in parts}, reverse=True)

    def clean(self):
        data = super().clean()
        if data.get("audience") == self.CHOSEN and not data.get("clients"):
            self.add_error("clients", "Tick at least one client, or choose “Everyone who should sign it”.")
        return data

    @property
    def client_ids(self):
        if self.cleaned_data.get("audience") == self.CHOSEN:
            return [client.pk for client in self.cleaned_data["clients"]]
        return None


class AgreementForm(StyledFormMixin, forms.Form):
    client = forms.ModelChoiceField(queryset=Client.objects.none())
    version = VersionChoiceField(queryset=ContractVersion.objects.none(), label="Document")
    plan = forms.ModelChoiceField(
        queryset=Plan.objects.none(), required=False, label="Membership tier", empty_label="No tier",
    )  # fmt: skip
    riders = forms.ModelMultipleChoiceField(
        queryset=Plan.objects.none(), required=False, widget=forms.CheckboxSelectMultiple, label="Riders"
    )
    billing_cycle = forms.ChoiceField(
        choices=BillingCycle.choices, initial=BillingCycle.MONTHLY, label="Billed", widget=forms.RadioSelect
    )
    plan_price = forms.DecimalField(
        max_digits=10, decimal_places=2, min_value=Decimal("0"), required=False, label="Agreed tier price",
        help_text="Leave empty for the list price; a negotiated price per period otherwise.",
    )  # fmt: skip
    starts_on = forms.DateField(
        required=False, widget=forms.DateInput(attrs={"type": "date"}), label="Term starts",
        help_text="Leave empty to start on the day it is signed.",
    )  # fmt: skip

    def __init__(self, *args, currency: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["client"].queryset = Client.objects.filter(archived_at__isnull=True).order_by("name")
        self.fields["version"].queryset, self.fields["version"].initial = version_choices()
        label = partial(plan_label, currency=currency or "USD")
        self.fields["plan"].queryset = plan_choices.tiers()
        self.fields["plan"].label_from_instance = label
        self.fields["riders"].queryset = plan_choices.riders()
        self.fields["riders"].label_from_instance = label
        # Radio buttons and checkboxes are Bootstrap's form-check-input, not a text field's form-control.
        for name in ("riders", "billing_cycle"):
            self.fields[name].widget.attrs["class"] = "form-check-input"
        if currency:
            self.fields["plan_price"].label = f"Agreed tier price ({currency})"

    def clean(self):
        data = super().clean()
        cycle = data.get("billing_cycle")
        for plan in [data.get("plan"), *(data.get("riders") or ())]:
            if plan is not None and cycle and plan.price_for(cycle) is None:
                self.add_error("billing_cycle", f"{plan.name} is not sold on {cycle} billing.")
        if data.get("plan_price") is not None and data.get("plan") is None:
            self.add_error("plan_price", "An agreed tier price needs a tier: choose one, or leave it empty.")
        return data


def plan_label(plan: Plan, *, currency: str = "USD") -> str:
    annual = f" or {money(plan.annual_price, currency)}/year" if plan.annual_price is not None else ""
    return f"{plan.name}, {money(plan.monthly_price, currency)}/month{annual}"


class CancelForm(forms.Form):
    reason = forms.CharField(required=False, max_length=500)


class SignersForm(StyledFormMixin, forms.Form):
    """Who signs the agreement, among the client's contacts with an email address: for each, whether
    they sign, as what, in which turn and whether they confirm their email with a code first."""

    in_order = forms.BooleanField(
        required=False, initial=True, label="Sign in this order",
        help_text="Each signer gets their link once the ones before them have signed.",
    )  # fmt: skip

    def __init__(self, *args, contacts, current=(), email_code_default: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.contacts = list(contacts)
        chosen = {signer.contact_id: signer for signer in current}
        if current:
            self.fields["in_order"].initial = len({signer.order for signer in current}) > 1
        for position, contact in enumerate(self.contacts, start=1):
            signer = chosen.get(contact.pk)
            self.fields[f"sign_{contact.pk}"] = forms.BooleanField(
                required=False, label=contact.full_name,
                initial=signer is not None if current else contact.can_sign,
            )  # fmt: skip
            self.fields[f"role_{contact.pk}"] = forms.CharField(
                required=False, max_length=signer_rules.ROLE_MAX_LENGTH, label="Signs as",
                initial=signer.role if signer else contact.job_title[: signer_rules.ROLE_MAX_LENGTH],
            )  # fmt: skip
            self.fields[f"order_{contact.pk}"] = forms.IntegerField(
                min_value=1, max_value=signer_rules.MAX_SIGNERS, label="Turn",
                initial=signer.order if signer else position,
            )  # fmt: skip
            self.fields[f"code_{contact.pk}"] = forms.BooleanField(
                required=False, label="Emailed code",
                initial=signer.email_code_required if signer else email_code_default,
            )  # fmt: skip
            self.fields[f"sign_{contact.pk}"].widget.attrs["class"] = "form-check-input"
            self.fields[f"code_{contact.pk}"].widget.attrs["class"] = "form-check-input"
        self.fields["in_order"].widget.attrs["class"] = "form-check-input"

    def rows(self):
        """Per contact: the contact and its four fields, for the template."""
        return [
            {
                "contact": contact,
                "sign": self[f"sign_{contact.pk}"],
                "role": self[f"role_{contact.pk}"],
                "order": self[f"order_{contact.pk}"],
                "code": self[f"code_{contact.pk}"],
            }
            for contact in self.contacts
        ]

    def requests(self) -> list[signer_rules.SignerRequest]:
        """The chosen signers in their turn (ties keep the list's order)."""
        data = self.cleaned_data
        chosen = [contact for contact in self.contacts if data.get(f"sign_{contact.pk}")]
        chosen.sort(key=lambda contact: data.get(f"order_{contact.pk}") or 0)
        return [
            signer_rules.SignerRequest(
                contact=contact,
                role=data.get(f"role_{contact.pk}") or "",
                email_code=bool(data.get(f"code_{contact.pk}")),
            )
            for contact in chosen
        ]
