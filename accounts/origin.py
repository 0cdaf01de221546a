"""Where a request comes from, in the one form the signing trail and the audit log record it."""

from django.conf import settings

USER_AGENT_MAX_LENGTH = 300


def client_ip(request) -> str | None:
    """The caller's address. Behind N trusted proxies (settings.TRUSTED_PROXY_HOPS) it is the Nth
    address from the right of X-Forwarded-For; otherwise the socket's peer, which nobody can forge."""
    hops = int(getattr(settings, "TRUSTED_PROXY_HOPS", 0) or 0)
    if hops:
        forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
        forwarded = [part for part in forwarded if part]
        if len(forwarded) >= hops:
            return forwarded[-hops]
    return request.META.get("REMOTE_ADDR") or None


def user_agent(request) -> str:
    return request.headers.get("User-Agent", "")[:USER_AGENT_MAX_LENGTH]
