from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth import logout
from django.db import transaction
from django.http import HttpResponseRedirect, JsonResponse
from django.urls import reverse

from accounts.two_factor import has_two_factor
from tenants.scope import tenant_scope
from tenants.selectors import active_membership, memberships_for_user

SESSION_TENANT_KEY = "tenant_id"


class TenantMiddleware:
    """Runs each request inside the tenant it belongs to.

    The tenant comes from the API key or the staff session, never from a parameter the caller can change.
    The key was already resolved by ``api.middleware.ApiKeyMiddleware`` (listed before this one; the API
    app sits above tenants, so it resolves its keys itself): a request that presented a bearer key gets
    that key's tenant, or none when the key opens nothing, and never the session's. Requests with no
    tenant run unscoped: tenant-owned querysets then raise and PostgreSQL shows no rows. Portal links
    enter their tenant in the view.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.tenant = None
        request.membership = None
        request.memberships = []

        if getattr(request, "api_key", None) is not None:
            request.tenant = request.api_key.tenant
        elif getattr(request, "api_key_error", None):
            pass  # a bearer key that opens nothing: no tenant, and never the session's
        elif request.user.is_authenticated:
            request.memberships = memberships_for_user(request.user)
            request.membership = active_membership(
                request.memberships, request.session.get(SESSION_TENANT_KEY)
            )
            if request.membership:
                request.tenant = request.membership.tenant

        if request.tenant is None:
            return self.get_response(request)
        with tenant_scope(request.tenant):
            response = self.get_response(request)
            if response.status_code >= 500:
                transaction.set_rollback(True)
            return response


class TwoFactorRequiredMiddleware:
    """A tenant that requires two-step sign-in (``Tenant.require_two_factor``): its staff whose session did
    not pass the second step are sent to set it up (no authenticator yet) or to sign in again (an
    authenticator, but this session never used it), before they can use anything else. Their own
    account pages (sign-in, security, sign-out) and switching to another company stay open."""

    OPEN_PREFIXES = ("/accounts/", "/static/", "/switch-tenant/")

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        tenant = getattr(request, "tenant", None)
        if (
            tenant is not None
            and tenant.require_two_factor
            and getattr(request, "api_key", None) is None
            and request.user.is_authenticated
            and not request.user.is_verified()
            and not request.path.startswith(self.OPEN_PREFIXES)
        ):
            return self.send_to_second_step(request)
        return self.get_response(request)

    def send_to_second_step(self, request):
        # A script has no page to be sent to: say why, in the API's error format.
        if request.path.startswith("/api/"):
            detail = "Your company requires two-step sign-in: sign in with your authenticator code first."
            error = {"code": "two_factor_required", "detail": detail, "attr": None}
            return JsonResponse({"type": "client_error", "errors": [error]}, status=403)
        back_to = request.get_full_path() if request.method == "GET" else reverse("tenants:home")
        if has_two_factor(request.user):
            logout(request)
            messages.info(request, "Sign in with your code from the authenticator app to go on.")
            url = f"{reverse('accounts:login')}?{urlencode({'next': back_to})}"
        else:
            url = f"{reverse('accounts:security')}?{urlencode({'next': back_to})}"
        response = HttpResponseRedirect(url)
        if request.headers.get("HX-Request"):
            response.status_code = 204
            response["HX-Redirect"] = url
        return response
