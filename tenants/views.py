from django.conf import settings
from django.contrib import messages
from django.contrib.auth.mixins import AccessMixin
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views import View
from django.views.generic import FormView, TemplateView
from django.views.generic.detail import SingleObjectMixin

from accounts import lockout, two_factor
from accounts.reauth import RecentAuthenticationRequiredMixin
from tenants import branding, services, signing_identities
from tenants.forms import (
    BrandLogoForm,
    CompanySettingsForm,
    InviteStaffForm,
    SigningIdentityForm,
    add_service_errors,
)
from tenants.localtime import tenant_today
from tenants.middleware import SESSION_TENANT_KEY
from tenants.models import StaffMembership
from tenants.roles import Role, permission_matrix
from tenants.selectors import cost_rate_history, cost_rates_on


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


def team_context(invite_form=None) -> dict:
    members = list(StaffMembership.objects.filter(is_active=True).select_related("user"))
    rates = cost_rates_on(members, tenant_today())
    history = cost_rate_history(members)
    for member in members:  # shown to those who may see costs (the template checks)
        member.current_cost_rate = rates[member.pk] if history[member.pk] else None
        member.cost_rate_changes = len(history[member.pk])
        member.locked_until = lockout.locked_until(member.user.email)
    return {
        "members": members,
        "roles": list(Role),
        "matrix": permission_matrix(),
        "invite_form": invite_form or InviteStaffForm(),
    }


class TeamView(StaffRequiredMixin, TemplateView):
    permission = "staff.view"
    template_name = "tenants/team.html"

    def get_context_data(self, **kwargs):
        return super().get_context_data(**team_context(), **kwargs)


class InviteStaffView(StaffRequiredMixin, RecentAuthenticationRequiredMixin, FormView):
    """Add someone to the team; they get an email to choose their password."""

    permission = "staff.manage"
    form_class = InviteStaffForm
    template_name = "tenants/team.html"
    http_method_names = ["post"]

    def form_valid(self, form):
        services.invite_staff_member(
            email=form.cleaned_data["email"],
            full_name=form.cleaned_data["full_name"],
            role=form.cleaned_data["role"],
            invited_by=self.request.user,
            site_url=settings.SITE_URL,
        )
        messages.success(self.request, f"{form.cleaned_data['email']} was added and emailed a sign-in link.")
        return redirect("tenants:team")

    def get_context_data(self, **kwargs):
        form = kwargs.pop("form", None)
        return super().get_context_data(**team_context(invite_form=form), **kwargs)


class StaffMemberActionView(StaffRequiredMixin, RecentAuthenticationRequiredMixin, SingleObjectMixin, View):
    """POST role=<role> changes a role; POST action=remove takes the person off the staff; POST
    action=unlock lifts the lock put on their sign-in after too many failures (recorded in the audit
    log)."""

    permission = "staff.manage"
    model = StaffMembership
    http_method_names = ["post"]

    def get_queryset(self):
        return StaffMembership.objects.filter(is_active=True).select_related("user")

    def post(self, request, *args, **kwargs):
        membership = self.get_object()
        try:
            if request.POST.get("action") == "unlock":
                if lockout.unlock_account(membership.user.email, request=request):
                    messages.success(request, f"{membership.user} can sign in again.")
                else:
                    messages.info(request, f"{membership.user} was not locked.")
            elif request.POST.get("action") == "remove":
                services.remove_staff_member(membership)
                messages.success(request, f"{membership.user} is no longer on the team.")
            else:
                role = Role(request.POST.get("role", ""))
                services.change_staff_role(membership, role=role)
                messages.success(request, f"{membership.user} is now {role.label}.")
        except ValueError:
            messages.error(request, "Choose one of the roles.")
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        return HttpResponseRedirect(reverse("tenants:team"))


class CompanySettingsView(StaffRequiredMixin, RecentAuthenticationRequiredMixin, FormView):
    """The company's name, time zone, reply-to address and service area, for owners and managers."""

    permission = "tenant.manage"
    reauth_methods = frozenset({"POST"})  # looking is free; saving asks for the password when stale
    form_class = CompanySettingsForm
    template_name = "tenants/company_settings.html"

    def get_initial(self):
        tenant = self.request.tenant
        return {
            "name": tenant.name,
            "timezone": tenant.timezone,
            "reply_to_email": tenant.reply_to_email,
            "brand_colour": branding.brand_for(tenant).colour,
            "require_email_code": tenant.require_email_code,
            "email_code_above_fee": tenant.email_code_above_fee,
            "service_area": tenant.service_area,
        }

    def form_valid(self, form):
        try:
            services.update_company_settings(self.request.tenant, **form.cleaned_data)
        except ValidationError as error:
            for field, messages_ in error.message_dict.items():
                form.add_error(field if field in form.fields else None, messages_)
            return self.form_invalid(form)
        messages.success(self.request, "Company settings saved.")
        return redirect("tenants:company")

    def form_invalid(self, form):
        return self.render_to_response(self.get_context_data(form=form), status=400)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["seal_identity"] = signing_identities.current_signing_identity(self.request.tenant)
        context["brand"] = branding.brand_for(self.request.tenant)
        context.setdefault("logo_form", BrandLogoForm())
        if self.request.membership.can(SigningIdentityView.permission):
            context.setdefault("seal_form", SigningIdentityForm())
        if self.request.membership.can(TwoFactorPolicyView.permission):
            context["two_factor_policy"] = True
            context["owner_has_two_factor"] = two_factor.has_two_factor(self.request.user)
        return context


class BrandLogoView(StaffRequiredMixin, RecentAuthenticationRequiredMixin, View):
    """GET: the company's logo, to its staff (the portal serves it to a link of the tenant). POST a file:
    the new logo, checked by content, size and dimensions; POST action=remove: no logo. A refused file
    changes nothing and shows why on the company settings page."""

    reauth_methods = frozenset({"POST"})

    def dispatch(self, request, *args, **kwargs):
        # Any staff member may see the logo; changing it is a company setting.
        self.permission = CompanySettingsView.permission if request.method == "POST" else "clients.view"
        return super().dispatch(request, *args, **kwargs)

    def get(self, request):
        return logo_response(request.tenant)

    def post(self, request):
        if request.POST.get("action") == "remove":
            services.remove_logo(request.tenant)
            messages.success(request, "The logo was removed: clients see the company's name instead.")
            return redirect(reverse("tenants:company") + "#brand")
        form = BrandLogoForm(request.POST, request.FILES)
        if form.is_valid():
            try:
                services.replace_logo(request.tenant, upload=form.cleaned_data["logo"])
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(request, "The new logo is on the portal, emails and PDFs.")
                return redirect(reverse("tenants:company") + "#brand")
        company = CompanySettingsView(request=request, kwargs={})
        context = company.get_context_data(
            form=CompanySettingsForm(initial=company.get_initial()), logo_form=form
        )
        return render(request, CompanySettingsView.template_name, context, status=400)


def logo_response(tenant) -> HttpResponse:
    """The tenant's logo as an image response (404 without one): its checked type, never sniffed, and
    cached privately (its URL carries a version that changes with the logo)."""
    content = branding.logo_bytes(tenant)
    if content is None:
        raise Http404("No logo.")
    response = HttpResponse(content, content_type=tenant.logo_type or "application/octet-stream")
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response["Cache-Control"] = "private, max-age=86400"
    return response


class SigningIdentityView(StaffRequiredMixin, RecentAuthenticationRequiredMixin, View):
    """POST a PKCS#12 file: its key and certificate seal the signed PDFs from now on (owners only). A bad
    file changes nothing and shows why on the company settings page."""

    permission = "tenant.seal"
    http_method_names = ["post"]

    def post(self, request):
        form = SigningIdentityForm(request.POST, request.FILES)
        if form.is_valid():
            upload = form.cleaned_data["file"]
            try:
                identity = signing_identities.replace_with_pkcs12(
                    request.tenant,
                    data=upload.read(signing_identities.MAX_PKCS12_BYTES + 1),
                    password=form.cleaned_data["password"],
                    by=request.user,
                )
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(
                    request, f"Signed PDFs are now sealed with the certificate of {identity.subject}."
                )
                return redirect(reverse("tenants:company") + "#seal")
        company = CompanySettingsView(request=request, kwargs={})
        context = company.get_context_data(
            form=CompanySettingsForm(initial=company.get_initial()), seal_form=form
        )
        return render(request, CompanySettingsView.template_name, context, status=400)


class TwoFactorPolicyView(StaffRequiredMixin, RecentAuthenticationRequiredMixin, View):
    """POST require=on|off: whether all staff must sign in with an authenticator app (owners only). An
    owner without one turns it on for themselves first, so the rule never starts by stopping them."""

    permission = "tenant.two_factor"
    http_method_names = ["post"]

    def post(self, request):
        required = request.POST.get("require") == "on"
        if required and not two_factor.has_two_factor(request.user):
            messages.error(
                request, "Turn on two-step sign-in for yourself first, on your sign-in security page."
            )
        else:
            services.set_two_factor_requirement(request.tenant, required=required)
            if required:
                messages.success(
                    request,
                    "Two-step sign-in is now required: staff without it set it up at their next request.",
                )
            else:
                messages.success(
                    request, "Two-step sign-in is no longer required (staff who use it keep it)."
                )
        return redirect(reverse("tenants:company") + "#two-factor")
