"""Issuing, checking and revoking partner API keys.

A key reads ``acc_<prefix>_<secret>``. The prefix finds the row; the secret is compared, in constant
time, with the SHA-256 stored for it (the secret has 256 bits of entropy, so a fast hash is enough and a
per-request password hash would be waste). The clear key is returned once, at creation.

Every key has an owner on the staff (``ApiKey.owner``). A key works only while it is not revoked, not
expired, its tenant is active and its owner is still an active member of that tenant's staff: whoever
leaves the team takes their keys' access with them, until an owner reassigns a service key.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import timedelta

from django.utils import timezone

from api.models import ApiKey, KeyKind
from api.scopes import all_scopes, unknown_scopes
from tenants.models import StaffMembership
from tenants.roles import Role
from tenants.scope import cross_tenant, current_tenant

KEY_PREFIX = "acc"
LAST_USED_PRECISION = timedelta(minutes=1)  # record use at most once a minute per key


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def create_api_key(
    *,
    name: str,
    scopes: list[str],
    owner=None,
    kind: str = KeyKind.SERVICE,
    expires_at=None,
    created_by=None,
) -> tuple[ApiKey, str]:
    """Create a key for the current tenant. Returns the row and the clear key (shown once).

    ``owner`` defaults to ``created_by``, else the tenant's first owner (for keys made from the command
    line). A personal key belongs to the one who creates it."""
    unknown = unknown_scopes(scopes)
    if not scopes or unknown:
        raise ValueError(
            f"Scopes must be some of {', '.join(all_scopes())}; got {', '.join(scopes) or 'none'}."
        )
    if not name.strip():
        raise ValueError("An API key needs a name.")
    if kind not in KeyKind.values:
        raise ValueError(f"An API key is a personal or a service key, not {kind!r}.")
    if expires_at is not None and expires_at <= timezone.now():
        raise ValueError("An API key's expiry must be in the future.")
    owner = owner or created_by or first_owner()
    if owner is None or not is_active_staff(owner):
        raise ValueError("An API key's owner must be an active member of the staff.")
    prefix = secrets.token_hex(6)
    secret = secrets.token_urlsafe(32)
    key = ApiKey.objects.create(
        tenant=current_tenant(),
        name=name.strip(),
        kind=kind,
        owner=owner,
        prefix=prefix,
        secret_hash=_hash(secret),
        scopes=sorted(set(scopes), key=all_scopes().index),
        expires_at=expires_at,
        created_by=created_by,
    )
    return key, f"{KEY_PREFIX}_{prefix}_{secret}"


def first_owner():
    """The current tenant's longest-standing active owner, or None."""
    membership = (
        StaffMembership.objects.filter(role=Role.OWNER, is_active=True, user__is_active=True)
        .select_related("user")
        .order_by("created_at", "pk")
        .first()
    )
    return membership.user if membership else None


def is_active_staff(user) -> bool:
    """Whether ``user`` is an active member of the current tenant's staff."""
    return (
        user is not None
        and user.is_active
        and StaffMembership.objects.filter(user=user, is_active=True).exists()
    )


def active_staff_ids() -> set[int]:
    """Ids of the current tenant's active staff members (for the keys page's "owner left")."""
    return set(
        StaffMembership.objects.filter(is_active=True, user__is_active=True).values_list("user_id", flat=True)
    )


def key_status(key: ApiKey, on_staff: set[int], now) -> str:
    """What the keys page shows: "revoked", "expired", "owner_left" (not working) or "active"."""
    if key.revoked_at is not None:
        return "revoked"
    if key.is_expired(now):
        return "expired"
    if key.owner_id is None or key.owner_id not in on_staff:
        return "owner_left"
    return "active"


def reassign_api_key(key: ApiKey, owner) -> ApiKey:
    """Make ``owner`` responsible for a service key (a personal key belongs to one person only)."""
    if key.kind != KeyKind.SERVICE:
        raise ValueError("Only a service key can change owner; revoke a personal key instead.")
    if not is_active_staff(owner):
        raise ValueError("An API key's owner must be an active member of the staff.")
    key.owner = owner
    key.save(update_fields=["owner"])
    return key


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
        key = ApiKey.objects.select_related("tenant", "owner").filter(prefix=prefix).first()
        if key is None or not hmac.compare_digest(key.secret_hash, _hash(secret)):
            return None, "Invalid API key."
        if key.revoked_at is not None:
            return None, "This API key was revoked."
        if not key.tenant.is_active:
            return None, "This API key's company is no longer active."
        now = timezone.now()
        if key.is_expired(now):
            return None, f"This API key expired on {key.expires_at:%Y-%m-%d %H:%M} UTC."
        if not _owner_is_on_the_team(key):
            return None, (
                "This API key's owner is no longer on the team, so the key no longer works. "
                "An owner of the company can reassign or revoke it on the API keys page."
            )
        if key.last_used_at is None or now - key.last_used_at > LAST_USED_PRECISION:
            ApiKey.objects.filter(pk=key.pk).update(last_used_at=now)
            key.last_used_at = now
    return key, None


def _owner_is_on_the_team(key: ApiKey) -> bool:
    return (
        key.owner is not None
        and key.owner.is_active
        and StaffMembership.objects.filter(
            tenant_id=key.tenant_id, user_id=key.owner_id, is_active=True
        ).exists()
    )
