"""Staff pages of the best-practices program: the tenant's overview (clients by score and tier), the
checklist and tiers (``rewards.manage``), a client's compliance review with the form to record a check
(``rewards.nominate``), and the evidence download, served only to staff of the check's tenant."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.views import View
from django.views.generic import TemplateView

from clients.models import Client
from rewards import best_practice_services as services
from rewards import best_practices as selectors
from rewards.forms_best_practices import CheckForm, PracticeForm, TierForm
from rewards.models import ComplianceStanding, ComplianceTier, Practice, PracticeCheck
from tenants.forms import add_service_errors
from tenants.localtime import tenant_today
from tenants.views import StaffRequiredMixin


class RewardsViewMixin(StaffRequiredMixin):
    permission = "rewards.view"


class RewardsManageMixin(StaffRequiredMixin):
    permission = "rewards.manage"


def checklist_url(anchor: str = "") -> str:
    return reverse("best_practices:checklist") + (f"#{anchor}" if anchor else "")


class OverviewView(RewardsViewMixin, TemplateView):
    template_name = "rewards/best_practices/overview.html"

    def get_context_data(self, **kwargs):
        today = tenant_today()
        rows = selectors.tenant_compliance(on=today)
        tiers = selectors.tiers()
        counts = {tier.pk: 0 for tier in tiers}
        for _, compliance in rows:
            if compliance.tier is not None:
                counts[compliance.tier.pk] += 1
        return super().get_context_data(
            today=today,
            rows=rows,
            tiers=[(tier, counts[tier.pk]) for tier in reversed(tiers)],
            checked=sum(1 for _, compliance in rows if compliance.score is not None),
            practice_count=len(selectors.checklist()),
            **kwargs,
        )


def checklist_context(**forms) -> dict:
    practices = list(Practice.objects.order_by("position", "id"))
    held = set(ComplianceStanding.objects.filter(tier__isnull=False).values_list("tier_id", flat=True))
    return {
        "practice_form": forms.get("practice_form") or PracticeForm(prefix="practice"),
        "tier_form": forms.get("tier_form") or TierForm(prefix="tier"),
        "active": [practice for practice in practices if not practice.is_archived],
        "archived": [practice for practice in practices if practice.is_archived],
        "total_weight": sum(practice.weight for practice in practices if not practice.is_archived),
        "tiers": [(tier, tier.pk in held) for tier in selectors.tiers()],
    }


class ChecklistView(RewardsViewMixin, TemplateView):
    template_name = "rewards/best_practices/checklist.html"

    def get_context_data(self, **kwargs):
        return super().get_context_data(**checklist_context(), **kwargs)


def render_checklist(request, **forms):
    """The checklist page again, with the add form that failed and what was typed in it."""
    return render(request, ChecklistView.template_name, checklist_context(**forms), status=400)


class PracticeFormView(RewardsManageMixin, TemplateView):
    """Add a practice (POST to the checklist's form) or edit one on its own page."""

    model = Practice

    template_name = "rewards/best_practices/practice_form.html"

    def dispatch(self, request, *args, **kwargs):
        self.practice = None
        if "pk" in kwargs and request.user.is_authenticated and getattr(request, "membership", None):
            self.practice = get_object_or_404(Practice, pk=kwargs["pk"])
        return super().dispatch(request, *args, **kwargs)

    def get(self, request, *args, **kwargs):
        if self.practice is None:
            return HttpResponseRedirect(checklist_url())
        initial = {
            "name": self.practice.name,
            "description": self.practice.description,
            "weight": self.practice.weight,
            "valid_for_months": self.practice.valid_for_months,
        }
        form = PracticeForm(prefix="practice", initial=initial)
        return self.render_to_response(self.get_context_data(form=form, practice=self.practice))

    def post(self, request, *args, **kwargs):
        form = PracticeForm(request.POST, prefix="practice")
        if form.is_valid():
            try:
                practice = services.save_practice(self.practice, **form.cleaned_data)
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(request, f"“{practice.name}” saved.")
                return HttpResponseRedirect(checklist_url(f"practice-{practice.pk}"))
        if self.practice is None:
            return render_checklist(request, practice_form=form)
        return self.render_to_response(self.get_context_data(form=form, practice=self.practice))


class PracticeActionView(RewardsManageMixin, View):
    """POST action=up|down|archive|restore."""

    model = Practice

    http_method_names = ["post"]

    def post(self, request, pk):
        practice = get_object_or_404(Practice, pk=pk)
        action = request.POST.get("action")
        try:
            if action in ("up", "down"):
                services.move_practice(practice, up=action == "up")
            elif action == "archive":
                services.archive_practice(practice)
                messages.success(
                    request, f"“{practice.name}” is archived: off the checklist and every score."
                )
            elif action == "restore":
                services.restore_practice(practice)
                messages.success(request, f"“{practice.name}” is back on the checklist.")
            else:
                raise Http404("Unknown action")
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        return HttpResponseRedirect(checklist_url(f"practice-{practice.pk}"))


class TierFormView(RewardsManageMixin, TemplateView):
    """Add a tier (POST to the checklist's form), edit one on its own page, or delete it (action=delete)."""

    model = ComplianceTier

    template_name = "rewards/best_practices/tier_form.html"

    def dispatch(self, request, *args, **kwargs):
        self.tier = None
        if "pk" in kwargs and request.user.is_authenticated and getattr(request, "membership", None):
            self.tier = get_object_or_404(ComplianceTier, pk=kwargs["pk"])
        return super().dispatch(request, *args, **kwargs)

    def get(self, request, *args, **kwargs):
        if self.tier is None:
            return HttpResponseRedirect(checklist_url("tiers"))
        initial = {
            "name": self.tier.name,
            "threshold_percent": self.tier.threshold_percent,
            "discount_percent": self.tier.discount_percent,
        }
        form = TierForm(prefix="tier", initial=initial)
        return self.render_to_response(self.get_context_data(form=form, tier=self.tier))

    def post(self, request, *args, **kwargs):
        if self.tier is not None and request.POST.get("action") == "delete":
            try:
                services.delete_tier(self.tier)
            except ValidationError as error:
                messages.error(request, " ".join(error.messages))
            else:
                messages.success(request, f"Tier {self.tier.name} deleted.")
            return HttpResponseRedirect(checklist_url("tiers"))
        form = TierForm(request.POST, prefix="tier")
        if form.is_valid():
            try:
                tier = services.save_tier(self.tier, **form.cleaned_data)
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(request, f"Tier {tier.name} saved. Clients move at the next rewards run.")
                return HttpResponseRedirect(checklist_url("tiers"))
        if self.tier is None:
            return render_checklist(request, tier_form=form)
        return self.render_to_response(self.get_context_data(form=form, tier=self.tier))


class ClientComplianceView(RewardsViewMixin, TemplateView):
    """A client's compliance: score and tier, each practice's latest check with its evidence and history,
    and (for staff who may record checks) the form. POST records a check."""

    model = Client

    template_name = "rewards/best_practices/client.html"

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and getattr(request, "membership", None):
            self.client_obj = get_object_or_404(Client, pk=kwargs["pk"])
        return super().dispatch(request, *args, **kwargs)

    def _form(self, data=None, files=None):
        practices = Practice.objects.filter(archived_at__isnull=True).order_by("position", "id")
        initial = {"checked_on": tenant_today(), "practice": self.request.GET.get("practice") or None}
        return CheckForm(data, files, practices=practices, initial=initial, prefix="check")

    def get(self, request, *args, **kwargs):
        return self.render_to_response(self.get_context_data(form=self._form()))

    def post(self, request, *args, **kwargs):
        if not request.membership.can("rewards.nominate"):
            raise PermissionDenied("Your role cannot record best-practice checks.")
        form = self._form(request.POST, request.FILES)
        if form.is_valid():
            data = form.cleaned_data
            try:
                check = services.record_check(
                    self.client_obj,
                    practice=data["practice"],
                    result=data["result"],
                    checked_on=data["checked_on"],
                    note=data["note"],
                    evidence=data["evidence"],
                    by=request.user,
                )
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(
                    request, f"{check.practice.name}: {check.get_result_display().lower()} recorded."
                )
                url = reverse("best_practices:client", kwargs={"pk": self.client_obj.pk})
                return HttpResponseRedirect(f"{url}#practice-{check.practice_id}")
        return self.render_to_response(self.get_context_data(form=form), status=400)

    def get_context_data(self, **kwargs):
        today = tenant_today()
        compliance = selectors.client_compliance(self.client_obj, on=today)
        history = selectors.check_history(self.client_obj)
        listed = {standing.practice.pk for standing in compliance.practices}
        rows = [(standing, history.get(standing.practice.pk, [])[1:]) for standing in compliance.practices]
        return super().get_context_data(
            client=self.client_obj,
            today=today,
            compliance=compliance,
            rows=rows,
            archived_history=[
                check
                for practice_id, checks in history.items()
                if practice_id not in listed
                for check in checks
            ],
            in_force=ComplianceStanding.objects.filter(client=self.client_obj).select_related("tier").first(),
            **kwargs,
        )


class EvidenceView(RewardsViewMixin, View):
    """The evidence file of a check, to staff of its tenant only (another tenant's check is a 404)."""

    model = PracticeCheck

    def get(self, request, pk):
        check = get_object_or_404(PracticeCheck.objects.exclude(evidence=""), pk=pk)
        try:
            handle = check.evidence.open("rb")
        except FileNotFoundError:
            raise Http404("The evidence file is missing.") from None
        response = FileResponse(
            handle,
            content_type=check.evidence_type or "application/octet-stream",
            as_attachment=check.evidence_type not in ("application/pdf", "image/png", "image/jpeg"),
            filename=check.evidence_name or check.evidence.name.rsplit("/", 1)[-1],
        )
        response["X-Content-Type-Options"] = "nosniff"
        response["Content-Security-Policy"] = "default-src 'none'; sandbox"
        response["Cache-Control"] = "private, no-store"
        return response
