"""The staff page of customer of the month: this month's nominations with their votes (vote and take
back with htmx), nominating a client, past winners with their spotlight's share URL and draft blurb."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import reverse
from django.views import View

from accounts.actors import actor_label
from clients.models import Client
from rewards import customer_of_the_month as cotm
from rewards.forms_programs import NominationForm, SpotlightForm
from rewards.models import MonthlyAward, Nomination, Spotlight, Vote
from tenants.localtime import tenant_today
from tenants.views import StaffRequiredMixin

PAST_WINNERS = 24


def _errors(error: ValidationError) -> str:
    return " ".join(error.messages)


def page_context(request, *, form=None) -> dict:
    today = tenant_today()
    month = cotm.month_of(today)
    nominations = cotm.ranked(month)
    mine = (
        Vote.objects.filter(voter=request.user, month=month).values_list("nomination_id", flat=True).first()
    )
    awards = list(
        MonthlyAward.objects.select_related("client", "nomination", "spotlight").order_by("-month")[
            :PAST_WINNERS
        ]
    )
    for award in awards:
        spotlight = getattr(award, "spotlight", None)
        award.share_url = (
            request.build_absolute_uri(reverse("spotlight:public", args=[spotlight.share_token]))
            if spotlight
            else ""
        )
        award.form = (
            SpotlightForm(initial={"blurb": spotlight.blurb, "website": spotlight.website})
            if spotlight
            else None
        )
    return {
        "month": month,
        "nominations": nominations,
        "my_vote": mine,
        "awards": awards,
        "tie_rule": cotm.TIE_RULE,
        "form": form or NominationForm(clients=_clients()),
        "closes_on": cotm.next_month(month),
    }


def _clients():
    return Client.objects.filter(archived_at__isnull=True).order_by("name")


class CustomerOfTheMonthView(StaffRequiredMixin, View):
    permission = "rewards.view"

    def get(self, request):
        return TemplateResponse(request, "rewards/customer_of_the_month.html", page_context(request))

    def post(self, request):
        if not request.membership.can("rewards.nominate"):
            raise PermissionDenied("Your role cannot nominate clients.")
        form = NominationForm(request.POST, clients=_clients())
        if form.is_valid():
            try:
                cotm.nominate(
                    form.cleaned_data["client"],
                    category=form.cleaned_data["category"],
                    reason=form.cleaned_data["reason"],
                    by=request.user,
                )
            except ValidationError as error:
                form.add_error(None, _errors(error))
            else:
                messages.success(request, f"{form.cleaned_data['client']} is nominated.")
                return HttpResponseRedirect(reverse("rewards:customer_of_the_month"))
        return TemplateResponse(
            request, "rewards/customer_of_the_month.html", page_context(request, form=form), status=400
        )


class VoteView(StaffRequiredMixin, View):
    """Vote for a nomination, or take the vote back (``action=unvote``). htmx swaps the nominations."""

    model = Nomination
    permission = "rewards.nominate"

    def post(self, request, pk):
        nomination = get_object_or_404(Nomination, pk=pk)
        problem = ""
        try:
            if request.POST.get("action") == "unvote":
                cotm.unvote(nomination.month, by=request.user)
            else:
                cotm.vote(nomination, by=request.user)
        except ValidationError as error:
            problem = _errors(error)
        if request.htmx:
            context = {**page_context(request), "problem": problem}
            return TemplateResponse(
                request,
                "rewards/customer_of_the_month.html#nominations",
                context,
                status=400 if problem else 200,
            )
        if problem:
            messages.error(request, problem)
        return HttpResponseRedirect(reverse("rewards:customer_of_the_month"))


class SpotlightDraftView(StaffRequiredMixin, View):
    """Staff draft the winner's blurb and website; the client edits and publishes it in the portal."""

    model = Spotlight
    permission = "rewards.manage"

    def post(self, request, pk):
        spotlight = get_object_or_404(Spotlight, pk=pk)
        form = SpotlightForm(request.POST, prefix=f"s{spotlight.award_id}")
        if not form.is_valid():
            raise Http404
        try:
            cotm.edit_spotlight(
                spotlight,
                blurb=form.cleaned_data["blurb"],
                website=form.cleaned_data["website"],
                actor=actor_label(request.user),
            )
        except ValidationError as error:
            messages.error(request, _errors(error))
        else:
            messages.success(
                request, "The spotlight's draft is saved. The client publishes it from their portal."
            )
        return HttpResponseRedirect(reverse("rewards:customer_of_the_month") + "#winners")
