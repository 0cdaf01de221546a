"""Staff pages of referrals (under /rewards/referrals/): the pipeline of inbound referrals, the
introductions staff propose (with suggestions from the profiles), prospects, a client's referral profile
and the program's settings.

Reads come from rewards.referral_selectors, writes go through rewards.referrals; a refused write shows its
message on the form it came from, with what was typed kept. Every id in a URL is looked up through the
tenant-scoped managers, so another tenant's id is a 404.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import reverse
from django.views import View

from accounts.actors import actor_label
from clients.models import Client
from rewards import referral_selectors as selectors
from rewards import referrals
from rewards.forms_referrals import (
    IntroductionForm,
    IntroductionOutcomeForm,
    LinkClientForm,
    LostForm,
    ProspectForm,
    ReferralFilterForm,
    ReferralForm,
    ReferralProfileForm,
    ReferralProgramForm,
)
from rewards.models import Introduction, Prospect, Referral, ReferralProfile
from tenants.forms import add_service_errors
from tenants.localtime import tenant_today
from tenants.views import StaffRequiredMixin

REFERRALS_SHOWN = 50


def _back_to_list():
    return HttpResponseRedirect(reverse("rewards:referrals"))


class ReferralsMixin(StaffRequiredMixin):
    permission = "rewards.view"

    def render(self, template, context, status=200):
        tenant = self.request.tenant
        context.update(zone=tenant.timezone, currency=tenant.currency)
        return TemplateResponse(self.request, template, context, status=status)


class NominateMixin(ReferralsMixin):
    permission = "rewards.nominate"


class ReferralsView(ReferralsMixin, View):
    """The pipeline: inbound referrals (filtered in place), introductions, suggestions and prospects."""

    http_method_names = ["get", "head"]

    def get(self, request):
        filters = ReferralFilterForm(request.GET or None)
        data = filters.cleaned_data if filters.is_valid() else {}
        status = data.get("status") or ""
        rows = selectors.filtered_referrals(status=status, search=data.get("q") or "")
        context = {
            "filters": filters,
            "filtered": bool(status or data.get("q")),
            "referral_rows": list(rows[:REFERRALS_SHOWN]),
            "referral_total": rows.count(),
            "shown": REFERRALS_SHOWN,
        }
        if request.htmx:
            return self.render("rewards/referrals/index.html#results", context)
        context.update(
            counts=selectors.referral_counts(),
            introductions=list(selectors.introductions()[:REFERRALS_SHOWN]),
            suggestions=selectors.suggested_introductions(),
            prospects=list(Prospect.objects.select_related("met_by")[:REFERRALS_SHOWN]),
            program=referrals.referral_program(),
        )
        return self.render("rewards/referrals/index.html", context)


class FormPageView(NominateMixin, View):
    """A page with one form: GET shows it, POST saves through ``save`` or shows the errors (400)."""

    form_class = None
    template_name = "rewards/referrals/form.html"
    title = ""
    intro = ""

    def get_form(self, data=None):
        return self.form_class(data, initial=self.initial())

    def initial(self) -> dict:
        return {}

    def context(self, form) -> dict:
        return {
            "form": form,
            "title": self.title,
            "intro": self.intro,
            "cancel_url": reverse("rewards:referrals"),
        }

    def get(self, request, **kwargs):
        self.setup_object(**kwargs)
        return self.render(self.template_name, self.context(self.get_form()))

    def post(self, request, **kwargs):
        self.setup_object(**kwargs)
        form = self.get_form(request.POST)
        if form.is_valid():
            try:
                response = self.save(form.cleaned_data)
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                return response
        return self.render(self.template_name, self.context(form), status=400)

    def setup_object(self, **kwargs) -> None:
        pass

    def save(self, data):
        raise NotImplementedError


class ReferralCreateView(FormPageView):
    form_class = ReferralForm
    title = "Record a referral"
    intro = (
        "A client sent someone our way by phone or email. When that person becomes a client and signs, "
        "the client who referred them earns the referral credit."
    )

    def initial(self):
        return {"referrer": self.request.GET.get("referrer")}

    def save(self, data):
        referral = referrals.refer_prospect(
            referrer=data["referrer"],
            name=data["name"],
            company=data["company"],
            email=data["email"],
            phone=data["phone"],
            note=data["note"],
            source="staff",
            actor=actor_label(self.request.user),
        )
        if referral.duplicate_of_id:
            messages.warning(
                self.request,
                f"{referral.name} was referred before, by {referral.duplicate_of.referrer.name}: "
                "the first referral counts. This one is kept as a duplicate.",
            )
        else:
            messages.success(self.request, f"Referral of {referral.name} recorded.")
        return HttpResponseRedirect(reverse("rewards:referral_detail", args=[referral.pk]))


class ProspectCreateView(FormPageView):
    form_class = ProspectForm
    title = "Add a prospect"
    intro = "Someone sales met who could buy from one of our clients. A prospect is not a client."

    def initial(self):
        return {"met_on": tenant_today()}

    def save(self, data):
        prospect = referrals.record_prospect(met_by=self.request.user, **data)
        messages.success(self.request, f"Prospect {prospect.name} added.")
        return _back_to_list()


class ProspectEditView(FormPageView):
    model = Prospect
    form_class = ProspectForm
    title = "Prospect"

    def setup_object(self, pk):
        self.prospect = get_object_or_404(Prospect, pk=pk)
        self.title = f"Prospect: {self.prospect}"
        met_by = self.prospect.met_by
        self.intro = f"Met on {self.prospect.met_on:%d %b %Y}" + (
            f" by {met_by.get_full_name() or met_by.email}." if met_by else "."
        )

    def initial(self):
        fields = ("name", "company", "email", "phone", "industry", "area", "needs", "notes", "met_on")
        return {name: getattr(self.prospect, name) for name in fields}

    def context(self, form):
        context = super().context(form)
        context["introductions"] = list(selectors.introductions().filter(to_prospect=self.prospect))
        context["propose_url"] = reverse("rewards:introduction_new") + f"?to_prospect={self.prospect.pk}"
        return context

    def save(self, data):
        referrals.update_prospect(self.prospect, **data)
        messages.success(self.request, "Prospect saved.")
        return _back_to_list()


class IntroductionCreateView(FormPageView):
    form_class = IntroductionForm
    title = "Propose an introduction"
    intro = "Put a client in touch with another client or a prospect who could buy from them, and say why."

    def initial(self):
        return {key: self.request.GET.get(key) for key in ("client", "to_client", "to_prospect", "reason")}

    def save(self, data):
        introduction = referrals.propose_introduction(
            client=data["client"],
            to_client=data.get("to_client"),
            to_prospect=data.get("to_prospect"),
            reason=data["reason"],
            actor=actor_label(self.request.user),
        )
        messages.success(
            self.request, f"Introduction of {introduction.client.name} to {introduction.party} proposed."
        )
        return _back_to_list()


class IntroductionDetailView(FormPageView):
    model = Introduction
    form_class = IntroductionOutcomeForm
    template_name = "rewards/referrals/introduction.html"

    def setup_object(self, pk):
        self.introduction = get_object_or_404(selectors.introductions(), pk=pk)

    def dispatch(self, request, *args, **kwargs):
        # Everyone may read where an introduction stands; moving it needs rewards.nominate.
        self.permission = "rewards.nominate" if request.method == "POST" else "rewards.view"
        return super().dispatch(request, *args, **kwargs)

    def context(self, form):
        return {"introduction": self.introduction, "form": form}

    def save(self, data):
        referrals.record_introduction_outcome(
            self.introduction, status=data["status"], value=data.get("value"), note=data.get("note", "")
        )
        messages.success(self.request, "Outcome recorded.")
        return HttpResponseRedirect(reverse("rewards:introduction_detail", args=[self.introduction.pk]))


def _referral_context(referral, **forms) -> dict:
    return {
        "referral": referral,
        "link_form": forms.get("link_form") or LinkClientForm(exclude=referral.referrer_id),
        "lost_form": forms.get("lost_form") or LostForm(),
        "open_form": forms.get("open_form", ""),
        "program": referrals.referral_program(),
    }


class ReferralDetailView(ReferralsMixin, View):
    model = Referral
    http_method_names = ["get", "head"]

    def get(self, request, pk):
        referral = get_object_or_404(selectors.referrals(), pk=pk)
        return self.render("rewards/referrals/referral.html", _referral_context(referral))


class ReferralActionView(NominateMixin, View):
    """A POST that moves one referral: done and back to its page, or its page with the form's errors."""

    model = Referral
    http_method_names = ["post"]
    form_name = ""

    def form(self, referral, data):
        return None

    def act(self, referral, form) -> str:
        raise NotImplementedError

    def post(self, request, pk):
        referral = get_object_or_404(selectors.referrals(), pk=pk)
        form = self.form(referral, request.POST)
        if form is None or form.is_valid():
            try:
                message = self.act(referral, form)
            except ValidationError as error:
                if form is None:
                    messages.error(request, " ".join(error.messages))
                    return HttpResponseRedirect(reverse("rewards:referral_detail", args=[pk]))
                add_service_errors(form, error)
            else:
                messages.success(request, message)
                return HttpResponseRedirect(reverse("rewards:referral_detail", args=[pk]))
        referral = selectors.referrals().get(pk=pk)
        context = _referral_context(referral, **{self.form_name: form, "open_form": self.form_name})
        return self.render("rewards/referrals/referral.html", context, status=400)


class ReferralContactedView(ReferralActionView):
    def act(self, referral, form):
        referrals.mark_contacted(referral)
        return f"{referral.name} marked as contacted."


class ReferralLostView(ReferralActionView):
    form_name = "lost_form"

    def form(self, referral, data):
        return LostForm(data)

    def act(self, referral, form):
        referrals.mark_lost(referral, reason=form.cleaned_data["reason"])
        return "Referral marked as lost."


class ReferralLinkView(ReferralActionView):
    form_name = "link_form"

    def form(self, referral, data):
        return LinkClientForm(data, exclude=referral.referrer_id)

    def act(self, referral, form):
        referral = referrals.link_client(referral, client=form.cleaned_data["client"])
        if referral.reward_id:
            return f"Linked to {referral.client.name}, who has signed: {referral.referrer.name} is credited."
        return f"Linked to {referral.client.name}. {referral.referrer.name} is credited when they sign."


class ReferralCreateClientView(ReferralActionView):
    def act(self, referral, form):
        client = referrals.create_client_from_referral(referral)
        return f"Client {client.name} created from the referral. Send them an agreement to sign."


class ProfileEditView(FormPageView):
    form_class = ReferralProfileForm
    title = "Referral profile"

    def setup_object(self, client_pk):
        self.client = get_object_or_404(Client, pk=client_pk)
        self.profile = ReferralProfile.objects.filter(client=self.client).first()
        self.title = f"Referral profile: {self.client.name}"
        self.intro = (
            "What this client does and needs. Suggested introductions compare it with other clients' "
            "profiles and with prospects."
        )

    def initial(self):
        if self.profile is None:
            return {"open_to_introductions": True}
        fields = ("industry", "sells", "target_customers", "area", "needs", "open_to_introductions")
        return {name: getattr(self.profile, name) for name in fields}

    def context(self, form):
        context = super().context(form)
        context["cancel_url"] = reverse("clients:detail", args=[self.client.pk])
        return context

    def save(self, data):
        referrals.save_profile(self.client, actor=actor_label(self.request.user), **data)
        messages.success(self.request, "Referral profile saved.")
        return HttpResponseRedirect(reverse("clients:detail", args=[self.client.pk]))


class ProgramSettingsView(FormPageView):
    form_class = ReferralProgramForm
    permission = "rewards.manage"
    title = "Referral program"
    intro = "What a client earns when someone they referred becomes a client and signs their first agreement."

    def initial(self):
        program = referrals.referral_program()
        return {"is_active": program.is_active, "credit_amount": program.credit_amount}

    def save(self, data):
        referrals.update_referral_program(credit_amount=data["credit_amount"], is_active=data["is_active"])
        messages.success(
            self.request, "Referral program saved. It applies to referrals that sign from now on."
        )
        return _back_to_list()
