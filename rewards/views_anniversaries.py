"""The anniversary program's staff pages: the step table (who may manage edits it), the gifts staff have
to deliver, every client's relationship start and streak, and setting a start by hand."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import reverse
from django.views import View

from clients.models import Client
from rewards import anniversaries
from rewards.forms_programs import RelationshipStartForm, StepForm
from rewards.models import AnniversaryStep, Program, Reward, RewardKind, RewardStatus
from tenants.localtime import tenant_today
from tenants.views import StaffRequiredMixin


def _page(request, *, form=None, status=200):
    today = tenant_today()
    table = anniversaries.steps()
    for step in table:
        step.gives = anniversaries.describe_step(step)
        step.cost = step.credit + step.gift_cost
    active = Client.objects.filter(archived_at__isnull=True).order_by("name")
    streaks = anniversaries.anniversary_streaks(active, on=today)
    clients = [(client, streaks[client.pk]) for client in active if client.pk in streaks]
    clients.sort(key=lambda pair: pair[1].next_on)
    gifts = Reward.objects.filter(
        program=Program.ANNIVERSARY, kind=RewardKind.GIFT, status=RewardStatus.TO_DELIVER
    ).select_related("client")
    context = {
        "steps": table,
        "form": form or StepForm(),
        "clients": clients,
        "gifts": gifts,
        "catch_up_days": anniversaries.CATCH_UP.days,
        "today": today,
    }
    return TemplateResponse(request, "rewards/anniversaries.html", context, status=status)


class AnniversariesView(StaffRequiredMixin, View):
    permission = "rewards.view"

    def get(self, request):
        return _page(request)

    def post(self, request):
        if not request.membership.can("rewards.manage"):
            raise PermissionDenied("Your role cannot change the anniversary rewards.")
        if request.POST.get("delete"):
            step = get_object_or_404(AnniversaryStep, pk=request.POST["delete"])
            anniversaries.delete_step(step)
            messages.success(request, f"The step of year {step.years} is removed.")
            return HttpResponseRedirect(reverse("rewards:anniversaries"))
        form = StepForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                anniversaries.save_step(
                    years=data["years"],
                    credit=data["credit"],
                    gift=data["gift"],
                    gift_cost=data["gift_cost"] or 0,
                )
            except ValidationError as error:
                for field, errors in error.message_dict.items():
                    form.add_error(field if field in form.fields else None, errors)
            else:
                messages.success(request, f"Year {data['years']} is saved.")
                return HttpResponseRedirect(reverse("rewards:anniversaries"))
        return _page(request, form=form, status=400)


class RelationshipStartView(StaffRequiredMixin, View):
    """Set (or clear) when a client's relationship started, with why."""

    model = Client
    permission = "rewards.manage"

    def _render(self, request, client, form, status=200):
        context = {"client": client, "form": form, "relationship": anniversaries.relationship(client)}
        return TemplateResponse(request, "rewards/relationship_start.html", context, status=status)

    def get(self, request, pk):
        client = get_object_or_404(Client, pk=pk)
        rel = anniversaries.relationship(client)
        initial = {"started_on": rel.started_on, "reason": rel.reason}
        return self._render(request, client, RelationshipStartForm(initial=initial))

    def post(self, request, pk):
        client = get_object_or_404(Client, pk=pk)
        if request.POST.get("action") == "clear":
            anniversaries.clear_relationship_start(client)
            messages.success(request, f"{client}'s relationship starts at its first signed agreement again.")
            return HttpResponseRedirect(reverse("rewards:anniversaries"))
        form = RelationshipStartForm(request.POST)
        if form.is_valid():
            try:
                anniversaries.set_relationship_start(
                    client,
                    started_on=form.cleaned_data["started_on"],
                    reason=form.cleaned_data["reason"],
                    by=request.user,
                )
            except ValidationError as error:
                form.add_error(None, " ".join(error.messages))
            else:
                messages.success(request, f"{client}'s relationship start is saved.")
                return HttpResponseRedirect(reverse("rewards:anniversaries"))
        return self._render(request, client, form, status=400)
