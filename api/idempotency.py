"""``Idempotency-Key`` on POST: a retried request gets the first answer again instead of a duplicate.

Keys are scoped to the caller (API key or staff user) and kept for a day. The same key with a different
request is a 422. Two concurrent requests with one key are serialised by a transaction-level advisory
lock, so the second waits and then replays the first's answer.
"""

from __future__ import annotations

import hashlib
import json
from datetime import timedelta

from django.db import connection
from django.http.request import RawPostDataException
from django.utils import timezone
from rest_framework import status
from rest_framework.exceptions import APIException, ValidationError
from rest_framework.response import Response

from api.models import IdempotentRequest

HEADER = "Idempotency-Key"
KEEP_FOR = timedelta(hours=24)


class IdempotencyKeyReused(APIException):
    status_code = status.HTTP_422_UNPROCESSABLE_ENTITY
    default_detail = "This Idempotency-Key was used for a different request. Use a new key for a new request."
    default_code = "idempotency_key_reused"


def _principal(request) -> str:
    key = getattr(request._request, "api_key", None)
    return f"key:{key.pk}" if key is not None else f"user:{request.user.pk}"


def _fingerprint(request) -> str:
    try:
        body = request._request.body
    except RawPostDataException:  # the stream was consumed already: fall back to the parsed data
        body = json.dumps(request.data, sort_keys=True, default=str).encode()
    digest = hashlib.sha256()
    for part in (request.method.encode(), request.path.encode(), body):
        digest.update(part)
        digest.update(b"\0")
    return digest.hexdigest()


def idempotent(request, handle):
    """Run ``handle()`` once per (caller, Idempotency-Key); replay its answer for retries."""
    key = request.headers.get(HEADER, "").strip()
    if not key:
        return handle()
    if len(key) > 255:
        raise ValidationError({HEADER: "An Idempotency-Key has at most 255 characters."})
    principal, fingerprint = _principal(request), _fingerprint(request)
    with connection.cursor() as cursor:  # the request already runs in a transaction (tenant_scope)
        cursor.execute("SELECT pg_advisory_xact_lock(hashtextextended(%s, 0))", [f"{principal}:{key}"])
    earlier = (
        IdempotentRequest.objects.filter(
            principal=principal, key=key, created_at__gte=timezone.now() - KEEP_FOR
        )
        .order_by("-created_at")
        .first()
    )
    if earlier is not None:
        if earlier.fingerprint != fingerprint:
            raise IdempotencyKeyReused()
        response = Response(earlier.response_body, status=earlier.response_status)
        response["Idempotent-Replayed"] = "true"
        return response
    response = handle()
    if response.status_code < 500:  # a server error may be retried for real
        IdempotentRequest.objects.filter(principal=principal, key=key).delete()  # an expired answer
        IdempotentRequest.objects.create(
            tenant=request._request.tenant,
            principal=principal,
            key=key,
            fingerprint=fingerprint,
            response_status=response.status_code,
            response_body=response.data,
        )
    return response


def purge_expired(*, now=None) -> int:
    """Forget answers older than a day (run daily, across tenants)."""
    now = now or timezone.now()
    deleted, _ = IdempotentRequest.objects.filter(created_at__lt=now - KEEP_FOR).delete()
    return deleted
