"""Staff pages of rewards: the tenant's page (gifts to deliver, recent rewards, what the programs cost
against the retention and utilisation of rewarded and unrewarded clients) and a client's page (every
reward, totals, each program's section), with the actions of ``rewards.manage``: grant by hand, mark a
gift delivered, withdraw a reward.

Reads come from rewards.selectors, writes go through rewards.services; a refused write shows its message
on the form it came from, with what was typed kept.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponseRedirect, JsonResponse
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views import View

from accounts.actors import actor_label
from clients.models import Client
from rewards import selectors, services
from rewards.forms import GrantRewardForm, WithdrawRewardForm
from rewards.models import Program, Reward
from rewards.sections import sections_for
from tenants.forms import add_service_errors
from tenants.localtime import tenant_today
from tenants.views import StaffRequiredMixin

RECENT_SHOWN = 15


class RewardsViewMixin(StaffRequiredMixin):
    permission = "rewards.view"


class RewardsManageMixin(RewardsViewMixin):
    permission = "rewards.manage"


# --- The tenant's page --------------------------------------------------------------------------------


# Each program's own page, and what it does, for the "Programs" list of the rewards page.
PROGRAM_PAGES = (
    (
        Program.UTILIZATION,
        "rewards:utilization_program",
        "Money off the next plan invoice for few tickets per endpoint.",
    ),
    (
        Program.BEST_PRACTICES,
        "best_practices:overview",
        "A checklist with evidence; tiers discount project labour.",
    ),
    (
        Program.ANNIVERSARY,
        "rewards:anniversaries",
        "A gift or credit on each anniversary, growing with the years.",
    ),
    (
        Program.CUSTOMER_OF_THE_MONTH,
        "rewards:customer_of_the_month",
        "The team nominates and votes; the winner gets a spotlight.",
    ),
    (
        Program.REFERRAL,
        "rewards:referrals",
        "Introductions between clients, and credit for a referral who signs.",
    ),
)


class RewardsOverviewView(RewardsViewMixin, View):
    """Gifts to deliver, the latest rewards, and the economics of the programs."""

    http_method_names = ["get", "head"]

    def get(self, request):
        today = tenant_today()
        costs = selectors.monthly_cost(today=today)
        context = {
            "to_deliver": list(selectors.gifts_to_deliver()),
            "recent": list(selectors.rewards()[:RECENT_SHOWN]),
            "totals": selectors.reward_totals(Reward.objects.all(), on=today),
            "costs": list(reversed(costs)),  # the newest month on top of the table
            "cost_total": sum((month.total for month in costs), selectors.ZERO),
            "cost_since": costs[0].month,
            "programs": Program.choices,
            "program_pages": [
                (Program(program).label, reverse(url_name), what)
                for program, url_name, what in PROGRAM_PAGES
                if program != Program.UTILIZATION or request.membership.can("rewards.manage")
            ],
            "economics": selectors.economics(today=today),
            "today": today,
            "zone": request.tenant.timezone,
            "currency": request.tenant.currency,
        }
        return TemplateResponse(request, "rewards/index.html", context)


class RewardsCostJsonView(RewardsViewMixin, View):
    """The cost chart's figures: the table's, oldest month first, one series per program."""

    http_method_names = ["get", "head"]

    def get(self, request):
        costs = selectors.monthly_cost(today=tenant_today())
        return JsonResponse(
            {
                "currency": request.tenant.currency,
                "labels": [f"{month.month:%b %Y}" for month in costs],
                "series": [
                    {
                        "program": program,
                        "label": label,
                        "values": [str(m.by_program[program]) for m in costs],
                    }
                    for program, label in Program.choices
                ],
            }
        )


# --- A client's page ----------------------------------------------------------------------------------


def client_page_context(request, client: Client, **forms) -> dict:
    today = tenant_today()
    rows = selectors.rewards(client=client)
    return {
        "client": client,
        "rewards": list(rows),
        "totals": selectors.reward_totals(rows, on=today),
        "sections": sections_for(client, audience="staff", on=today),
        "grant_form": forms.get("grant_form") or GrantRewardForm(prefix="grant"),
        "withdraw_form": forms.get("withdraw_form") or WithdrawRewardForm(prefix="withdraw"),
        "withdrawing": forms.get("withdrawing"),
        "open_form": forms.get("open_form", ""),
        "today": today,
        "zone": request.tenant.timezone,
        "currency": request.tenant.currency,
    }


class ClientRewardsView(RewardsViewMixin, View):
    model = Client
    http_method_names = ["get", "head"]

    def get(self, request, pk):
        client = get_object_or_404(Client, pk=pk)
        return TemplateResponse(request, "rewards/client_rewards.html", client_page_context(request, client))


class GrantRewardView(RewardsManageMixin, View):
    model = Client
    http_method_names = ["post"]

    def post(self, request, pk):
        client = get_object_or_404(Client, pk=pk)
        form = GrantRewardForm(request.POST, prefix="grant")
        if form.is_valid():
            data = form.cleaned_data
            try:
                reward = services.grant_by_hand(
                    client,
                    program=data["program"],
                    kind=data["kind"],
                    title=data["title"],
                    reason=data["reason"],
                    value=data["value"] or 0,
                    actor=actor_label(request.user),
                )
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(request, f"Granted to {client}: {reward.title}.")
                return HttpResponseRedirect(reverse("rewards:client", args=[client.pk]))
        context = client_page_context(request, client, grant_form=form, open_form="grant")
        return TemplateResponse(request, "rewards/client_rewards.html", context, status=400)


def _back(request, reward: Reward) -> str:
    """Where an action returns: the page it came from (the tenant's or the client's), else the client's."""
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
        return target
    return reverse("rewards:client", args=[reward.client_id])


class MarkDeliveredView(RewardsManageMixin, View):
    model = Reward
    http_method_names = ["post"]

    def post(self, request, pk):
        reward = get_object_or_404(Reward.objects.select_related("client"), pk=pk)
        try:
            services.mark_delivered(reward, by=request.user)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, f"Delivered to {reward.client}: {reward.title}.")
        return HttpResponseRedirect(_back(request, reward))


class WithdrawRewardView(RewardsManageMixin, View):
    model = Reward
    http_method_names = ["post"]

    def post(self, request, pk):
        reward = get_object_or_404(Reward.objects.select_related("client"), pk=pk)
        form = WithdrawRewardForm(request.POST, prefix="withdraw")
        if form.is_valid():
            try:
                services.withdraw_reward(
                    reward, actor=actor_label(request.user), reason=form.cleaned_data["reason"]
                )
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(request, f"Withdrawn: {reward.title}.")
                return HttpResponseRedirect(reverse("rewards:client", args=[reward.client_id]))
        context = client_page_context(request, reward.client, withdraw_form=form, withdrawing=reward.pk)
        return TemplateResponse(request, "rewards/client_rewards.html", context, status=400)
