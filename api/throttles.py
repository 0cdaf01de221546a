"""The partner API's rate limits (DRF throttles), counted in Redis by ``accounts.rate_limits``.

Who is counted: an API key per key, a signed-in staff member per user, anyone else per IP address.
Each has a burst limit (per minute) and a sustained one (per day), set in
``REST_FRAMEWORK['DEFAULT_THROTTLE_RATES']`` as ``<who>_<window>: "<count>/<period>"`` (env-overridable
in settings). Past a limit the answer is 429 with ``Retry-After`` (seconds until the window resets) and
the API's standard error body.

DRF checks throttles after authentication, so a request with a bad key never reaches them: that is
counted per IP in ``ApiKeyAuthentication`` (``throttle_failed_key``), so keys cannot be guessed at speed.
"""

from __future__ import annotations

from rest_framework.exceptions import Throttled
from rest_framework.settings import api_settings
from rest_framework.throttling import BaseThrottle

from accounts.origin import client_ip
from accounts.rate_limits import Limit, hit

_PERIODS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def configured_limit(rate_name: str) -> Limit | None:
    """The limit called ``rate_name`` in DEFAULT_THROTTLE_RATES ("3000/min"), or None when unset."""
    rate = (api_settings.DEFAULT_THROTTLE_RATES or {}).get(rate_name)
    if not rate:
        return None
    count, _, period = rate.partition("/")
    return Limit(name=f"api_{rate_name}", count=int(count), period_seconds=_PERIODS[period.strip()[0]])


def caller(request) -> tuple[str, str]:
    """(kind, subject) of the caller being counted: ("key", id), ("user", id) or ("anon", IP)."""
    key = getattr(request._request, "api_key", None)
    if key is not None:
        return "key", str(key.pk)
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated and user.pk is not None:
        return "user", str(user.pk)
    return "anon", client_ip(request._request) or ""


class _CallerThrottle(BaseThrottle):
    window = ""

    def allow_request(self, request, view):
        kind, subject = caller(request)
        rate = configured_limit(f"{kind}_{self.window}")
        if rate is None:
            return True
        decision = hit(rate, subject)
        self._wait = decision.retry_after
        return decision.allowed

    def wait(self):
        return self._wait


class BurstThrottle(_CallerThrottle):
    window = "burst"


class SustainedThrottle(_CallerThrottle):
    window = "sustained"


def throttle_failed_key(request) -> None:
    """Count a request whose bearer key opened nothing against its IP's anonymous limits; 429 past them."""
    subject = client_ip(request) or ""
    waits = []
    for window in ("burst", "sustained"):
        rate = configured_limit(f"anon_{window}")
        if rate is not None and not (decision := hit(rate, subject)).allowed:
            waits.append(decision.retry_after)
    if waits:
        raise Throttled(wait=max(waits))
