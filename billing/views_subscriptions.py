"""Staff pages of a client's membership: the panel on the client page, starting one, changing it with a
preview of what it does and costs before confirming, cancelling at the period end, withdrawing the
cancellation and dropping a scheduled change. Writes go through billing.subscriptions (money) and
memberships.services; the panel's figures come from billing.membership_summary."""

from __future__ import annotations

import hashlib
import json

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.views import View
from django.views.generic import TemplateView

from accounts.actors import actor_label
from billing import subscriptions
from billing.forms_subscriptions import CancelMembershipForm, MembershipForm
from billing.membership_summary import membership_summary
from clients.models import Client
from memberships import services as memberships
from memberships.models import Subscription
from memberships.selectors import phase_on
from tenants.currency import money
from tenants.localtime import tenant_today, tenant_zone
from tenants.views import StaffRequiredMixin

VIEW, MANAGE = "plans.view", "memberships.manage"


def membership_panel(request, client) -> str:
    """The client page's membership panel (registered with clients.panels in BillingConfig.ready)."""
    if request.membership is None or not request.membership.can(VIEW):
        return ""
    context = {"summary": membership_summary(client), "client": client, "zone": request.tenant.timezone}
    with timezone.override(tenant_zone(request.tenant)):  # history times in the tenant's wall time
        return render_to_string("billing/membership_panel.html", context, request=request)


def signed_money(amount, currency: str) -> str:
    """A charge or a credit: "$35.93" or "−$131.27" (a true minus sign before the currency)."""
    return f"−{money(-amount, currency)}" if amount < 0 else money(amount, currency)


def client_page(client_id: int, anchor: str = "membership") -> str:
    return reverse("clients:detail", args=[client_id]) + f"#{anchor}"


class MembershipManageMixin(StaffRequiredMixin):
    permission = MANAGE


class SubscriptionMixin(MembershipManageMixin):
    """The subscription in the URL (of the tenant: another tenant's id is a 404)."""

    model = Subscription
    subscription: Subscription

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and getattr(request, "membership", None):
            self.subscription = get_object_or_404(
                Subscription.objects.select_related("client"), pk=kwargs["pk"]
            )
        return super().dispatch(request, *args, **kwargs)


def preview_fingerprint(preview: subscriptions.ChangePreview) -> str:
    """What a confirmation must still match: the change, when it happens and what it costs."""
    change = preview.change
    facts = {
        "kind": change.kind,
        "effective_on": str(change.effective_on),
        "after": change.after.describe(),
        "charges": [[line.plan.pk, str(line.amount)] for line in preview.charges],
    }
    return hashlib.sha256(json.dumps(facts, sort_keys=True).encode()).hexdigest()[:32]


def form_error(form, error: ValidationError) -> None:
    """A service's refusal on the form: on the field it names, else on the whole form."""
    field_names = {
        "plan": "tier",
        "riders": "riders",
        "billing_cycle": "billing_cycle",
        "plan_price": "plan_price",
    }
    if hasattr(error, "error_dict"):
        for name, errors in error.error_dict.items():
            form.add_error(field_names.get(name), errors)
    else:
        form.add_error(None, error)


class SubscriptionChangeView(SubscriptionMixin, TemplateView):
    """GET the form (the current plan chosen); POST action=preview shows what the change does and costs
    (htmx swaps just that part in while the form changes); POST action=confirm makes the change if it is
    still the change previewed."""

    template_name = "billing/membership_change.html"

    def held(self):
        phase = phase_on(self.subscription, tenant_today())
        if phase is None:
            return None
        return memberships.holding_of(phase)

    def get_form(self, holding):
        data = self.request.POST if self.request.method == "POST" else None
        initial = {}
        if holding is not None:
            initial = {
                "tier": holding.tier,
                "riders": [rider for rider, _ in holding.riders],
                "billing_cycle": holding.cycle,
            }
        held = [plan for plan, _ in holding.items()] if holding else []
        return MembershipForm(data, initial=initial, held=held, currency=self.request.tenant.currency)

    def get(self, request, *args, **kwargs):
        return self.render_page(self.get_form(self.held()))

    def post(self, request, *args, **kwargs):
        holding = self.held()
        form = self.get_form(holding)
        action = request.POST.get("action", "preview")
        preview, stale = None, False
        if form.is_valid():
            data = form.cleaned_data
            values = {
                "tier": data["tier"],
                "riders": list(data["riders"]),
                "cycle": data["billing_cycle"],
                "tier_price": data["plan_price"],
            }
            try:
                if action != "confirm":
                    preview = subscriptions.preview_change(self.subscription, **values)
                else:
                    # Made under the subscription's lock, and undone unless it is exactly what was previewed
                    # (the membership may have changed, or the date moved on, since the preview).
                    with transaction.atomic():
                        record, preview = subscriptions.change_subscription(
                            self.subscription, actor=actor_label(request.user), **values
                        )
                        stale = request.POST.get("expected", "") != preview_fingerprint(preview)
                        transaction.set_rollback(stale)
                    if not stale:
                        sentence = preview.sentence(request.tenant.currency)
                        messages.success(request, f"{record.summary}. {sentence[:1].upper()}{sentence[1:]}.")
                        return HttpResponseRedirect(client_page(self.subscription.client_id))
            except ValidationError as error:
                form_error(form, error)
                preview = None
        return self.render_page(form, preview=preview, stale=stale)

    def render_page(self, form, *, preview=None, stale=False):
        context = self.get_context_data(form=form, preview=preview, stale=stale)
        if self.request.htmx and self.request.method == "POST":
            return self.response_class(
                request=self.request, template=[f"{self.template_name}#preview"], context=context
            )
        return self.render_to_response(context)

    def get_context_data(self, **kwargs):
        preview = kwargs.get("preview")
        currency = self.request.tenant.currency
        summary = membership_summary(self.subscription.client, history_limit=0)
        if preview is not None:
            kwargs.update(
                sentence=preview.sentence(currency),
                fingerprint=preview_fingerprint(preview),
                charges=[(line, signed_money(line.amount, currency)) for line in preview.charges],
                due_now=signed_money(preview.due_now, currency),
                new_price=money(preview.new_price, currency),
            )
        return super().get_context_data(
            subscription=self.subscription, client=self.subscription.client, summary=summary, **kwargs
        )


class SubscriptionStartView(MembershipManageMixin, TemplateView):
    """Start a membership today for a client with a signed service contract in force."""

    template_name = "billing/membership_start.html"

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and getattr(request, "membership", None):
            self.client = get_object_or_404(Client, pk=kwargs["client_pk"])
        return super().dispatch(request, *args, **kwargs)

    def get_form(self):
        data = self.request.POST if self.request.method == "POST" else None
        return MembershipForm(data, currency=self.request.tenant.currency)

    def get(self, request, *args, **kwargs):
        return self.render_to_response(self.get_context_data(form=self.get_form()))

    def post(self, request, *args, **kwargs):
        form = self.get_form()
        if form.is_valid():
            data = form.cleaned_data
            try:
                subscriptions.start_membership(
                    client=self.client,
                    tier=data["tier"],
                    riders=list(data["riders"]),
                    cycle=data["billing_cycle"],
                    tier_price=data["plan_price"],
                    actor=actor_label(request.user),
                )
            except ValidationError as error:
                form_error(form, error)
            else:
                messages.success(
                    request, f"Membership started for {self.client}. The next billing run invoices it."
                )
                return HttpResponseRedirect(client_page(self.client.pk))
        return self.render_to_response(self.get_context_data(form=form))

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            client=self.client, summary=membership_summary(self.client, history_limit=0), **kwargs
        )


class SubscriptionActionView(SubscriptionMixin, View):
    """POST-only actions; the answer (done, or why not) is a message on the client page."""

    http_method_names = ["post"]

    def act(self, request) -> str:
        raise NotImplementedError

    def post(self, request, *args, **kwargs):
        try:
            messages.success(request, self.act(request))
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        return HttpResponseRedirect(client_page(self.subscription.client_id))


class SubscriptionCancelView(SubscriptionActionView):
    def act(self, request):
        form = CancelMembershipForm(request.POST)
        reason = form.cleaned_data["reason"] if form.is_valid() else ""
        record = memberships.cancel_at_period_end(
            self.subscription, on=tenant_today(), actor=actor_label(request.user), reason=reason
        )
        return f"{record.summary}. The client keeps its plan until then; you can withdraw the cancellation."


class SubscriptionResumeView(SubscriptionActionView):
    def act(self, request):
        memberships.resume(self.subscription, on=tenant_today(), actor=actor_label(request.user))
        return "Cancellation withdrawn: the membership renews as before."


class ScheduledChangeDropView(SubscriptionActionView):
    def act(self, request):
        record = memberships.drop_scheduled_change(
            self.subscription, on=tenant_today(), actor=actor_label(request.user)
        )
        return f"{record.summary}."
