"""A staff member's cost rate and its history (``tenants:cost_rate``). It sits in tickets, above tenants,
because setting a rate re-values time entries; config/urls.py wires it into the tenants namespace."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect
from django.utils.functional import cached_property
from django.views.generic import FormView

from tenants.currency import money
from tenants.forms import CostRateForm
from tenants.localtime import tenant_today
from tenants.models import StaffMembership
from tenants.selectors import cost_rate_history, cost_rates_on
from tenants.views import StaffRequiredMixin
from tickets import services


class CostRateView(StaffRequiredMixin, FormView):
    permission = "staff.cost_rates"
    model = StaffMembership  # what the URL's pk names (tests/test_tenant_isolation_urls.py)
    form_class = CostRateForm
    template_name = "tenants/cost_rate.html"

    @cached_property
    def member(self) -> StaffMembership:
        """Read after the permission check (StaffRequiredMixin.dispatch), in the current tenant only."""
        queryset = StaffMembership.objects.select_related("user").filter(is_active=True)
        return get_object_or_404(queryset, pk=self.kwargs["pk"])

    def get_initial(self):
        return {"effective_from": tenant_today(self.request.tenant)}

    def get_context_data(self, **kwargs):
        today = tenant_today(self.request.tenant)
        return super().get_context_data(
            member=self.member,
            today=today,
            current_rate=cost_rates_on([self.member], today)[self.member.pk],
            history=cost_rate_history([self.member])[self.member.pk],
            **kwargs,
        )

    def form_valid(self, form):
        data = form.cleaned_data
        try:
            result = services.set_cost_rate(
                self.member,
                rate=data["rate"],
                effective_from=data["effective_from"],
                note=data["note"],
                set_by=self.request.user,
            )
        except ValidationError as error:
            for field, problems in error.message_dict.items():
                form.add_error(field if field in form.fields else None, problems)
            return self.form_invalid(form)
        rate = money(result.rate.rate, self.request.tenant.currency)
        day = f"{result.rate.effective_from:%-d %b %Y}"
        entries = f"{result.revalued} time entr{'y' if result.revalued == 1 else 'ies'} re-valued"
        messages.success(
            self.request,
            f"{self.member.user} costs {rate} an hour from {day}; {entries}.",
        )
        return redirect("tenants:cost_rate", pk=self.member.pk)

    def form_invalid(self, form):
        return self.render_to_response(self.get_context_data(form=form), status=400)
