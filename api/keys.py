"""Issuing, checking and revoking partner API keys.

A key reads ``acc_<prefix>_<secret>``. The prefix finds the row; the secret is compared, in constant
time, with the SHA-256 stored for it (the secret has 256 bits of entropy, so a fast hash is enough and a
per-request password hash would be waste). The clear key is returned once, at creation.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import timedelta

from django.utils import timezone

from api.models import ApiKey, Scope
from tenants.scope import cross_tenant, current_tenant

KEY_PREFIX = "acc"
LAST_USED_PRECISION = timedelta(minutes=1)  # record use at most once a minute per key


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def create_api_key(*, name: str, scopes: list[str], created_by=None) -> tuple[ApiKey, str]:
    """Create a key for the current tenant. Returns the row and the clear key (shown once)."""
    unknown = set(scopes) - set(Scope.values)
    if not scopes or unknown:
        raise ValueError(
            f"Scopes must be some of {', '.join(Scope.values)}; got {', '.join(scopes) or 'none'}."
        )
    if not name.strip():
        raise ValueError("An API key needs a name.")
    prefix = secrets.token_hex(6)
    secret = secrets.token_urlsafe(32)
    key = ApiKey.objects.create(
        tenant=current_tenant(),
        name=name.strip(),
        prefix=prefix,
        secret_hash=_hash(secret),
        scopes=sorted(set(scopes)),
        created_by=created_by,
    )
    return key, f"{KEY_PREFIX}_{prefix}_{secret}"


def revoke_api_key(key: ApiKey) -> ApiKey:
    if key.revoked_at is None:
        key.revoked_at = timezone.now()
        key.save(update_fields=["revoked_at"])
    return key


def authenticate_bearer(credentials: str) -> tuple[ApiKey | None, str | None]:
    """(key, None) for a valid key (the part after ``Bearer``), else (None, why). Records its last use."""
    parts = credentials.strip().split("_", 2)
    if len(parts) != 3 or parts[0] != KEY_PREFIX:
        return None, "Malformed API key."
    _, prefix, secret = parts
    # The tenant is not known until the key is found: this lookup is the API's one bypass.
    with cross_tenant("authenticate a partner API key"):
        key = ApiKey.objects.select_related("tenant").filter(prefix=prefix).first()
        if key is None or not hmac.compare_digest(key.secret_hash, _hash(secret)):
            return None, "Invalid API key."
        if key.revoked_at is not None:
            return None, "This API key was revoked."
        if not key.tenant.is_active:
            return None, "This API key's company is no longer active."
        now = timezone.now()
        if key.last_used_at is None or now - key.last_used_at > LAST_USED_PRECISION:
            ApiKey.objects.filter(pk=key.pk).update(last_used_at=now)
            key.last_used_at = now
    return key, None
