"""``Idempotency-Key`` on POST: a retried request gets the first answer again instead of a duplicate.

It applies to every POST under /api/ by construction: ``IdempotencyMiddleware`` sits inside the
request's tenant transaction (after TenantMiddleware) and wraps whatever view answers, so a new endpoint
needs nothing to honour the header. Keys are scoped to the caller (API key or staff user) and kept for a
day. The same key with a different request is a 422. Two concurrent requests with one key are
serialised by a transaction-level advisory lock, so the second waits and then replays the first's
answer. Answers that say the request was not let in (401, 403, 429) or failed on our side (5xx) are not
kept: a retry of those runs for real.
"""

from __future__ import annotations

import hashlib
import json
from datetime import timedelta

from django.core.exceptions import RequestDataTooBig
from django.db import connection
from django.http import HttpResponse, JsonResponse
from django.utils import timezone

from api.models import IdempotentRequest

HEADER = "Idempotency-Key"
MAX_KEY_LENGTH = 255
KEEP_FOR = timedelta(hours=24)
REPLAYED_HEADER = "Idempotent-Replayed"
_NOT_KEPT = {401, 403, 429}

REUSED_DETAIL = "This Idempotency-Key was used for a different request. Use a new key for a new request."


class IdempotencyMiddleware:
    """Replays the first answer to a POST retried with the same ``Idempotency-Key`` (see module doc)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        key = request.headers.get(HEADER, "").strip()
        principal = _principal(request)
        if request.method != "POST" or not key or principal is None or not request.path.startswith("/api/"):
            return self.get_response(request)
        if len(key) > MAX_KEY_LENGTH:
            return _error(
                400,
                "validation_error",
                "invalid",
                f"An Idempotency-Key has at most {MAX_KEY_LENGTH} characters.",
                HEADER,
            )
        try:
            body = request.body
        except RequestDataTooBig:  # the view answers that one; there is nothing to replay
            return self.get_response(request)
        fingerprint = _fingerprint(request.method, request.path, body)
        _lock(principal, key)
        earlier = _earlier_answer(principal, key)
        if earlier is not None:
            if earlier.fingerprint != fingerprint:
                return _error(422, "client_error", "idempotency_key_reused", REUSED_DETAIL)
            return _replay(earlier)
        response = self.get_response(request)
        if response.status_code < 500 and response.status_code not in _NOT_KEPT:
            stored_body = _json_body(response)
            if stored_body is not _NOT_JSON:
                _remember(request.tenant, principal, key, fingerprint, response.status_code, stored_body)
        return response


def purge_expired(*, now=None) -> int:
    """Forget answers older than a day (run daily, across tenants)."""
    now = now or timezone.now()
    deleted, _ = IdempotentRequest.objects.filter(created_at__lt=now - KEEP_FOR).delete()
    return deleted


# --- Helpers ------------------------------------------------------------------------------------------

_NOT_JSON = object()


def _principal(request) -> str | None:
    """'key:<id>' or 'user:<id>' for a caller inside a tenant, else None (nothing to remember for)."""
    if getattr(request, "tenant", None) is None:
        return None
    key = getattr(request, "api_key", None)
    if key is not None:
        return f"key:{key.pk}"
    if getattr(request, "api_key_error", None):
        return None
    user = getattr(request, "user", None)
    return f"user:{user.pk}" if user is not None and user.is_authenticated else None


def _fingerprint(method: str, path: str, body: bytes) -> str:
    digest = hashlib.sha256()
    for part in (method.encode(), path.encode(), body):
        digest.update(part)
        digest.update(b"\0")
    return digest.hexdigest()


def _lock(principal: str, key: str) -> None:
    with connection.cursor() as cursor:  # the request runs in a transaction (TenantMiddleware)
        cursor.execute("SELECT pg_advisory_xact_lock(hashtextextended(%s, 0))", [f"{principal}:{key}"])


def _earlier_answer(principal: str, key: str) -> IdempotentRequest | None:
    return (
        IdempotentRequest.objects.filter(
            principal=principal, key=key, created_at__gte=timezone.now() - KEEP_FOR
        )
        .order_by("-created_at")
        .first()
    )


def _json_body(response):
    if not response.content:
        return None
    if not response.get("Content-Type", "").startswith("application/json"):
        return _NOT_JSON
    try:
        return json.loads(response.content)
    except ValueError:
        return _NOT_JSON


def _remember(tenant, principal, key, fingerprint, status, body) -> None:
    IdempotentRequest.objects.filter(principal=principal, key=key).delete()  # an expired answer
    IdempotentRequest.objects.create(
        tenant=tenant,
        principal=principal,
        key=key,
        fingerprint=fingerprint,
        response_status=status,
        response_body=body,
    )


def _replay(earlier: IdempotentRequest) -> HttpResponse:
    if earlier.response_body is None:
        response = HttpResponse(status=earlier.response_status)
    else:
        response = JsonResponse(earlier.response_body, status=earlier.response_status, safe=False)
    response[REPLAYED_HEADER] = "true"
    return response


def _error(status: int, error_type: str, code: str, detail: str, attr: str | None = None) -> JsonResponse:
    """The API's one error format, for answers given before any DRF view runs."""
    return JsonResponse(
        {"type": error_type, "errors": [{"code": code, "detail": detail, "attr": attr}]}, status=status
    )
