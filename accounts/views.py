"""Signing in (password, then a code for people with two-step sign-in), password reset with its limits,
the confirmation before sensitive actions, and each person's security page."""

from __future__ import annotations

import time

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import authenticate, get_user_model
from django.contrib.auth import login as auth_login
from django.contrib.auth import views as auth_views
from django.contrib.auth.mixins import LoginRequiredMixin
from django.contrib.auth.signals import user_login_failed
from django.http import HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse, reverse_lazy
from django.utils.cache import add_never_cache_headers
from django.utils.http import url_has_allowed_host_and_scheme
from django.views import View
from django.views.generic import FormView
from django_otp import login as otp_login

from accounts import lockout, two_factor
from accounts.forms import ConfirmSetupForm, EmailAuthenticationForm, ReauthenticateForm, SignInCodeForm
from accounts.origin import client_ip
from accounts.rate_limits import hit, limit
from accounts.reauth import RecentAuthenticationRequiredMixin, mark_recently_authenticated

PENDING_SIGN_IN_KEY = "accord_pending_sign_in"
PENDING_SIGN_IN_SECONDS = 5 * 60  # the code step must follow the password within this


def _safe_next(request, candidate: str | None) -> str:
    if candidate and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return reverse(settings.LOGIN_REDIRECT_URL)


class SignInView(auth_views.LoginView):
    """Email and password. With two-step sign-in on, a right password only leads to the code step: the
    person is not signed in until the code is right too."""

    template_name = "accounts/login.html"
    authentication_form = EmailAuthenticationForm
    redirect_authenticated_user = True

    def form_valid(self, form):
        user = form.get_user()
        if two_factor.has_two_factor(user):
            self.request.session[PENDING_SIGN_IN_KEY] = {
                "user": user.pk,
                "backend": user.backend,
                "at": int(time.time()),
                "next": self.get_success_url(),
            }
            return redirect("accounts:sign_in_code")
        return super().form_valid(form)


class SignInCodeView(FormView):
    """The second step: a code from the authenticator app or a recovery code. Wrong codes count towards
    the account's lockout like wrong passwords (and django-otp slows each device down as well)."""

    template_name = "accounts/sign_in_code.html"
    form_class = SignInCodeForm

    def dispatch(self, request, *args, **kwargs):
        self.pending = request.session.get(PENDING_SIGN_IN_KEY) or {}
        self.user = None
        if time.time() - self.pending.get("at", 0) <= PENDING_SIGN_IN_SECONDS:
            self.user = get_user_model().objects.filter(pk=self.pending.get("user"), is_active=True).first()
        if self.user is None:
            request.session.pop(PENDING_SIGN_IN_KEY, None)
            messages.info(request, "Sign in again: the code step was not finished in time.")
            return redirect("accounts:login")
        return super().dispatch(request, *args, **kwargs)

    def form_valid(self, form):
        request = self.request
        if lockout.current_lock(email=self.user.email, ip=client_ip(request)) is not None:
            request.session.pop(PENDING_SIGN_IN_KEY, None)
            return lockout.lockout_response(request)
        device = two_factor.verify_code(self.user, form.cleaned_data["code"])
        if device is None:
            # Counted like a wrong password: the audit log records it and axes may lock the account.
            user_login_failed.send(
                sender=__name__, credentials={"username": self.user.email}, request=request
            )
            if getattr(request, "axes_locked_out", False):
                request.session.pop(PENDING_SIGN_IN_KEY, None)
                return lockout.lockout_response(request)
            form.add_error(
                "code", "That code is not right. Check the time on your phone, or use a recovery code."
            )
            return self.form_invalid(form)
        next_url = self.pending.get("next")
        request.session.pop(PENDING_SIGN_IN_KEY, None)
        self.user.otp_device = device  # django-otp marks the session verified on login
        auth_login(request, self.user, backend=self.pending.get("backend"))
        if device.name == two_factor.RECOVERY_NAME:
            left = two_factor.recovery_codes_left(self.user)
            messages.warning(
                request,
                f"You signed in with a recovery code; {left} left. Make new ones on your security page.",
            )
        return HttpResponseRedirect(_safe_next(request, next_url))

    def form_invalid(self, form):
        return self.render_to_response(self.get_context_data(form=form), status=400)


class ThrottledPasswordResetView(auth_views.PasswordResetView):
    """Password reset emails, limited per address and per client IP (ACCORD_RATE_LIMITS). Past the
    address's limit the page reads as usual and nothing is sent, so nobody learns whether an account
    exists; past the IP's limit the answer is 429 with a clear message."""

    template_name = "accounts/password_reset_form.html"
    email_template_name = "accounts/email/password_reset.txt"
    html_email_template_name = "accounts/email/password_reset.html"
    subject_template_name = "accounts/email/password_reset_subject.txt"
    success_url = reverse_lazy("accounts:password_reset_done")

    def form_valid(self, form):
        per_ip = hit(limit("password_reset_ip"), client_ip(self.request) or "unknown")
        if not per_ip.allowed:
            response = render(
                self.request,
                "accounts/password_reset_throttled.html",
                {"minutes": max(1, -(-per_ip.retry_after // 60))},
                status=429,
            )
            response["Retry-After"] = str(per_ip.retry_after)
            return response
        per_email = hit(limit("password_reset_email"), form.cleaned_data["email"].strip().lower())
        if not per_email.allowed:
            return HttpResponseRedirect(self.get_success_url())
        return super().form_valid(form)


class ReauthenticateView(LoginRequiredMixin, FormView):
    """Confirm the password (and a code when two-step sign-in is on) before a sensitive action."""

    template_name = "accounts/reauthenticate.html"
    form_class = ReauthenticateForm

    def get_form_kwargs(self):
        return super().get_form_kwargs() | {"with_code": two_factor.has_two_factor(self.request.user)}

    def get_context_data(self, **kwargs):
        return super().get_context_data(next=self.request.GET.get("next", ""), **kwargs)

    def form_valid(self, form):
        request = self.request
        user = authenticate(request, username=request.user.email, password=form.cleaned_data["password"])
        if getattr(request, "axes_locked_out", False):
            return lockout.lockout_response(request)
        if user is None or user.pk != request.user.pk:
            form.add_error("password", "That is not your password.")
            return self.form_invalid(form)
        if "code" in form.fields and two_factor.verify_code(user, form.cleaned_data["code"]) is None:
            user_login_failed.send(sender=__name__, credentials={"username": user.email}, request=request)
            if getattr(request, "axes_locked_out", False):
                return lockout.lockout_response(request)
            form.add_error("code", "That code is not right.")
            return self.form_invalid(form)
        mark_recently_authenticated(request)
        messages.success(request, "Confirmed. You can go ahead.")
        return HttpResponseRedirect(_safe_next(request, request.GET.get("next")))

    def form_invalid(self, form):
        return self.render_to_response(self.get_context_data(form=form), status=400)


class SecurityView(LoginRequiredMixin, View):
    """Each person's two-step sign-in: its state, setting it up, new recovery codes, turning it off.
    Changes need a recent confirmation of the password; looking does not."""

    template_name = "accounts/security.html"

    def get(self, request):
        return self.page(request)

    def page(self, request, status=200, **context):
        user = request.user
        pending = two_factor.pending_setup(user) if context.get("setting_up") else None
        tenant = getattr(request, "tenant", None)
        response = render(
            request,
            self.template_name,
            {
                "enabled": two_factor.has_two_factor(user),
                "authenticator": two_factor.authenticator(user),
                "codes_left": two_factor.recovery_codes_left(user),
                "required_by_tenant": bool(tenant and getattr(tenant, "require_two_factor", False)),
                "pending": pending,
                "qr_code": two_factor.qr_code_data_uri(pending) if pending else "",
                "secret": two_factor.secret_for_typing(pending) if pending else "",
                "next": _safe_next(request, request.GET.get("next")) if request.GET.get("next") else "",
                "idle_minutes": settings.ACCORD_IDLE_TIMEOUT_SECONDS // 60,
                **context,
            },
            status=status,
        )
        add_never_cache_headers(response)  # the QR code and recovery codes are secrets
        return response


class SecurityChangeView(RecentAuthenticationRequiredMixin, SecurityView):
    """POST action=start | confirm | new_codes | disable."""

    http_method_names = ["post"]

    def post(self, request):
        user = request.user
        action = request.POST.get("action")
        if action == "start":
            two_factor.start_setup(user)
            return self.page(request, setting_up=True, confirm_form=ConfirmSetupForm())
        if action == "confirm":
            form = ConfirmSetupForm(request.POST)
            codes = two_factor.confirm_setup(user, form.data.get("code", ""), request=request)
            if codes is None:
                form.is_valid()
                form.add_error("code", "That code is not right. Type the code the app shows now.")
                return self.page(request, status=400, setting_up=True, confirm_form=form)
            # This session passed the second step by proving the code: the tenant's requirement is met.
            otp_login(request, two_factor.authenticator(user))
            return self.page(request, recovery_codes=codes, just_enabled=True)
        if action == "new_codes" and two_factor.has_two_factor(user):
            return self.page(request, recovery_codes=two_factor.new_recovery_codes(user))
        if action == "disable" and two_factor.has_two_factor(user):
            tenant = getattr(request, "tenant", None)
            if tenant is not None and getattr(tenant, "require_two_factor", False):
                messages.error(request, f"{tenant.name} requires two-step sign-in: it cannot be turned off.")
            else:
                two_factor.disable(user, request=request)
                messages.success(request, "Two-step sign-in is off. Signing in now needs only your password.")
            return redirect("accounts:security")
        return redirect("accounts:security")
