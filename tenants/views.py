from django.contrib import messages
from django.contrib.auth.mixins import AccessMixin
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.views import View
from django.views.generic import TemplateView

from clients import selectors as client_selectors
from tenants.middleware import SESSION_TENANT_KEY
from tenants.models import StaffMembership
from tenants.roles import Role, permission_matrix


class StaffRequiredMixin(AccessMixin):
    """Signed in, on the current tenant's staff, and holding ``permission``."""

    permission = "clients.view"

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        if request.membership is None:
            return render(request, "tenants/no_tenant.html", status=403)
        if not request.membership.can(self.permission):
            raise PermissionDenied(f"Your role ({request.membership.get_role_display()}) cannot do this.")
        return super().dispatch(request, *args, **kwargs)


class HomeView(StaffRequiredMixin, TemplateView):
    """The landing page after sign-in: the tenant's real figures."""

    template_name = "tenants/home.html"

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            counts=client_selectors.tenant_counts(),
            largest_clients=client_selectors.largest_clients(),
            **kwargs,
        )


class SwitchTenantView(View):
    """Choose which of your tenants you work in. Only tenants you are staff of can be chosen."""

    def post(self, request):
        if not request.user.is_authenticated:
            return redirect("accounts:login")
        slug = request.POST.get("tenant", "")
        chosen = next((m for m in request.memberships if m.tenant.slug == slug), None)
        if chosen is None:
            messages.error(request, "You are not on the staff of that company.")
        else:
            request.session[SESSION_TENANT_KEY] = chosen.tenant_id
            messages.success(request, f"You are now working in {chosen.tenant.name}.")
        return redirect("tenants:home")


class TeamView(StaffRequiredMixin, TemplateView):
    permission = "staff.view"
    template_name = "tenants/team.html"

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            members=StaffMembership.objects.filter(is_active=True).select_related("user"),
            roles=list(Role),
            matrix=permission_matrix(),
            **kwargs,
        )
