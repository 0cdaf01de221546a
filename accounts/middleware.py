import time
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.http import HttpResponseRedirect
from django.urls import reverse

from accounts.reauth import return_address

LAST_SEEN_KEY = "last_seen_at"
LAST_SEEN_GRANULARITY = 60  # seconds: the session is written at most once a minute for this


def idle_timeout_seconds() -> int:
    return int(getattr(settings, "ACCORD_IDLE_TIMEOUT_SECONDS", 30 * 60))


class IdleTimeoutMiddleware:
    """Signs out a staff session that made no request for ``ACCORD_IDLE_TIMEOUT_SECONDS`` (the session's
    absolute lifetime, SESSION_COOKIE_AGE, still applies). Signing in again returns to the page they
    were on. API keys carry no session and are not concerned."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.user.is_authenticated:
            now = int(time.time())
            last_seen = request.session.get(LAST_SEEN_KEY)
            if last_seen is not None and now - last_seen > idle_timeout_seconds():
                return self.sign_out(request)
            if last_seen is None or now - last_seen >= LAST_SEEN_GRANULARITY:
                request.session[LAST_SEEN_KEY] = now
        return self.get_response(request)

    def sign_out(self, request):
        back_to = return_address(request)
        logout(request)
        minutes = idle_timeout_seconds() // 60
        messages.info(
            request, f"You were signed out after {minutes} minutes without activity. Sign in to go on."
        )
        url = f"{reverse('accounts:login')}?{urlencode({'next': back_to})}"
        response = HttpResponseRedirect(url)
        if getattr(request, "htmx", False) or request.headers.get("HX-Request"):
            response.status_code = 204
            response["HX-Redirect"] = url
        return response
