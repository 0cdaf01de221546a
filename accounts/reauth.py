"""Re-authentication before sensitive actions ("sudo mode").

Creating or revoking API keys, changing the team, changing company or two-step settings and downloading
CSV exports need a password typed in the last ``ACCORD_REAUTH_SECONDS`` (10 minutes): signing in counts,
and so does confirming on ``accounts:reauthenticate``, which asks for the password (and a code from the
authenticator when two-step sign-in is on) and then returns to the action. A GET returns to the same
address; a POST cannot be replayed, so it returns to the page the form was on, to send it again.

One mechanism for function views (``@require_recent_authentication``) and class-based views
(``RecentAuthenticationRequiredMixin``, after the permission mixin so the permission is checked first).
"""

from __future__ import annotations

import time
from functools import wraps
from urllib.parse import urlencode

from django.conf import settings
from django.http import HttpResponseRedirect
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme

SESSION_KEY = "reauthenticated_at"


def window_seconds() -> int:
    return int(getattr(settings, "ACCORD_REAUTH_SECONDS", 600))


def mark_recently_authenticated(request) -> None:
    """The person just proved who they are (signed in, or confirmed their password)."""
    request.session[SESSION_KEY] = int(time.time())


def is_recently_authenticated(request) -> bool:
    confirmed_at = request.session.get(SESSION_KEY)
    return confirmed_at is not None and time.time() - confirmed_at <= window_seconds()


def return_address(request) -> str:
    """Where the confirmation page returns: this address for a GET; the page of the form for a POST."""
    if request.method in ("GET", "HEAD"):
        return request.get_full_path()
    referer = request.headers.get("HX-Current-URL") or request.headers.get("Referer") or ""
    if referer and url_has_allowed_host_and_scheme(
        referer, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return referer
    return reverse(settings.LOGIN_REDIRECT_URL)


def confirmation_redirect(request):
    url = f"{reverse('accounts:reauthenticate')}?{urlencode({'next': return_address(request)})}"
    if getattr(request, "htmx", False):
        response = HttpResponseRedirect(url)
        response.status_code = 204
        response["HX-Redirect"] = url
        return response
    return HttpResponseRedirect(url)


def require_recent_authentication(view):
    """Decorator: a signed-in person who has not typed their password in the last few minutes is sent to
    confirm it first (someone not signed in meets the view's own sign-in rule)."""

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        if request.user.is_authenticated and not is_recently_authenticated(request):
            return confirmation_redirect(request)
        return view(request, *args, **kwargs)

    return wrapped


class RecentAuthenticationRequiredMixin:
    """The decorator for class-based views. ``reauth_methods`` limits it, e.g. to ``{"POST"}`` on a page
    whose form changes settings while looking at them stays free."""

    reauth_methods: frozenset[str] | None = None  # None: every method

    def dispatch(self, request, *args, **kwargs):
        methods = self.reauth_methods
        if (methods is None or request.method in methods) and (
            request.user.is_authenticated and not is_recently_authenticated(request)
        ):
            return confirmation_redirect(request)
        return super().dispatch(request, *args, **kwargs)
