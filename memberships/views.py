"""Staff pages of membership plans: the tiers and riders on offer (with who holds them), their form, and
archiving. Writes go through memberships.services; a price change never touches a client's membership,
which keeps the price agreed for it."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.views import View
from django.views.generic import TemplateView
from django.views.generic.detail import SingleObjectMixin

from memberships import selectors, services
from memberships.forms import PlanForm
from memberships.models import Plan, PlanKind
from tenants.forms import add_service_errors
from tenants.localtime import tenant_today
from tenants.views import StaffRequiredMixin


class PlansViewMixin(StaffRequiredMixin):
    permission = "plans.view"


class PlansManageMixin(PlansViewMixin):
    permission = "plans.manage"


class PlanListView(PlansViewMixin, TemplateView):
    template_name = "memberships/plan_list.html"

    def get_context_data(self, **kwargs):
        plans = list(selectors.plans(include_archived=True))
        holders = selectors.holders_by_plan(on=tenant_today())
        for plan in plans:
            plan.holders = holders.get(plan.pk, 0)
        offered = [plan for plan in plans if not plan.is_archived]
        return super().get_context_data(
            tiers=[plan for plan in offered if plan.kind == PlanKind.TIER],
            riders=[plan for plan in offered if plan.kind == PlanKind.RIDER],
            archived=[plan for plan in plans if plan.is_archived],
            plan_count=len(offered),
            **kwargs,
        )


class PlanFormView(PlansManageMixin, TemplateView):
    template_name = "memberships/plan_form.html"
    plan: Plan | None = None

    def get_form(self):
        instance = self.plan or Plan(tenant=self.request.tenant, kind=self.request.GET.get("kind") or "")
        data = self.request.POST if self.request.method == "POST" else None
        initial = {"kind": instance.kind or PlanKind.TIER}
        return PlanForm(data, instance=instance, initial=initial, currency=self.request.tenant.currency)

    def get(self, request, *args, **kwargs):
        return self.render_to_response(self.get_context_data(form=self.get_form()))

    def post(self, request, *args, **kwargs):
        form = self.get_form()
        if form.is_valid():
            try:
                plan = services.save_plan(form.instance)
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(request, f"{plan.get_kind_display()} {plan} saved.")
                return HttpResponseRedirect(reverse("memberships:plan_list") + f"#plan-{plan.pk}")
        return self.render_to_response(self.get_context_data(form=form))

    def get_context_data(self, **kwargs):
        holders = selectors.holders_by_plan(on=tenant_today()).get(self.plan.pk, 0) if self.plan else 0
        return super().get_context_data(plan=self.plan, holders=holders, **kwargs)


class PlanCreateView(PlanFormView):
    pass


class PlanUpdateView(PlanFormView):
    model = Plan

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and getattr(request, "membership", None):
            self.plan = get_object_or_404(Plan.objects.select_related("sla_policy"), pk=kwargs["pk"])
        return super().dispatch(request, *args, **kwargs)


class PlanArchiveView(PlansManageMixin, SingleObjectMixin, View):
    """POST action=archive|restore. Plans are never deleted: memberships keep pointing at them."""

    model = Plan
    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        plan = self.get_object()
        if request.POST.get("action") == "restore":
            services.restore_plan(plan)
            messages.success(request, f"{plan} is offered again.")
        else:
            services.archive_plan(plan)
            messages.success(
                request,
                f"{plan} is archived: no longer offered. Clients who have it keep it until they change.",
            )
        return HttpResponseRedirect(reverse("memberships:plan_list") + f"#plan-{plan.pk}")
